/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The border's demonstration data (../shared/CONTEXT.md): the four official
 * crossing pairs between Iraq and Syria with their schedule history as the
 * article and the news tell it, one change scheduled ahead ("rearranging"
 * a crossing), visa-free rules, and crossings made through the real
 * services (check, then confirm or override): Syrians going home, a
 * visa-free Lebanese traveller who overstayed, travellers refused at a
 * closed hour or without a visa, a pilgrim group leaving for Karbala and a
 * repatriation convoy of Iraqi families from Al-Hol. History dates are the
 * real ones; the crossings are placed in the weeks before today so that the
 * overstays and traffic figures are current. Names and document numbers
 * come from the seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/banned.h"

static const struct ubur_crossing_input points[] = {
    /* Coordinates are approximate, except Al-Waleed/Al-Tanf's (CONTEXT.md). */
    {"qaim", "Al-Qaim", "القائم", "IRQ", "Anbar", 34.382, 40.997, NULL, 180},
    {"albukamal", "Albu Kamal", "البوكمال", "SYR", "Deir ez-Zor", 34.453, 40.918, "qaim", 180},
    {"rabia", "Rabia", "ربيعة", "IRQ", "Ninewa", 36.808, 42.102, NULL, 180},
    {"yarubiyah", "Al-Yarubiyah", "اليعربية", "SYR", "Al-Hasakah", 36.812, 42.064, "rabia", 180},
    {"waleed", "Al-Waleed", "الوليد", "IRQ", "Anbar", 33.4332, 38.9374, NULL, 180},
    {"tanf", "Al-Tanf", "التنف", "SYR", "Homs", 33.4332, 38.9374, "waleed", 180},
    {"faysh-khabur", "Faysh Khabur (Peshkhabour)", "فيشخابور", "IRQ", "Duhok", 37.071, 42.379, NULL,
     180},
    {"semalka", "Semalka", "سيمالكا", "SYR", "Al-Hasakah", 37.076, 42.366, "faysh-khabur", 180},
};

static const struct {
    const char *id, *from, *mode, *hours, *categories, *note;
} history[] = {
    {"qaim", "2019-09-30T00:00:00Z", "open", NULL, NULL, "reopened 30 Sep 2019"},
    {"albukamal", "2019-09-30T00:00:00Z", "open", NULL, NULL, "reopened 30 Sep 2019"},
    {"qaim", "2024-12-08T00:00:00Z", "humanitarian", NULL,
     "national,purpose:medical,returnee,cargo",
     "closed 8 Dec 2024; humanitarian movement and stranded trucks only"},
    {"albukamal", "2024-12-08T00:00:00Z", "humanitarian", NULL,
     "national,purpose:medical,returnee,cargo",
     "closed 8 Dec 2024; humanitarian movement and stranded trucks only"},
    {"rabia", "2019-01-01T00:00:00Z", "open", NULL, NULL, NULL},
    {"yarubiyah", "2019-01-01T00:00:00Z", "open", NULL, NULL, NULL},
    {"rabia", "2020-01-10T00:00:00Z", "groups", NULL, NULL,
     "closed to UN cross-border aid since Jan 2020; organised convoys only"},
    {"yarubiyah", "2020-01-10T00:00:00Z", "groups", NULL, NULL,
     "closed to UN cross-border aid since Jan 2020; organised convoys only"},
    {"waleed", "2019-01-01T00:00:00Z", "restricted_hours", "08:00-16:00", NULL,
     "Baghdad-Damascus highway; daytime only"},
    {"tanf", "2019-01-01T00:00:00Z", "restricted_hours", "08:00-16:00", NULL,
     "Baghdad-Damascus highway; daytime only"},
    {"faysh-khabur", "2019-01-01T00:00:00Z", "open", NULL, NULL, "Kurdistan Region"},
    {"semalka", "2019-01-01T00:00:00Z", "open", NULL, NULL, "pontoon bridge on the Tigris"},
};

static const char *const male[] = {
    "MUHAMMAD", "AHMAD",   "ALI",           "HASAN", "HUSAYN", "OMAR",  "KHALID",  "YUSUF",
    "IBRAHIM",  "MAHMOUD", "ABD AL-RAHMAN", "SALIM", "JASIM",  "KARIM", "MUSTAFA", "HAMID"};
static const char *const female[] = {"FATIMA", "ZAYNAB", "MARYAM", "AISHA", "NOOR", "HUDA",
                                     "LAYLA",  "SARA",   "AMAL",   "RANA",  "SUAD", "KHADIJA"};
static const char *const families[] = {"AL-HASHIMI", "AL-JUBURI",   "AL-DULAIMI", "AL-ANI",
                                       "AL-OBEIDI",  "AL-SHAMMARI", "HADDAD",     "KHALIL",
                                       "AL-TIKRITI", "AL-MOSULI",   "AL-RAWI",    "AL-KHALIDI",
                                       "SULAYMAN",   "AL-ZUBAIDI",  "AL-HASSAN",  "MAHMOUD"};

