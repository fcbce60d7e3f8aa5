/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the name engine and the name index: folding, Arabic
 * orthography, ICAO transliteration, structure rules (particles, abd +
 * divine name, bin/ibn order, origin names), scoring with evidence, the
 * baselines, the index (exact, fuzzy, cross-script, removal) and hostile
 * input.
 */
#include "unit.h"

#include <math.h>

#include "ubur/name_index.h"
#include "ubur/names.h"

static double
cmp(const char *a, const char *b)
{
    struct ubur_name x, y;
    assert_int_equal(ubur_name_parse(&x, a, NULL), 0);
    assert_int_equal(ubur_name_parse(&y, b, NULL), 0);
    double s = ubur_names_compare(&x, &y, NULL);
    double t = ubur_names_compare(&y, &x, NULL);
    assert_true(s >= 0 && s <= 1);
    assert_true(fabs(s - t) < 1e-9); /* symmetric */
    return s;
}

static void
fold_is(const char *in, const char *want)
{
    char out[512];
    assert_int_equal(ubur_name_fold(in, out, sizeof(out), NULL), 0);
    assert_string_equal(out, want);
}

static void
test_fold(void **state)
{
    (void)state;
    fold_is("  José  MÜLLER-Smith ", "jose muller smith");
    fold_is("Ma'mun  al‐Rashid", "mamun al rashid");
    fold_is("ＭＵＨＡＭＭＡＤ", "muhammad"); /* fullwidth: NFKC */
    fold_is("أحمد", "احمد");                 /* hamza on alef */
    fold_is("إبراهيم", "ابراهيم");
    fold_is("فاطمة", "فاطمه");           /* taa marbuta */
    fold_is("مصطفى", "مصطفي");           /* alef maqsura */
    fold_is("مُحَمَّد", "محمد");             /* harakat and shadda */
    fold_is("محـــمد", "محمد");          /* tatweel */
    fold_is("عبد الکبیر", "عبد الكبير"); /* Persian kaf and yeh */
    fold_is("Łukasz Ødegård", "lukasz odegard");
    char out[64];
    assert_int_equal(ubur_name_fold("\xc3\x28", out, sizeof(out), NULL), UBUR_EINVAL);
    char big[600];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(ubur_name_fold(big, out, sizeof(out), NULL), UBUR_ETOOBIG);
}

static void
test_other_scripts(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(ubur_name_fold("Владимир", out, sizeof(out), NULL), 0);
    assert_string_equal(out, "vladimir");
    assert_true(cmp("Владимир Петров", "Vladimir Petrov") > 0.95);
}

static void
test_icao(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(ubur_name_icao("محمد", out, sizeof(out), NULL), 0);
    assert_string_equal(out, "MXHMD");
    assert_int_equal(ubur_name_icao("فاطمة", out, sizeof(out), NULL), 0);
    assert_string_equal(out, "FAXTTMXAH"); /* tah is XTT; final taa marbuta XAH */
    assert_int_equal(ubur_name_icao("ابو بكر", out, sizeof(out), NULL), 0);
    assert_string_equal(out, "ABW<BKR");
    assert_int_equal(ubur_name_icao("محمد", out, 3, NULL), UBUR_ETOOBIG);
}

static void
test_units(void **state)
{
    (void)state;
    struct ubur_name n;
    assert_int_equal(ubur_name_parse(&n, "Abd el Karim", NULL), 0);
    assert_int_equal(n.n, 1);
    assert_int_equal(n.u[0].kind, UBUR_UNIT_ABD);
    assert_string_equal(n.u[0].skel, "BD:KRM");
    const char *same[] = {"Abdelkarim", "Abdul Karim", "عبد الكريم", "عبدالكريم", "Abd al-Karim"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        assert_int_equal(ubur_name_parse(&n, same[i], NULL), 0);
        assert_int_equal(n.n, 1);
        assert_string_equal(n.u[0].skel, "BD:KRM");
    }
    assert_int_equal(ubur_name_parse(&n, "SALMAN BIN MUHAMMAD AL-TIKRITI", NULL), 0);
    assert_int_equal(n.n, 3);
    assert_true(n.u[1].flags & UBUR_UNIT_NASAB);
    assert_true(n.u[2].flags & UBUR_UNIT_ARTICLE);
    assert_int_equal(ubur_name_parse(&n, "Haji Abu Bakr", NULL), 0);
    assert_int_equal(n.n, 1);
    assert_int_equal(n.u[0].kind, UBUR_UNIT_ABU);
    assert_int_equal(ubur_name_parse(&n, "محمد", NULL), 0);
    assert_true(n.u[0].flags & UBUR_UNIT_ARABIC);
    assert_string_equal(n.u[0].skel, "MHMD");
    assert_true(n.u[0].weight < 0.5f); /* the commonest name carries little evidence */
    /* "allah" after a name joins it in Arabic script and as "ullah" in Latin; in Latin
     * "Allah" also begins names (Allah Dad), and a name already glued is not joined again */
    assert_int_equal(ubur_name_parse(&n, "نور الله نوری", NULL), 0);
    assert_int_equal(n.n, 2);
    assert_int_equal(ubur_name_parse(&n, "Matin Allah Dad", NULL), 0);
    assert_int_equal(n.n, 3);
    assert_int_equal(ubur_name_parse(&n, "Hamdullah Allah Noor", NULL), 0);
    assert_int_equal(n.n, 3);
    assert_int_equal(ubur_name_parse(&n, "عبد الله", NULL), 0);
    assert_int_equal(n.n, 1);
    assert_int_equal(n.u[0].kind, UBUR_UNIT_ABD);
    assert_int_equal(ubur_name_parse(&n, "Salahuddin", NULL), 0);
    assert_true(n.u[0].flags & UBUR_UNIT_DIN);
    assert_int_equal(ubur_name_parse(&n, "Anwari", NULL), 0);
    assert_int_equal(ubur_name_parse(&n, "---", NULL), UBUR_EINVAL);
    assert_int_equal(ubur_name_parse(&n, "", NULL), UBUR_EINVAL);
}

