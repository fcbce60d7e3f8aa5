/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of border post sync: the pure parts (post ids, backoff,
 * cursors, keyset positions) and the whole pipeline in one process on two
 * in-memory stores, a post and central: registrations captured into the
 * outbox in the writing transaction, pushed, applied exactly once with the
 * post's ids and the same content and statistics, repeated pushes answered
 * as duplicates, a gap refused, conflicts (changed on central, different
 * content, refused by the module) held for a supervisor and resolved; and
 * the watchlist pulled page by page into the post's replica. The pipeline
 * runs with central on SQLite, and again on PostgreSQL when UBUR_TEST_PG
 * names a server (tests/pg.sh), as in the field: posts on SQLite, central
 * on PostgreSQL.
 */
#include "store_fixture.h"
#include "unit.h"

#include <math.h>
#include <stdbool.h>

#include "ubur/border.h"
#include "ubur/registry.h"
#include "ubur/sync.h"
#include "ubur/users.h"
#include "ubur/watchlist.h"

/* ---- pure logic ---- */

static void
test_post_ids(void **state)
{
    (void)state;
    assert_true(ubur_sync_post_id_valid("qaim-1"));
    assert_true(ubur_sync_post_id_valid("ab"));
    assert_false(ubur_sync_post_id_valid("a"));
    assert_false(ubur_sync_post_id_valid("1qaim"));
    assert_false(ubur_sync_post_id_valid("Qaim"));
    assert_false(ubur_sync_post_id_valid("qaim 1"));
    assert_false(ubur_sync_post_id_valid(NULL));
    assert_false(ubur_sync_post_id_valid("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
    assert_true(ubur_sync_post_id_valid("abcdefghijabcdefghijabcdefghijab"));   /* 32 */
}

static void
test_backoff(void **state)
{
    (void)state;
    const uint32_t mid = 0x80000000u;
    assert_int_equal(ubur_sync_backoff(0, 5, 600, mid), 0);
    assert_int_equal(ubur_sync_backoff(-3, 5, 600, mid), 0);
    assert_int_equal(ubur_sync_backoff(1, 5, 600, mid), 5);
    assert_int_equal(ubur_sync_backoff(2, 5, 600, mid), 10);
    assert_int_equal(ubur_sync_backoff(3, 5, 600, mid), 20);
    assert_int_equal(ubur_sync_backoff(8, 5, 600, mid), 600); /* 640 capped */
    assert_int_equal(ubur_sync_backoff(1000, 5, 600, mid), 600);
    /* Doubling never decreases, and the jitter stays within 20% either side. */
    int64_t prev = 0;
    for (int f = 1; f < 20; f++) {
        int64_t d = ubur_sync_backoff(f, 5, 600, mid);
        assert_true(d >= prev);
        prev = d;
        int64_t lo = ubur_sync_backoff(f, 5, 600, 0),
                hi = ubur_sync_backoff(f, 5, 600, 0xffffffffu);
        assert_true(lo >= d - d / 5 && lo <= d);
        assert_true(hi <= d + d / 5 && hi >= d);
    }
    assert_true(ubur_sync_backoff(1, 1, 1, 0) >= 1);
    assert_int_equal(ubur_sync_backoff(1, 0, 0, mid), 1);
}

static void
test_cursor(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_buf b = UBUR_BUF_INIT;
    char v[64];
    assert_false(ubur_sync_cursor_get(NULL, "wl", v, sizeof(v)));
    assert_string_equal(v, "");
    assert_int_equal(ubur_sync_cursor_set(NULL, "wl", "7:abc", &b, &err), 0);
    assert_string_equal(b.s, "wl=7:abc");
    assert_int_equal(ubur_sync_cursor_set("wl=7:abc", "log", "12", &b, &err), 0);
    assert_string_equal(b.s, "log=12;wl=7:abc"); /* names sorted: one text per position */
    char *c = ubur_strdup(b.s);
    assert_int_equal(ubur_sync_cursor_set(c, "wl", "9:", &b, &err), 0);
    assert_string_equal(b.s, "log=12;wl=9:");
    free(c);
    assert_true(ubur_sync_cursor_get("log=12;wl=9:", "wl", v, sizeof(v)));
    assert_string_equal(v, "9:");
    assert_true(ubur_sync_cursor_get("log=12;wl=9:", "log", v, sizeof(v)));
    assert_string_equal(v, "12");
    assert_false(ubur_sync_cursor_get("log=12;wl=9:", "lo", v, sizeof(v)));
    assert_false(ubur_sync_cursor_get("logx=1", "log", v, sizeof(v)));
    /* truncation keeps a terminated prefix */
    assert_true(ubur_sync_cursor_get("log=123456", "log", v, 4));
    assert_string_equal(v, "123");
    assert_int_equal(ubur_sync_cursor_set("", "a=b", "1", &b, &err), UBUR_EINVAL);
    assert_int_equal(ubur_sync_cursor_set("", "a", "1;2", &b, &err), UBUR_EINVAL);
    assert_int_equal(ubur_sync_cursor_set("", "", "1", &b, &err), UBUR_EINVAL);
    /* garbage parts are dropped rather than carried forward */
    assert_int_equal(ubur_sync_cursor_set("junk;;wl=1:", "log", "3", &b, &err), 0);
    assert_string_equal(b.s, "log=3;wl=1:");
    ubur_buf_release(&b);
}

static void
test_keyset(void **state)
{
    (void)state;
    int64_t seq;
    char id[UBUR_UUID_LEN + 1];
    assert_int_equal(ubur_sync_keyset_parse(NULL, &seq, id, NULL), 0);
    assert_int_equal(seq, 0);
    assert_string_equal(id, "");
    assert_int_equal(ubur_sync_keyset_parse("42", &seq, id, NULL), 0);
    assert_int_equal(seq, 42);
    assert_int_equal(ubur_sync_keyset_parse("42:", &seq, id, NULL), 0);
    assert_int_equal(
        ubur_sync_keyset_parse("5:01900000-0000-7000-8000-000000000000", &seq, id, NULL), 0);
    assert_int_equal(seq, 5);
    assert_string_equal(id, "01900000-0000-7000-8000-000000000000");
    assert_int_equal(ubur_sync_keyset_parse("-1", &seq, id, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_sync_keyset_parse("x", &seq, id, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_sync_keyset_parse("5:nope", &seq, id, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_sync_keyset_parse("5x", &seq, id, NULL), UBUR_EINVAL);
    assert_int_equal(ubur_sync_keyset_parse("+5", &seq, id, NULL), UBUR_EINVAL);
}

static void
test_fingerprint(void **state)
{
    (void)state;
    char a[65], b[65];
    json_t *x = json_pack("{s:s, s:i, s:[i,i]}", "b", "x", "a", 1, "c", 1, 2);
    json_t *y = json_pack("{s:[i,i], s:i, s:s}", "c", 1, 2, "a", 1, "b", "x");
    ubur_sync_fingerprint(x, a);
    ubur_sync_fingerprint(y, b);
    assert_string_equal(a, b); /* key order does not matter */
    json_object_set_new(y, "a", json_integer(2));
    ubur_sync_fingerprint(y, b);
    assert_string_not_equal(a, b);
    json_decref(x);
    json_decref(y);
}

/* ---- the pipeline: a post and central in one process ---- */

static struct ubur_store *post_store, *central_store;
static struct ubur_ctx post, central, post_account;

static void
add_locations(struct ubur_ctx *c)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_location locs[] = {
        {.pcode = "SY", .level = "country", .country = "SYR", .name_en = "Syria"},
        {.pcode = "SY08", .parent = "SY", .level = "governorate", .name_en = "Al-Hasakah"},
        {.pcode = "SY0803",
         .parent = "SY08",
         .level = "district",
         .name_en = "Qamishli",
         .location_type = "U",
         .accommodation_type = "I"},
        {.pcode = "SY0801-HOL",
         .parent = "SY08",
         .level = "site",
         .name_en = "Al-Hol",
         .location_type = "C",
         .accommodation_type = "P"},
    };
    for (size_t i = 0; i < sizeof(locs) / sizeof(locs[0]); i++)
        assert_int_equal(ubur_registry_location_add(c, &locs[i], &err), 0);
}

static struct fixture central_fx;

static int
setup_pipeline_on(bool pg)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    setenv("UBUR_NOW", "2022-03-01T10:00:00Z", 1);
    assert_int_equal(ubur_store_open(&post_store, ":memory:", &err), 0);
    assert_int_equal(ubur_store_migrate(post_store, &err), 0);
    memset(&central_fx, 0, sizeof(central_fx));
    if (pg) {
        assert_int_equal(fresh_db(&central_fx, true), 0);
        assert_int_equal(ubur_store_open(&central_store, central_fx.uri, &err), 0);
    } else {
        assert_int_equal(ubur_store_open(&central_store, ":memory:", &err), 0);
    }
    if (ubur_store_migrate(central_store, &err))
        fail_msg("migrate central: %s", err.message);
    memset(&post, 0, sizeof(post));
    memset(&central, 0, sizeof(central));
    post.store = post_store;
    post.username = "officer1";
    post.role = UBUR_ROLE_REGISTRATION_OFFICER;
    post.state = "SYR";
    central.store = central_store;
    central.username = "admin";
    central.role = UBUR_ROLE_ADMIN;
    central.state = "SYR";
    /* Locations exist on both before the post becomes a post (they come from central). */
    post.role = UBUR_ROLE_ADMIN;
    add_locations(&post);
    post.role = UBUR_ROLE_REGISTRATION_OFFICER;
    add_locations(&central);
    static const char *const settings[][2] = {
        {"sync.role", "post"}, {"sync.post_id", "qaim-1"}, {"registry.number_prefix", "QAIM-1"}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(ubur_store_run(post_store, &err,
                                        "INSERT INTO settings (key, value) VALUES (?, ?)", "tt",
                                        settings[i][0], settings[i][1]),
                         1);
    char pw[UBUR_PASSWORD_MAX + 1];
    assert_int_equal(ubur_sync_post_add(&central, "qaim-1", "Al-Qaim", pw, &err), 0);
    post_account = central;
    memset(&post_account.arena, 0, sizeof(post_account.arena));
    post_account.username = "qaim-1";
    post_account.role = UBUR_ROLE_SYNC_POST;
    return 0;
}

static int
setup_pipeline(void **state)
{
    (void)state;
    return setup_pipeline_on(false);
}

static int
setup_pipeline_pg(void **state)
{
    (void)state;
    return setup_pipeline_on(true);
}

static int
teardown_pipeline(void **state)
{
    (void)state;
    ubur_screening_shutdown(); /* the index is process-wide: the next group has other stores */
    ubur_store_close(post_store);
    ubur_store_close(central_store);
    if (central_fx.pg)
        drop_db(&central_fx);
    ubur_arena_release(&post.arena);
    ubur_arena_release(&central.arena);
    ubur_arena_release(&post_account.arena);
    unsetenv("UBUR_NOW");
    return 0;
}

static int64_t
count(struct ubur_store *s, const char *sql, const char *arg)
{
    int64_t n = -1;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (arg)
        assert_int_equal(ubur_store_query_int(s, &err, &n, sql, "t", arg), 0);
    else
        assert_int_equal(ubur_store_query_int(s, &err, &n, sql, ""), 0);
    return n;
}

static struct ubur_reg_individual
person(const char *rel, const char *given, const char *family, const char *sex, const char *dob)
{
    struct ubur_reg_individual p = {
        .relationship = rel,
        .given_name = given,
        .family_name = family,
        .sex = sex,
        .birth_date = dob,
        .origin = "IRQ",
        .citizenship = "IRQ",
        .population_type = "ASY",
    };
    return p;
}

/* Pushes every pending event of the post; returns central's answer (caller decrefs). */
static json_t *
push_pending(int expect_rc)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    json_t *body = NULL, *answer = NULL;
    int n = 0, acked = 0;
    assert_int_equal(ubur_sync_outbox_batch(&post, 100, 1u << 22, &body, &n, &err), 0);
    if (!n)
        return NULL;
    int rc = ubur_sync_push(&post_account, json_string_value(json_object_get(body, "post")),
                            json_object_get(body, "events"), &answer, &err);
    if (rc != expect_rc)
        fail_msg("push: %d %s", rc, err.message);
    if (!rc)
        assert_int_equal(ubur_sync_outbox_ack(&post, answer, &acked, &err), 0);
    json_decref(body);
    return answer;
}

static const char *
result_of(json_t *answer, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(answer, "results"), i), "result"));
}

