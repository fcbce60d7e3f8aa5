/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Demo data for screening: a small national alert list, in both scripts and
 * with the spellings officers meet, so the demo's border checks, visa
 * applications and registrations have something to find. Fictional people.
 */
#include <string.h>

#include "ubur/watchlist.h"
#include "ubur/banned.h"

int ubur_watchlist_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err);

static const char demo_alerts[] =
    "reference,name,aliases,dob,nationality,sex,action\n"
    "SYR-NAL-0001,Abd al-Rahman Khalil al-Tikriti,Abdulrahman Khalil Al Tikriti;"
    "عبد الرحمن خليل التكريتي,1979,IRQ,M,refuse_entry\n"
    "SYR-NAL-0002,محمد حسن الجبوري,Mohammed Hasan al-Jubouri;Muhammad Hassan Al Juburi,"
    "1985-03-02,IRQ,M,arrest\n"
    "SYR-NAL-0003,Umm Salman al-Ansari,أم سلمان الأنصاري,1990,SYR,F,discreet_check\n"
    "SYR-NAL-0004,Abu Bakr Faris al-Dulaimi,Abou Bakr Fares Al Dulaimi;أبو بكر فارس الدليمي,"
    "1975-11-20,IRQ,M,refuse_entry\n"
    "SYR-NAL-0005,Salman bin Yusuf al-Shammari,سلمان بن يوسف الشمري,1982,SAU,M,"
    "inform_issuing_state\n"
    "SYR-NAL-0006,Zaynab Abd al-Karim al-Ubaydi,Zainab Abdelkarim Al Obaidi;"
    "زينب عبد الكريم العبيدي,1988-07-14,IRQ,F,discreet_check\n"
    "SYR-NAL-0007,Hamza Ali al-Mosuli,Hamzah Ali Al Mawsili;حمزة علي الموصلي,1969,IRQ,M,"
    "refuse_entry\n"
    "SYR-NAL-0008,Khalid Mahmud al-Hamadani,Khaled Mahmoud Al Hamdani;خالد محمود الهمداني,"
    "1972-04-30,SYR,M,arrest\n";

int
ubur_watchlist_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err)
{
    (void)seed; /* the list is fixed: officers and tests refer to its entries by name */
    struct ubur_wl_summary sum;
    unsigned saved = ctx->role;
    ctx->role = UBUR_ROLE_ADMIN;
    int rc =
        ubur_watchlist_import(ctx, "Syrian national alert list", "demo-alerts.csv", demo_alerts,
                              strlen(demo_alerts), UBUR_WL_CSV, NULL, NULL, &sum, err);
    ctx->role = saved;
    return rc;
}