static void
test_spelling_variants(void **state)
{
    (void)state;
    /* a common name alone, and Latin e a little from a (session 6): 0.845 */
    assert_true(cmp("Mohammed", "Muhammad") > 0.84);
    assert_true(cmp("Mohamad", "Muhammad") > 0.85);
    assert_true(cmp("محمد", "Muhammad") > 0.75);
    assert_true(cmp("Abd el Karim", "Abdelkarim") > 0.9);
    assert_true(cmp("Abdurrahman", "عبد الرحمن") > 0.8);
    assert_true(cmp("Hussein", "حسين") > cmp("Hassan", "حسين"));
    assert_true(cmp("Muhammad Taher Anwari", "محمد طاهر أنوري") > 0.9);
    assert_true(cmp("Muhammad Taher Anwari", "Mohammad Tahre Anwari") > 0.8);
    assert_true(cmp("Alhashimi", "Al Hashemi") > 0.8);
    assert_true(cmp("Salah al-Din", "صلاح الدين") > 0.85);
    /* "X Allah" written apart in Arabic script is one name, glued in Latin */
    assert_true(cmp("Nurullah Nuri", "نور الله نوری") > 0.85);
    assert_true(cmp("Saif Ullah", "سيف الله") > 0.85);
    assert_true(cmp("Sanaullah Ghafari", "ثناء اللہ غفاری") > 0.6);
    /* "X al-Din" glued in Latin is the compound */
    assert_true(cmp("Salahuddin Ali", "صلاح الدين علي") > 0.9);
    assert_true(cmp("Nasreddine Ali", "Nasr al-Din Ali") > 0.95);
    /* French "ou" at the start is u; "ould" is a patronym
     * marker in Arabic script too; حاجي a title */
    assert_true(cmp("Oumar Ali", "عمر علي") >= cmp("Omar Ali", "عمر علي") - 0.01);
    assert_true(cmp("Abderrahmane Ould el Amar", "عبد الرحمن ولد العامر") > 0.85);
    assert_true(cmp("Ibrahim Isa Muhammad", "ابراهیم عیسی حاجي محمد") >=
                cmp("Ibrahim Isa Muhammad", "ابراهیم عیسی محمد") - 0.01);
}

static void
test_structure(void **state)
{
    (void)state;
    /* order carries meaning with bin/ibn */
    assert_true(cmp("SALMAN BIN MUHAMMAD", "MUHAMMAD BIN SALMAN") < 0.6);
    assert_true(cmp("SALMAN BIN MUHAMMAD", "Salman bin Mohammed") > 0.9);
    /* same given name and patronym, different origin: likely different people */
    assert_true(cmp("Ahmad Hassan al-Tikriti", "Ahmad Hassan al-Mosuli") < 0.5);
    /* swapped given name and father's name */
    assert_true(cmp("Ahmad Hassan Ali", "Hassan Ahmad Ali") < 0.65);
    /* family name written first is the same person */
    assert_true(cmp("Anwari Muhammad Taher", "Muhammad Taher Anwari") > 0.9);
    /* different names */
    assert_true(cmp("John Smith", "Muhammad Anwari") < 0.1);
    /* common names alone weigh less than rare ones */
    assert_true(cmp("Muhammad", "Muhammad") < cmp("Anwari", "Anwari"));
}

static int
units_of(const char *name, struct ubur_name *n)
{
    assert_int_equal(ubur_name_parse(n, name, NULL), 0);
    return n->n;
}

/* Words split or joined differently in the two scripts, and compounds (session 5). */
static void
test_compounds(void **state)
{
    (void)state;
    struct ubur_name n;
    /* -jan, -khel, -zada, -zai end a compound: apart in Arabic script, glued in Latin */
    assert_true(cmp("Habibzada", "حبيب زاده") > 0.85);
    assert_true(cmp("Habib Zadeh", "Habibzada") > 0.9);
    assert_true(cmp("Rahimjan", "رحيم جان") > 0.85);
    assert_true(cmp("Karim Jan", "Karimjan") > 0.95);
    assert_true(cmp("Sultankhel Ahmadzai", "سلطان خيل احمد زی") > 0.85);
    assert_int_equal(units_of("Sultan Khail", &n), 1);
    /* but Jan also begins names, before a common one: Rahim, Jan Mohammad */
    assert_int_equal(units_of("Rahim Jan Mohammad", &n), 3);
    assert_int_equal(units_of("رحيم جان محمد", &n), 3);
    /* "عبد" glued after a letter that does not join: the space does not show */
    assert_int_equal(units_of("خالدعبد الرحيم", &n), 2);
    assert_int_equal(n.u[1].kind, UBUR_UNIT_ABD);
    assert_true(cmp("Khalid Abdul Rahim", "خالدعبد الرحيم") > 0.9);
    assert_int_equal(units_of("معبد", &n), 1); /* Ma'bad: a name of its own */
    /* X ud-Din after a d (the sun letter doubled), and one typo in its ending */
    assert_true(cmp("Imaduddin", "عماد الدين") > 0.85);
    assert_true(cmp("Imadudnin", "Imaduddin") > 0.85);
    assert_true(cmp("Imaduudin", "Imaduddin") > 0.85);
    assert_int_equal(units_of("Amiduddin", &n), 1);
    assert_true(n.u[0].flags & UBUR_UNIT_DIN);
    assert_true(cmp("Amiduddin", "عميد الدين") > 0.85);
    /* two words of one name that the other writing runs together, either way */
    assert_true(cmp("Ghulam Rasul", "غلامرسول") > 0.9);
    assert_true(cmp("Nur Ahmad Khan", "نوراحمد خان") > 0.9);
    assert_true(cmp("Shirali", "شير علي") > 0.85);
    assert_true(cmp("Ali Mardan", "Alimardan") > 0.95);
    /* a patronym with its bin glued on one side */
    assert_true(cmp("Omar ben Youssef", "عمر بنيوسف") > 0.85);
    assert_true(cmp("Benyoussef", "بن يوسف") > 0.85);
    /* the joined reading must sound alike: different names stay apart */
    assert_true(cmp("Karim Ali", "Kamal") < 0.3);
    assert_true(cmp("Said Ali Hassan", "Saleh Hassan") < 0.5);
}

