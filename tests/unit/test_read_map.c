/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite store's read map (store_sqlite.c): every connection of a
 * process reads a database file's pages from one shared, read-only map of
 * it. These tests check that the map is made once per file and undone with
 * the last connection, and that a reader whose map was made when the file
 * was small reads correctly what another connection writes afterwards: pages
 * appended (the file grew under the map), pages rewritten in place by a
 * checkpoint, and the file shrunk by VACUUM then grown again; and that
 * making and sharing the map never drops the process's locks on the file
 * (another process could then delete the log under it). SQLite only.
 */
#include "unit.h"

#include <sys/wait.h>
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

/*
 * A second connection opened and closed beside the first must leave the process's locks on the
 * database file alone (closing any descriptor of a file drops them all): another process that
 * opens and closes the database then is not its last user, and leaves the log, with the frames
 * this process committed and not yet checkpointed, where it is.
 */
static void
test_locks_kept(void **state)
{
    struct fixture *f = *state;
    struct ubur_error err = UBUR_ERROR_INIT;
    EXEC(f->s, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)");
    fill(f->s, 1, 10, 'a');
    struct ubur_store *other = NULL;
    assert_int_equal(ubur_store_open(&other, f->uri, &err), 0);
    assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t"), 10);
    ubur_store_close(other);
    char wal[600];
    snprintf(wal, sizeof(wal), "%s-wal", f->uri);
    assert_int_equal(access(wal, F_OK), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* another process (this program again, fresh: see main) */
        execl("/proc/self/exe", "test_read_map", "--open-close", f->uri, (char *)NULL);
        _exit(2);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(access(wal, F_OK), 0); /* the other process was not the last user */
    fill(f->s, 11, 20, 'b');
    assert_int_equal(ubur_store_open(&other, f->uri, &err), 0);
    assert_int_equal(query_int(other, "SELECT COUNT(*) FROM t"), 20);
    ubur_store_close(other);
}

/* Another process's part in test_locks_kept: opens the database, reads t, closes it. */
static int
open_close(const char *path)
{
    struct ubur_store *s = NULL;
    int64_t n = -1;
    if (ubur_store_open(&s, path, NULL) ||
        ubur_store_query_int(s, NULL, &n, "SELECT COUNT(*) FROM t", ""))
        return 1;
    ubur_store_close(s);
    return n == 10 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--open-close"))
        return open_close(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_map_per_file, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_reader_sees_every_change, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_locks_kept, setup_sqlite, teardown),
    };
    return cmocka_run_group_tests_name("read_map", tests, NULL, NULL);
}
