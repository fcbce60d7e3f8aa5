/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static files of the web UI. Paths are checked segment by segment (no
 * "..", no hidden files, a fixed character set) before touching the disk,
 * and only regular files under the web directory are served. An unknown
 * path without an extension serves index.html so the UI's client-side
 * routes survive a reload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"
#include "ubur/banned.h"

static char web_dir[512] = "web";

void
ubur_http_set_web_dir(const char *dir)
{
    if (dir && *dir)
        snprintf(web_dir, sizeof(web_dir), "%s", dir);
}

static const char *
content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

static bool
safe_path(const char *p)
{
    if (*p != '/' || strlen(p) > 200)
        return false;
    for (const char *s = p; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '.' || c == '-' || c == '_'))
            return false;
        if (c == '/' && s[1] == '.')
            return false; /* "..", hidden files */
    }
    return true;
}

int
ubur_http_static(const char *path, struct ubur_http_resp *resp)
{
    char full[768];
    struct stat stbuf;

    if (!safe_path(path))
        return UBUR_ENOTFOUND;
    if (!strcmp(path, "/") || !strchr(strrchr(path, '/'), '.'))
        path = "/index.html";
    snprintf(full, sizeof(full), "%s%s", web_dir, path);
    if (stat(full, &stbuf) != 0 || !S_ISREG(stbuf.st_mode) || stbuf.st_size > (16 << 20))
        return UBUR_ENOTFOUND;
    FILE *f = fopen(full, "rb");
    if (!f)
        return UBUR_ENOTFOUND;
    char *data = ubur_malloc((size_t)stbuf.st_size + 1);
    size_t n = fread(data, 1, (size_t)stbuf.st_size, f);
    fclose(f);
    resp->status = 200;
    resp->raw = data;
    resp->raw_len = n;
    resp->content_type = content_type(full);
    ubur_http_header(resp, "Cache-Control", "no-cache");
    return 0;
}