/* Readings of letters across the languages that write Arabic script (session 5). */
static void
test_readings(void **state)
{
    (void)state;
    struct ubur_name n;
    /* ذ ض ظ are z in Persian, Urdu and Pashto, d or z in Latin spellings */
    assert_true(cmp("Fazal Rahim", "فضل رحيم") > 0.85);
    assert_true(cmp("Ramazan Ali", "رمضان علي") > 0.85);
    assert_true(cmp("Ramadan Ali", "رمضان علي") > 0.85);
    assert_true(cmp("Nazir Hussain", "نذير حسين") > 0.85);
    assert_true(cmp("Zahir Shah", "ظاهر شاه") > 0.9);
    assert_true(cmp("Fazal Rahim", "فضل رحيم") > cmp("Fazal Rahim", "فدل رحيم"));
    /* but two Latin names do not come closer: d and z stay apart */
    assert_true(cmp("Aziz Rahman", "Adid Rahman") < 0.8);
    /* an initial ayn before waw or yeh is a vowel in Latin: the same key as Isa, Awad */
    struct ubur_name l;
    assert_int_equal(units_of("عيسى", &n), 1);
    assert_int_equal(units_of("Isa", &l), 1);
    assert_string_equal(n.u[0].skel, l.u[0].skel);
    assert_true(cmp("Isa Khan", "عيسى خان") > 0.9);
    assert_int_equal(units_of("عوض", &n), 1);
    assert_int_equal(units_of("Awad", &l), 1);
    assert_string_equal(n.u[0].skel, l.u[0].skel);
    /* a name one letter from "abdel" is that name when it is a name: Adel Hassan,
     * and the name after a separate article decides, not the article */
    assert_int_equal(units_of("Adel Hassan", &n), 2);
    assert_int_equal(n.u[0].kind, UBUR_UNIT_PLAIN);
    assert_true(cmp("Adel Hassan", "عادل حسن") > 0.85);
    assert_int_equal(units_of("Adel al-Tikriti", &n), 2);
    assert_int_equal(n.u[1].kind, UBUR_UNIT_PLAIN);
    assert_true(n.u[1].flags & UBUR_UNIT_ARTICLE);
    assert_int_equal(units_of("Abdl al-Rahman", &n), 1);
    assert_int_equal(n.u[0].kind, UBUR_UNIT_ABD);
    /* Latin "dh" is ذ ظ ض, never د: near a z too (Redha, Reza; Hafedh, Hafiz) */
    assert_true(cmp("Redha Hamid", "Reza Hamid") > 0.9);
    assert_true(cmp("Nadhim Khalil", "Nazem Khalil") > 0.8);
    assert_true(cmp("Nadim Khalil", "Nazem Khalil") < cmp("Nadhim Khalil", "Nazem Khalil"));
    /* Latin gh is غ, or ق as Persian says it */
    assert_true(cmp("Sadegh Karimi", "صادق كريمي") > 0.85);
    assert_true(cmp("Bagher Karimi", "Baqir Karimi") > 0.85);
    /* forms of Muhammad no sound rule reaches, their letters kept as typed */
    assert_true(cmp("Mehmet Yilmaz", "محمد يلماز") > 0.85);
    assert_true(cmp("Mamadou Diallo", "Mohamed Diallo") > 0.9);
    assert_int_equal(units_of("Mehmed", &n), 1);
    assert_string_equal(n.u[0].letters, "mehmed");
    /* a Latin digraph between vowels may be two letters: Is-haq, Az-har, Fat-hi */
    assert_true(cmp("Ishaq Karimi", "اسحاق كريمي") > 0.9);
    assert_true(cmp("Mazhar Hussain", "مظهر حسين") > 0.9);
    assert_true(cmp("Fathi Salem", "فتحي سالم") > 0.9);
    assert_true(cmp("Hashim Salem", "هاشم سالم") > 0.9); /* and still one sound */
    char sk[UBUR_NAME_PHON];
    assert_int_equal(units_of("Ishaq", &n), 1);
    assert_true(ubur_name_unit_split_reading(&n.u[0], sk));
    assert_int_equal(units_of("اسحاق", &l), 1);
    assert_string_equal(sk, l.u[0].skel);
    assert_int_equal(units_of("Karimi", &n), 1);
    assert_false(ubur_name_unit_split_reading(&n.u[0], sk));
}

/* Latin vowels as evidence (session 6). */
static void
test_vowels(void **state)
{
    (void)state;
    /* e is between a and i: Wesam (وسام, e-a) is Wisam, not Wasem (واسم, a-e) */
    assert_true(cmp("Wesam Karimi", "Wisam Karimi") > 0.95);
    assert_true(cmp("Wesam Karimi", "Wasem Karimi") < cmp("Wesam Karimi", "Wisam Karimi"));
    assert_true(cmp("Wesam", "Wasem") < 0.9);
    assert_true(cmp("Mohamed Karimi", "Muhammad Karimi") > 0.95); /* and still a fatha */
    /* French "eu" is that short vowel */
    assert_true(cmp("Kadeur", "Kader") > 0.95);
    /* u, o or i before an a: two syllables, not a long vowel */
    assert_true(cmp("Fuad", "فؤاد") > 0.9);
    assert_true(cmp("Lamia", "لمياء") > 0.85);
    assert_true(cmp("Rafia", "Rafiya") > 0.8);
    /* a final a is the feminine ending (taa marbuta): Adib and Adiba are two names */
    assert_true(cmp("Adib Haddad", "Adiba Haddad") < 0.85);
    assert_true(cmp("Adibah Haddad", "Adiba Haddad") > 0.95);
    assert_true(cmp("Adiba", "أديبة") > cmp("Adib", "أديبة"));
    /* a final e after n is French and silent (Slimane); after another consonant it is
     * the feminine ending as Levantine and Turkish spelling write it */
    assert_true(cmp("Najme Karimi", "Najma Karimi") > 0.95);
}

