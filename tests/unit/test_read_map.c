/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite store's read map (store_sqlite.c): every connection of a
 * process reads a database file's pages from one shared, read-only map of
 * it. These tests check that the map is made once per file and undone with
 * the last connection, and that a reader whose map was made when the file
 * was small reads correctly what another connection writes afterwards: pages
 * appended (the file grew under the map), pages rewritten in place by a
 * checkpoint, and the file shrunk by VACUUM then grown again. SQLite only.
 */
#include "unit.h"

#include <unistd.h>

#include "store_fixture.h"
#include "ubur/store.h"

#define EXEC(s, sql)                                                                               \
    do {                                                                                           \
        struct ubur_error e_ = UBUR_ERROR_INIT;                                                    \
        if (ubur_store_exec((s), (sql), &e_))                                                      \
            fail_msg("exec failed: %s", e_.message);                                               \
    } while (0)

static int64_t
query_int(struct ubur_store *s, const char *sql)
{
    int64_t n = -1;
    struct ubur_error err = UBUR_ERROR_INIT;
    if (ubur_store_query_int(s, &err, &n, sql, ""))
        fail_msg("query failed: %s", err.message);
    return n;
}

/* How many of this process's mappings are of the file at `path`. */
static int
maps_of(const char *path)
{
    char real[4096];
    if (!realpath(path, real))
        return -1;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[8192];
    int n = 0;
    size_t len = strlen(real);
    while (fgets(line, sizeof(line), f)) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t l = strlen(line);
        if (l >= len && !strcmp(line + l - len, real) && line[l - len - 1] == ' ')
            n++;
    }
    fclose(f);
    return n;
}

/* Inserts rows id from..to with a 600-byte text made of `c` (about 6 rows a page). */
static void
fill(struct ubur_store *s, int64_t from, int64_t to, char c)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    char text[601];
    memset(text, c, 600);
    text[600] = '\0';
    assert_int_equal(ubur_store_begin(s, &err), 0);
    for (int64_t i = from; i <= to; i++)
        assert_int_equal(
            ubur_store_run(s, &err, "INSERT INTO t (id, s) VALUES (?, ?)", "it", i, text), 1);
    assert_int_equal(ubur_store_commit(s, &err), 0);
}

static void
test_one_map_per_file(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)");
    assert_int_equal(maps_of(f->uri), 1);
    struct ubur_store *other = NULL;
    assert_int_equal(ubur_store_open(&other, f->uri, &err), 0);
    assert_int_equal(maps_of(f->uri), 1); /* shared, not one per connection */
    ubur_store_close(other);
    assert_int_equal(maps_of(f->uri), 1); /* f->s still has it */
    ubur_store_close(f->s);
    f->s = NULL;
    assert_int_equal(maps_of(f->uri), 0);
    assert_int_equal(ubur_store_open(&f->s, f->uri, &err), 0);
    assert_int_equal(maps_of(f->uri), 1);
}

static void
test_reader_sees_every_change(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)");
    struct ubur_store *reader = NULL;
    assert_int_equal(ubur_store_open(&reader, f->uri, &err), 0); /* mapped while tiny */
    int64_t size0 = query_int(reader, "SELECT page_count * page_size FROM pragma_page_count,"
                                      " pragma_page_size");

    /* appended: the file grows to about 2 MB under the reader's map */
    fill(f->s, 1, 3000, 'a');
    EXEC(f->s, "PRAGMA wal_checkpoint(TRUNCATE)"); /* every page now read from the file */
    assert_true(query_int(reader, "SELECT page_count * page_size FROM pragma_page_count,"
                                  " pragma_page_size") > size0 + 1000000);
    assert_int_equal(query_int(reader, "SELECT COUNT(*) FROM t WHERE s = printf('%.600c', 'a')"),
                     3000);

    /* rewritten in place by a checkpoint: the reader sees the new pages, not its old view */
    EXEC(f->s, "UPDATE t SET s = printf('%.600c', 'b') WHERE id % 2 = 0");
    EXEC(f->s, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_int_equal(query_int(reader, "SELECT COUNT(*) FROM t WHERE s = printf('%.600c', 'b')"),
                     1500);
    assert_int_equal(query_int(reader, "SELECT SUM(id) FROM t WHERE s = printf('%.600c', 'a')"),
                     1500 * 1500);

    /* shrunk (VACUUM truncates the file through the writer's connection), then grown again */
    EXEC(f->s, "DELETE FROM t WHERE id > 100");
    EXEC(f->s, "PRAGMA wal_checkpoint(TRUNCATE)");
    EXEC(f->s, "VACUUM");
    EXEC(f->s, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_int_equal(query_int(reader, "SELECT COUNT(*) FROM t"), 100);
    assert_int_equal(query_int(reader, "SELECT SUM(length(s)) FROM t"), 60000);
    fill(f->s, 101, 2000, 'c');
    EXEC(f->s, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_int_equal(query_int(reader, "SELECT COUNT(*) FROM t WHERE s = printf('%.600c', 'c')"),
                     1900);
    char *check = NULL;
    assert_int_equal(ubur_store_query_text(reader, &err, &check, "PRAGMA quick_check", ""), 0);
    assert_string_equal(check, "ok");
    free(check);
    ubur_store_close(reader);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_map_per_file, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_reader_sees_every_change, setup_sqlite, teardown),
    };
    return cmocka_run_group_tests_name("read_map", tests, NULL, NULL);
}
