/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo registry (ubur_registry_demo): the places of ../shared/CONTEXT.md
 * in Syria and Iraq, and a synthetic population in Syria whose statistics
 * reproduce the article of 24 December 2021 exactly:
 *   18,817 refugees (REF), mostly in Damascus and Al-Hasakah, mostly Iraqi;
 *   18,664 asylum-seekers (ASY) outside camps, mostly in urban Qamishli;
 *    7,879 Iraqi asylum-seekers (ASY) in the camps Al-Hol, Roj and Newroz;
 *       58 others of concern (OOC): the article's total, 45,418, exceeds
 *          the sum of its three figures by 58, and a registry that counts
 *          from records shows them.
 * Each bucket (type, place) has an exact count, filled with households
 * (focal point, spouse, children, sometimes a parent) whose last one is cut
 * to fit. About a third of the refugees were registered as asylum-seekers
 * first and recognised later, so statistics as of earlier dates differ.
 * Everything, identifiers included, is drawn from one seeded generator and
 * written in one transaction; the figures hold for any seed. The writes are
 * queued (the writer's pipelined mode) and recognitions applied to the
 * history the demo just wrote, so PostgreSQL gets them without a round trip
 * each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_impl.h"
#include "ubur/synth.h"
#include "ubur/banned.h"

struct demo_loc {
    const char *pcode, *parent, *level, *name_en, *name_ar, *lt, *at;
    double lat, lon;
};

static const struct demo_loc demo_locs[] = {
    {"SY", NULL, "country", "Syria", "سوريا", "V", "U", 0, 0},
    {"SY-DI", "SY", "governorate", "Damascus", "دمشق", "U", "I", 0, 0},
    {"SY-DI-DAM", "SY-DI", "district", "Damascus city", "مدينة دمشق", "U", "I", 33.5138, 36.2765},
    {"SY-RD", "SY", "governorate", "Rural Damascus", "ريف دمشق", "V", "U", 0, 0},
    {"SY-RD-JAR", "SY-RD", "district", "Jaramana", "جرمانا", "U", "I", 33.4862, 36.3461},
    {"SY-RD-SZN", "SY-RD", "district", "Sayyida Zeinab", "السيدة زينب", "U", "I", 33.4444, 36.3411},
    {"SY-HA", "SY", "governorate", "Al-Hasakah", "الحسكة", "V", "U", 0, 0},
    {"SY-HA-HSK", "SY-HA", "district", "Al-Hasakah city", "مدينة الحسكة", "U", "I", 36.5024,
     40.7477},
    {"SY-HA-QAM", "SY-HA", "district", "Qamishli", "القامشلي", "U", "I", 37.0522, 41.2317},
    {"SY-HA-MAL", "SY-HA", "district", "Al-Malikiyah", "المالكية", "U", "I", 37.1706, 42.1379},
    {"SY-HA-HOL", "SY-HA", "site", "Al-Hol camp", "مخيم الهول", "C", "P", 36.3786, 41.1428},
    {"SY-HA-ROJ", "SY-HA-MAL", "site", "Roj camp", "مخيم روج", "C", "P", 36.9936, 42.0872},
    {"SY-HA-NWZ", "SY-HA-MAL", "site", "Newroz camp", "مخيم نوروز", "C", "P", 37.0994, 42.1633},
    {"SY-HA-YAR", "SY-HA", "district", "Al-Yarubiyah", "اليعربية", "R", "I", 36.8131, 42.0656},
    {"SY-HL", "SY", "governorate", "Aleppo", "حلب", "V", "U", 0, 0},
    {"SY-HL-ALE", "SY-HL", "district", "Aleppo city", "مدينة حلب", "U", "I", 36.2021, 37.1343},
    {"SY-HI", "SY", "governorate", "Homs", "حمص", "V", "U", 0, 0},
    {"SY-HI-HMS", "SY-HI", "district", "Homs city", "مدينة حمص", "U", "I", 34.7324, 36.7137},
    {"SY-HI-TNF", "SY-HI", "district", "Al-Tanf", "التنف", "R", "U", 33.4332, 38.9374},
    {"SY-DY", "SY", "governorate", "Deir ez-Zor", "دير الزور", "V", "U", 0, 0},
    {"SY-DY-ABK", "SY-DY", "district", "Albu Kamal", "البوكمال", "U", "I", 34.4536, 40.9186},
    {"IQ", NULL, "country", "Iraq", "العراق", "V", "U", 0, 0},
    {"IQ-DA", "IQ", "governorate", "Duhok", "دهوك", "V", "U", 0, 0},
    {"IQ-DA-DM1", "IQ-DA", "site", "Domiz 1 camp", "مخيم دوميز 1", "C", "P", 36.7817, 42.8869},
    {"IQ-DA-DM2", "IQ-DA", "site", "Domiz 2 camp", "مخيم دوميز 2", "C", "P", 36.7700, 42.9100},
    {"IQ-DA-GAW", "IQ-DA", "site", "Gawilan camp", "مخيم كويلان", "C", "P", 36.6500, 43.4300},
    {"IQ-DA-AKR", "IQ-DA", "site", "Akre camp", "مخيم عقرة", "C", "P", 36.7400, 43.8900},
    {"IQ-DA-FKH", "IQ-DA", "district", "Faysh Khabur", "فيشخابور", "R", "I", 37.0700, 42.3800},
    {"IQ-AR", "IQ", "governorate", "Erbil", "أربيل", "V", "U", 0, 0},
    {"IQ-AR-DSH", "IQ-AR", "site", "Darashakran camp", "مخيم دارشكران", "C", "P", 36.4300, 44.2100},
    {"IQ-AR-KWG", "IQ-AR", "site", "Kawergosk camp", "مخيم كوركوسك", "C", "P", 36.3200, 43.7900},
    {"IQ-AR-QSH", "IQ-AR", "site", "Qushtapa camp", "مخيم قوشتبة", "C", "P", 36.0100, 44.0300},
    {"IQ-AR-BSR", "IQ-AR", "site", "Basirma camp", "مخيم باسرمة", "C", "P", 36.3700, 44.4700},
    {"IQ-SU", "IQ", "governorate", "Sulaymaniyah", "السليمانية", "V", "U", 0, 0},
    {"IQ-SU-ARB", "IQ-SU", "site", "Arbat camp", "مخيم عربت", "C", "P", 35.4200, 45.5800},
    {"IQ-BG", "IQ", "governorate", "Baghdad", "بغداد", "U", "I", 0, 0},
    {"IQ-AN", "IQ", "governorate", "Anbar", "الأنبار", "V", "U", 0, 0},
    {"IQ-AN-QAI", "IQ-AN", "district", "Al-Qaim", "القائم", "U", "I", 34.3700, 41.1000},
    {"IQ-AN-WAL", "IQ-AN", "district", "Al-Waleed", "الوليد", "R", "U", 33.3800, 38.8800},
    {"IQ-NI", "IQ", "governorate", "Ninewa", "نينوى", "V", "U", 0, 0},
    {"IQ-NI-RAB", "IQ-NI", "district", "Rabia", "ربيعة", "R", "I", 36.8100, 42.1000},
    {"IQ-NI-JAD", "IQ-NI", "site", "Al-Jada'a camp", "مخيم الجدعة", "C", "P", 35.8900, 43.2400},
};

enum mix { MIX_REF, MIX_ASY, MIX_CAMP, MIX_OOC };

struct bucket {
    const char *type, *loc;
    int count;
    enum mix mix;
    int from_year;
};

/* The article's figures, placed. The sums are asserted by the demo test. */
static const struct bucket buckets[] = {
    {"REF", "SY-DI-DAM", 8917, MIX_REF, 2007},  {"REF", "SY-RD-JAR", 2300, MIX_REF, 2007},
    {"REF", "SY-RD-SZN", 1100, MIX_REF, 2007},  {"REF", "SY-HA-HSK", 3200, MIX_REF, 2010},
    {"REF", "SY-HA-QAM", 1900, MIX_REF, 2010},  {"REF", "SY-HL-ALE", 800, MIX_REF, 2008},
    {"REF", "SY-HI-HMS", 600, MIX_REF, 2008},   {"ASY", "SY-HA-QAM", 12900, MIX_ASY, 2014},
    {"ASY", "SY-HA-HSK", 2400, MIX_ASY, 2014},  {"ASY", "SY-DI-DAM", 2300, MIX_ASY, 2014},
    {"ASY", "SY-RD-JAR", 700, MIX_ASY, 2014},   {"ASY", "SY-HL-ALE", 364, MIX_ASY, 2014},
    {"ASY", "SY-HA-HOL", 5920, MIX_CAMP, 2019}, {"ASY", "SY-HA-ROJ", 1376, MIX_CAMP, 2019},
    {"ASY", "SY-HA-NWZ", 583, MIX_CAMP, 2019},  {"OOC", "SY-DI-DAM", 40, MIX_OOC, 2012},
    {"OOC", "SY-HA-QAM", 18, MIX_OOC, 2012},
};

/* Origins of each mix: code, weight, family-name set. UKN: unknown origin. */
struct origin {
    const char *code;
    double weight;
    enum ubur_synth_set family;
};
static const struct origin origins[][6] = {
    [MIX_REF] = {{"IRQ", 0.87, UBUR_SYNTH_FAMILY_IRQ},
                 {"SOM", 0.04, UBUR_SYNTH_FAMILY_SOM},
                 {"SDN", 0.04, UBUR_SYNTH_FAMILY_SDN},
                 {"AFG", 0.03, UBUR_SYNTH_FAMILY_AFG},
                 {"YEM", 0.02, UBUR_SYNTH_FAMILY_YEM},
                 {NULL, 0, 0}},
    [MIX_ASY] = {{"IRQ", 0.80, UBUR_SYNTH_FAMILY_IRQ},
                 {"SDN", 0.06, UBUR_SYNTH_FAMILY_SDN},
                 {"SOM", 0.05, UBUR_SYNTH_FAMILY_SOM},
                 {"YEM", 0.05, UBUR_SYNTH_FAMILY_YEM},
                 {"AFG", 0.04, UBUR_SYNTH_FAMILY_AFG},
                 {NULL, 0, 0}},
    [MIX_CAMP] = {{"IRQ", 1.0, UBUR_SYNTH_FAMILY_IRQ}, {NULL, 0, 0}},
    [MIX_OOC] = {{"IRQ", 0.5, UBUR_SYNTH_FAMILY_IRQ},
                 {"SOM", 0.2, UBUR_SYNTH_FAMILY_SOM},
                 {"UKN", 0.3, UBUR_SYNTH_FAMILY_IRQ},
                 {NULL, 0, 0}},
};

#define MAX_HH 12

struct member {
    struct ubur_reg_individual p;
    char g[48], f[48], gf[48], fam[48];
    char ga[64], fa[64], gfa[64], fama[64];
    char dob[11], reg[11];
    struct ubur_reg_document doc;
    char docno[24];
    struct ubur_reg_need need;
};

struct demo {
    struct reg_writer w;
    struct ubur_rng rng;
    uint64_t id_counter;
    int64_t article; /* 2021-12-24 */
    long people, groups, recognised;
};

static void
demo_id(void *arg, char out[UBUR_UUID_LEN + 1])
{
    struct demo *d = arg;
    /* UUIDv7 layout, time from a counter over the article's date, random bits seeded. */
    uint64_t ms = 1640304000000ULL + d->id_counter++;
    uint64_t r1 = ubur_rng_next(&d->rng), r2 = ubur_rng_next(&d->rng);
    snprintf(out, UBUR_UUID_LEN + 1, "%08llx-%04llx-7%03llx-%04llx-%012llx",
             (unsigned long long)(ms >> 16), (unsigned long long)(ms & 0xffff),
             (unsigned long long)(r1 & 0xfff), (unsigned long long)(0x8000 | ((r1 >> 12) & 0x3fff)),
             (unsigned long long)(r2 & 0xffffffffffffULL));
}

static void
set_name(struct demo *d, const struct ubur_synth_name *nm, char *lat, size_t latcap, char *ar,
         size_t arcap)
{
    unsigned v = ubur_rng_unit(&d->rng) < 0.75 ? 0 : ubur_rng_below(&d->rng, 8);
    ubur_synth_latin(nm, v, lat, latcap);
    snprintf(ar, arcap, "%s", nm->ar);
}

static enum ubur_synth_set
given_set(bool female, bool kurdish)
{
    return kurdish ? (female ? UBUR_SYNTH_KURDISH_FEMALE : UBUR_SYNTH_KURDISH_MALE)
                   : (female ? UBUR_SYNTH_FEMALE : UBUR_SYNTH_MALE);
}

/* Fills m's names: given (by sex), father, grandfather and family. */
static void
name_member(struct demo *d, struct member *m, bool female, bool kurdish,
            const struct ubur_synth_name *father, const struct ubur_synth_name *grandfather,
            const struct ubur_synth_name *family)
{
    set_name(d, ubur_synth_pick(&d->rng, given_set(female, kurdish)), m->g, sizeof(m->g), m->ga,
             sizeof(m->ga));
    set_name(d, father, m->f, sizeof(m->f), m->fa, sizeof(m->fa));
    set_name(d, grandfather, m->gf, sizeof(m->gf), m->gfa, sizeof(m->gfa));
    set_name(d, family, m->fam, sizeof(m->fam), m->fama, sizeof(m->fama));
    m->p.given_name = m->g;
    m->p.father_name = m->f;
    m->p.grandfather_name = m->gf;
    m->p.family_name = m->fam;
    m->p.given_name_ar = m->ga;
    m->p.father_name_ar = m->fa;
    m->p.grandfather_name_ar = m->gfa;
    m->p.family_name_ar = m->fama;
    m->p.sex = female ? "F" : "M";
}

/* A birth date for someone `age` years old on the article's date. */
static int64_t
birth_for_age(struct demo *d, int age)
{
    return d->article - (int64_t)age * 365 - (int64_t)(age / 4) -
           (int64_t)ubur_rng_below(&d->rng, 365);
}

static int
household_size(struct demo *d, bool camp)
{
    static const double urban[] = {0, 18, 14, 15, 16, 14, 10, 7, 4, 2};
    static const double campw[] = {0, 4, 8, 12, 15, 17, 16, 13, 9, 6};
    return (int)ubur_rng_weighted(&d->rng, camp ? campw : urban, 10);
}

static int
add_household(struct demo *d, const struct bucket *b, int size, struct ubur_error *err)
{
    struct member m[MAX_HH];
    struct reg_person_in pi[MAX_HH];
    struct reg_group_in gi;
    struct ubur_rng *r = &d->rng;
    bool camp = b->mix == MIX_CAMP;
    memset(m, 0, sizeof(m));

    /* origin and names of the family */
    double w[6];
    size_t no = 0;
    for (; origins[b->mix][no].code; no++)
        w[no] = origins[b->mix][no].weight;
    const struct origin *o = &origins[b->mix][ubur_rng_weighted(r, w, no)];
    bool kurdish = !strcmp(o->code, "IRQ") && ubur_rng_unit(r) < 0.12;
    enum ubur_synth_set famset = kurdish ? UBUR_SYNTH_FAMILY_KURD : o->family;
    const struct ubur_synth_name *family = ubur_synth_pick(r, famset);
    const struct ubur_synth_name *head_father = ubur_synth_pick(r, given_set(false, kurdish));
    const struct ubur_synth_name *head_gf = ubur_synth_pick(r, given_set(false, kurdish));
    const char *citizenship = !strcmp(o->code, "UKN") ? "XXA" : o->code;

    /* registration date of the group */
    int64_t from = ubur_days_from_civil(b->from_year, camp ? 3 : 1, 1);
    int64_t reg = from + (int64_t)ubur_rng_below(r, (uint32_t)(d->article - from + 1));

    /* the focal point: camps are mostly women-headed (Al-Hol) */
    bool female_head = ubur_rng_unit(r) < (camp ? 0.78 : 0.2);
    int head_age = camp ? 20 + (int)ubur_rng_below(r, 30) : 22 + (int)ubur_rng_below(r, 45);
    bool spouse = size >= 2 && ubur_rng_unit(r) < (female_head ? 0.15 : 0.9);
    int n = 0;
    struct member *head = &m[n++];
    head->p.relationship = "focal_point";
    name_member(d, head, female_head, kurdish, head_father, head_gf, family);
    int64_t head_birth = birth_for_age(d, head_age);
    if (spouse) {
        struct member *s = &m[n++];
        int age =
            head_age + (female_head ? 3 + (int)ubur_rng_below(r, 8) : -(int)ubur_rng_below(r, 10));
        if (age < 18)
            age = 18;
        s->p.relationship = "spouse";
        /* a wife keeps her own family name; a husband shares his own */
        const struct ubur_synth_name *sf = ubur_synth_pick(r, given_set(false, kurdish));
        const struct ubur_synth_name *sgf = ubur_synth_pick(r, given_set(false, kurdish));
        name_member(d, s, !female_head, kurdish, sf, sgf,
                    female_head ? ubur_synth_pick(r, famset) : ubur_synth_pick(r, famset));
        snprintf(s->dob, sizeof(s->dob), "%s", "");
        int64_t sb = birth_for_age(d, age);
        ubur_date_format(sb, s->dob);
    }
    /* children's father: the male head, the husband, or someone absent */
    char father_lat[48], father_ar[64];
    const struct ubur_synth_name *absent = ubur_synth_pick(r, given_set(false, kurdish));
    if (!female_head) {
        snprintf(father_lat, sizeof(father_lat), "%s", head->g);
        snprintf(father_ar, sizeof(father_ar), "%s", head->ga);
    } else if (spouse) {
        snprintf(father_lat, sizeof(father_lat), "%s", m[1].g);
        snprintf(father_ar, sizeof(father_ar), "%s", m[1].ga);
    } else {
        ubur_synth_latin(absent, 0, father_lat, sizeof(father_lat));
        snprintf(father_ar, sizeof(father_ar), "%s", absent->ar);
    }
    int mother_age = female_head ? head_age : spouse ? head_age - 4 : head_age;
    while (n < size) {
        struct member *c = &m[n++];
        double x = ubur_rng_unit(r);
        if (x < 0.06 && head_age > 40) {
            c->p.relationship = "parent";
            name_member(d, c, ubur_rng_unit(r) < 0.6, kurdish, head_gf,
                        ubur_synth_pick(r, given_set(false, kurdish)), family);
            ubur_date_format(birth_for_age(d, head_age + 20 + (int)ubur_rng_below(r, 15)), c->dob);
            continue;
        }
        if (x < 0.10) {
            c->p.relationship = "sibling";
            name_member(d, c, ubur_rng_unit(r) < 0.5, kurdish, head_father, head_gf, family);
            int age = head_age - 5 + (int)ubur_rng_below(r, 10);
            ubur_date_format(birth_for_age(d, age < 16 ? 16 : age), c->dob);
            continue;
        }
        c->p.relationship = "child";
        name_member(d, c, ubur_rng_unit(r) < 0.49, kurdish, head_father, head_gf, family);
        /* a child's father and grandfather are the father and his father */
        snprintf(c->f, sizeof(c->f), "%s", father_lat);
        snprintf(c->fa, sizeof(c->fa), "%s", father_ar);
        if (!female_head) {
            snprintf(c->gf, sizeof(c->gf), "%s", head->f);
            snprintf(c->gfa, sizeof(c->gfa), "%s", head->fa);
        }
        int max_age = mother_age - 16 < 17 ? mother_age - 16 : 17;
        int age = max_age > 0 ? (int)ubur_rng_below(r, (uint32_t)max_age + 1) : 0;
        ubur_date_format(birth_for_age(d, age), c->dob);
    }
    /* head's date of birth, sometimes estimated (1 January, as UNHCR records it) */
    if (head_age > 45 && ubur_rng_unit(r) < 0.25) {
        int y, mo, dd;
        ubur_civil_from_days(head_birth, &y, &mo, &dd);
        head_birth = ubur_days_from_civil(y, 1, 1);
        head->p.birth_date_estimated = true;
    }
    ubur_date_format(head_birth, head->dob);

    struct ubur_reg_group g = {.kind = ubur_rng_unit(r) < 0.1 ? "case" : "household",
                               .location = b->loc};
    char greg[11];
    ubur_date_format(reg, greg);
    g.registered_on = greg;
    int rc = reg_check_group(&d->w, &g, &gi, err);
    if (rc)
        return rc;
    bool recognise = !strcmp(b->type, "REF") && ubur_rng_unit(r) < 0.35;
    int64_t recog_day = reg + 180 + (int64_t)ubur_rng_below(r, 720);
    if (recog_day > d->article)
        recognise = false;
    for (int i = 0; i < n; i++) {
        struct member *x = &m[i];
        int64_t birth;
        x->p.birth_date = x->dob;
        x->p.origin = o->code;
        x->p.citizenship = citizenship;
        x->p.population_type = recognise ? "ASY" : b->type;
        ubur_date_parse(x->dob, &birth, NULL);
        /* born after the group registered: registered within a month of birth */
        int64_t preg = reg;
        if (birth >= reg) {
            preg = birth + (int64_t)ubur_rng_below(r, 30);
            if (preg > d->article)
                preg = d->article;
        }
        ubur_date_format(preg, x->reg);
        x->p.registered_on = x->reg;
        int age = ubur_age_years(birth, d->article);
        if (age >= 18 && ubur_rng_unit(r) < (strcmp(o->code, "IRQ") ? 0.4 : 0.8)) {
            bool passport = ubur_rng_unit(r) < 0.65;
            x->doc.doc_type = passport ? "passport" : "national_id";
            if (passport)
                snprintf(x->docno, sizeof(x->docno), "%c%08u", "ABGH"[ubur_rng_below(r, 4)],
                         ubur_rng_below(r, 100000000));
            else
                snprintf(x->docno, sizeof(x->docno), "%06u%06u", ubur_rng_below(r, 1000000),
                         ubur_rng_below(r, 1000000));
            x->doc.number = x->docno;
            x->doc.issuing_country = strcmp(citizenship, "XXA") ? citizenship : NULL;
            x->p.documents = &x->doc;
            x->p.ndocuments = 1;
        }
        const char *need = NULL;
        double q = ubur_rng_unit(r);
        if (age >= 60 && q < 0.3)
            need = "ER";
        else if (i == 0 && female_head && !spouse && n > 1 && q < 0.55)
            need = "SP";
        else if (i == 0 && female_head && q < 0.7)
            need = "WR";
        else if (q < 0.04)
            need = "SM";
        else if (q < 0.07)
            need = "DS";
        else if (camp && age < 18 && q < 0.10)
            need = "CR";
        if (need) {
            x->need.code = need;
            x->p.needs = &x->need;
            x->p.nneeds = 1;
        }
        if ((rc = reg_check_person(&d->w, &x->p, &gi, &pi[i], err)))
            return rc;
    }
    if ((rc = reg_insert_group(&d->w, &g, &gi, pi, (size_t)n, err)))
        return rc;
    d->groups++;
    d->people += n;
    if (recognise) {
        char day[11];
        ubur_date_format(recog_day, day);
        for (int i = 0; i < n; i++) {
            struct ubur_reg_individual p = m[i].p;
            p.id = pi[i].id;
            int64_t pr;
            ubur_date_parse(m[i].reg, &pr, NULL);
            struct ubur_reg_event ev = {.effective_on = pr > recog_day ? m[i].reg : day,
                                        .population_type = "REF",
                                        .reason = "recognised as a refugee"};
            if ((rc = reg_apply_event_registered(&d->w, &p, &pi[i], &ev, err)))
                return rc;
            d->recognised++;
        }
    }
    return 0;
}

int
ubur_registry_demo(struct ubur_ctx *ctx, unsigned seed, struct ubur_error *err)
{
    struct demo *d = ubur_calloc(1, sizeof(*d));
    int rc;
    int64_t existing = 0;

    if (!(ctx->role & (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR))) {
        free(d);
        return ubur_error_set(err, UBUR_EPERM, "loading the demo needs an administrator");
    }
    ubur_rng_seed(&d->rng, seed);
    d->article = ubur_days_from_civil(2021, 12, 24);
    d->w.new_id = demo_id;
    d->w.id_arg = d;
    if ((rc = reg_writer_begin(&d->w, ctx, err))) {
        free(d);
        return rc;
    }
    /* Every write queued, none read back (PostgreSQL pipelines them): the demo's input is
     * generated and valid, and a failure would still abort the one transaction at commit. */
    d->w.pipelined = true;
    if ((rc = ubur_store_query_int(ctx->store, err, &existing,
                                   "SELECT COUNT(*) FROM reg_individual", "")))
        goto fail;
    if (existing) {
        rc = ubur_error_set(err, UBUR_ECONFLICT, "the registry already holds %lld individuals",
                            (long long)existing);
        goto fail;
    }
    for (size_t i = 0; i < sizeof(demo_locs) / sizeof(demo_locs[0]); i++) {
        const struct demo_loc *l = &demo_locs[i];
        const struct reg_loc *have;
        struct ubur_error ignore = UBUR_ERROR_INIT;
        if (!reg_writer_loc(&d->w, l->pcode, "location", &have, &ignore))
            continue; /* already there */
        struct ubur_reg_location loc = {
            .pcode = l->pcode,
            .parent = l->parent,
            .level = l->level,
            .country = l->parent ? NULL : (l->pcode[0] == 'S' ? "SYR" : "IRQ"),
            .name_en = l->name_en,
            .name_ar = l->name_ar,
            .location_type = l->lt,
            .accommodation_type = l->at,
            .latitude = l->lat,
            .longitude = l->lon,
            .has_coordinates = l->lat != 0,
        };
        char id[UBUR_UUID_LEN + 1];
        if ((rc = reg_location_insert(&d->w, &loc, id, err)))
            goto fail;
    }
    for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
        const struct bucket *b = &buckets[i];
        int left = b->count;
        while (left > 0) {
            int size = household_size(d, b->mix == MIX_CAMP);
            if (size >= left)
                size = left; /* the last household of a bucket is cut to fit */
            if ((rc = add_household(d, b, size, err)))
                goto fail;
            left -= size;
        }
    }
    char detail[200];
    snprintf(detail, sizeof(detail),
             "{\"seed\":%u,\"individuals\":%ld,\"groups\":%ld,\"recognised\":%ld}", seed, d->people,
             d->groups, d->recognised);
    if ((rc = ubur_audit(ctx, "registry.demo", "registry", NULL, detail, err)) ||
        (rc = reg_writer_commit(&d->w, err))) {
        free(d);
        return rc;
    }
    free(d);
    return 0;
fail:
    reg_writer_abort(&d->w);
    free(d);
    return rc;
}