/* Shadda, elided and initial vowels, and the d/z reading between Latin spellings (session 7):
 * names that are in neither evaluation set. */
static void
test_syllables(void **state)
{
    (void)state;
    /* a consonant written twice is a shadda, written or not: one name */
    assert_true(cmp("Shakkur Tazi", "Shakur Tazi") > 0.95);
    assert_true(cmp("Qayyum Karimi", "Qayum Karimi") > 0.95); /* on a glide too */
    /* but the vowel after it is never dropped: شكور and شكر are two names */
    assert_true(cmp("Shakkur Tazi", "Shukr Tazi") < 0.7);
    assert_true(cmp("Shakkur Tazi", "Shukr Tazi") < cmp("Shakur Tazi", "Shukr Tazi"));
    /* and Arabic script has no shadda once folded: nothing changes there */
    assert_true(cmp("Shakkur", "شكور") > 0.9);
    /* two initial consonants: Maghrebi spelling dropped a short vowel */
    assert_true(cmp("Mbarek Tazi", "Mubarak Tazi") > 0.95);
    assert_true(cmp("Mbarek Tazi", "مبارك تازي") > 0.9);
    assert_true(cmp("Hbib Tazi", "Habib Tazi") > 0.95);
    /* an initial "ay", "ai" before a consonant is a vowel: the y does not begin the
     * skeleton, as in Arabic script */
    struct ubur_name a, b;
    assert_int_equal(units_of("Ayham", &a), 1);
    assert_int_equal(units_of("أيهم", &b), 1);
    assert_string_equal(a.u[0].skel, b.u[0].skel);
    /* Latin d and z may be one letter read two ways (كاظم: Kadim, Kazim), once a name */
    assert_true(cmp("Kazim Tazi", "Kadim Tazi") > 0.9);
    assert_true(cmp("Aziz Rahman", "Adid Rahman") < 0.8);
    /* a letter with two readings weighs as the commoner one: Achmed is as common as Ahmed */
    assert_int_equal(units_of("Achmed", &a), 1);
    assert_int_equal(units_of("Ahmed", &b), 1);
    assert_true(a.u[0].weight == b.u[0].weight && b.u[0].weight < 1.0f);
    assert_int_equal(units_of("Chalid", &a), 1);
    assert_int_equal(units_of("Khalid", &b), 1);
    assert_true(a.u[0].weight == b.u[0].weight && b.u[0].weight < 1.0f);
    /* none of it makes a skeleton cheaper than the index assumes */
    static const char *const pairs[][2] = {{"Kazim", "Kadim"},
                                           {"Mbarek", "Mubarak"},
                                           {"Shakkur", "Shukr"},
                                           {"Ayham", "Eyham"},
                                           {"Qayyum", "Qayum"}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        assert_int_equal(units_of(pairs[i][0], &a), 1);
        assert_int_equal(units_of(pairs[i][1], &b), 1);
        assert_true(ubur_name_unit_sim_bound(&a.u[0], b.u[0].skel) >=
                    ubur_name_unit_similarity(&a.u[0], &b.u[0]) - 1e-9);
        assert_true(ubur_name_unit_sim_bound(&b.u[0], a.u[0].skel) >=
                    ubur_name_unit_similarity(&b.u[0], &a.u[0]) - 1e-9);
    }
}

/* Latin letters with two readings (session 6). */
static void
test_two_readings(void **state)
{
    (void)state;
    /* v: ف in European names, و in Persian and Turkish ones */
    assert_true(cmp("Vajih Karimi", "Wajih Karimi") > 0.9);
    assert_true(cmp("Vajih", "وجيه") > 0.7);
    assert_true(cmp("Victor", "فيكتور") > 0.9);
    /* ch: ش in French spelling, خ or ح in German and Hebrew */
    assert_true(cmp("Chairi Karimi", "Khairi Karimi") > 0.9);
    assert_true(cmp("Chairi Karimi", "Shairi Karimi") > 0.95);
    /* the skeletons' costs follow, so the index's bounds stay bounds */
    struct ubur_name a, b;
    assert_int_equal(units_of("Vajih", &a), 1);
    assert_int_equal(units_of("وجيه", &b), 1);
    assert_true(ubur_name_unit_sim_bound(&a.u[0], b.u[0].skel) >=
                ubur_name_unit_similarity(&a.u[0], &b.u[0]) - 1e-9);
    assert_int_equal(units_of("Chairi", &a), 1);
    assert_int_equal(units_of("Khairi", &b), 1);
    assert_true(ubur_name_unit_sim_bound(&a.u[0], b.u[0].skel) >=
                ubur_name_unit_similarity(&a.u[0], &b.u[0]) - 1e-9);
}