/* The same individual reads the same on the post and on central. */
static void
assert_same_individual(const char *id)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_individual a, b;
    post.role = central.role = UBUR_ROLE_ADMIN;
    assert_int_equal(ubur_registry_get(&post, id, &a, &err), 0);
    assert_int_equal(ubur_registry_get(&central, id, &b, &err), 0);
    post.role = UBUR_ROLE_REGISTRATION_OFFICER;
    assert_string_equal(a.individual_number, b.individual_number);
    assert_string_equal(a.family_name ? a.family_name : "", b.family_name ? b.family_name : "");
    assert_string_equal(a.given_name ? a.given_name : "", b.given_name ? b.given_name : "");
    assert_string_equal(a.status, b.status);
    assert_string_equal(a.population_type, b.population_type);
    assert_string_equal(a.location, b.location);
    assert_int_equal(a.nhistory, b.nhistory);
    assert_int_equal(a.ndocuments, b.ndocuments);
}

static int64_t
population(struct ubur_ctx *c)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_popstat_query q = {0};
    struct ubur_poptable t;
    assert_int_equal(ubur_popdims_parse("type", "by", q.dims, &q.ndims, &err), 0);
    assert_int_equal(ubur_registry_stats(c, &q, &t, &err), 0);
    int64_t total = t.total;
    ubur_poptable_release(&t);
    return total;
}

