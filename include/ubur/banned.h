/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functions that are too easy to misuse with untrusted input. Included last
 * by every source file (through the build's -include), so a use fails to
 * compile. Use snprintf, ubur_buf, strtol with end checks instead.
 */
#ifndef UBUR_BANNED_H
#define UBUR_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_ubur

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)

#endif