static void
test_evidence(void **state)
{
    (void)state;
    struct ubur_dob d;
    char buf[32];
    assert_int_equal(ubur_dob_parse("1975-03-02", &d, NULL), 0);
    assert_int_equal(d.kind, UBUR_DOB_EXACT);
    assert_int_equal(ubur_dob_parse("~1961", &d, NULL), 0);
    assert_true(d.circa);
    ubur_dob_format(&d, buf);
    assert_string_equal(buf, "~1961");
    assert_int_equal(ubur_dob_parse("1963..1968", &d, NULL), 0);
    assert_int_equal(d.kind, UBUR_DOB_RANGE);
    struct ubur_error err = UBUR_ERROR_INIT;
    assert_int_equal(ubur_dob_parse("1975-02-30", &d, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "dob");
    assert_int_equal(ubur_dob_parse("soon", &d, NULL), UBUR_EINVAL);

    struct ubur_name a, b;
    ubur_name_parse(&a, "Muhammad Taher Anwari", NULL);
    ubur_name_parse(&b, "MUHAMMAD TAHER ANWARI", NULL);
    struct ubur_person_facts qf = UBUR_PERSON_FACTS_INIT, cf = UBUR_PERSON_FACTS_INIT;
    qf.ndob = 1;
    ubur_dob_parse("1961-05-01", &qf.dob[0], NULL);
    cf.ndob = 1;
    ubur_dob_parse("~1961", &cf.dob[0], NULL);
    qf.nnat = cf.nnat = 1;
    snprintf(qf.nat[0], 4, "AFG");
    snprintf(cf.nat[0], 4, "AFG");
    struct ubur_buf ex = UBUR_BUF_INIT;
    double s1 = ubur_person_score(&a, &qf, &b, &cf, &ex);
    assert_true(s1 > 0.95);
    assert_non_null(strstr(ex.s, "birth dates agree"));
    ubur_buf_release(&ex);
    ubur_dob_parse("1990", &cf.dob[0], NULL);
    cf.sex = 'F';
    qf.sex = 'M';
    double s2 = ubur_person_score(&a, &qf, &b, &cf, &ex);
    assert_true(s2 < 0.5);
    assert_non_null(strstr(ex.s, "far apart"));
    assert_non_null(strstr(ex.s, "sex M vs F"));
    ubur_buf_release(&ex);

    char a3[4];
    assert_true(ubur_country_alpha3("IQ", a3));
    assert_string_equal(a3, "IRQ");
    assert_true(ubur_country_alpha3("Syrian Arab Republic", a3));
    assert_string_equal(a3, "SYR");
    assert_true(ubur_country_alpha3("Türkiye", a3));
    assert_string_equal(a3, "TUR");
    assert_false(ubur_country_alpha3("Atlantis", a3));
}

static void
test_baselines(void **state)
{
    (void)state;
    assert_true(fabs(ubur_jaro_winkler("martha", "marhta") - 0.961) < 0.01);
    assert_true(ubur_jaro_winkler("", "") == 1.0);
    assert_true(fabs(ubur_levenshtein_similarity("kitten", "sitting") - (1 - 3.0 / 7)) < 1e-9);
}

static void
test_blocking_keys(void **state)
{
    (void)state;
    struct ubur_name n;
    const char *keys[8];
    ubur_name_parse(&n, "Muhammad Taher al-Anwari", NULL);
    int k = ubur_name_blocking_keys(&n, keys, 8);
    assert_int_equal(k, 3);
    assert_string_not_equal(keys[0], "MHMD"); /* the common name comes last */
    assert_string_equal(keys[2], "MHMD");
}

static void
test_index(void **state)
{
    (void)state;
    struct ubur_name_index *ix = ubur_name_index_new();
    const char *names[] = {"MUHAMMAD TAHER ANWARI",   "محمد طاهر أنوري",
                           "ABDUL LATIF MANSUR",      "SALMAN BIN MUHAMMAD",
                           "MUHAMMAD BIN SALMAN",     "Ahmad Hassan al-Tikriti",
                           "Yusuf Ibrahim al-Mosuli", "Fatima al-Zahra Ali"};
    for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_true(ubur_name_index_add(ix, i, names[i], NULL) >= 0);
    /* filler: many common names, so candidate generation has work to do */
    char buf[64];
    const char *given[] = {"Muhammad", "Ali", "Ahmad", "Hassan", "Omar", "Khalid"};
    for (uint32_t i = 0; i < 3000; i++) {
        snprintf(buf, sizeof(buf), "%s %s Qz%uxr", given[i % 6], given[(i / 6) % 6], i);
        ubur_name_index_add(ix, 100 + i, buf, NULL);
    }
    assert_int_equal(ubur_name_index_size(ix), 3008);
    struct ubur_name q;
    struct ubur_name_hit hits[10];
    ubur_name_parse(&q, "Mohammed Tahir Anwari", NULL);
    int n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    assert_true(n >= 2);
    assert_true(hits[0].record == 0 || hits[0].record == 1);
    ubur_name_parse(&q, "عبد اللطيف منصور", NULL);
    n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, 2);
    ubur_name_parse(&q, "Salman bin Mohammed", NULL);
    n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, 3);
    for (int i = 0; i < n; i++)
        assert_int_not_equal(hits[i].record, 4);
    /* one typo in the rare name: still found through the deletion variants */
    ubur_name_parse(&q, "Yusuf Ibrahim al-Mosali", NULL);
    n = ubur_name_index_search(ix, &q, 0.6, hits, 10, NULL);
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, 6);
    /* all-common query goes through intersection */
    ubur_name_parse(&q, "Muhammad Ali", NULL);
    n = ubur_name_index_search(ix, &q, 0.5, hits, 10, NULL);
    assert_true(n >= 1);
    /* removal */
    ubur_name_index_remove(ix, 2);
    ubur_name_parse(&q, "Abdul Latif Mansoor", NULL);
    n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    for (int i = 0; i < n; i++)
        assert_int_not_equal(hits[i].record, 2);
    ubur_name_index_compact(ix);
    assert_string_equal(ubur_name_index_text(ix, 0), "MUHAMMAD TAHER ANWARI");
    assert_true(ubur_name_index_memory(ix) > 0);
    ubur_name_index_free(ix);
}

/*
 * Bulk loading gives the same index as adding names one by one, and a name
 * one letter from the query as a whole, the letter in a particle (so no unit
 * of the query holds it), is found by the index's filter itself, not by a
 * collision of signature bits: for every family name among many.
 */
/* The index finds what the comparison's rules of session 5 allow: a glued bin, a query of
 * one common unit alone. */