struct demo {
    struct ubur_ctx *ctx;
    unsigned seed;
    int64_t today; /* day */
    int serial;
};

/* xorshift: deterministic for a seed. */
static unsigned
next_rand(struct demo *d)
{
    unsigned x = d->seed ? d->seed : 2021;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d->seed = x;
    return x;
}

struct person {
    char number[12], surname[40], given[40], birth[11], expiry[11], sex[2], nat[4];
};

static void
make_person(struct demo *d, struct person *p, const char *nat, char sex, int age)
{
    const char *given = sex == 'F' ? female[next_rand(d) % (sizeof(female) / sizeof(*female))]
                                   : male[next_rand(d) % (sizeof(male) / sizeof(*male))];
    snprintf(p->nat, sizeof(p->nat), "%s", nat);
    snprintf(p->number, sizeof(p->number), "%c%08u", nat[0],
             10000000u + (next_rand(d) % 89999999u));
    snprintf(p->surname, sizeof(p->surname), "%s",
             families[next_rand(d) % (sizeof(families) / sizeof(*families))]);
    snprintf(p->given, sizeof(p->given), "%s", given);
    ubur_date_format(d->today - age * 365 - (int64_t)(next_rand(d) % 300), p->birth);
    ubur_date_format(d->today + 400 + (int64_t)(next_rand(d) % 2000), p->expiry);
    p->sex[0] = sex;
    p->sex[1] = '\0';
    d->serial++;
}

static void
input_of(const struct person *p, struct ubur_check_input *in)
{
    memset(in, 0, sizeof(*in));
    in->document.document_number = p->number;
    in->document.nationality = p->nat;
    in->document.birth_date = p->birth;
    in->document.expiry_date = p->expiry;
    in->document.surname = p->surname;
    in->document.given_names = p->given;
    in->document.sex = p->sex;
}

/* Checks one person at `crossing` `days_ago` days before today at local hour `hour`, then records.
 */
static int
cross(struct demo *d, const struct person *p, const char *crossing, const char *dir, int days_ago,
      int hour, const char *decision, const char *reason, struct ubur_error *err)
{
    struct ubur_check_input in;
    struct ubur_check_place place = {crossing, dir,
                                     (d->today - days_ago) * 86400 + (hour - 3) * 3600 + 600};
    json_t *chk, *rec;
    input_of(p, &in);
    int rc = ubur_border_check(d->ctx, &place, &in, &chk, err);
    if (rc)
        return rc;
    const char *proposed = json_string_value(json_object_get(chk, "decision"));
    if (!decision && !strcmp(proposed, "refer"))
        decision = "admit", reason = reason ? reason : "cleared at secondary inspection";
    struct ubur_confirm_input ci = {json_string_value(json_object_get(chk, "id")), decision,
                                    reason};
    rc = ubur_border_confirm(d->ctx, &ci, &rec, err);
    json_decref(chk);
    if (!rc)
        json_decref(rec);
    return rc;
}

static int
group_cross(struct demo *d, struct person *people, int n, const char *kind, const char *name,
            const char *crossing, const char *dir, int days_ago, int hour, bool returnee,
            struct ubur_error *err)
{
    struct ubur_check_input *in = ubur_calloc((size_t)n, sizeof(*in));
    struct ubur_check_place place = {crossing, dir,
                                     (d->today - days_ago) * 86400 + (hour - 3) * 3600 + 900};
    struct ubur_group_input g = {kind, name};
    json_t *res = NULL, *rec = NULL;
    for (int i = 0; i < n; i++) {
        input_of(&people[i], &in[i]);
        in[i].returnee = returnee;
    }
    int rc = ubur_border_check_group(d->ctx, &place, &g, in, n, &res, err);
    if (!rc)
        rc = ubur_border_confirm_group(d->ctx, json_string_value(json_object_get(res, "group_id")),
                                       &rec, err);
    json_decref(res);
    json_decref(rec);
    free(in);
    return rc;
}