static char group_id[UBUR_UUID_LEN + 1], focal_id[UBUR_UUID_LEN + 1], child_id[UBUR_UUID_LEN + 1];

static void
test_registration_up(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_reg_group g = {.location = "SY0803", .registered_on = "2022-02-10"};
    struct ubur_reg_individual m[2] = {
        person("focal_point", "Ahmad", "Al-Tikriti", "M", "1980-02-29"),
        person("child", "Ali", "Al-Tikriti", "M", "2017-03-01"),
    };
    struct ubur_reg_document doc = {
        .doc_type = "passport", .number = "A1234567", .issuing_country = "IRQ"};
    m[0].documents = &doc;
    m[0].ndocuments = 1;
    assert_int_equal(ubur_registry_register(&post, &g, m, 2, false, &err), 0);
    snprintf(group_id, sizeof(group_id), "%s", g.id);
    snprintf(focal_id, sizeof(focal_id), "%s", m[0].id);
    snprintf(child_id, sizeof(child_id), "%s", m[1].id);
    /* The post's own number space. */
    assert_non_null(strstr(g.group_number, "SYR-QAIM-1-2022-"));
    /* Captured in the registration's transaction. */
    assert_int_equal(count(post_store, "SELECT COUNT(*) FROM sync_outbox", NULL), 1);
    assert_int_equal(count(post_store,
                           "SELECT COUNT(*) FROM sync_outbox WHERE type = 'registration'"
                           " AND op = 'create' AND record_id = ?",
                           group_id),
                     1);
    /* A status change offline: another event, in order. */
    struct ubur_reg_event ev = {
        .effective_on = "2022-02-20", .status = "inactive", .reason = "left the area"};
    assert_int_equal(ubur_registry_event(&post, child_id, &ev, &err), 0);
    assert_int_equal(count(post_store,
                           "SELECT COUNT(*) FROM sync_outbox WHERE seq = 2 AND op = 'event'"
                           " AND base_hash IS NOT NULL",
                           NULL),
                     1);
    /* A read is not an event. */
    struct ubur_reg_individual r;
    assert_int_equal(ubur_registry_get(&post, focal_id, &r, &err), 0);
    assert_int_equal(count(post_store, "SELECT COUNT(*) FROM sync_outbox", NULL), 2);

    json_t *a = push_pending(0);
    assert_int_equal(json_integer_value(json_object_get(a, "applied_through")), 2);
    assert_string_equal(result_of(a, 0), "applied");
    assert_string_equal(result_of(a, 1), "applied");
    json_decref(a);
    /* Same ids, same content, same statistics; audited as the post's officer. */
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM reg_group WHERE id = ?", group_id),
                     1);
    assert_same_individual(focal_id);
    assert_same_individual(child_id);
    assert_int_equal(population(&central), population(&post));
    assert_int_equal(population(&central), 1);
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM audit_log WHERE action ="
                           " 'registry.group.register' AND username = ?",
                           "officer1@qaim-1"),
                     1);
    assert_int_equal(
        count(post_store, "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL", NULL), 0);
    /* Nothing is captured on central. */
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM sync_outbox", NULL), 0);
}