static void
test_index_compounds(void **state)
{
    (void)state;
    struct ubur_name_index *ix = ubur_name_index_new();
    assert_true(ubur_name_index_add(ix, 1, "عمر بنيوسف", NULL) >= 0);
    assert_true(ubur_name_index_add(ix, 2, "غلامرسول احمدي", NULL) >= 0);
    assert_true(ubur_name_index_add(ix, 3, "عبد الرحمن", NULL) >= 0);
    char buf[96];
    const char *given[] = {"Muhammad", "Ali", "Omar", "Youssef", "Abd al-Rahman", "Hassan"};
    for (uint32_t i = 0; i < 6000; i++) {
        snprintf(buf, sizeof(buf), "%s %s %s Qz%uxr", given[i % 6], given[(i / 6) % 6],
                 given[(i / 36) % 6], i);
        ubur_name_index_add(ix, 100 + i, buf, NULL);
    }
    struct ubur_name q;
    struct ubur_name_hit hits[10];
    ubur_name_parse(&q, "Omar ben Youssef", NULL);
    int n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, 1);
    ubur_name_parse(&q, "Ghulam Rasul Ahmadi", NULL);
    n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, 2);
    /* one common unit alone: its list is read, names too heavy to match filtered out */
    ubur_name_parse(&q, "Abdur Rehman", NULL);
    n = ubur_name_index_search(ix, &q, 0.7, hits, 10, NULL);
    assert_true(n >= 1);
    assert_int_equal(hits[0].record, 3);
    ubur_name_index_free(ix);
}

static void
test_index_bulk_and_typos(void **state)
{
    (void)state;
    struct ubur_name_index *one = ubur_name_index_new(), *bulk = ubur_name_index_new();
    const char *given[] = {"Muhammad", "Ali", "Ahmad", "Hassan", "Omar", "Khalid", "Abd al-Rahman"};
    const char *fam[] = {"Salbi", "Tikriti", "Mosuli", "Ruwaili", "Dulaimi", "Jubouri", "Obeidi"};
    char buf[96];
    ubur_name_index_bulk_begin(bulk);
    for (uint32_t i = 0; i < 2000; i++) {
        snprintf(buf, sizeof(buf), "%s %s al-%s%u", given[i % 7], given[(i / 7) % 7],
                 fam[(i / 49) % 7], i % 13);
        assert_true(ubur_name_index_add(one, i, buf, NULL) >= 0);
        assert_true(ubur_name_index_add(bulk, i, buf, NULL) >= 0);
    }
    for (uint32_t f = 0; f < 7; f++) {
        snprintf(buf, sizeof(buf), "Abd al-Rahman Hassan al-%s", fam[f]);
        assert_true(ubur_name_index_add(one, 5000 + f, buf, NULL) >= 0);
        assert_true(ubur_name_index_add(bulk, 5000 + f, buf, NULL) >= 0);
        snprintf(buf, sizeof(buf), "Majid Omar al-%s", fam[f]); /* Majid indexed alone */
        assert_true(ubur_name_index_add(one, 7000 + f, buf, NULL) >= 0);
        assert_true(ubur_name_index_add(bulk, 7000 + f, buf, NULL) >= 0);
        snprintf(buf, sizeof(buf), "Sad Abd al-Majid al-Faisal al-%s", fam[f]);
        assert_true(ubur_name_index_add(one, 6000 + f, buf, NULL) >= 0);
        assert_true(ubur_name_index_add(bulk, 6000 + f, buf, NULL) >= 0);
    }
    ubur_name_index_bulk_end(bulk);
    assert_int_equal(ubur_name_index_size(one), ubur_name_index_size(bulk));
    struct ubur_name q;
    struct ubur_name_hit h1[32], h2[32];
    for (uint32_t f = 0; f < 7; f++) {
        /* the last: "nl" has no indexed unit near it, and Majid is a name of its own */
        const char *typos[] = {"Abmal-Rahman Hassan al-%s", "Abd-nl-Rahman Hassan al-%s",
                               "Sad Abd-nl-Majid al-Faisal al-%s"};
        for (int t = 0; t < 3; t++) {
            snprintf(buf, sizeof(buf), typos[t], fam[f]);
            assert_int_equal(ubur_name_parse(&q, buf, NULL), 0);
            int n1 = ubur_name_index_search(one, &q, 0.69, h1, 32, NULL);
            int n2 = ubur_name_index_search(bulk, &q, 0.69, h2, 32, NULL);
            assert_int_equal(n1, n2);
            bool found = false;
            for (int k = 0; k < n1; k++) {
                assert_int_equal(h1[k].name_id, h2[k].name_id);
                assert_true(h1[k].score == h2[k].score);
                found |= h1[k].record == (t < 2 ? 5000u : 6000u) + f;
            }
            if (!found)
                fprintf(stderr, "# not found: %s\n", buf);
            assert_true(found);
        }
    }
    ubur_name_index_free(one);
    ubur_name_index_free(bulk);
}

/*
 * A search reuses the score of a name whose units (forms, letters, kind, flags,
 * weight) equal those of a name it scored before (the name memo): names that
 * differ only in order, an article, a bin or a spelling must each get their own
 * score, and every copy the score it would get alone.
 */
