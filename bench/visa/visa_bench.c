/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visa throughput (issue 6): applications submitted (validated and screened
 * against a watchlist), approved automatically and issued with a signed
 * Visible Digital Seal, per second, on SQLite with durable commits, through
 * the same services the API and CLI use. In the same run, the cost of one
 * seal signature through ubur_vds_sign_visa against raw OpenSSL
 * (EVP_DigestSign over the same bytes with the same key), so the seal code's
 * overhead is a ratio measured on the same machine at the same moment.
 *
 * Two ways in: one visa per request (submit, then issue: two durable commits
 * per visa, so the disk's fsync rate bounds it), and groups (a pilgrims'
 * group of G: one request submits all, one issues all, two commits per
 * group). The peer measured beside them is the disk's rate of durable
 * single-row commits.
 *
 * Usage: visa_bench [--visas N] [--single N] [--group G] [--threads T] [--watchlist N]
 *                   [--sign N] [--dir DIR] [--pg CONNINFO]
 * Defaults: 4000 visas in groups of 50, 400 visas one per request, 2 threads, a
 * 10,000-name watchlist, 4000 signatures, a temporary directory (removed
 * afterwards unless --dir is given). --pg runs the same on PostgreSQL: CONNINFO
 * names an empty database (bench/backends/run.sh makes one), and the peer is
 * then that server's rate of durable single-row commits.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ubur/mrz.h"
#include "ubur/vds.h"
#include "ubur/visa.h"
#include "ubur/watchlist.h"

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) this process has used. */
static double
cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void
die(const char *what, const struct ubur_error *err)
{
    fprintf(stderr, "visa_bench: %s: %s%s%s\n", what, err && err->field[0] ? err->field : "",
            err && err->field[0] ? ": " : "", err ? err->message : "");
    exit(1);
}

static const char *const given[] = {"AHMED",  "ALI",     "HASSAN", "HUSSEIN", "OMAR",  "ZAINAB",
                                    "FATIMA", "MARYAM",  "KARIM",  "SAAD",    "NOOR",  "HUDA",
                                    "KHALID", "MAHMOUD", "ABBAS",  "JASIM",   "SALAH", "MAJID"};
static const char *const family[] = {"JUBOURI", "MOSAWI",   "SAADI",  "OBAIDI",   "KUBAISI",
                                     "RUBAIE",  "DULAIMI",  "TAEE",   "HASHIMI",  "TIKRITI",
                                     "MOSULI",  "BAGHDADI", "ANBARI", "KARBALAI", "NAJAFI"};
#define NG (sizeof(given) / sizeof(given[0]))
#define NF (sizeof(family) / sizeof(family[0]))

/* Synthetic syllable names for the watchlist: unlike the applicants' names. */
static void
syllable_name(char *out, size_t n)
{
    static const char *const syl[] = {"ka", "ra", "mu", "si", "ta", "lo", "ne", "vi",
                                      "zo", "pe", "du", "fa", "gi", "ho", "ju", "be"};
    size_t k = 0;
    for (int w = 0; w < 3; w++) {
        int s = 2 + (int)(rnd() % 2);
        for (int i = 0; i < s && k + 3 < n; i++) {
            const char *x = syl[rnd() % 16];
            out[k++] = (char)(x[0] - (i == 0 ? 32 : 0));
            out[k++] = x[1];
        }
        if (w < 2 && k + 1 < n)
            out[k++] = ' ';
    }
    out[k] = '\0';
}

struct job {
    const char *db;
    char **mrz;
    int from, to, group;
    double submit_s, issue_s;
    int auto_approved, issued;
};

/* One visa per request: submit (validate, screen, auto-approve), then issue. */
static void
run_single(struct job *j, struct ubur_store *store, const char *entry)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    for (int i = j->from; i < j->to; i++) {
        struct ubur_ctx ctx = {.store = store,
                               .username = "bench",
                               .role = UBUR_ROLE_ADMIN,
                               .state = "SYR",
                               .arena = UBUR_ARENA_INIT};
        ubur_uuid7(ctx.request_id);
        json_t *req = json_pack("{s:s, s:s, s:s, s:i}", "passport_mrz", j->mrz[i], "purpose",
                                "tourism", "entry_date", entry, "days", 14),
               *app = NULL, *visa = NULL;
        double t0 = now_s();
        if (ubur_visa_apply(&ctx, req, &app, &err))
            die("apply", &err);
        double t1 = now_s();
        j->auto_approved += !strcmp(json_string_value(json_object_get(app, "state")), "approved");
        if (ubur_visa_issue(&ctx, json_string_value(json_object_get(app, "id")), &visa, &err))
            die("issue", &err);
        double t2 = now_s();
        j->issued++;
        j->submit_s += t1 - t0;
        j->issue_s += t2 - t1;
        json_decref(req);
        json_decref(app);
        json_decref(visa);
        ubur_arena_release(&ctx.arena);
    }
}