static void
test_push_again_is_duplicate(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    /* The post lost central's answer: it sends the same events again. */
    assert_int_equal(ubur_store_run(post_store, &err,
                                    "UPDATE sync_outbox SET acked_at = NULL, result = NULL", ""),
                     2);
    int64_t audit = count(central_store, "SELECT COUNT(*) FROM audit_log", NULL);
    int64_t people = count(central_store, "SELECT COUNT(*) FROM reg_individual", NULL);
    json_t *a = push_pending(0);
    assert_string_equal(result_of(a, 0), "duplicate");
    assert_string_equal(result_of(a, 1), "duplicate");
    json_decref(a);
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM audit_log", NULL), audit);
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM reg_individual", NULL), people);
    assert_int_equal(
        count(post_store, "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL", NULL), 0);
}

static void
test_gap_and_wrong_post(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    json_t *answer = NULL;
    json_t *ev = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{}}", "seq", 9, "id",
                           "01900000-0000-7000-8000-000000000009", "type", "individual", "op",
                           "event", "record_id", child_id, "actor", "x", "role",
                           "registration_officer", "created_at", "2022-03-01T10:00:00Z", "payload");
    json_t *events = json_pack("[O]", ev);
    assert_int_equal(ubur_sync_push(&post_account, "qaim-1", events, &answer, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(answer, "applied_through")), 2);
    assert_int_equal(json_integer_value(json_object_get(answer, "expected")), 3);
    assert_int_equal(json_array_size(json_object_get(answer, "results")), 0);
    json_decref(answer);
    /* A post's account speaks only for itself. */
    assert_int_equal(ubur_sync_push(&post_account, "rabia-1", events, &answer, &err), UBUR_EPERM);
    /* Malformed events name what is wrong and change nothing. */
    json_object_set_new(ev, "type", json_string("weather"));
    json_decref(events);
    events = json_pack("[O]", ev);
    assert_int_equal(ubur_sync_push(&post_account, "qaim-1", events, &answer, &err), UBUR_EINVAL);
    assert_string_equal(err.field, "events[0]");
    json_decref(events);
    json_decref(ev);
}