static void
test_index_same_units(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "Muhammad Ali Hassan al-Tikriti",     "Ali Muhammad Hassan al-Tikriti",
        "Muhammad Ali bin Hassan al-Tikriti", "Muhammad Ali Hassan Tikriti",
        "Mohammed Ali Hassan al-Tikriti",     "Muhammad Ali Hasan al-Tikriti",
        "Hassan Muhammad Ali al-Tikriti",     "Muhammad bin Ali Hassan al-Tikriti",
        "Muhammad Ali Hassan al-Tikrity",     "محمد علي حسن التكريتي"};
    enum { NFORMS = sizeof(forms) / sizeof(forms[0]), COPIES = 30 };
    struct ubur_name_index *ix = ubur_name_index_new();
    struct ubur_name parsed[NFORMS];
    for (int f = 0; f < NFORMS; f++)
        assert_int_equal(ubur_name_parse(&parsed[f], forms[f], NULL), 0);
    ubur_name_index_bulk_begin(ix);
    for (int c = 0; c < COPIES; c++)
        for (int f = 0; f < NFORMS; f++) /* interleaved: copies are not neighbours */
            assert_true(ubur_name_index_add(ix, (uint32_t)(c * NFORMS + f), forms[f], NULL) >= 0);
    ubur_name_index_bulk_end(ix);
    static const char *const queries[] = {"Muhammad Ali Hassan al-Tikriti", "Ali Muhammad Hasan",
                                          "Hassan Ali al-Tikriti", "محمد علي حسن التكريتي"};
    struct ubur_name_hit hits[NFORMS * COPIES];
    for (size_t qi = 0; qi < sizeof(queries) / sizeof(queries[0]); qi++) {
        struct ubur_name q;
        assert_int_equal(ubur_name_parse(&q, queries[qi], NULL), 0);
        int want = 0;
        for (int f = 0; f < NFORMS; f++)
            want += ubur_names_compare(&q, &parsed[f], NULL) >= 0.5 ? COPIES : 0;
        int n = ubur_name_index_search(ix, &q, 0.5, hits, NFORMS * COPIES, NULL);
        assert_int_equal(n, want);
        for (int k = 0; k < n; k++) {
            double full = ubur_names_compare(&q, &parsed[hits[k].record % NFORMS], NULL);
            assert_true(fabs(full - hits[k].score) < 1e-9);
        }
    }
    ubur_name_index_free(ix);
}

/* A small xorshift: the test's names are the same on every run. */
static uint32_t
test_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (uint32_t)(*x >> 11);
}

/*
 * The index against the full comparison of every name: the hits it returns
 * carry exactly ubur_names_compare's score, come best first, and include
 * nearly every name the exhaustive scan scores at or above the minimum.
 * The index may miss a name whose units match without sharing a skeleton or
 * a one-edit neighbour of it (docs/internals/names.md): here mostly family
 * names one letter apart whose skeletons are two consonants apart.
 */
static void
test_index_against_scan(void **state)
{
    (void)state;
    static const char *const given[] = {"Muhammad", "Ahmad",  "Ali",   "Hassan",        "Husayn",
                                        "Umar",     "Khalid", "Yusuf", "Abd al-Rahman", "Ibrahim",
                                        "Tariq",    "Firas",  "Nizar", "Muhannad"};
    static const char *const syl[] = {"ba", "ta", "ja", "da", "ra", "za", "sa", "sha", "fa",
                                      "qa", "ka", "la", "ma", "na", "ha", "wa", "ku",  "ri"};
    enum { NNAMES = 3000, NQ = 150 };
    struct ubur_name_index *ix = ubur_name_index_new();
    static char names[NNAMES][96];
    static struct ubur_name parsed[NNAMES];
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < NNAMES; i++) {
        char fam[32] = "";
        int nsyl = 3 + (int)(test_rand(&x) % 2);
        for (int k = 0; k < nsyl; k++)
            strcat(fam, syl[test_rand(&x) % 18]);
        if (i % 10 == 0) /* some names of common given names alone */
            snprintf(names[i], sizeof(names[i]), "%s %s %s", given[test_rand(&x) % 14],
                     given[test_rand(&x) % 14], given[test_rand(&x) % 14]);
        else
            snprintf(names[i], sizeof(names[i]), "%s %s al-%si", given[test_rand(&x) % 14],
                     given[test_rand(&x) % 14], fam);
        assert_true(ubur_name_index_add(ix, (uint32_t)i, names[i], NULL) >= 0);
        assert_int_equal(ubur_name_parse(&parsed[i], names[i], NULL), 0);
    }
    int want = 0, got = 0;
    struct ubur_name_hit hits[64];
    for (int qi = 0; qi < NQ; qi++) {
        char qs[128];
        const char *src = names[test_rand(&x) % NNAMES];
        snprintf(qs, sizeof(qs), "%s", src);
        size_t len = strlen(qs);
        switch (qi % 3) {
        case 0: /* a letter changed */
            qs[len - 2 - test_rand(&x) % 3] = "bdklmnrst"[test_rand(&x) % 9];
            break;
        case 1: /* a letter dropped */
            memmove(qs + len - 3, qs + len - 2, 3);
            break;
        default: /* as is */
            break;
        }
        struct ubur_name q;
        assert_int_equal(ubur_name_parse(&q, qs, NULL), 0);
        const double min = 0.69;
        int n = ubur_name_index_search(ix, &q, min, hits, 64, NULL);
        for (int k = 0; k < n; k++) {
            double full = ubur_names_compare(&q, &parsed[hits[k].record], NULL);
            assert_true(fabs(full - hits[k].score) < 1e-9);
            assert_true(hits[k].score >= min);
            if (k > 0)
                assert_true(hits[k - 1].score >= hits[k].score);
        }
        if (n == 64)
            continue; /* capped: the scan's set may be larger */
        for (int i = 0; i < NNAMES; i++) {
            if (ubur_names_compare(&q, &parsed[i], NULL) < min)
                continue;
            want++;
            int found = 0;
            for (int k = 0; k < n; k++)
                if (hits[k].record == (uint32_t)i) {
                    got++;
                    found = 1;
                    break;
                }
            if (!found && getenv("NAMES_TEST_DEBUG"))
                fprintf(stderr, "# missed %s -> %s (%.3f)\n", qs, names[i],
                        ubur_names_compare(&q, &parsed[i], NULL));
        }
    }
    fprintf(stderr, "# index found %d of %d names the scan scores >= 0.69\n", got, want);
    assert_true(want > 100);
    assert_true(got >= want * 90 / 100);
    ubur_name_index_free(ix);
}

/* Edits between two strings as typo_edits counts them (optimal string alignment), by the
 * plain table: the reference for the typing similarity's shortcuts. */
static int
reference_edits(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    int d[40][40];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[n][m];
}

/*
 * The shortcuts of unit comparison are exact: the typing similarity against the plain
 * table of edits, on words a few random edits apart; and ubur_name_unit_match_similarity
 * equal to ubur_name_unit_similarity_to wherever that reaches UBUR_NAME_UNIT_MATCH, and
 * under it wherever it does not, on every pair of a list of units in both scripts.
 */