int
ubur_border_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err)
{
    struct demo d = {ctx, seed, ubur_border_day_now(), 0};
    struct person p[40];
    int rc;
    json_t *o;

    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
        if ((rc = ubur_crossing_add(ctx, &points[i], err)))
            return rc;
    for (size_t i = 0; i < sizeof(history) / sizeof(history[0]); i++) {
        struct ubur_schedule_input s = {history[i].id,    history[i].mode,       0,
                                        history[i].hours, history[i].categories, history[i].note};
        if (ubur_time_parse(history[i].from, &s.from, NULL))
            return ubur_error_set(err, UBUR_EINTERNAL, "bad demo date %s", history[i].from);
        if ((rc = ubur_crossing_schedule(ctx, &s, &o, err)))
            return rc;
        json_decref(o);
    }
    /* Rearranging: Al-Qaim and Albu Kamal reopen to all six weeks from today. */
    for (int i = 0; i < 2; i++) {
        struct ubur_schedule_input s = {i ? "albukamal" : "qaim",
                                        "open",
                                        (d.today + 42) * 86400,
                                        NULL,
                                        NULL,
                                        "reopening to all travellers (agreed)"};
        if ((rc = ubur_crossing_schedule(ctx, &s, &o, err)))
            return rc;
        json_decref(o);
    }
    if ((rc = ubur_border_visa_free_set(ctx, "SYR", "LBN", 90, 180, err)) ||
        (rc = ubur_border_visa_free_set(ctx, "SYR", "JOR", 90, 180, err)) ||
        (rc = ubur_border_visa_free_set(ctx, "IRQ", "JOR", 30, 180, err)))
        return rc;

    /* Syrians coming home through Albu Kamal (nationals pass the humanitarian mode). */
    for (int i = 0; i < 6; i++) {
        make_person(&d, &p[i], "SYR", i % 2 ? 'F' : 'M', 25 + i * 5);
        if ((rc = cross(&d, &p[i], "albukamal", "entry", 20 - i * 3, 10, NULL, NULL, err)))
            return rc;
    }
    /* Two of them leave again for Iraq a week later. */
    for (int i = 0; i < 2; i++)
        if ((rc = cross(&d, &p[i], "albukamal", "exit", 10 - i * 3, 11, NULL, NULL, err)))
            return rc;
    /* A Lebanese visitor (90 days in any 180) who entered 100 days ago and is still here. */
    make_person(&d, &p[6], "LBN", 'M', 41);
    if ((rc = cross(&d, &p[6], "tanf", "entry", 100, 10, NULL, NULL, err)))
        return rc;
    /* Another who stayed 100 days and left 20 days ago: referred at the exit, then let go. */
    make_person(&d, &p[7], "LBN", 'F', 36);
    if ((rc = cross(&d, &p[7], "tanf", "entry", 120, 9, NULL, NULL, err)) ||
        (rc = cross(&d, &p[7], "tanf", "exit", 20, 14, "admit",
                    "overstay of 11 days fined; exit allowed", err)))
        return rc;
    /* A Jordanian arriving at Al-Tanf after closing time: refused (crossing_closed). */
    make_person(&d, &p[8], "JOR", 'M', 50);
    if ((rc = cross(&d, &p[8], "tanf", "entry", 5, 19, NULL, NULL, err)))
        return rc;
    /* The same man the next morning: admitted visa-free. */
    if ((rc = cross(&d, &p[8], "tanf", "entry", 4, 9, NULL, NULL, err)))
        return rc;
    /* An Iraqi tourist at Albu Kamal without a visa, in humanitarian mode: refused. */
    make_person(&d, &p[9], "IRQ", 'M', 33);
    if ((rc = cross(&d, &p[9], "albukamal", "entry", 3, 12, NULL, NULL, err)))
        return rc;
    /* An Iraqi patient refused for lack of a visa, admitted by a supervisor's override. */
    make_person(&d, &p[10], "IRQ", 'F', 58);
    if ((rc = cross(&d, &p[10], "albukamal", "entry", 2, 13, "admit",
                    "urgent treatment at Deir ez-Zor hospital; visa applied for on arrival", err)))
        return rc;

    /* Arbaeen: Syrian pilgrims leave for Karbala as a group through Al-Yarubiyah. */
    for (int i = 0; i < 12; i++)
        make_person(&d, &p[11 + i], "SYR", i % 3 ? 'M' : 'F', 20 + (int)(next_rand(&d) % 50));
    if ((rc = group_cross(&d, &p[11], 12, "pilgrims", "Arbaeen pilgrims, Qamishli", "yarubiyah",
                          "exit", 8, 7, false, err)))
        return rc;
    /* A repatriation convoy of Iraqi families from Al-Hol to Al-Jada'a: out of Syria at
     * Al-Yarubiyah, into Iraq at Rabia, as returnees. */
    for (int i = 0; i < 14; i++)
        make_person(&d, &p[23 + i], "IRQ", i % 2 ? 'F' : 'M', i < 6 ? 5 + i : 25 + i);
    if ((rc = group_cross(&d, &p[23], 14, "convoy", "Al-Hol convoy 12 to Al-Jada'a", "yarubiyah",
                          "exit", 6, 8, true, err)) ||
        (rc = group_cross(&d, &p[23], 14, "convoy", "Al-Hol convoy 12 to Al-Jada'a", "rabia",
                          "entry", 6, 10, true, err)))
        return rc;
    return 0;
}