static void
test_conflict_changed_centrally(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    /* Central corrects the family name; offline, the post corrects the given name. */
    struct ubur_reg_individual fix_c = {.family_name = "Al-Takriti"};
    assert_int_equal(ubur_registry_correct(&central, focal_id, &fix_c, &err), 0);
    struct ubur_reg_individual fix_p = {.given_name = "Ahmed"};
    assert_int_equal(ubur_registry_correct(&post, focal_id, &fix_p, &err), 0);
    json_t *a = push_pending(0);
    assert_string_equal(result_of(a, 0), "conflict");
    const char *cid = json_string_value(
        json_object_get(json_array_get(json_object_get(a, "results"), 0), "conflict_id"));
    assert_non_null(cid);
    char conflict[UBUR_UUID_LEN + 1];
    snprintf(conflict, sizeof(conflict), "%s", cid);
    json_decref(a);
    /* Not applied: central still has its own given name. */
    struct ubur_reg_individual r;
    assert_int_equal(ubur_registry_get(&central, focal_id, &r, &err), 0);
    assert_string_equal(r.given_name, "Ahmad");
    assert_string_equal(r.family_name, "Al-Takriti");
    json_t *list;
    assert_int_equal(ubur_sync_conflicts(&central, "open", 10, &list, &err), 0);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "kind")),
                        "changed_centrally");
    assert_true(json_is_object(json_object_get(json_array_get(list, 0), "central_version")));
    json_decref(list);
    /* Officers cannot resolve; a note is required; then the supervisor applies it. */
    struct ubur_ctx officer = central;
    memset(&officer.arena, 0, sizeof(officer.arena));
    officer.role = UBUR_ROLE_BORDER_OFFICER;
    assert_int_equal(ubur_sync_conflict_resolve(&officer, conflict, "apply", "x", &err),
                     UBUR_EPERM);
    ubur_arena_release(&officer.arena);
    assert_int_equal(ubur_sync_conflict_resolve(&central, conflict, "apply", "", &err),
                     UBUR_EINVAL);
    assert_string_equal(err.field, "note");
    assert_int_equal(
        ubur_sync_conflict_resolve(&central, conflict, "apply", "the post saw the passport", &err),
        0);
    assert_int_equal(ubur_registry_get(&central, focal_id, &r, &err), 0);
    assert_string_equal(r.given_name, "Ahmed");
    assert_string_equal(r.family_name, "Al-Takriti");
    assert_int_equal(ubur_sync_conflict_resolve(&central, conflict, "discard", "again", &err),
                     UBUR_ECONFLICT);
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM audit_log WHERE action = 'sync.conflict.resolve'",
                           NULL),
                     1);
}

static void
test_conflict_different_content_and_rejected(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    json_t *answer = NULL;
    /* The same registration id arriving with other content, then a registration the registry
     * refuses (an unknown location), then a good event: the good one still applies. */
    char *payload = NULL;
    assert_int_equal(ubur_store_query_text(post_store, &err, &payload,
                                           "SELECT payload FROM sync_outbox WHERE seq = 1", ""),
                     0);
    json_t *p = json_loads(payload, 0, NULL);
    free(payload);
    json_object_set_new(json_array_get(json_object_get(p, "members"), 0), "given_name",
                        json_string("Someone Else"));
    /* Crafted events come from another post's account, so post 1's own sequence is intact. */
    char pw[UBUR_PASSWORD_MAX + 1];
    assert_int_equal(ubur_sync_post_add(&central, "rabia-1", NULL, pw, &err), 0);
    struct ubur_ctx other = post_account;
    memset(&other.arena, 0, sizeof(other.arena));
    other.username = "rabia-1";
    int64_t applied = 0;
    json_t *e1 = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "seq", (json_int_t)applied + 1, "id",
        "01900000-0000-7000-8000-0000000000a1", "type", "registration", "op", "create", "record_id",
        group_id, "after_hash", "0000000000000000000000000000000000000000000000000000000000000000",
        "actor", "officer1", "role", "registration_officer", "created_at", "2022-03-01T10:00:00Z",
        "payload", p);
    json_t *bad = json_deep_copy(p);
    json_object_set_new(bad, "id", json_string("01900000-0000-7000-8000-0000000000b0"));
    json_object_set_new(bad, "group_number", json_string("SYR-QAIM-1-2022-999999"));
    json_object_set_new(bad, "location", json_string("NOWHERE"));
    json_t *members = json_object_get(bad, "members");
    for (size_t i = 0; i < json_array_size(members); i++) {
        char id[40], num[40];
        snprintf(id, sizeof(id), "01900000-0000-7000-8000-0000000000b%zu", i + 1);
        snprintf(num, sizeof(num), "SYR-QAIM-1-2022-999999-0%zu", i + 1);
        json_object_set_new(json_array_get(members, i), "id", json_string(id));
        json_object_set_new(json_array_get(members, i), "individual_number", json_string(num));
        json_object_set_new(json_array_get(members, i), "location", json_string("NOWHERE"));
    }
    json_t *e2 = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "seq", (json_int_t)applied + 2, "id",
        "01900000-0000-7000-8000-0000000000a2", "type", "registration", "op", "create", "record_id",
        "01900000-0000-7000-8000-0000000000b0", "actor", "officer1", "role", "registration_officer",
        "created_at", "2022-03-01T10:00:00Z", "payload", bad);
    json_t *e3 = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "seq",
        (json_int_t)applied + 3, "id", "01900000-0000-7000-8000-0000000000a3", "type", "individual",
        "op", "event", "record_id", child_id, "actor", "officer1", "role", "registration_officer",
        "created_at", "2022-03-01T10:00:00Z", "payload", "effective_on", "2022-02-25", "status",
        "active", "population_type", "ASY", "location", "SY0803", "reason", "back");
    json_t *events = json_pack("[o, o, o]", e1, e2, e3);
    json_decref(p);
    int64_t people = count(central_store, "SELECT COUNT(*) FROM reg_individual", NULL);
    assert_int_equal(ubur_sync_push(&other, "rabia-1", events, &answer, &err), 0);
    ubur_arena_release(&other.arena);
    assert_string_equal(result_of(answer, 0), "conflict");
    assert_string_equal(result_of(answer, 1), "conflict");
    assert_string_equal(result_of(answer, 2), "applied");
    assert_int_equal(json_integer_value(json_object_get(answer, "applied_through")), applied + 3);
    json_decref(answer);
    json_decref(events);
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM reg_individual", NULL), people);
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM sync_conflict WHERE kind = 'different_content'",
                           NULL),
                     1);
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM sync_conflict WHERE kind = 'rejected'"
                           " AND detail LIKE '%NOWHERE%'",
                           NULL),
                     1);
    struct ubur_reg_individual r;
    assert_int_equal(ubur_registry_get(&central, child_id, &r, &err), 0);
    assert_string_equal(r.status, "active");
    assert_int_equal(population(&central), 2);
    /* A different-content conflict cannot be applied: the record exists. */
    char *cid = NULL;
    assert_int_equal(ubur_store_query_text(central_store, &err, &cid,
                                           "SELECT id FROM sync_conflict WHERE kind ="
                                           " 'different_content'",
                                           ""),
                     0);
    assert_int_equal(ubur_sync_conflict_resolve(&central, cid, "apply", "try", &err), UBUR_EUNPROC);
    assert_int_equal(ubur_sync_conflict_resolve(&central, cid, "discard", "tampered copy", &err),
                     0);
    free(cid);
}

