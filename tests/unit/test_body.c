/* Unit tests of workloads/body.c: exact sizes, determinism, entropy, and
 * file names that keep hostile URLs inside the docroot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bodies/body.h"

struct tmp {
	char parent[64];  /* holds only "docroot": anything else escaped */
	char dir[96];
	int dfd;
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	strcpy(t->parent, "/tmp/tfl-test-body-XXXXXX");
	assert_non_null(mkdtemp(t->parent));
	snprintf(t->dir, sizeof(t->dir), "%s/docroot", t->parent);
	assert_int_equal(mkdir(t->dir, 0755), 0);
	t->dfd = open(t->dir, O_RDONLY | O_DIRECTORY);
	assert_true(t->dfd >= 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[256];
	close(t->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->parent);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static unsigned char *slurp(int dfd, const char *name, size_t *len)
{
	int fd = openat(dfd, name, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	unsigned char *buf = malloc(st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, st.st_size - got);
		assert_true(r > 0);
		got += r;
	}
	close(fd);
	*len = got;
	return buf;
}

static void test_exact_sizes(void **state)
{
	struct tmp *t = *state;
	static const uint64_t sizes[] = {0, 1, 65535, 65536, 65537, 3000000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%zu", i);
		assert_int_equal(body_write(t->dfd, name, sizes[i], 42), 0);
		struct stat st;
		assert_int_equal(fstatat(t->dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal((uint64_t)st.st_size, sizes[i]);
		size_t len;
		unsigned char *got = slurp(t->dfd, name, &len);
		unsigned char *want = malloc(sizes[i] + 1);
		body_fill(42, 0, want, sizes[i]);
		assert_int_equal(len, sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(got, want, sizes[i]);
		free(got);
		free(want);
	}
	assert_int_equal(count_entries(t->parent), 1);
}

static void test_deterministic(void **state)
{
	struct tmp *t = *state;
	assert_int_equal(body_write(t->dfd, "a", 100000, 7), 0);
	assert_int_equal(body_write(t->dfd, "b", 100000, 7), 0);
	assert_int_equal(body_write(t->dfd, "c", 100000, 8), 0);
	size_t la, lb, lc;
	unsigned char *a = slurp(t->dfd, "a", &la);
	unsigned char *b = slurp(t->dfd, "b", &lb);
	unsigned char *c = slurp(t->dfd, "c", &lc);
	assert_memory_equal(a, b, 100000);
	assert_memory_not_equal(a, c, 100000);
	/* Random access agrees with the stream, across word boundaries. */
	unsigned char part[1000];
	body_fill(7, 65533, part, sizeof(part));
	assert_memory_equal(part, a + 65533, sizeof(part));
	body_fill(7, 13, part, 3);
	assert_memory_equal(part, a + 13, 3);
	free(a);
	free(b);
	free(c);
}

static void test_entropy(void **state)
{
	(void)state;
	size_t n = 3000000;
	unsigned char *buf = malloc(n);
	body_fill(1, 0, buf, n);
	double hist[256] = {0};
	for (size_t i = 0; i < n; i++)
		hist[buf[i]]++;
	/* Chi-square with 255 degrees of freedom: mean 255, sd 22.6.  A flat
	 * histogram stays far below 400; text or a short period does not. */
	double e = n / 256.0, chi = 0;
	for (int i = 0; i < 256; i++)
		chi += (hist[i] - e) * (hist[i] - e) / e;
	assert_true(chi < 400);
	/* No short repeats: 8-byte words at distance 64 KiB differ. */
	assert_memory_not_equal(buf, buf + 65536, 4096);
	free(buf);
}

static void test_no_overwrite(void **state)
{
	struct tmp *t = *state;
	char victim[160];
	snprintf(victim, sizeof(victim), "%s/victim", t->parent);
	FILE *f = fopen(victim, "w");
	fputs("keep", f);
	fclose(f);
	assert_int_equal(symlinkat(victim, t->dfd, "link"), 0);
	assert_int_equal(body_write(t->dfd, "link", 10, 1), -EEXIST);
	struct stat st;
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(body_write(t->dfd, "x", 10, 1), 0);
	assert_int_equal(body_write(t->dfd, "x", 20, 1), -EEXIST);
	assert_int_equal(fstatat(t->dfd, "x", &st, 0), 0);
	assert_int_equal(st.st_size, 10);
	assert_int_equal(body_write(t->dfd, "../escape", 10, 1), -EINVAL);
	assert_int_equal(body_write(t->dfd, "..", 10, 1), -EINVAL);
	assert_int_equal(body_write(t->dfd, "", 10, 1), -EINVAL);
	assert_int_equal(unlink(victim), 0);
	assert_int_equal(count_entries(t->parent), 1);
}

static void assert_safe_name(const char *n)
{
	size_t len = strlen(n);
	assert_true(len > 0 && len < BODY_NAME_MAX);
	assert_true(n[0] != '.' && n[0] != '-');
	assert_null(strstr(n, ".."));
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		assert_true((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_');
	}
}

static void test_hostile_names(void **state)
{
	struct tmp *t = *state;
	static char longp[5001], longq[5001], dots[5001];
	memset(longp, 'a', 5000);
	longp[0] = '/';
	memcpy(longq, longp, 5001);
	longq[4999] = 'b';   /* differs only past the readable prefix */
	for (int i = 0; i < 5000; i++)
		dots[i] = "/.."[i % 3];
	const struct { const char *host, *path; } urls[] = {
		{"a.test", "/../../etc/passwd"},
		{"a.test", "/a/%2e%2e/b"},
		{"a.test", "/a/../b"},
		{"a.test", "/"},
		{"b.test", "/"},
		{NULL, "/"},
		{"a.test", ""},
		{"a.test", "/."},
		{"a.test", "/.."},
		{"a.test", "/...."},
		{"a.test", ".hidden"},
		{"a.test", "/-rf"},
		{"a.test", "-rf"},
		{"a.test", "/p?x=/../.."},
		{"a.test", "/p?x=../../y"},
		{"a.test", "/p?x=1"},
		{"a.test", "/p?x=2"},
		{"a.test", "/p"},
		{"a.test", "/\x01\x1f\x7f\n\r\t"},
		{"a.test", "/\xff\xfe\x80"},
		{"a.test", "/a\"b\\c$d{e}f;g#h'i"},
		{"a.test", "/a\0/../../x"},   /* NUL ends the path: same as "/a" */
		{"a.test", "/b"},
		{"a.test", longp},
		{"a.test", longq},
		{"a.test", dots},
		{"..", "/"},
		{"a.test/../..", "/x"},
	};
	size_t n = sizeof(urls) / sizeof(urls[0]);
	char names[sizeof(urls) / sizeof(urls[0])][BODY_NAME_MAX];
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(body_name(urls[i].host, urls[i].path, names[i],
					   sizeof(names[i])), 0);
		assert_safe_name(names[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(names[i], names[j]);
		assert_int_equal(body_write(t->dfd, names[i], i, i), 0);
		struct stat st;
		assert_int_equal(fstatat(t->dfd, names[i], &st, AT_SYMLINK_NOFOLLOW), 0);
		assert_int_equal(st.st_size, (off_t)i);
	}
	assert_int_equal(count_entries(t->dir), n);
	assert_int_equal(count_entries(t->parent), 1);

	/* Deterministic, readable, bounded. */
	char a[BODY_NAME_MAX], b[BODY_NAME_MAX];
	body_name("h", "/static/app.js?v=3", a, sizeof(a));
	body_name("h", "/static/app.js?v=3", b, sizeof(b));
	assert_string_equal(a, b);
	assert_memory_equal(a, "static_app.js_v_3-", 18);
	assert_int_equal(strlen(a), 18 + 16);
	assert_int_equal(strlen(names[23]), BODY_NAME_MAX - 1);  /* longp */
	char small[BODY_NAME_MAX - 1];
	assert_int_equal(body_name("h", "/", small, sizeof(small)), -ENAMETOOLONG);
	assert_string_equal(small, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test(test_entropy),
		cmocka_unit_test_setup_teardown(test_no_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
