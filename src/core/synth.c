/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Synthetic names and the seeded generator (include/ubur/synth.h). The
 * tables list common names, most common first within each set, so the
 * Zipf-like draw gives the skewed frequencies of real registries (many
 * Muhammads, few Nizars), which is what makes name matching hard.
 */
#include <stdio.h>
#include <string.h>

#include "ubur/synth.h"
#include "ubur/banned.h"

void
ubur_rng_seed(struct ubur_rng *r, uint64_t seed)
{
    r->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
}

uint64_t
ubur_rng_next(struct ubur_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint32_t
ubur_rng_below(struct ubur_rng *r, uint32_t n)
{
    return (uint32_t)(((ubur_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double
ubur_rng_unit(struct ubur_rng *r)
{
    return (double)(ubur_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

size_t
ubur_rng_weighted(struct ubur_rng *r, const double *w, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double x = ubur_rng_unit(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

static const struct ubur_synth_name male[] = {
    {"محمد", "Muhammad|Mohammed|Mohamed|Mohamad|Muhammed"},
    {"أحمد", "Ahmad|Ahmed"},
    {"علي", "Ali"},
    {"حسين", "Hussein|Husayn|Hussain|Hossein"},
    {"حسن", "Hassan|Hasan"},
    {"عمر", "Omar|Umar"},
    {"عبد الله", "Abdullah|Abdallah|Abd Allah"},
    {"عبد الرحمن", "Abd al-Rahman|Abdulrahman|Abdelrahman|Abdul Rahman"},
    {"خالد", "Khalid|Khaled"},
    {"محمود", "Mahmoud|Mahmud"},
    {"مصطفى", "Mustafa|Moustafa|Mostafa"},
    {"يوسف", "Yusuf|Youssef|Yousef|Yousif"},
    {"إبراهيم", "Ibrahim|Ebrahim"},
    {"عباس", "Abbas"},
    {"جعفر", "Jaafar|Jafar"},
    {"كريم", "Karim|Kareem"},
    {"سعد", "Saad"},
    {"فاضل", "Fadil|Fadhil|Fadel"},
    {"قاسم", "Qasim|Kasim|Qassim"},
    {"حيدر", "Haidar|Haider|Hayder"},
    {"مهدي", "Mahdi|Mehdi"},
    {"صالح", "Salih|Saleh"},
    {"صلاح", "Salah"},
    {"رعد", "Raad"},
    {"زياد", "Ziad|Ziyad"},
    {"وليد", "Walid|Waleed"},
    {"سامي", "Sami|Samy"},
    {"ماجد", "Majid|Majed"},
    {"نبيل", "Nabil|Nabeel"},
    {"طارق", "Tariq|Tarek|Tarik"},
    {"هشام", "Hisham|Hesham"},
    {"بلال", "Bilal"},
    {"أنس", "Anas"},
    {"عثمان", "Uthman|Othman|Osman"},
    {"حمزة", "Hamza|Hamzah"},
    {"سليمان", "Sulaiman|Suleiman|Sulayman"},
    {"إسماعيل", "Ismail|Ismael|Esmail"},
    {"ياسين", "Yassin|Yasin|Yaseen"},
    {"عادل", "Adil|Adel"},
    {"جاسم", "Jasim|Jassim|Jasem"},
    {"ناصر", "Nasir|Nasser|Naser"},
    {"منصور", "Mansour|Mansur"},
    {"فيصل", "Faisal|Faysal"},
    {"عماد", "Imad|Emad"},
    {"أسامة", "Usama|Osama"},
    {"رامي", "Rami"},
    {"باسم", "Basim|Basem|Bassem"},
    {"حامد", "Hamid|Hamed"},
    {"سعيد", "Said|Saeed"},
    {"عدنان", "Adnan"},
    {"غسان", "Ghassan"},
    {"لؤي", "Louay|Luay|Loai"},
    {"مازن", "Mazin|Mazen"},
    {"نزار", "Nizar|Nezar"},
    {"عبد الكريم", "Abd al-Karim|Abdulkarim|Abdelkarim"},
    {"عبد العزيز", "Abd al-Aziz|Abdulaziz|Abdelaziz"},
    {"كاظم", "Kadhim|Kazim|Kazem"},
    {"مرتضى", "Murtada|Murtadha|Mortada"},
    {"سجاد", "Sajjad|Sajad"},
    {"ضياء", "Diyaa|Dhiaa|Diaa"},
};

static const struct ubur_synth_name female[] = {
    {"فاطمة", "Fatima|Fatimah|Fatma"},
    {"زينب", "Zainab|Zaynab|Zeinab"},
    {"مريم", "Maryam|Mariam|Miriam"},
    {"عائشة", "Aisha|Aysha|Aicha"},
    {"خديجة", "Khadija|Khadijah|Khadidja"},
    {"نور", "Nour|Noor|Nur"},
    {"سارة", "Sara|Sarah"},
    {"هدى", "Huda|Hoda"},
    {"رقية", "Ruqaya|Roqaya|Ruqayyah"},
    {"آمنة", "Amina|Aminah|Amna"},
    {"حنان", "Hanan"},
    {"سعاد", "Suad|Souad"},
    {"ليلى", "Layla|Leila|Laila"},
    {"سلمى", "Salma"},
    {"رنا", "Rana"},
    {"دعاء", "Duaa|Doaa"},
    {"إيمان", "Iman|Eman"},
    {"أسماء", "Asma|Asmaa"},
    {"منى", "Muna|Mona"},
    {"رشا", "Rasha"},
    {"نادية", "Nadia|Nadiya"},
    {"سميرة", "Samira|Sameera"},
    {"وفاء", "Wafaa|Wafa"},
    {"ياسمين", "Yasmin|Yasmine|Jasmin"},
    {"شيماء", "Shaimaa|Shayma"},
    {"هالة", "Hala"},
    {"غادة", "Ghada"},
    {"بشرى", "Bushra|Boushra"},
    {"سهام", "Siham|Suham"},
    {"جميلة", "Jamila|Jameela"},
    {"رحاب", "Rehab|Rihab"},
    {"صفاء", "Safaa|Safa"},
    {"حوراء", "Hawraa|Hawra"},
    {"زهراء", "Zahraa|Zahra"},
    {"انتصار", "Intisar|Entisar"},
    {"ابتسام", "Ibtisam|Ebtisam"},
    {"أمل", "Amal"},
    {"هناء", "Hanaa|Hana"},
};

static const struct ubur_synth_name kurdish_male[] = {
    {"آزاد", "Azad"},
    {"شيروان", "Shirwan|Sherwan"},
    {"هوشيار", "Hoshyar|Hoshiar"},
    {"دلشاد", "Dilshad"},
    {"رزكار", "Rizgar|Rezgar"},
    {"كاوه", "Kawa|Kaveh"},
    {"بيار", "Biyar|Bayar"},
    {"سرود", "Sarwad|Serwed"},
    {"جوان", "Jwan|Juan"},
    {"دلوفان", "Dilovan|Delovan"},
};

static const struct ubur_synth_name kurdish_female[] = {
    {"شيرين", "Shirin|Sherin"}, {"روناك", "Runak|Ronak"},      {"نسرين", "Nasrin|Nesrin"},
    {"جيهان", "Jihan|Gihan"},   {"بريفان", "Berivan|Birivan"}, {"روجين", "Rojin|Rojeen"},
    {"سوزان", "Suzan|Souzan"},  {"هيلين", "Helin|Heleen"},
};

static const struct ubur_synth_name family_irq[] = {
    {"الجبوري", "Al-Jubouri|Al-Jaburi|Al Jubouri|Aljubouri"},
    {"الدليمي", "Al-Dulaimi|Al-Dulaymi|Al Dulaimi"},
    {"العبيدي", "Al-Obaidi|Al-Ubaidi|Al Obaidi"},
    {"التميمي", "Al-Tamimi|Al Tamimi|Altamimi"},
    {"الشمري", "Al-Shammari|Al-Shamari|Al Shammari"},
    {"الزبيدي", "Al-Zubaidi|Al-Zubaydi|Al Zubaidi"},
    {"الهاشمي", "Al-Hashimi|Al-Hashemi|Al Hashimi|Alhashimi"},
    {"التكريتي", "Al-Tikriti|Al Tikriti"},
    {"الموصلي", "Al-Mosuli|Al-Mawsili|Al Mosuli"},
    {"الخفاجي", "Al-Khafaji|Al Khafaji"},
    {"السعدي", "Al-Saadi|Al Saadi"},
    {"الربيعي", "Al-Rubaie|Al-Rubaiy|Al Rubaie"},
    {"العزاوي", "Al-Azzawi|Al Azzawi"},
    {"الجنابي", "Al-Janabi|Al Janabi"},
    {"البياتي", "Al-Bayati|Al Bayati"},
    {"العاني", "Al-Ani|Al Ani"},
    {"الراوي", "Al-Rawi|Al Rawi"},
    {"الهيتي", "Al-Hiti|Al Hiti"},
    {"الكبيسي", "Al-Kubaisi|Al-Kubaysi"},
    {"السامرائي", "Al-Samarrai|Al-Samarraie|Al Samarrai"},
    {"البغدادي", "Al-Baghdadi|Al Baghdadi"},
    {"الأنصاري", "Al-Ansari|Al Ansari"},
    {"الحسيني", "Al-Husseini|Al-Husayni|Al Hussaini"},
    {"الموسوي", "Al-Musawi|Al-Moussawi|Al Mousawi"},
    {"الكعبي", "Al-Kaabi|Al Kaabi"},
    {"الساعدي", "Al-Saedi|Al-Saidi"},
    {"الفتلاوي", "Al-Fatlawi|Al Fatlawi"},
    {"الطائي", "Al-Taie|Al-Tai|Al Taei"},
    {"الحديثي", "Al-Hadithi|Al Hadithi"},
    {"الكردي", "Al-Kurdi|Al Kurdi"},
    {"النعيمي", "Al-Nuaimi|Al-Naimi|Al Nuaimi"},
    {"الحمداني", "Al-Hamdani|Al Hamdani"},
    {"الخزرجي", "Al-Khazraji|Al Khazraji"},
    {"المالكي", "Al-Maliki|Al Maliki"},
    {"الكناني", "Al-Kinani|Al-Kenani"},
    {"اللامي", "Al-Lami|Al Lami"},
};

static const struct ubur_synth_name family_kurd[] = {
    {"بارزاني", "Barzani"},  {"دوسكي", "Doski|Duski"}, {"زيباري", "Zebari|Zibari"},
    {"هركي", "Harki|Herki"}, {"سندي", "Sindi"},        {"ميراني", "Mirani"},
    {"بامرني", "Bamarni"},   {"سورچي", "Surchi"},      {"برواري", "Berwari|Barwari"},
};

static const struct ubur_synth_name family_som[] = {
    {"وارسمه", "Warsame"}, {"عيسى", "Isse|Issa"}, {"فارح", "Farah"},         {"جامع", "Jama|Jamac"},
    {"عبدي", "Abdi"},      {"علمي", "Elmi|Ilmi"}, {"دعالي", "Dualeh|Duale"},
};

static const struct ubur_synth_name family_sdn[] = {
    {"الطيب", "Al-Tayeb|Eltayeb|El Tayeb"},
    {"عثمان", "Osman|Othman"},
    {"الأمين", "Al-Amin|Elamin|El Amin"},
    {"إدريس", "Idris|Edris"},
    {"آدم", "Adam"},
    {"البشير", "Al-Bashir|Elbashir"},
};

static const struct ubur_synth_name family_afg[] = {
    {"احمدزی", "Ahmadzai|Ahmadzay"}, {"پوپل", "Popal"},      {"هاشمی", "Hashimi|Hashemi"},
    {"رحیمی", "Rahimi|Rahemi"},      {"نوری", "Noori|Nuri"}, {"صافی", "Safi"},
};

static const struct ubur_synth_name family_yem[] = {
    {"الحضرمي", "Al-Hadrami|Al-Hadhrami"}, {"الأهدل", "Al-Ahdal|Al Ahdal"},
    {"العولقي", "Al-Awlaqi|Al-Awlaki"},    {"الحوثي", "Al-Houthi|Al-Huthi"},
    {"الشامي", "Al-Shami|Al Shami"},
};

#define SET(a)                                                                                     \
    {                                                                                              \
        a, sizeof(a) / sizeof(a[0])                                                                \
    }
static const struct {
    const struct ubur_synth_name *v;
    size_t n;
} sets[UBUR_SYNTH_SET_COUNT] = {
    SET(male),        SET(female),     SET(kurdish_male), SET(kurdish_female), SET(family_irq),
    SET(family_kurd), SET(family_som), SET(family_sdn),   SET(family_afg),     SET(family_yem),
};

const struct ubur_synth_name *
ubur_synth_names(enum ubur_synth_set set, size_t *n)
{
    *n = sets[set].n;
    return sets[set].v;
}

const struct ubur_synth_name *
ubur_synth_pick(struct ubur_rng *r, enum ubur_synth_set set)
{
    /* Zipf-like: rank k drawn with weight 1 / (k + 2). */
    size_t n = sets[set].n;
    double total = 0, x;
    for (size_t k = 0; k < n; k++)
        total += 1.0 / (double)(k + 2);
    x = ubur_rng_unit(r) * total;
    for (size_t k = 0; k < n; k++) {
        x -= 1.0 / (double)(k + 2);
        if (x < 0)
            return &sets[set].v[k];
    }
    return &sets[set].v[n - 1];
}

unsigned
ubur_synth_variants(const struct ubur_synth_name *nm)
{
    unsigned n = 1;
    for (const char *p = nm->lat; *p; p++)
        n += *p == '|';
    return n;
}

void
ubur_synth_latin(const struct ubur_synth_name *nm, unsigned variant, char *out, size_t cap)
{
    const char *p = nm->lat;
    variant %= ubur_synth_variants(nm);
    while (variant--)
        p = strchr(p, '|') + 1;
    size_t len = strcspn(p, "|");
    snprintf(out, cap, "%.*s", (int)len, p);
}

static const char *const english_male[] = {
    "James",     "John",     "Robert",  "Michael",   "William", "David",   "Richard", "Joseph",
    "Thomas",    "Charles",  "Daniel",  "Matthew",   "Anthony", "Mark",    "Donald",  "Steven",
    "Paul",      "Andrew",   "Joshua",  "Kenneth",   "Kevin",   "Brian",   "George",  "Timothy",
    "Ronald",    "Edward",   "Jason",   "Jeffrey",   "Ryan",    "Jacob",   "Gary",    "Nicholas",
    "Eric",      "Jonathan", "Stephen", "Larry",     "Justin",  "Scott",   "Brandon", "Benjamin",
    "Samuel",    "Gregory",  "Frank",   "Alexander", "Raymond", "Patrick", "Jack",    "Dennis",
    "Jerry",     "Tyler",    "Aaron",   "Jose",      "Adam",    "Henry",   "Nathan",  "Douglas",
    "Zachary",   "Peter",    "Kyle",    "Walter",    "Ethan",   "Jeremy",  "Harold",  "Keith",
    "Christian", "Roger",    "Noah",    "Gerald",    "Carl",    "Terry",   "Sean",    "Austin",
};
static const char *const english_female[] = {
    "Mary",      "Patricia", "Jennifer",  "Linda",     "Elizabeth", "Barbara",  "Susan",
    "Jessica",   "Sarah",    "Karen",     "Nancy",     "Lisa",      "Betty",    "Margaret",
    "Sandra",    "Ashley",   "Kimberly",  "Emily",     "Donna",     "Michelle", "Dorothy",
    "Carol",     "Amanda",   "Melissa",   "Deborah",   "Stephanie", "Rebecca",  "Sharon",
    "Laura",     "Cynthia",  "Kathleen",  "Amy",       "Shirley",   "Angela",   "Helen",
    "Anna",      "Brenda",   "Pamela",    "Nicole",    "Emma",      "Samantha", "Katherine",
    "Christine", "Debra",    "Rachel",    "Catherine", "Carolyn",   "Janet",    "Ruth",
    "Maria",     "Heather",  "Diane",     "Virginia",  "Julie",     "Joyce",    "Victoria",
    "Olivia",    "Kelly",    "Christina", "Lauren",    "Joan",      "Evelyn",   "Judith",
    "Megan",
};
static const char *const english_surname[] = {
    "Smith",    "Johnson",   "Williams",   "Brown",     "Jones",      "Garcia",    "Miller",
    "Davis",    "Rodriguez", "Martinez",   "Hernandez", "Lopez",      "Gonzalez",  "Wilson",
    "Anderson", "Thomas",    "Taylor",     "Moore",     "Jackson",    "Martin",    "Lee",
    "Perez",    "Thompson",  "White",      "Harris",    "Sanchez",    "Clark",     "Ramirez",
    "Lewis",    "Robinson",  "Walker",     "Young",     "Allen",      "King",      "Wright",
    "Scott",    "Torres",    "Nguyen",     "Hill",      "Flores",     "Green",     "Adams",
    "Nelson",   "Baker",     "Hall",       "Rivera",    "Campbell",   "Mitchell",  "Carter",
    "Roberts",  "Gomez",     "Phillips",   "Evans",     "Turner",     "Diaz",      "Parker",
    "Cruz",     "Edwards",   "Collins",    "Reyes",     "Stewart",    "Morris",    "Morales",
    "Murphy",   "Cook",      "Rogers",     "Gutierrez", "Ortiz",      "Morgan",    "Cooper",
    "Peterson", "Bailey",    "Reed",       "Kelly",     "Howard",     "Ramos",     "Kim",
    "Cox",      "Ward",      "Richardson", "Watson",    "Brooks",     "Chavez",    "Wood",
    "James",    "Bennett",   "Gray",       "Mendoza",   "Ruiz",       "Hughes",    "Price",
    "Alvarez",  "Castillo",  "Sanders",    "Patel",     "Myers",      "Long",      "Ross",
    "Foster",   "Jimenez",   "Powell",     "Jenkins",   "Perry",      "Russell",   "Sullivan",
    "Bell",     "Coleman",   "Butler",     "Henderson", "Barnes",     "Gonzales",  "Fisher",
    "Vasquez",  "Simmons",   "Romero",     "Jordan",    "Patterson",  "Alexander", "Hamilton",
    "Graham",   "Reynolds",  "Griffin",    "Wallace",   "Moreno",     "West",      "Cole",
    "Hayes",    "Bryant",    "Herrera",    "Gibson",    "Ellis",      "Tran",      "Medina",
    "Aguilar",  "Stevens",   "Murray",     "Ford",      "Castro",     "Marshall",  "Owens",
    "Harrison", "Fernandez", "McDonald",   "Woods",     "Washington", "Kennedy",   "Wells",
    "Vargas",   "Henry",     "Chen",       "Freeman",   "Webb",       "Tucker",    "Guzman",
    "Burns",    "Crawford",  "Olson",      "Simpson",   "Porter",     "Hunter",
};

const char *const *
ubur_synth_english(int which, size_t *n)
{
    switch (which) {
    case 0:
        *n = sizeof(english_male) / sizeof(english_male[0]);
        return english_male;
    case 1:
        *n = sizeof(english_female) / sizeof(english_female[0]);
        return english_female;
    default:
        *n = sizeof(english_surname) / sizeof(english_surname[0]);
        return english_surname;
    }
}