static void
test_watchlist_down(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_wl_summary sum;
    const char *csv = "reference,name,aliases,dob,nationality,sex,action\n"
                      "A-1,Abd al-Rahman Khalil al-Tikriti,Abdulrahman al Tikriti,1979,IRQ,M,"
                      "refuse_entry\n"
                      "A-2,Mohammed Hasan al-Jubouri,,1985-03-02,IRQ,M,discreet_check\n"
                      "A-3,Omar Saleh,,1990,SYR,M,arrest\n";
    assert_int_equal(ubur_watchlist_import(&central, "National alerts", "a.csv", csv, strlen(csv),
                                           UBUR_WL_CSV, NULL, NULL, &sum, &err),
                     0);
    /* Page by page, one entry at a time. */
    const char *cursor = NULL;
    int total = 0;
    for (int page = 0; page < 10; page++) {
        json_t *pg = NULL;
        int applied = 0;
        assert_int_equal(ubur_sync_changes(&post_account, "qaim-1", cursor, 1, &pg, &err), 0);
        struct ubur_ctx applier = post;
        memset(&applier.arena, 0, sizeof(applier.arena));
        applier.role = UBUR_ROLE_ADMIN;
        assert_int_equal(ubur_sync_apply_changes(&applier, pg, &applied, &err), 0);
        ubur_arena_release(&applier.arena);
        total += applied;
        bool more = json_is_true(json_object_get(pg, "more"));
        json_decref(pg);
        cursor = ubur_sync_pull_cursor(&post);
        if (!more)
            break;
    }
    /* The 4 locations central logged, and 3 entries; the post had the locations already. */
    assert_int_equal(total, 3);
    assert_int_equal(count(post_store, "SELECT COUNT(*) FROM watchlist_entries", NULL), 3);
    assert_int_equal(count(post_store,
                           "SELECT COUNT(*) FROM watchlist_entries p WHERE p.reference = 'A-1'",
                           NULL),
                     1);
    char *cid = NULL, *pid = NULL;
    assert_int_equal(
        ubur_store_query_text(central_store, &err, &cid,
                              "SELECT id FROM watchlist_entries WHERE reference = 'A-2'", ""),
        0);
    assert_int_equal(
        ubur_store_query_text(post_store, &err, &pid,
                              "SELECT id FROM watchlist_entries WHERE reference = 'A-2'", ""),
        0);
    assert_string_equal(cid, pid); /* central's ids */
    free(cid);
    free(pid);
    /* Nothing new: nothing changes. An entry delisted on central is delisted on the post. */
    json_t *pg = NULL;
    int applied = -1;
    assert_int_equal(ubur_sync_changes(&post_account, "qaim-1", cursor, 100, &pg, &err), 0);
    assert_int_equal(ubur_sync_apply_changes(&post, pg, &applied, &err), 0);
    assert_int_equal(applied, 0);
    json_decref(pg);
    char *eid = NULL;
    assert_int_equal(
        ubur_store_query_text(central_store, &err, &eid,
                              "SELECT id FROM watchlist_entries WHERE reference = 'A-3'", ""),
        0);
    assert_int_equal(ubur_watchlist_entry_end(&central, eid, "no longer wanted", &err), 0);
    free(eid);
    cursor = ubur_sync_pull_cursor(&post);
    assert_int_equal(ubur_sync_changes(&post_account, "qaim-1", cursor, 100, &pg, &err), 0);
    assert_int_equal(ubur_sync_apply_changes(&post, pg, &applied, &err), 0);
    assert_int_equal(applied, 1);
    json_decref(pg);
    assert_int_equal(
        count(post_store, "SELECT COUNT(*) FROM watchlist_entries WHERE status = 'ended'", NULL),
        1);
    /* The post screens offline against what it pulled. */
    struct ubur_screen_query q = {
        .name = "Abdulrahman al-Tikriti", .dob = "1979", .context = "border"};
    struct ubur_screen_result res;
    post.role = UBUR_ROLE_BORDER_OFFICER;
    if (ubur_screen(&post, &q, &res, &err))
        fail_msg("screen: %s", err.message);
    assert_true(res.alerts >= 1);
    /* Applying changes captured nothing on the post. */
    assert_int_equal(
        count(post_store, "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL", NULL), 0);
    json_t *st;
    assert_int_equal(ubur_sync_status(&post, &st, &err), 0);
    assert_string_equal(json_string_value(json_object_get(st, "role")), "post");
    assert_true(json_is_string(json_object_get(json_object_get(st, "pull"), "data_as_of")));
    json_decref(st);
    ubur_screening_shutdown();
}

