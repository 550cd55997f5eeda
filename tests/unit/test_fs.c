/* os/fs.h: removing a tree (fs_tree_remove). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tree_remove, tmp_setup, tmp_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
