/* os/fs.h: removing a tree (fs_tree_remove) and a file's tail (fs_file_tail). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "os/fs.h"

struct tmp {
	char dir[PATH_MAX];
	char file[PATH_MAX + 16];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/tfl-test-fs-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->file, sizeof(t->file), "%s/log", t->dir);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	int rc = fs_tree_remove(t->dir);
	free(t);
	return rc;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* A nested tree goes; a symlink in it goes, not what it points to; a
 * missing tree is no error. */
static void tree_remove(void **state)
{
	struct tmp *t = *state;
	char tree[PATH_MAX + 16], sub[PATH_MAX + 32], outside[PATH_MAX + 16], link[PATH_MAX + 32];
	snprintf(tree, sizeof(tree), "%s/tree", t->dir);
	snprintf(sub, sizeof(sub), "%s/a/b", tree);
	snprintf(outside, sizeof(outside), "%s/keep", t->dir);
	assert_int_equal(mkdir(tree, 0700), 0);
	snprintf(link, sizeof(link), "%s/a", tree);
	assert_int_equal(mkdir(link, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	strcat(sub, "/f");
	put(sub, "x\n");
	assert_int_equal(mkdir(outside, 0700), 0);
	strcat(outside, "/f");
	put(outside, "kept\n");
	snprintf(link, sizeof(link), "%s/link", tree);
	assert_int_equal(symlink(t->dir, link), 0);

	assert_int_equal(fs_tree_remove(tree), 0);
	assert_int_equal(access(tree, F_OK), -1);
	assert_int_equal(access(outside, F_OK), 0);
	assert_int_equal(fs_tree_remove(tree), 0);
}

/* Shorter than the buffer: all of it, less the final newline. */
static void tail_short(void **state)
{
	struct tmp *t = *state;
	char out[64];
	put(t->file, "one\ntwo\r\n\n");
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 7);
	assert_string_equal(out, "one\ntwo");
}

/* Longer: the last whole lines that fit, the cut one dropped. */
static void tail_long(void **state)
{
	struct tmp *t = *state;
	char out[16];
	put(t->file, "first line\nsecond line\nthird\n");
	/* The last 15 bytes: "ond line\nthird\n", its first line cut. */
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 5);
	assert_string_equal(out, "third");
	/* The window starts just after a newline: that first line is whole. */
	put(t->file, "0123456789\nabcdefg\nhijklmn");
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 15);
	assert_string_equal(out, "abcdefg\nhijklmn");
}

/* A last line without a newline counts; one longer than the buffer gives
 * its end. */
static void tail_no_newline(void **state)
{
	struct tmp *t = *state;
	char out[8];
	put(t->file, "ab\ncd");
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 5);
	assert_string_equal(out, "ab\ncd");
	put(t->file, "x\n0123456789");
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 7);
	assert_string_equal(out, "3456789");
	/* The same with its newline: that newline cuts no line before it. */
	put(t->file, "x\n0123456789\n");
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 6);
	assert_string_equal(out, "456789");
}

static void tail_missing(void **state)
{
	struct tmp *t = *state;
	char out[8] = "junk";
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), -ENOENT);
	assert_string_equal(out, "");
	put(t->file, "");
	strcpy(out, "junk");
	assert_int_equal(fs_file_tail(t->file, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tree_remove, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(tail_short, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(tail_long, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(tail_no_newline, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(tail_missing, tmp_setup, tmp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