/* Groups of j->group (a pilgrims' group): one request submits them, one issues them. */
static void
run_groups(struct job *j, struct ubur_store *store, const char *entry)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    for (int i = j->from; i < j->to; i += j->group) {
        int end = i + j->group < j->to ? i + j->group : j->to;
        struct ubur_ctx ctx = {.store = store,
                               .username = "bench",
                               .role = UBUR_ROLE_ADMIN,
                               .state = "SYR",
                               .arena = UBUR_ARENA_INIT};
        ubur_uuid7(ctx.request_id);
        char ref[64];
        snprintf(ref, sizeof(ref), "BENCH-%d", i);
        json_t *apps = json_array(), *out = NULL, *visas = NULL;
        for (int k = i; k < end; k++)
            json_array_append_new(apps,
                                  json_pack("{s:s, s:s, s:s, s:i}", "passport_mrz", j->mrz[k],
                                            "purpose", "tourism", "entry_date", entry, "days", 14));
        json_t *req = json_pack("{s:s, s:o}", "group_ref", ref, "applications", apps);
        double t0 = now_s();
        if (ubur_visa_apply_group(&ctx, req, &out, &err))
            die("apply group", &err);
        double t1 = now_s();
        j->auto_approved += (int)json_integer_value(json_object_get(out, "approved_automatically"));
        if (ubur_visa_issue_group(&ctx, ref, &visas, &err))
            die("issue group", &err);
        double t2 = now_s();
        j->issued += (int)json_integer_value(json_object_get(visas, "issued"));
        j->submit_s += t1 - t0;
        j->issue_s += t2 - t1;
        json_decref(req);
        json_decref(out);
        json_decref(visas);
        ubur_arena_release(&ctx.arena);
    }
}

static void *
worker(void *arg)
{
    struct job *j = arg;
    struct ubur_store *store;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_open(&store, j->db, &err))
        die("open", &err);
    char entry[UBUR_DATE_LEN + 1];
    ubur_date_format(ubur_now() / 86400 + 10, entry);
    if (j->group > 1)
        run_groups(j, store, entry);
    else
        run_single(j, store, entry);
    ubur_store_close(store);
    return NULL;
}

/* The peer: durable single-row commits per second on the same disk, one thread. */
static double
durable_commits_per_s(const char *dir, const char *pg, int n)
{
    char path[600];
    struct ubur_store *s;
    struct ubur_error err = UBUR_ERROR_INIT;
    snprintf(path, sizeof(path), "%s/ceiling.db", dir);
    if (!pg)
        unlink(path);
    if (ubur_store_open(&s, pg ? pg : path, &err) ||
        ubur_store_exec(s, "CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)", &err))
        die("ceiling", &err);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char id[UBUR_UUID_LEN + 1];
        ubur_uuid7(id);
        if (ubur_store_begin(s, &err) ||
            ubur_store_run(s, &err, "INSERT INTO t (id, v) VALUES (?, ?)", "tt", id, "x") < 0 ||
            ubur_store_commit(s, &err))
            die("ceiling", &err);
    }
    double r = n / (now_s() - t0);
    ubur_store_close(s);
    return r;
}

