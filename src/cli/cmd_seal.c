/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur seal decode|verify|sign|render`: Visible Digital Seals from the
 * command line. Seals are read as hex (or raw binary from stdin with "-") and
 * written as lowercase hex. Exit status: 0 ok (verify: valid), 1 failure
 * (verify: invalid, with the reason on stderr or in the JSON), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ubur/datamatrix.h"
#include "ubur/mrz.h"
#include "ubur/util.h"
#include "ubur/vds.h"
#include "ubur/vds_json.h"

#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_seal;

static const struct ubur_cmd seal_decode = {
    .name = "seal decode",
    .usage = "usage: ubur seal decode [--json] HEX|-\n"
             "  Decodes a seal (hex, or hex or binary on stdin with -) and prints its fields.\n",
};
static const struct ubur_cmd seal_verify = {
    .name = "seal verify",
    .usage = "usage: ubur seal verify --cert CERT.pem [--ca CSCA.pem] [--json] HEX|-\n"
             "  Verifies a seal against the signer certificate (PEM or DER) and, with --ca,\n"
             "  its chain to the CSCA. Exit 0 valid, 1 invalid (the reason is printed).\n",
};
static const struct ubur_cmd seal_sign = {
    .name = "seal sign",
    .usage = "usage: ubur seal sign --key KEY.pem --cert CERT.pem --mrz LINE1 --mrz LINE2\n"
             "                      [--entries N] --days N [--months N] [--years N]\n"
             "                      --passport NUM [--issued YYYY-MM-DD] [--signed YYYY-MM-DD]\n"
             "                      [--country CODE] [--json]\n"
             "  Signs a visa seal and prints it in hex. MRZ lines are those of an MRV-A (2x44)\n"
             "  or MRV-B (2x36) visa; the seal keeps line 1 and the first 28 characters of\n"
             "  line 2. --entries 0 means multiple entries; without it the number is not\n"
             "  stated. Dates default to today; the issuing country to MRZ line 1's. The MRZ\n"
             "  must check as `ubur mrz parse` says (check digits, dates; no OCR repair).\n",
};
static const struct ubur_cmd seal_render = {
    .name = "seal render",
    .usage = "usage: ubur seal render HEX|- (--png FILE | --svg FILE) [--scale N]\n"
             "  Draws a seal as a DataMatrix; FILE - writes to stdout. --scale is pixels\n"
             "  (PNG) or units (SVG) per module, default 4.\n",
};

/* Reads the seal argument: hex text, or "-" for stdin (hex or binary). */
static int
read_seal(const char *arg, struct ubur_buf *bin, struct ubur_error *err)
{
    if (strcmp(arg, "-") != 0)
        return ubur_vds_parse_text(arg, strlen(arg), bin, err);
    size_t len = 0;
    char *text = ubur_cli_read_all(stdin, UBUR_VDS_MAX_TEXT, &len);
    if (!text)
        return ubur_error_field(err, UBUR_ETOOBIG, "seal", "stdin holds more than %d bytes",
                                UBUR_VDS_MAX_TEXT);
    int rc = ubur_vds_parse_text(text, len, bin, err);
    free(text);
    return rc;
}

static void
print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
}

static void
print_visa(const struct ubur_vds_visa *v)
{
    printf("MRZ            %s\n               %s\n", v->mrz1, v->mrz2);
    if (v->entries < 0)
        printf("entries        not stated\n");
    else if (v->entries == 0)
        printf("entries        multiple\n");
    else
        printf("entries        %d\n", v->entries);
    printf("duration       %d days, %d months, %d years\n", v->stay_days, v->stay_months,
           v->stay_years);
    printf("passport       %s\n", v->passport_number);
}

static void
print_seal(const struct ubur_vds *seal)
{
    const struct ubur_vds_header *h = &seal->header;
    const char *profile = ubur_vds_profile_name(h->feature_ref, h->doc_category);
    char d1[UBUR_DATE_LEN + 1], d2[UBUR_DATE_LEN + 1];
    ubur_date_format(h->issue_date, d1);
    ubur_date_format(h->signature_date, d2);
    printf("version        %d (0x%02X)\n", h->version + 1, h->version);
    printf("issuing state  %s\n", h->issuing_country);
    printf("signer         %s, certificate %s\n", h->signer, h->cert_ref);
    printf("issued         %s\n", d1);
    printf("signed         %s\n", d2);
    printf("profile        %s (feature 0x%02X, category 0x%02X)\n", profile ? profile : "unknown",
           h->feature_ref, h->doc_category);
    for (size_t i = 0; i < seal->nmessages; i++) {
        struct ubur_buf hex = UBUR_BUF_INIT;
        ubur_vds_hex(seal->messages[i].value, seal->messages[i].len, &hex);
        printf("message 0x%02X   %zu bytes %s\n", seal->messages[i].tag, seal->messages[i].len,
               hex.s);
        ubur_buf_release(&hex);
    }
    if (profile && !strcmp(profile, "visa")) {
        struct ubur_vds_visa visa;
        struct ubur_error err = UBUR_ERROR_INIT;
        if (ubur_vds_visa_from_seal(seal, &visa, &err) == 0)
            print_visa(&visa);
        else
            printf("visa error     %s: %s\n", err.field, err.message);
    }
    if (seal->signature)
        printf("signature      %zu bytes over the first %zu\n", seal->signature_len,
               seal->signed_len);
    else
        printf("signature      none\n");
}

static int
run_decode(struct ubur_cli *cli, int argc, char **argv)
{
    bool json = false;
    const struct ubur_opt opts[] = {{"json", NULL, &json}, {NULL, NULL, NULL}};
    char **pos;
    int npos, rc = ubur_cli_parse(cli, &seal_decode, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos != 1)
        return ubur_cli_usage(&seal_decode, "give one seal (hex, or - for stdin)");
    struct ubur_buf bin = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds seal;
    if (read_seal(pos[0], &bin, &err) ||
        ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err)) {
        ubur_buf_release(&bin);
        return ubur_cli_fail(&err);
    }
    if (json) {
        json_t *j = ubur_vds_json(&seal);
        print_json(j);
        json_decref(j);
    } else {
        print_seal(&seal);
    }
    ubur_buf_release(&bin);
    return 0;
}

static int
run_verify(struct ubur_cli *cli, int argc, char **argv)
{
    bool json = false;
    const char *cert = NULL, *ca = NULL;
    const struct ubur_opt opts[] = {
        {"json", NULL, &json}, {"cert", &cert, NULL}, {"ca", &ca, NULL}, {NULL, NULL, NULL}};
    char **pos;
    int npos, rc = ubur_cli_parse(cli, &seal_verify, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (!cert)
        return ubur_cli_usage(&seal_verify, "--cert is required");
    if (npos != 1)
        return ubur_cli_usage(&seal_verify, "give one seal (hex, or - for stdin)");

    struct ubur_buf bin = UBUR_BUF_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds_verifier *v = NULL;
    struct ubur_vds seal;
    bool decoded = false;

    /* A certificate that cannot be used is a failure of the check, not of the seal. */
    if ((rc = ubur_vds_verifier_open(&v, cert, ca, &err)) && rc != UBUR_EUNPROC && !json) {
        ubur_cli_fail(&err);
        return 1;
    }
    if (rc == 0 && (rc = read_seal(pos[0], &bin, &err)) == 0 &&
        (rc = ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err)) == 0) {
        decoded = true;
        rc = ubur_vds_verify(v, &seal, &err);
    }
    if (json) {
        json_t *j = json_object();
        json_object_set_new(j, "valid", json_boolean(rc == 0));
        json_object_set_new(j, "reason", rc ? json_string(err.message) : json_null());
        json_object_set_new(j, "field", rc && err.field[0] ? json_string(err.field) : json_null());
        if (v)
            json_object_set_new(j, "certificate",
                                json_pack("{ssss}", "subject", ubur_vds_verifier_subject(v),
                                          "serial", ubur_vds_verifier_serial(v)));
        json_object_set_new(j, "seal", decoded ? ubur_vds_json(&seal) : json_null());
        print_json(j);
        json_decref(j);
    } else if (rc == 0) {
        char d[UBUR_DATE_LEN + 1];
        ubur_date_format(seal.header.signature_date, d);
        printf("valid: signed by %s with certificate %s (%s) on %s\n", seal.header.signer,
               seal.header.cert_ref, ubur_vds_verifier_subject(v), d);
    } else {
        printf("invalid: %s%s%s\n", err.field, err.field[0] ? ": " : "", err.message);
    }
    ubur_vds_verifier_close(v);
    ubur_buf_release(&bin);
    return rc == 0 ? 0 : 1;
}

static int
int_opt(const char *s, const char *name, int lo, int hi, int *out, struct ubur_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return ubur_error_field(err, UBUR_EINVAL, name, "'%s' is not a number from %d to %d", s, lo,
                                hi);
    *out = (int)v;
    return 0;
}

/* Upper-cases an MRZ line and drops trailing whitespace, into out (45 bytes). */
static int
mrz_line(const char *s, char out[45], struct ubur_error *err)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == '\t'))
        n--;
    if (n > 44)
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "MRZ line of %zu characters is longer than 44", n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[n] = '\0';
    return 0;
}

/*
 * --mrz may be given twice, which ubur_cli_parse does not allow: take the
 * --mrz options out of argv first. One --mrz may also carry both lines,
 * separated by a newline or as one run of 88 or 72 characters.
 */
static int
take_mrz(int *argc, char **argv, char lines[2][45], struct ubur_error *err)
{
    const char *vals[3];
    int nv = 0, out = 1, rc;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            for (; i < *argc; i++)
                argv[out++] = argv[i];
            break;
        }
        const char *val = NULL;
        if (!strcmp(a, "--mrz")) {
            if (i + 1 >= *argc)
                return ubur_error_field(err, UBUR_EINVAL, "mrz", "--mrz needs a value");
            val = argv[++i];
        } else if (!strncmp(a, "--mrz=", 6)) {
            val = a + 6;
        }
        if (!val) {
            argv[out++] = argv[i];
            continue;
        }
        if (nv == 2)
            return ubur_error_field(err, UBUR_EINVAL, "mrz", "--mrz given more than twice");
        vals[nv++] = val;
    }
    *argc = out;
    argv[out] = NULL;
    lines[0][0] = lines[1][0] = '\0';
    if (nv == 1) {
        const char *nl = strchr(vals[0], '\n');
        size_t n = strlen(vals[0]);
        char first[45];
        if (nl && (size_t)(nl - vals[0]) < sizeof(first)) {
            snprintf(first, sizeof(first), "%.*s", (int)(nl - vals[0]), vals[0]);
            if ((rc = mrz_line(first, lines[0], err)) || (rc = mrz_line(nl + 1, lines[1], err)))
                return rc;
            return 0;
        }
        if (n == 88 || n == 72) {
            snprintf(first, sizeof(first), "%.*s", (int)(n / 2), vals[0]);
            if ((rc = mrz_line(first, lines[0], err)) ||
                (rc = mrz_line(vals[0] + n / 2, lines[1], err)))
                return rc;
            return 0;
        }
        return ubur_error_field(err, UBUR_EINVAL, "mrz",
                                "give both MRZ lines: --mrz LINE1 --mrz LINE2");
    }
    if (nv == 2) {
        if ((rc = mrz_line(vals[0], lines[0], err)) || (rc = mrz_line(vals[1], lines[1], err)))
            return rc;
    }
    return 0;
}

static int
run_sign(struct ubur_cli *cli, int argc, char **argv)
{
    bool json = false;
    const char *key = NULL, *cert = NULL, *entries = NULL, *days = NULL, *months = NULL,
               *years = NULL, *passport = NULL, *issued = NULL, *signed_on = NULL, *country = NULL;
    const struct ubur_opt opts[] = {
        {"json", NULL, &json},        {"key", &key, NULL},           {"cert", &cert, NULL},
        {"entries", &entries, NULL},  {"days", &days, NULL},         {"months", &months, NULL},
        {"years", &years, NULL},      {"passport", &passport, NULL}, {"issued", &issued, NULL},
        {"signed", &signed_on, NULL}, {"country", &country, NULL},   {NULL, NULL, NULL}};
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_vds_visa visa = UBUR_VDS_VISA_INIT;
    char lines[2][45];
    char **pos;
    int npos, rc;

    if (take_mrz(&argc, argv, lines, &err))
        return ubur_cli_usage(&seal_sign, "%s", err.message);
    rc = ubur_cli_parse(cli, &seal_sign, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&seal_sign, "unexpected argument '%s'", pos[0]);
    if (!key || !cert || !lines[0][0] || !passport || !(days || months || years))
        return ubur_cli_usage(&seal_sign, "--key, --cert, --mrz (twice), --passport and a duration "
                                          "(--days, --months or --years) are required");
    memcpy(visa.mrz1, lines[0], sizeof(visa.mrz1));
    memcpy(visa.mrz2, lines[1], sizeof(visa.mrz2));
    /* A seal vouches for its MRZ: refuse one that does not check (strict, no OCR repair). */
    struct ubur_mrz *mrz = ubur_arena_alloc(&cli->ctx.arena, sizeof(*mrz));
    struct ubur_mrz_opts mopts = UBUR_MRZ_OPTS_INIT;
    char both[2 * 45 + 2];
    mopts.no_repair = true;
    snprintf(both, sizeof(both), "%s\n%s", lines[0], lines[1]);
    if (ubur_mrz_parse(both, strlen(both), &mopts, mrz, &err) != 0)
        return ubur_cli_failf(1, "mrz: %s%s%s", err.field[0] ? err.field : "",
                              err.field[0] ? ": " : "", err.message);
    if (mrz->format != UBUR_MRZ_MRVA && mrz->format != UBUR_MRZ_MRVB)
        return ubur_cli_failf(1, "mrz: a %s zone is not a visa's (MRV-A or MRV-B)",
                              ubur_mrz_format_name(mrz->format));
    if (entries && !strcmp(entries, "multiple"))
        visa.entries = 0;
    else if (entries && int_opt(entries, "entries", 0, 255, &visa.entries, &err))
        return ubur_cli_fail(&err);
    if ((days && int_opt(days, "days", 0, 255, &visa.stay_days, &err)) ||
        (months && int_opt(months, "months", 0, 255, &visa.stay_months, &err)) ||
        (years && int_opt(years, "years", 0, 255, &visa.stay_years, &err)))
        return ubur_cli_fail(&err);
    if (strlen(passport) > 9)
        return ubur_cli_failf(1, "passport_number: '%s' is longer than 9 characters", passport);
    for (size_t i = 0; passport[i]; i++)
        visa.passport_number[i] =
            (passport[i] >= 'a' && passport[i] <= 'z') ? (char)(passport[i] - 32) : passport[i];
    if (country) {
        if (strlen(country) != 3)
            return ubur_cli_failf(1, "issuing_country: '%s' is not a 3-character state code",
                                  country);
        memcpy(visa.issuing_country, country, 4);
    }
    if (issued && ubur_date_parse(issued, &visa.issue_date, &err))
        return ubur_cli_failf(1, "issue_date: '%s' is not a date (YYYY-MM-DD)", issued);
    if (signed_on && ubur_date_parse(signed_on, &visa.signature_date, &err))
        return ubur_cli_failf(1, "signature_date: '%s' is not a date (YYYY-MM-DD)", signed_on);

    struct ubur_vds_signer *s;
    struct ubur_buf out = UBUR_BUF_INIT, hex = UBUR_BUF_INIT;
    if (ubur_vds_signer_open(&s, key, cert, &err))
        return ubur_cli_fail(&err);
    rc = ubur_vds_sign_visa(s, &visa, &out, &err);
    ubur_vds_signer_close(s);
    if (rc) {
        ubur_buf_release(&out);
        return ubur_cli_fail(&err);
    }
    ubur_vds_hex((const uint8_t *)out.s, out.len, &hex);
    if (json) {
        struct ubur_vds seal;
        json_t *j = json_object();
        json_object_set_new(j, "seal", json_string(hex.s));
        json_object_set_new(j, "bytes", json_integer((json_int_t)out.len));
        if (ubur_vds_decode((const uint8_t *)out.s, out.len, &seal, NULL) == 0)
            json_object_set_new(j, "decoded", ubur_vds_json(&seal));
        print_json(j);
        json_decref(j);
    } else {
        puts(hex.s);
    }
    ubur_buf_release(&hex);
    ubur_buf_release(&out);
    return 0;
}

static int
write_out(const char *path, const struct ubur_buf *b)
{
    if (!strcmp(path, "-")) {
        if (fwrite(b->s, 1, b->len, stdout) != b->len || fflush(stdout))
            return ubur_cli_failf(1, "cannot write to stdout");
        return 0;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return ubur_cli_failf(1, "cannot create '%s': %s", path, strerror(errno));
    bool ok = fwrite(b->s, 1, b->len, f) == b->len;
    if (fclose(f) || !ok)
        return ubur_cli_failf(1, "cannot write '%s'", path);
    return 0;
}

static int
run_render(struct ubur_cli *cli, int argc, char **argv)
{
    const char *png = NULL, *svg = NULL, *scale_s = NULL;
    const struct ubur_opt opts[] = {
        {"png", &png, NULL}, {"svg", &svg, NULL}, {"scale", &scale_s, NULL}, {NULL, NULL, NULL}};
    char **pos;
    int npos, rc = ubur_cli_parse(cli, &seal_render, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos != 1)
        return ubur_cli_usage(&seal_render, "give one seal (hex, or - for stdin)");
    if (!png == !svg)
        return ubur_cli_usage(&seal_render, "give one of --png FILE or --svg FILE");
    struct ubur_error err = UBUR_ERROR_INIT;
    int scale = 4;
    if (scale_s && int_opt(scale_s, "scale", 1, 64, &scale, &err))
        return ubur_cli_fail(&err);

    struct ubur_buf bin = UBUR_BUF_INIT, img = UBUR_BUF_INIT;
    struct ubur_datamatrix m = UBUR_DATAMATRIX_INIT;
    struct ubur_vds seal;
    rc = 1;
    if (read_seal(pos[0], &bin, &err) ||
        ubur_vds_decode((const uint8_t *)bin.s, bin.len, &seal, &err) ||
        ubur_datamatrix_encode((const uint8_t *)bin.s, bin.len, &m, &err) ||
        (png ? ubur_datamatrix_png(&m, scale, &img, &err)
             : ubur_datamatrix_svg(&m, scale, &img, &err)))
        ubur_cli_fail(&err);
    else
        rc = write_out(png ? png : svg, &img);
    if (rc == 0 && strcmp(png ? png : svg, "-") != 0)
        fprintf(stderr, "ubur: wrote %s (%dx%d modules, %zu bytes of seal)\n", png ? png : svg,
                m.cols, m.rows, bin.len);
    ubur_datamatrix_release(&m);
    ubur_buf_release(&img);
    ubur_buf_release(&bin);
    return rc;
}

static int
run_seal(struct ubur_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ubur_cmd_seal.usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "decode"))
        return run_decode(cli, argc - 1, argv + 1);
    if (!strcmp(sub, "verify"))
        return run_verify(cli, argc - 1, argv + 1);
    if (!strcmp(sub, "sign"))
        return run_sign(cli, argc - 1, argv + 1);
    if (!strcmp(sub, "render"))
        return run_render(cli, argc - 1, argv + 1);
    return ubur_cli_usage(&ubur_cmd_seal, "unknown subcommand '%s'", sub);
}

const struct ubur_cmd ubur_cmd_seal = {
    .name = "seal",
    .summary = "decode, verify, sign and render visible digital seals",
    .usage = "usage: ubur seal decode [--json] HEX|-\n"
             "       ubur seal verify --cert CERT.pem [--ca CSCA.pem] [--json] HEX|-\n"
             "       ubur seal sign --key KEY.pem --cert CERT.pem --mrz LINE1 --mrz LINE2\n"
             "                      [--entries N] --days N --passport NUM [--issued DATE]\n"
             "                      [--signed DATE] [--country CODE] [--json]\n"
             "       ubur seal render HEX|- (--png FILE | --svg FILE) [--scale N]\n"
             "`ubur seal SUBCOMMAND --help` for details.\n",
    .run = run_seal,
    .flags = UBUR_CMD_NODB,
};