/* Pulls every page of changes into the post; returns how many records changed there. */
static int
pull_all(void)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    int total = 0;
    for (int page = 0; page < 100; page++) {
        json_t *pg = NULL;
        int applied = 0;
        struct ubur_ctx applier = post;
        memset(&applier.arena, 0, sizeof(applier.arena));
        applier.role = UBUR_ROLE_ADMIN;
        const char *cursor = ubur_sync_pull_cursor(&applier);
        if (ubur_sync_changes(&post_account, "qaim-1", cursor, 50, &pg, &err))
            fail_msg("changes: %s", err.message);
        if (ubur_sync_apply_changes(&applier, pg, &applied, &err))
            fail_msg("apply: %s", err.message);
        ubur_arena_release(&applier.arena);
        total += applied;
        bool more = json_is_true(json_object_get(pg, "more"));
        json_decref(pg);
        if (!more)
            break;
    }
    return total;
}

static json_t *
check_and_record(const char *direction)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_check_place place = {"semalka", direction, ubur_now()};
    struct ubur_check_input in = {0};
    in.document = (struct ubur_document_input){.document_number = "N7654321",
                                               .nationality = "SYR",
                                               .birth_date = "1980-01-01",
                                               .expiry_date = "2030-01-01",
                                               .surname = "HASSAN",
                                               .given_names = "ALI",
                                               .sex = "M"};
    json_t *chk = NULL, *rec = NULL;
    post.role = UBUR_ROLE_BORDER_OFFICER;
    if (ubur_border_check(&post, &place, &in, &chk, &err))
        fail_msg("check: %s", err.message);
    assert_string_equal(json_string_value(json_object_get(chk, "decision")), "admit");
    struct ubur_confirm_input ci = {json_string_value(json_object_get(chk, "id")), NULL, NULL};
    if (ubur_border_confirm(&post, &ci, &rec, &err))
        fail_msg("confirm: %s", err.message);
    post.role = UBUR_ROLE_REGISTRATION_OFFICER;
    json_decref(chk);
    return rec;
}