/* Runs the throughput phase with `group` visas per request; returns visas per second. */
static double
throughput(const char *db, char **mrz, int from, int to, int nthreads, int group, int *issued,
           int *autoa, double *submit_ms, double *issue_ms, double *cpu_ms)
{
    pthread_t th[64];
    struct job jobs[64];
    int n = to - from;
    double s0 = now_s(), c0 = cpu_s(), submit = 0, issue = 0;
    *issued = *autoa = 0;
    for (int t = 0; t < nthreads; t++) {
        jobs[t] = (struct job){.db = db,
                               .mrz = mrz,
                               .from = from + n * t / nthreads,
                               .to = from + n * (t + 1) / nthreads,
                               .group = group};
        pthread_create(&th[t], NULL, worker, &jobs[t]);
    }
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        submit += jobs[t].submit_s;
        issue += jobs[t].issue_s;
        *issued += jobs[t].issued;
        *autoa += jobs[t].auto_approved;
    }
    double wall = now_s() - s0;
    *cpu_ms = (cpu_s() - c0) * 1e3 / (*issued ? *issued : 1);
    *submit_ms = submit * 1e3 / (*issued ? *issued : 1);
    *issue_ms = issue * 1e3 / (*issued ? *issued : 1);
    return *issued / wall;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    int nvisas = 4000, nthreads = 2, nwatch = 10000, nsign = 4000, nsingle = 400, group = 50;
    const char *dir_arg = NULL, *pg = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--visas"))
            nvisas = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--threads"))
            nthreads = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--watchlist"))
            nwatch = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--sign"))
            nsign = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--single"))
            nsingle = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--group"))
            group = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--dir"))
            dir_arg = argv[i + 1];
        else if (!strcmp(argv[i], "--pg"))
            pg = argv[i + 1];
        else {
            fprintf(stderr, "usage: visa_bench [--visas N] [--threads T] [--watchlist N] "
                            "[--sign N] [--single N] [--group G] [--dir DIR] [--pg CONNINFO]\n");
            return 2;
        }
    }
    if (nvisas < 1 || nthreads < 1 || nthreads > 64 || nwatch < 0 || nsign < 10 || nsingle < 0 ||
        group < 2 || group > UBUR_VISA_GROUP_MAX)
        return 2;
    char tmpl[] = "/tmp/ubur-visa-bench-XXXXXX";
    const char *dir = dir_arg ? dir_arg : mkdtemp(tmpl);
    if (!dir)
        return 1;
    char db[512], key[512], cert[512];
    snprintf(db, sizeof(db), "%s/bench.db", dir);
    snprintf(key, sizeof(key), "%s/signer.key", dir);
    snprintf(cert, sizeof(cert), "%s/signer.pem", dir);
    unlink(db);
    if (pg)
        snprintf(db, sizeof(db), "%s", pg);

    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_store *store;
    if (ubur_store_open(&store, db, &err) || ubur_store_migrate(store, &err))
        die("store", &err);
    struct ubur_ctx ctx = {.store = store,
                           .username = "bench",
                           .role = UBUR_ROLE_ADMIN,
                           .state = "SYR",
                           .arena = UBUR_ARENA_INIT};
    if (ubur_store_run(store, &err, "INSERT INTO settings (key, value) VALUES ('state', 'SYR')",
                       "") < 0)
        die("settings", &err);

    /* Keys: P-256, written 0600 as `ubur keys new` does. */
    struct ubur_vds_keyspec spec = {.country = "SYR", .signer = "SYVS"};
    struct ubur_vds_keyset ks = UBUR_VDS_KEYSET_INIT;
    if (ubur_vds_keys_new(&spec, &ks, &err))
        die("keys", &err);
    FILE *f;
    unlink(key);
    unlink(cert);
    int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w")))
        return 1;
    fputs(ks.signer_key, f);
    fclose(f);
    if (!(f = fopen(cert, "w")))
        return 1;
    fputs(ks.signer_cert, f);
    fclose(f);
    ubur_vds_keyset_release(&ks);
    if (ubur_store_run(store, &err,
                       "INSERT INTO settings (key, value) VALUES ('visa.signer_key', ?),"
                       " ('visa.signer_cert', ?)",
                       "tt", key, cert) < 0)
        die("settings", &err);
    json_t *rules = json_pack("{s:[s], s:s, s:b, s:i}", "nationalities", "IRQ", "fee", "50.00",
                              "auto_approve", 1, "auto_max_risk", 20),
           *out = NULL;
    if (ubur_visa_purpose_put(&ctx, "tourism", rules, &out, &err))
        die("rules", &err);
    json_decref(rules);
    json_decref(out);

    /* A watchlist for the screening to search. */
    double t0 = now_s();
    if (nwatch > 0) {
        struct ubur_buf csv = UBUR_BUF_INIT;
        ubur_buf_adds(&csv, "reference,name,aliases,dob,nationality,sex,action\n");
        for (int i = 0; i < nwatch; i++) {
            char name[64];
            syllable_name(name, sizeof(name));
            ubur_buf_addf(&csv, "B-%06d,%s,,%d,SYR,M,refuse_entry\n", i, name,
                          1950 + (int)(rnd() % 50));
        }
        struct ubur_wl_summary sum;
        if (ubur_watchlist_import(&ctx, "bench list", "bench.csv", csv.s, csv.len, UBUR_WL_CSV,
                                  NULL, NULL, &sum, &err))
            die("watchlist", &err);
        ubur_buf_release(&csv);
        if (ubur_screening_sync(store, &err))
            die("screening index", &err);
    }
    double t_watch = now_s() - t0;

    /* Applicants' passports, made before the clock starts. */
    int total = nvisas + nsingle;
    char **mrz = calloc((size_t)total, sizeof(*mrz));
    char expiry[UBUR_DATE_LEN + 1];
    ubur_date_format(ubur_now() / 86400 + 5 * 365, expiry);
    for (int i = 0; i < total; i++) {
        char number[16], birth[16];
        struct ubur_mrz_lines l;
        snprintf(number, sizeof(number), "A%08d", i);
        snprintf(birth, sizeof(birth), "%04d-%02d-%02d", 1950 + (int)(rnd() % 50),
                 1 + (int)(rnd() % 12), 1 + (int)(rnd() % 28));
        char fam[40];
        snprintf(fam, sizeof(fam), "AL-%s", family[rnd() % NF]);
        char giv[64];
        snprintf(giv, sizeof(giv), "%s %s", given[rnd() % NG], given[rnd() % NG]);
        struct ubur_mrz_fields mf = {.format = UBUR_MRZ_TD3,
                                     .document_code = "P",
                                     .issuing_state = "IRQ",
                                     .surname = fam,
                                     .given_names = giv,
                                     .document_number = number,
                                     .nationality = "IRQ",
                                     .birth_date = birth,
                                     .sex = (rnd() & 1) ? 'M' : 'F',
                                     .expiry_date = expiry};
        if (ubur_mrz_make(&mf, &l, &err))
            die("mrz", &err);
        mrz[i] = malloc(100);
        ubur_mrz_lines_join(&l, mrz[i], 100);
    }

    /* ---- seal signing: ubur against raw OpenSSL, same key, same bytes ---- */
    struct ubur_vds_signer *signer;
    if (ubur_vds_signer_open(&signer, key, cert, &err))
        die("signer", &err);
    struct ubur_vds_visa v = UBUR_VDS_VISA_INIT;
    snprintf(v.mrz1, sizeof(v.mrz1), "V<SYRAL<JUBOURI<<AHMED<KHALID<<<<<<<<<<<<<<<<");
    snprintf(v.mrz2, sizeof(v.mrz2), "V260000011IRQ7803149M2703081A12345678<<<<<<<");
    v.entries = 1;
    v.stay_days = 14;
    snprintf(v.passport_number, sizeof(v.passport_number), "A12345678");
    v.issue_date = ubur_now() / 86400;
    struct ubur_buf seal = UBUR_BUF_INIT;
    if (ubur_vds_sign_visa(signer, &v, &seal, &err))
        die("sign", &err);
    struct ubur_vds dec;
    if (ubur_vds_decode((const uint8_t *)seal.s, seal.len, &dec, &err))
        die("decode", &err);
    size_t signed_len = dec.signed_len;
    unsigned char *signed_bytes = malloc(signed_len);
    memcpy(signed_bytes, dec.signed_data, signed_len);
    FILE *kf = fopen(key, "r");
    EVP_PKEY *pkey = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
    if (kf)
        fclose(kf);
    if (!pkey)
        return 1;
    /* Alternating blocks of 25 so both see the same machine load; medians over blocks. */
    enum { BLOCK = 25 };
    int blocks = nsign / BLOCK;
    double *raw_us = calloc((size_t)blocks, sizeof(double)),
           *ubur_us = calloc((size_t)blocks, sizeof(double)),
           *ratio = calloc((size_t)blocks, sizeof(double));
    for (int r = 0; r < blocks; r++) {
        double a = now_s();
        for (int i = 0; i < BLOCK; i++) {
            unsigned char der[160];
            size_t derlen = sizeof(der);
            EVP_MD_CTX *mctx = EVP_MD_CTX_new();
            if (EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
                EVP_DigestSign(mctx, der, &derlen, signed_bytes, signed_len) != 1)
                return 1;
            EVP_MD_CTX_free(mctx);
        }
        double b = now_s();
        for (int i = 0; i < BLOCK; i++) {
            ubur_buf_reset(&seal);
            if (ubur_vds_sign_visa(signer, &v, &seal, &err))
                die("sign", &err);
        }
        double c = now_s();
        raw_us[r] = (b - a) * 1e6 / BLOCK;
        ubur_us[r] = (c - b) * 1e6 / BLOCK;
        ratio[r] = ubur_us[r] / raw_us[r];
    }
    qsort(raw_us, (size_t)blocks, sizeof(double), cmp_double);
    qsort(ubur_us, (size_t)blocks, sizeof(double), cmp_double);
    qsort(ratio, (size_t)blocks, sizeof(double), cmp_double);
    EVP_PKEY_free(pkey);
    free(signed_bytes);
    ubur_buf_release(&seal);
    ubur_vds_signer_close(signer);

    /* ---- throughput: submit + screen + auto-approve + issue, T threads ---- */
    double ceiling = durable_commits_per_s(dir, pg, 300);
    int issued1 = 0, auto1 = 0, issued = 0, autoa = 0;
    double sub1 = 0, iss1 = 0, sub = 0, iss = 0, rate1 = 0, cpu1 = 0, cpu = 0, load[1] = {0};
    if (nsingle > 0)
        rate1 =
            throughput(db, mrz, nvisas, total, nthreads, 1, &issued1, &auto1, &sub1, &iss1, &cpu1);
    double rate =
        throughput(db, mrz, 0, nvisas, nthreads, group, &issued, &autoa, &sub, &iss, &cpu);
    getloadavg(load, 1);
    int64_t in_db = 0;
    ubur_store_query_int(store, &err, &in_db, "SELECT COUNT(*) FROM visa WHERE seal IS NOT NULL",
                         "");

    printf("visa benchmark: %s, %d threads, %d-name watchlist "
           "(loaded in %.1f s), load average %.1f on %ld CPUs\n",
           pg ? "PostgreSQL synchronous_commit=on" : "SQLite WAL synchronous=FULL", nthreads,
           nwatch, t_watch, load[0], sysconf(_SC_NPROCESSORS_ONLN));
    printf("  peer: durable commits  %.0f /s (one row per transaction, one thread, same disk)\n",
           ceiling);
    printf("  one visa per request   %.0f visas/s (%d issued, %d auto-approved); per visa: "
           "CPU %.2f ms; wall per thread: submit+screen %.2f ms, issue+seal %.2f ms\n",
           rate1, issued1, auto1, cpu1, sub1, iss1);
    printf("  groups of %-3d          %.0f visas/s (%d issued, %d auto-approved); per visa: "
           "CPU %.2f ms; wall per thread: submit+screen %.2f ms, issue+seal %.2f ms\n",
           group, rate, issued, autoa, cpu, sub, iss);
    printf("  seals in the database  %lld\n", (long long)in_db);
    printf("  seal signature         ubur %.1f us, raw OpenSSL %.1f us; ratio %.3f (median of "
           "%d alternating blocks of %d)\n",
           ubur_us[blocks / 2], raw_us[blocks / 2], ratio[blocks / 2], blocks, BLOCK);
    printf("{\"backend\":\"%s\",\"threads\":%d,\"watchlist\":%d,\"durable_commits_per_s\":%.1f,"
           "\"single_visas_per_s\":%.1f,\"single_cpu_ms\":%.3f,\"group\":%d,"
           "\"group_visas_per_s\":%.1f,\"group_cpu_ms\":%.3f,\"load\":%.1f,"
           "\"sign_us\":%.2f,\"openssl_us\":%.2f,\"sign_ratio\":%.3f}\n",
           pg ? "postgresql" : "sqlite", nthreads, nwatch, ceiling, rate1, cpu1, group, rate, cpu,
           load[0], ubur_us[blocks / 2], raw_us[blocks / 2], ratio[blocks / 2]);
    free(raw_us);
    free(ubur_us);
    free(ratio);

    for (int i = 0; i < total; i++)
        free(mrz[i]);
    free(mrz);
    ubur_arena_release(&ctx.arena);
    ubur_store_close(store);
    ubur_screening_shutdown();
    if (!dir_arg) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "visa_bench: could not remove %s\n", dir);
    }
    return issued == nvisas && issued1 == nsingle && in_db == total ? 0 : 1;
}
