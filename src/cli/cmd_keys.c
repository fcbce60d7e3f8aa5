/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur keys new`: a seal signing key and its certificate, issued by a new
 * CSCA (Country Signing CA) or by an existing one (--csca-key/--csca-cert).
 * Files go to --out (default ./keys, created 0700): private keys are written
 * 0600 with O_EXCL, never over an existing file, and never into the database.
 * Every target path is checked before anything is written, so a refused run
 * leaves no half a key set behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ubur/vds.h"

#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_keys;

static const struct ubur_cmd keys_new = {
    .name = "keys new",
    .usage =
        "usage: ubur keys new --country CODE --signer ID [--out DIR] [--curve NAME]\n"
        "                     [--days N] [--csca-days N] [--csca-key KEY --csca-cert CERT]\n"
        "  Creates a seal signing key and a signer certificate (subject C=<ID[0..2]>, O=ubur,\n"
        "  OU=<CODE>, CN=<ID>) issued by a new CSCA, or by the CSCA given. CODE is the ICAO\n"
        "  state code (IRQ, SYR); ID is 4 characters: the state's 2-letter code then 2\n"
        "  letters or digits (IQVS). Curve P-256 unless --curve (P-384, P-521,\n"
        "  brainpoolP224r1 ... brainpoolP512r1). Files in DIR (default keys/):\n"
        "    csca-CODE.key (0600), csca-CODE.pem     the new CSCA\n"
        "    ID-SERIAL.key (0600), ID-SERIAL.pem     the signer\n",
};

static int
write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return ubur_cli_failf(1, "cannot create '%s': %s", path, strerror(errno));
    size_t n = strlen(text), done = 0;
    if (fchmod(fd, mode) != 0) {
        close(fd);
        unlink(path);
        return ubur_cli_failf(1, "cannot set the mode of '%s': %s", path, strerror(errno));
    }
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(path);
            return ubur_cli_failf(1, "cannot write '%s': %s", path, strerror(errno));
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return ubur_cli_failf(1, "cannot write '%s': %s", path, strerror(errno));
    }
    return 0;
}

static char *
slurp(const char *path, size_t *len, const char *field, struct ubur_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ubur_error_field(err, UBUR_EIO, field, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *s = ubur_cli_read_all(f, 64 * 1024, len);
    fclose(f);
    if (!s)
        ubur_error_field(err, UBUR_ETOOBIG, field, "'%s' is larger than 64 KiB", path);
    return s;
}

static int
run_new(struct ubur_cli *cli, int argc, char **argv)
{
    const char *country = NULL, *signer = NULL, *out = "keys", *curve = NULL, *days = NULL,
               *csca_days = NULL, *csca_key = NULL, *csca_cert = NULL;
    bool json = false;
    const struct ubur_opt opts[] = {{"country", &country, NULL},   {"signer", &signer, NULL},
                                    {"out", &out, NULL},           {"curve", &curve, NULL},
                                    {"days", &days, NULL},         {"csca-days", &csca_days, NULL},
                                    {"csca-key", &csca_key, NULL}, {"csca-cert", &csca_cert, NULL},
                                    {"json", NULL, &json},         {NULL, NULL, NULL}};
    char **pos;
    int npos, rc = ubur_cli_parse(cli, &keys_new, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&keys_new, "unexpected argument '%s'", pos[0]);
    if (!country || !signer)
        return ubur_cli_usage(&keys_new, "--country and --signer are required");
    if (!csca_key != !csca_cert)
        return ubur_cli_usage(&keys_new, "--csca-key and --csca-cert go together");

    struct ubur_vds_keyspec spec = {.country = country, .signer = signer, .curve = curve};
    struct ubur_vds_keyset ks = UBUR_VDS_KEYSET_INIT;
    struct ubur_error err = UBUR_ERROR_INIT;
    char *cakey = NULL, *cacert = NULL;
    const struct {
        const char *s;
        int *v;
        const char *name;
    } nums[] = {{days, &spec.signer_days, "days"}, {csca_days, &spec.csca_days, "csca-days"}};
    for (int i = 0; i < 2; i++) {
        if (!nums[i].s)
            continue;
        char *end;
        long v = strtol(nums[i].s, &end, 10);
        if (!*nums[i].s || *end || v < 1 || v > 36500)
            return ubur_cli_failf(1, "%s: '%s' is not a number of days from 1 to 36500",
                                  nums[i].name, nums[i].s);
        *nums[i].v = (int)v;
    }
    if (csca_key) {
        if (!(cakey = slurp(csca_key, &spec.csca_key_len, "csca_key", &err)) ||
            !(cacert = slurp(csca_cert, &spec.csca_cert_len, "csca_cert", &err))) {
            free(cakey);
            return ubur_cli_fail(&err);
        }
        spec.csca_key = cakey;
        spec.csca_cert = cacert;
    }
    rc = ubur_vds_keys_new(&spec, &ks, &err);
    if (cakey) {
        memset(cakey, 0, spec.csca_key_len);
        free(cakey);
    }
    free(cacert);
    if (rc)
        return ubur_cli_fail(&err);

    if (mkdir(out, 0700) != 0 && errno != EEXIST) {
        rc = ubur_cli_failf(1, "cannot create '%s': %s", out, strerror(errno));
        goto done;
    }
    char cc[4] = "";
    size_t k = 0;
    for (const char *p = country; *p; p++)
        if (*p != '<')
            cc[k++] = *p;
    cc[k] = '\0';
    char *paths[4] = {
        ks.csca_key ? ubur_arena_printf(&cli->ctx.arena, "%s/csca-%s.key", out, cc) : NULL,
        ks.csca_cert ? ubur_arena_printf(&cli->ctx.arena, "%s/csca-%s.pem", out, cc) : NULL,
        ubur_arena_printf(&cli->ctx.arena, "%s/%s-%s.key", out, ks.signer, ks.cert_ref),
        ubur_arena_printf(&cli->ctx.arena, "%s/%s-%s.pem", out, ks.signer, ks.cert_ref),
    };
    const char *texts[4] = {ks.csca_key, ks.csca_cert, ks.signer_key, ks.signer_cert};
    const mode_t modes[4] = {0600, 0644, 0600, 0644};
    for (int i = 0; i < 4; i++) {
        if (paths[i] && access(paths[i], F_OK) == 0) {
            rc = ubur_cli_failf(1, "'%s' exists; nothing written%s", paths[i],
                                i < 2 ? " (give --csca-key and --csca-cert to use that CSCA)" : "");
            goto done;
        }
    }
    for (int i = 0; i < 4; i++) {
        if (!paths[i])
            continue;
        if ((rc = write_file(paths[i], texts[i], modes[i]))) {
            for (int j = 0; j < i; j++)
                if (paths[j])
                    unlink(paths[j]);
            goto done;
        }
    }
    if (json) {
        printf("{\"signer\":\"%s\",\"cert_ref\":\"%s\",\"signer_key\":\"%s\","
               "\"signer_cert\":\"%s\",\"csca_key\":%s%s%s,\"csca_cert\":%s%s%s}\n",
               ks.signer, ks.cert_ref, paths[2], paths[3], paths[0] ? "\"" : "",
               paths[0] ? paths[0] : "null", paths[0] ? "\"" : "", paths[1] ? "\"" : "",
               paths[1] ? paths[1] : "null", paths[1] ? "\"" : "");
    } else {
        if (paths[0])
            printf("CSCA            %s (key, 0600)\n                %s (certificate: give it to "
                   "the states that verify your seals)\n",
                   paths[0], paths[1]);
        printf("signer          %s, certificate reference %s\n", ks.signer, ks.cert_ref);
        printf("signing key     %s (0600)\ncertificate     %s\n", paths[2], paths[3]);
    }
    rc = 0;
done:
    ubur_vds_keyset_release(&ks);
    return rc;
}

static int
run_keys(struct ubur_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ubur_cmd_keys.usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "new"))
        return run_new(cli, argc - 1, argv + 1);
    return ubur_cli_usage(&ubur_cmd_keys, "unknown subcommand '%s'", argv[1]);
}

const struct ubur_cmd ubur_cmd_keys = {
    .name = "keys",
    .summary = "create seal signing keys and certificates",
    .usage = "usage: ubur keys new --country CODE --signer ID [--out DIR] [--curve NAME]\n"
             "                     [--days N] [--csca-key KEY --csca-cert CERT]\n"
             "`ubur keys new --help` for details.\n",
    .run = run_keys,
    .flags = UBUR_CMD_NODB,
};