static void
test_crossings_down_movements_up(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_crossing_input a = {.id = "faysh",
                                    .name = "Faysh Khabur",
                                    .state = "IRQ",
                                    .governorate = "Duhok",
                                    .latitude = NAN,
                                    .longitude = NAN};
    struct ubur_crossing_input b = {.id = "semalka",
                                    .name = "Semalka",
                                    .state = "SYR",
                                    .governorate = "Al-Hasakah",
                                    .latitude = NAN,
                                    .longitude = NAN,
                                    .partner_id = "faysh"};
    assert_int_equal(ubur_crossing_add(&central, &a, &err), 0);
    assert_int_equal(ubur_crossing_add(&central, &b, &err), 0);
    int64_t from;
    assert_int_equal(ubur_time_parse("2019-01-01", &from, &err), 0);
    struct ubur_schedule_input sch = {.crossing_id = "semalka", .mode = "open", .from = from};
    json_t *o = NULL;
    assert_int_equal(ubur_crossing_schedule(&central, &sch, &o, &err), 0);
    json_decref(o);
    assert_true(pull_all() > 0);
    assert_int_equal(count(post_store, "SELECT COUNT(*) FROM crossing_points", NULL), 2);
    assert_int_equal(count(post_store,
                           "SELECT COUNT(*) FROM crossing_points WHERE id = 'faysh'"
                           " AND partner_id = 'semalka'",
                           NULL),
                     1);
    assert_int_equal(count(post_store, "SELECT COUNT(*) FROM crossing_schedules", NULL), 1);
    assert_int_equal(pull_all(), 0); /* applied twice changes nothing */

    /* Offline, the post admits a traveller, then sees them leave. */
    json_t *entry = check_and_record("entry");
    char rid[UBUR_UUID_LEN + 1];
    snprintf(rid, sizeof(rid), "%s", json_string_value(json_object_get(entry, "id")));
    json_decref(entry);
    assert_int_equal(count(post_store,
                           "SELECT COUNT(*) FROM sync_outbox WHERE type = 'movement'"
                           " AND acked_at IS NULL",
                           NULL),
                     1);
    json_t *ans = push_pending(0);
    assert_string_equal(result_of(ans, 0), "applied");
    json_decref(ans);
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM border_records WHERE id = ?", rid),
                     1);
    /* Through the border's own path: the stay opened, the traffic counted, audited. */
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM stays WHERE entry_record_id = ?"
                           " AND exit_date IS NULL",
                           rid),
                     1);
    assert_int_equal(count(central_store,
                           "SELECT COALESCE(SUM(crossings), 0) FROM border_traffic"
                           " WHERE crossing_id = 'semalka'",
                           NULL),
                     1);
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM audit_log WHERE action = 'border.entry'"
                           " AND object_id = ?",
                           rid),
                     1);
    json_t *exit_rec = check_and_record("exit");
    json_decref(exit_rec);
    ans = push_pending(0);
    assert_string_equal(result_of(ans, 0), "applied");
    json_decref(ans);
    assert_int_equal(count(central_store,
                           "SELECT COUNT(*) FROM stays WHERE entry_record_id = ?"
                           " AND exit_date IS NOT NULL",
                           rid),
                     1);
    assert_int_equal(count(central_store, "SELECT COUNT(*) FROM border_records", NULL), 2);
    assert_int_equal(
        count(central_store, "SELECT COALESCE(SUM(crossings), 0) FROM border_traffic", NULL), 2);
}

static void
test_revocations_down(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    /* What the exchange does when the partner state revokes one of its visas. */
    assert_int_equal(ubur_store_begin(central_store, &err), 0);
    assert_int_equal(ubur_store_run(central_store, &err,
                                    "INSERT INTO partner_revocation (id, contributed_by,"
                                    " visa_number, issuing_state, status, ended_at, received_at)"
                                    " VALUES ('01900000-0000-7000-8000-00000000f001', 'IRQ',"
                                    " 'V1234567', 'IRQ', 'revoked', '2022-02-01', '2022-02-02')",
                                    ""),
                     1);
    assert_int_equal(
        ubur_sync_changed(&central, "revocation", "01900000-0000-7000-8000-00000000f001", &err), 0);
    assert_int_equal(ubur_store_commit(central_store, &err), 0);
    assert_int_equal(pull_all(), 1);
    assert_int_equal(count(post_store,
                           "SELECT COUNT(*) FROM partner_revocation WHERE visa_number = ?",
                           "V1234567"),
                     1);
    assert_int_equal(pull_all(), 0);
}

int
main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_post_ids),    cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_cursor),      cmocka_unit_test(test_keyset),
        cmocka_unit_test(test_fingerprint),
    };
    const struct CMUnitTest pipeline[] = {
        cmocka_unit_test(test_registration_up),
        cmocka_unit_test(test_push_again_is_duplicate),
        cmocka_unit_test(test_gap_and_wrong_post),
        cmocka_unit_test(test_conflict_changed_centrally),
        cmocka_unit_test(test_conflict_different_content_and_rejected),
        cmocka_unit_test(test_watchlist_down),
        cmocka_unit_test(test_crossings_down_movements_up),
        cmocka_unit_test(test_revocations_down),
    };
    int rc = 0;
    /* tests/run.sh's PostgreSQL pass has run the SQLite groups already */
    const char *only = getenv("UBUR_TEST_PG_ONLY");
    if (!only || strcmp(only, "1") != 0 || !pg_base()) {
        rc += cmocka_run_group_tests_name("sync pure logic", pure, NULL, NULL);
        rc += cmocka_run_group_tests_name("sync pipeline, central on SQLite", pipeline,
                                          setup_pipeline, teardown_pipeline);
    }
    if (pg_base()) {
        rc += cmocka_run_group_tests_name("sync pipeline, central on PostgreSQL", pipeline,
                                          setup_pipeline_pg, teardown_pipeline);
        fixture_drop_pg_db();
    } else {
        printf("1..1\nok 1 - sync pipeline, central on PostgreSQL # SKIP UBUR_TEST_PG is not set"
               " (see tests/pg.sh)\n");
        fflush(stdout);
    }
    return rc;
}