static void
test_unit_shortcuts(void **state)
{
    (void)state;
    uint64_t x = 2463534242ull;
    static const char base[][16] = {"muhammad", "abdulrahman", "hashimi", "salahuddin",
                                    "khalid",   "mansur",      "basdir",  "fatimah"};
    for (int k = 0; k < 4000; k++) {
        char a[24], b[24];
        snprintf(a, sizeof(a), "%s", base[test_rand(&x) % 8]);
        snprintf(b, sizeof(b), "%s", a);
        for (int e = (int)(test_rand(&x) % 4); e > 0; e--) {
            size_t l = strlen(b), at = test_rand(&x) % l;
            switch (test_rand(&x) % 4) {
            case 0: /* change */
                b[at] = "abdhiklmnrsu"[test_rand(&x) % 12];
                break;
            case 1: /* drop */
                if (l > 1)
                    memmove(b + at, b + at + 1, l - at);
                break;
            case 2: /* insert */
                if (l + 1 < sizeof(b)) {
                    memmove(b + at + 1, b + at, l - at + 1);
                    b[at] = "aeiou"[test_rand(&x) % 5];
                }
                break;
            default: /* swap */
                if (at + 1 < l) {
                    char t = b[at];
                    b[at] = b[at + 1];
                    b[at + 1] = t;
                }
                break;
            }
        }
        size_t la = strlen(a), lb = strlen(b), l = la > lb ? la : lb;
        int e = reference_edits(a, b);
        double want = l < 5 || e > 2 ? 0 : 1.0 - 1.5 * e / (double)l;
        assert_true(ubur_name_typing_similarity(a, b) == want);
    }
    static const char *const names[] = {"Muhammad Ahmad al-Hashimi",
                                        "Mohamed Ahmed Hashemi",
                                        "محمد أحمد الهاشمي",
                                        "Abd al-Rahman Salah al-Din",
                                        "Abdulrahman Salahuddin",
                                        "عبد الرحمن صلاح الدين",
                                        "Ishaq Rida al-Fadl",
                                        "اسحاق رضا الفضل",
                                        "Is-haq Raza Fazal",
                                        "Basdir Bashir Khadem",
                                        "Khaem Mansur Madsur",
                                        "Abu Bakr Umm Kulthum",
                                        "Fatimah Fatima Hammoud Hammouda",
                                        "Ali bin Salman",
                                        "Salman bin Ali",
                                        "Adel Aziz Adid",
                                        "ظاهر عويس",
                                        "Dahir Aweys",
                                        "Nurullah Saifullah",
                                        "نور الله سيف الله",
                                        "Mehmet Mamadou",
                                        "Alabsi al-Absi Altai"};
    enum { NN = sizeof(names) / sizeof(names[0]) };
    static struct ubur_name p[NN];
    for (int i = 0; i < NN; i++)
        assert_int_equal(ubur_name_parse(&p[i], names[i], NULL), 0);
    int under = 0, over = 0;
    for (int i = 0; i < NN; i++)
        for (int j = 0; j < NN; j++)
            for (int a = 0; a < p[i].n; a++)
                for (int b = 0; b < p[j].n; b++) {
                    const struct ubur_name_unit *u = &p[i].u[a], *v = &p[j].u[b];
                    double full =
                        ubur_name_unit_similarity_to(u, v->phon, v->letters, v->kind, v->flags);
                    double m =
                        ubur_name_unit_match_similarity(u, v->phon, v->letters, v->kind, v->flags);
                    if (full >= UBUR_NAME_UNIT_MATCH) {
                        assert_true(m == full);
                        over++;
                    } else {
                        assert_true(m < UBUR_NAME_UNIT_MATCH);
                        under++;
                    }
                }
    assert_true(over > 100 && under > 1000);
}

static void
test_hostile(void **state)
{
    (void)state;
    struct ubur_name n;
    const char *inputs[] = {"\xe2\x80\x8f\xe2\x80\x8e", "bin bin bin bin", "al al al", "abd", "abu",
                            "ــــ", "ً ٌ ٍ", "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q",
                            "Abdulllllllllllllllllllllllllllllllllllllllah", "ﷺ", "🙂 Ali",
                            /* session 5's rules at their limits */
                            "jan jan jan jan khel zada zai zai jan",
                            "Abdulrahmanabdulrahmanabdulrahmanabdu zadah khail jaan",
                            "محمدعبد محمدعبد محمدعبد محمدعبد محمدعبد محمدعبد محمدعبد "
                            "محمدعبد محمدعبد محمدعبد محمدعبد محمدعبد محمدعبد محمدعبد "
                            "محمدعبد محمدعبد محمدعبد",
                            "ben ben ben bin binhassine ben",
                            "ashashashashashashashashashashashashashash uddinuddinuddin",
                            "سعد الدين الدين جان جان زاده"};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        int rc = ubur_name_parse(&n, inputs[i], NULL);
        assert_true(rc == 0 || rc == UBUR_EINVAL);
        assert_true(n.n <= UBUR_NAME_MAX_UNITS);
        if (rc == 0) {
            double s = ubur_names_compare(&n, &n, NULL);
            assert_true(s >= 0 && s <= 1);
            for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
                struct ubur_name m;
                if (ubur_name_parse(&m, inputs[k], NULL) == 0) {
                    double t = ubur_names_compare(&n, &m, NULL);
                    assert_true(t >= 0 && t <= 1);
                }
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_other_scripts),
        cmocka_unit_test(test_icao),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_spelling_variants),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_compounds),
        cmocka_unit_test(test_readings),
        cmocka_unit_test(test_vowels),
        cmocka_unit_test(test_two_readings),
        cmocka_unit_test(test_syllables),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_baselines),
        cmocka_unit_test(test_blocking_keys),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_index_against_scan),
        cmocka_unit_test(test_index_same_units),
        cmocka_unit_test(test_index_bulk_and_typos),
        cmocka_unit_test(test_index_compounds),
        cmocka_unit_test(test_unit_shortcuts),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
