/*
 * The .page parser and writer: fields, every error message (exact, with
 * file:line: field:), cycles through parents and group waits, limits, the
 * round trip parse(write(p)) == p, and a deterministic fuzz run that feeds
 * garbage and mutated files (run it under ASan: see the meson san build).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "workloads/page.h"
#include "workloads/pages.h"

/* ---- stderr capture: log_err writes there ---- */

static FILE *cap_file;
static int cap_saved = -1;

static void cap_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(2);
	assert_true(cap_saved >= 0);
	assert_true(dup2(fileno(cap_file), 2) >= 0);
}

/* Returns what was written to stderr since cap_begin (caller frees). */
static char *cap_end(void)
{
	fflush(stderr);
	assert_true(dup2(cap_saved, 2) >= 0);
	close(cap_saved);
	long len = ftell(cap_file);
	char *s = calloc(1, (size_t)len + 1);
	rewind(cap_file);
	assert_int_equal(fread(s, 1, (size_t)len, cap_file), (size_t)len);
	fclose(cap_file);
	return s;
}

static int parse_str(const char *text, struct page **p)
{
	return page_parse_buf("t.page", text, strlen(text), p);
}

/* text must fail with exactly these stderr lines (without the prefix). */
static void expect_errors(const char *text, size_t len, const char *const *want, size_t nwant)
{
	struct page *p = (struct page *)0x1;
	cap_begin();
	int rc = page_parse_buf("t.page", text, len, &p);
	char *got = cap_end();
	char expect[8192] = "";
	for (size_t i = 0; i < nwant; i++) {
		strcat(expect, "tfolab: error: ");
		strcat(expect, want[i]);
		strcat(expect, "\n");
	}
	if (rc != -EINVAL || strcmp(got, expect))
		fail_msg("input:\n%s\nrc %d (want %d)\ngot:\n%s\nwant:\n%s", text, rc, -EINVAL, got,
			 expect);
	assert_ptr_equal(p, (struct page *)0x1);   /* untouched */
	free(got);
}

#define EXPECT(text, ...)                                                     \
	do {                                                                  \
		const char *const w_[] = { __VA_ARGS__ };                     \
		expect_errors(text, sizeof(text) - 1, w_, sizeof(w_) / sizeof(w_[0])); \
	} while (0)

#define HEAD "name t\n0 - example.com / 1000 400 text/html -\n"

static void test_fields(void **state)
{
	const char *text =
		"# a comment\n"
		"name demo\n"
		"source somewhere, by hand\n"
		"date 2013-03-13\n"
		"note first note\n"
		"note second   note\n"
		"\n"
		"0 - www.example.com /index.html 5000 420 text/html -   # root\n"
		"1 0 img.example.com /a.png?x=1 1200 380 image/png 100 via=html\n"
		"\t2 1 www.example.com /b.js 0 0 application/javascript -1 conn=3\n"
		"3 - cdn.example.com /c 7 500 other - conn=1 group=4 wait_head=5 wait_done=6\n"
		"4 - cdn.example.com /d 8 500 other - group=5\n"
		"5 - cdn.example.com /e 9 500 other - group=6\n";
	struct page *p = NULL;
	assert_int_equal(parse_str(text, &p), 0);
	assert_string_equal(p->name, "demo");
	assert_string_equal(p->source, "somewhere, by hand");
	assert_string_equal(p->date, "2013-03-13");
	assert_int_equal(p->nnotes, 2);
	assert_string_equal(p->notes[1], "second   note");
	assert_string_equal(p->file, "t.page");
	assert_int_equal(p->n, 6);
	assert_int_equal(p->nhosts, 3);
	assert_string_equal(p->hosts[0], "www.example.com");
	const struct page_res *r = &p->res[1];
	assert_string_equal(r->id, "1");
	assert_int_equal(r->parent, 0);
	assert_string_equal(page_host(p, r), "img.example.com");
	assert_string_equal(r->path, "/a.png?x=1");
	assert_int_equal(r->body_bytes, 1200);
	assert_int_equal(r->req_bytes, 380);
	assert_string_equal(r->ctype, "image/png");
	assert_int_equal(r->ref_offset, 100);
	assert_string_equal(r->via, "html");
	assert_int_equal(r->conn, -1);
	assert_int_equal(r->line, 9);
	r = &p->res[2];
	assert_int_equal(r->parent, 1);
	assert_int_equal(r->ref_offset, -1);
	assert_int_equal(r->conn, 3);
	assert_null(r->via);
	r = &p->res[3];
	assert_int_equal(r->parent, -1);
	assert_int_equal(r->group, 4);
	assert_int_equal(r->wait_head_group, 5);
	assert_int_equal(r->wait_done_group, 6);
	assert_int_equal(p->res[0].parent, -1);
	assert_int_equal(p->res[0].group, -1);
	assert_int_equal(page_total_bytes(p), 5000 + 1200 + 0 + 7 + 8 + 9);
	assert_int_equal(page_find_host(p, "cdn.example.com"), 2);
	assert_int_equal(page_find_host(p, "nope"), -1);
	assert_int_equal(page_find_id(p, "3"), 3);
	assert_int_equal(page_find_id(p, "33"), -1);
	assert_int_equal(page_count_conns(p), 2);
	assert_int_equal(page_count_groups(p), 3);
	page_free(p);
	page_free(NULL);
}

static void test_limits(void **state)
{
	struct page *p = NULL;
	/* exactly 1 GiB is allowed, one byte more is not */
	assert_int_equal(parse_str("name t\n0 - h / 1073741824 0 x -\n", &p), 0);
	assert_int_equal(p->res[0].body_bytes, PAGE_MAX_BODY);
	page_free(p);
	EXPECT("name t\n0 - h / 1073741825 0 x -\n",
	       "t.page:2: bytes: \"1073741825\" is over the limit of 1073741824 (1 GiB)");
	EXPECT("name t\n0 - h / 99999999999999999999999 0 x -\n",
	       "t.page:2: bytes: \"99999999999999999999999\" is over the limit of 1073741824 (1 GiB)");
	EXPECT("name t\n0 - h / 1 1048577 x -\n",
	       "t.page:2: req_bytes: \"1048577\" is over the limit of 1048576 (1 MiB)");
}

static void test_errors(void **state)
{
	EXPECT(HEAD "1 0 h /a 12x 400 image/png -\n",
	       "t.page:3: bytes: \"12x\" is not a number");
	EXPECT(HEAD "1 0 h /a -5 400 image/png -\n",
	       "t.page:3: bytes: \"-5\" is not a number");
	EXPECT(HEAD "1 0 h /a 5\n",
	       "t.page:3: req_bytes: missing (a resource has 8 fields: id parent host path bytes req_bytes ctype ref_offset)");
	EXPECT(HEAD "1 0 h /a 5 400 image/png\n",
	       "t.page:3: ref_offset: missing (a resource has 8 fields: id parent host path bytes req_bytes ctype ref_offset)");
	EXPECT(HEAD "1 9 h /a 5 400 image/png -\n",
	       "t.page:3: parent: \"9\" is not the id of any resource");
	EXPECT(HEAD "1 0 h /a 5 400 image/png -\n2 0 h /b 5 400 image/png -\n1 0 h /c 5 400 image/png -\n",
	       "t.page:5: id: \"1\" is already used on line 3");
	EXPECT(HEAD "1 0 h /a 5 400 image/png - foo=1\n",
	       "t.page:3: extra: unknown key \"foo\" (known: conn group wait_head wait_done via wire enc)");
	EXPECT(HEAD "1 0 h /a 5 400 image/png - conn=1 conn=2\n",
	       "t.page:3: conn: given twice");
	EXPECT(HEAD "1 0 h /a 5 400 image/png - conn\n",
	       "t.page:3: extra: \"conn\" is not key=value");
	EXPECT(HEAD "1 0 h /a 5 400 image/png - group=x\n",
	       "t.page:3: group: \"x\" is not a number");
	EXPECT("source x\n0 - h / 1 1 x -\n",
	       "t.page: name: missing (the file needs a \"name NAME\" line before the resources)");
	EXPECT("name t\n# nothing\n\n",
	       "t.page: resources: none (a page needs at least its root document)");
	EXPECT("",
	       "t.page: name: missing (the file needs a \"name NAME\" line before the resources)",
	       "t.page: resources: none (a page needs at least its root document)");
	EXPECT("name t\nname u\n0 - h / 1 1 x -\n",
	       "t.page:2: name: given twice (first on line 1)");
	EXPECT("name two words\n0 - h / 1 1 x -\n",
	       "t.page:1: name: \"two words\" is not one word");
	EXPECT("name t\ndate 13-03-2013\n0 - h / 1 1 x -\n",
	       "t.page:2: date: \"13-03-2013\" is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)");
	EXPECT(HEAD "name u\n",
	       "t.page:3: name: metadata must come before the resources");
	EXPECT(HEAD "1 0 h a 5 400 image/png -\n",
	       "t.page:3: path: \"a\" does not start with /");
	EXPECT(HEAD "1 0 h/x /a 5 400 image/png -\n",
	       "t.page:3: host: \"h/x\" is not a host name");
	EXPECT(HEAD "- 0 h /a 5 400 image/png -\n",
	       "t.page:3: id: \"-\" cannot be an id");
	EXPECT("name t\n0 1 h / 5 400 x -\n1 - h /a 5 400 x -\n",
	       "t.page:2: parent: the first resource is the root document and has no parent");
	EXPECT("name t\n0 - h / 5 400 x - group=0 wait_done=0\n",
	       "t.page:2: wait_done: the first resource is the root document and waits for nothing",
	       "t.page:2: wait_done: cycle: 0 -> group 0 -> 0");
	EXPECT(HEAD "1 0 h /a 5 400 x 1000\n",
	       "t.page:3: ref_offset: 1000 is not inside the parent's 1000 bytes");
	EXPECT(HEAD "1 - h /a 5 400 x 7\n",
	       "t.page:3: ref_offset: 7 given but there is no parent");
	EXPECT(HEAD "1 0 h /a 5 400 x - wait_head=3\n",
	       "t.page:3: wait_head: no resource is in group 3");
	EXPECT(HEAD "1 0 h /a 5 400 x - wait_done=1000001\n",
	       "t.page:3: wait_done: \"1000001\" is over the limit of 1000000");
	EXPECT(HEAD "1 0 h /a 5 4 x - conn=2\n2 0 h /b 5 4 x - conn=1\n3 0 g /c 5 4 x - conn=2\n",
	       "t.page:5: conn: connection 2 carries requests to h (line 3), not also to g");
	EXPECT(HEAD "1 0 h /a 5\0 4 x -\n",
	       "t.page:3: text: the line holds a NUL byte");
	/* several errors in one file: all of them, in order */
	EXPECT(HEAD "1 0 h /a 1x 400 x -\n2 0 h /b 5 4y x -\n3 7 h /c 5 400 x -\n",
	       "t.page:3: bytes: \"1x\" is not a number",
	       "t.page:4: req_bytes: \"4y\" is not a number",
	       "t.page:5: parent: \"7\" is not the id of any resource");
	/* odd bytes are quoted, not printed raw */
	EXPECT(HEAD "1 0 h /a 1\x01\xff 400 x -\n",
	       "t.page:3: bytes: \"1\\x01\\xff\" is not a number");
}

static void test_error_cap(void **state)
{
	char text[8192] = HEAD;
	for (int i = 1; i <= 30; i++)
		sprintf(text + strlen(text), "%d 0 h /a%d bad 1 x -\n", i, i);
	const char *want[21];
	char lines[21][80];
	for (int i = 0; i < 20; i++) {
		snprintf(lines[i], sizeof(lines[i]), "t.page:%d: bytes: \"bad\" is not a number", i + 3);
		want[i] = lines[i];
	}
	want[20] = "t.page: 10 more errors not shown";
	expect_errors(text, strlen(text), want, 21);
}

static void test_cycles(void **state)
{
	EXPECT(HEAD "1 2 h /a 5 400 x -\n2 1 h /b 5 400 x -\n",
	       "t.page:3: parent: cycle: 1 -> 2 -> 1");
	EXPECT(HEAD "1 1 h /a 5 400 x -\n",
	       "t.page:3: parent: cycle: 1 -> 1");
	EXPECT(HEAD "1 3 h /a 5 400 x -\n2 1 h /b 5 400 x -\n3 2 h /c 5 400 x -\n",
	       "t.page:3: parent: cycle: 1 -> 3 -> 2 -> 1");
	/* two groups waiting for each other */
	EXPECT(HEAD "1 - h /a 5 400 x - group=1 wait_done=2\n"
		    "2 - h /b 5 400 x - group=2 wait_head=1\n",
	       "t.page:3: wait_done: cycle: 1 -> group 2 -> 2 -> group 1 -> 1");
	/* a group waiting for itself */
	EXPECT(HEAD "1 - h /a 5 400 x - group=1 wait_head=1\n",
	       "t.page:3: wait_head: cycle: 1 -> group 1 -> 1");
	/* through a parent and a wait: 2 waits for group 1, whose member 1 is a
	 * child of 2 */
	EXPECT(HEAD "1 2 h /a 5 400 x - group=1\n2 0 h /b 5 400 x - wait_done=1\n",
	       "t.page:3: parent: cycle: 1 -> 2 -> group 1 -> 1");
	/* forward references without a cycle are fine */
	struct page *p = NULL;
	assert_int_equal(parse_str(HEAD "1 2 h /a 5 400 x -\n2 0 h /b 5 400 x -\n", &p), 0);
	assert_int_equal(p->res[1].parent, 2);
	page_free(p);
	/* a long chain: no recursion depth problem */
	size_t cap = 200000, o = 0;
	char *big = malloc(cap);
	o += (size_t)snprintf(big + o, cap - o, HEAD);
	for (int i = 1; i <= 5000; i++)
		o += (size_t)snprintf(big + o, cap - o, "%d %d h /x 5 1 x -\n", i, i == 5000 ? 1 : i + 1);
	cap_begin();
	int rc = page_parse_buf("t.page", big, o, &p);
	char *err = cap_end();
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "t.page:3: parent: cycle: 1 -> 2 -> 3 -> "));
	free(err);
	free(big);
}

static char *write_str(const struct page *p, size_t *len)
{
	char *text = NULL;
	size_t l = 0;
	FILE *f = open_memstream(&text, &l);
	assert_non_null(f);
	assert_int_equal(page_write(p, f), 0);
	fclose(f);
	if (len)
		*len = l;
	return text;
}

static void round_trip(const char *name, const char *text, size_t len)
{
	struct page *a = NULL, *b = NULL;
	assert_int_equal(page_parse_buf(name, text, len, &a), 0);
	size_t l1, l2;
	char *t1 = write_str(a, &l1);
	assert_int_equal(page_parse_buf(name, t1, l1, &b), 0);
	if (!page_equal(a, b))
		fail_msg("%s: parse(write(p)) != p", name);
	char *t2 = write_str(b, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(t1, t2, l1);
	free(t1);
	free(t2);
	page_free(a);
	page_free(b);
}

static void test_round_trip(void **state)
{
	const char *text =
		"name rt\nsource a b c\ndate 2013\nnote x\n"
		"0 - www.example.com /index.html 5000 420 text/html -\n"
		"1 0 img.example.com /a%20b.png?x=1 1200 380 image/png 100 via=html\n"
		"2 1 www.example.com /\xc3\xa9t\xc3\xa9 0 0 application/javascript - conn=3\n"
		"3 - cdn.example.com /c 7 500 other - conn=1 group=4 wait_head=5 wait_done=6\n"
		"4 - cdn.example.com /d 8 500 other - group=5\n"
		"5 - cdn.example.com /e 9 500 other - group=6\n"
		"6 0 www.example.com /f.css 3000 400 text/css 10 wire=900 enc=gzip via=html\n"
		"7 0 www.example.com /g.js 300 400 application/javascript - enc=br\n";
	round_trip("rt.page", text, strlen(text));

	/* page_equal sees a difference in any field */
	struct page *a = NULL, *b = NULL;
	assert_int_equal(page_parse_buf("a", text, strlen(text), &a), 0);
	assert_int_equal(page_parse_buf("b", text, strlen(text), &b), 0);
	assert_true(page_equal(a, b));
	b->res[3].wait_done_group = 5;
	assert_false(page_equal(a, b));
	b->res[3].wait_done_group = 6;
	b->res[1].body_bytes++;
	assert_false(page_equal(a, b));
	b->res[1].body_bytes--;
	b->res[6].wire_bytes++;
	assert_false(page_equal(a, b));
	b->res[6].wire_bytes--;
	b->res[6].enc = PAGE_ENC_DEFLATE;
	assert_false(page_equal(a, b));
	b->res[6].enc = PAGE_ENC_GZIP;
	assert_true(page_equal(a, b));
	page_free(b);

	/* wire= and enc= go out only when they say something */
	char *tw = write_str(a, NULL);
	assert_non_null(strstr(tw, "\n6 0 www.example.com /f.css 3000 400 text/css 10 wire=900 enc=gzip via=html\n"));
	assert_non_null(strstr(tw, "\n7 0 www.example.com /g.js 300 400 application/javascript - enc=br\n"));
	assert_non_null(strstr(tw, "\n0 - www.example.com /index.html 5000 420 text/html -\n"));
	free(tw);

	/* a path with blanks, built in memory, goes out percent-encoded */
	struct page_res r;
	page_res_init(&r);
	r.id = "9";
	r.path = "/with space\tand tab";
	r.ctype = "text/plain";
	r.parent = 0;
	assert_int_equal(page_add(a, &r, "h"), 8);
	char *t = write_str(a, NULL);
	assert_non_null(strstr(t, "9 0 h /with%20space%09and%20tab 0 0 text/plain -\n"));
	free(t);
	/* and what cannot be written is refused, not written wrong */
	free(a->res[8].ctype);
	a->res[8].ctype = strdup("text plain");
	FILE *f = fopen("/dev/null", "w");
	cap_begin();
	assert_int_equal(page_write(a, f), -EINVAL);
	free(cap_end());
	fclose(f);
	page_free(a);

	/* the built-in pages (when the source tree is known) */
	const char *src = getenv("TFOLAB_SRC");
	const char *names[] = { "amazon", "nytimes", "wsj", "wikipedia-tcp", "wikipedia-capture" };
	for (size_t i = 0; src && i < 5; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/workloads/pages/%s.page", src, names[i]);
		FILE *pf = fopen(path, "rb");
		assert_non_null(pf);
		char *buf = malloc(1 << 20);
		size_t len = fread(buf, 1, 1 << 20, pf);
		fclose(pf);
		round_trip(path, buf, len);
		/* and the committed text is exactly what page_write makes */
		struct page *p = NULL;
		assert_int_equal(page_parse(path, &p), 0);
		assert_string_equal(p->name, names[i]);
		size_t wl;
		char *w = write_str(p, &wl);
		assert_int_equal(wl, len);
		assert_memory_equal(w, buf, len);
		free(w);
		free(buf);
		page_free(p);
	}
}

/* A metadata value (source, note) is one line of free text: no word limit,
 * unlike the 32 fields of a resource line. */
static void test_long_meta(void **state)
{
	char note[1024] = "", source[512] = "", text[2048];
	for (int i = 0; i < 60; i++)
		snprintf(note + strlen(note), sizeof(note) - strlen(note), "%sw%d", i ? (i % 7 ? " " : "  \t") : "", i);
	for (int i = 0; i < 40; i++)
		snprintf(source + strlen(source), sizeof(source) - strlen(source), "%ss%d", i ? " " : "", i);
	snprintf(text, sizeof(text), "name t\nsource %s\nnote %s   # a comment\nnote short\n"
		 "0 - h / 1 1 x -\n", source, note);
	struct page *p = NULL;
	assert_int_equal(parse_str(text, &p), 0);
	assert_string_equal(p->source, source);
	assert_int_equal(p->nnotes, 2);
	assert_string_equal(p->notes[0], note);   /* blanks inside kept, comment not */
	assert_string_equal(p->notes[1], "short");
	/* and it survives a round trip */
	char *w = write_str(p, NULL);
	struct page *q = NULL;
	assert_int_equal(parse_str(w, &q), 0);
	assert_true(page_equal(p, q));
	assert_string_equal(q->notes[0], note);
	free(w);
	page_free(q);
	page_free(p);

	/* one-word metadata stays one word however long the line */
	snprintf(text, sizeof(text), "name %s\n0 - h / 1 1 x -\n", source);
	cap_begin();
	assert_int_equal(parse_str(text, &p), -EINVAL);
	char *err = cap_end();
	assert_non_null(strstr(err, "t.page:1: name: \"s0 s1 s2 "));
	assert_non_null(strstr(err, "\" is not one word"));
	free(err);

	/* a resource line keeps its limit: 8 fields and 24 extras, not 25 */
	char extras[512] = "";
	for (int i = 0; i < 25; i++)
		snprintf(extras + strlen(extras), sizeof(extras) - strlen(extras), " via=v%d", i);
	snprintf(text, sizeof(text), "name t\n0 - h / 1 1 x -%s\n", extras);
	cap_begin();
	assert_int_equal(parse_str(text, &p), -EINVAL);
	err = cap_end();
	assert_non_null(strstr(err, "t.page:2: extra: more than 32 fields\n"));
	free(err);
}

/* ---- wire sizes: wire= enc= and the decoded-to-wire offset map ---- */

static void test_wire(void **state)
{
	struct page *p = NULL;
	assert_int_equal(parse_str("name t\n"
				   "0 - h / 1000 400 text/html - wire=340 enc=gzip\n"
				   "1 0 h /a.png 500 400 image/png 999\n"
				   "2 0 h /b.js 200 400 x - enc=zstd\n"
				   "3 0 h /c 50 400 x - wire=50 enc=identity\n"
				   "4 0 h /d 60 400 x - enc=deflate wire=20\n", &p), 0);
	assert_int_equal(p->res[0].body_bytes, 1000);
	assert_int_equal(p->res[0].wire_bytes, 340);
	assert_int_equal(p->res[0].enc, PAGE_ENC_GZIP);
	/* without wire=: the wire form is the body itself */
	assert_int_equal(p->res[1].wire_bytes, 500);
	assert_int_equal(p->res[1].enc, PAGE_ENC_IDENTITY);
	assert_int_equal(p->res[2].wire_bytes, 200);
	assert_int_equal(p->res[2].enc, PAGE_ENC_ZSTD);
	assert_int_equal(p->res[3].wire_bytes, 50);
	assert_int_equal(p->res[3].enc, PAGE_ENC_IDENTITY);
	assert_int_equal(p->res[4].wire_bytes, 20);
	assert_int_equal(p->res[4].enc, PAGE_ENC_DEFLATE);
	assert_int_equal(page_total_bytes(p), 1000 + 500 + 200 + 50 + 60);
	assert_int_equal(page_total_wire(p), 340 + 500 + 200 + 50 + 20);

	/* decoded offset X needs ceil(X * wire / decoded) wire bytes */
	const struct page_res *root = &p->res[0];
	assert_int_equal(page_wire_offset(root, 0), 0);
	assert_int_equal(page_wire_offset(root, 1), 1);
	assert_int_equal(page_wire_offset(root, 500), 170);
	assert_int_equal(page_wire_offset(root, 501), 171);   /* 170.34 up */
	assert_int_equal(page_wire_offset(root, 999), 340);   /* 339.66 up */
	assert_int_equal(page_wire_offset(root, 1000), 340);
	assert_int_equal(page_wire_offset(&p->res[1], 321), 321);   /* identity */
	struct page_res empty;
	page_res_init(&empty);
	empty.body_bytes = 0;
	empty.wire_bytes = 20;   /* an empty body gzip'd still has a header */
	assert_int_equal(page_wire_offset(&empty, 0), 0);
	empty.body_bytes = PAGE_MAX_BODY;   /* the largest product fits */
	empty.wire_bytes = PAGE_MAX_BODY;
	assert_int_equal(page_wire_offset(&empty, PAGE_MAX_BODY - 1), PAGE_MAX_BODY - 1);

	/* encoding = decoded: every body unencoded at its decoded size */
	page_use_decoded(p);
	assert_int_equal(page_total_wire(p), page_total_bytes(p));
	for (size_t i = 0; i < p->n; i++)
		assert_int_equal(p->res[i].enc, PAGE_ENC_IDENTITY);
	page_free(p);

	/* the names, one table */
	assert_string_equal(page_enc_name(PAGE_ENC_GZIP), "gzip");
	assert_string_equal(page_enc_name(PAGE_ENC_IDENTITY), "identity");
	assert_string_equal(page_enc_name(PAGE_ENC_COUNT), "?");
	assert_int_equal(page_enc_parse("br", 2), PAGE_ENC_BR);
	assert_int_equal(page_enc_parse("gzipx", 4), PAGE_ENC_GZIP);
	assert_int_equal(page_enc_parse("GZIP", 4), -1);
	assert_int_equal(page_enc_parse("", 0), -1);

	/* errors */
	EXPECT(HEAD "1 0 h /a 5 400 x - enc=lzma\n",
	       "t.page:3: enc: \"lzma\" is not an encoding (use identity, gzip, deflate, br or zstd)");
	EXPECT(HEAD "1 0 h /a 5 400 x - enc=\n",
	       "t.page:3: enc: \"\" is not an encoding (use identity, gzip, deflate, br or zstd)");
	EXPECT(HEAD "1 0 h /a 5 400 x - enc=GZIP\n",
	       "t.page:3: enc: \"GZIP\" is not an encoding (use identity, gzip, deflate, br or zstd)");
	EXPECT(HEAD "1 0 h /a 5 400 x - wire=2x enc=gzip\n",
	       "t.page:3: wire: \"2x\" is not a number");
	EXPECT(HEAD "1 0 h /a 5 400 x - wire=1073741825 enc=gzip\n",
	       "t.page:3: wire: \"1073741825\" is over the limit of 1073741824 (1 GiB)");
	EXPECT(HEAD "1 0 h /a 5 400 x - wire=2 wire=3 enc=gzip\n",
	       "t.page:3: wire: given twice");
	EXPECT(HEAD "1 0 h /a 5 400 x - enc=gzip enc=br\n",
	       "t.page:3: enc: given twice");
	/* an unencoded body has one size */
	EXPECT(HEAD "1 0 h /a 5 400 x - wire=2\n",
	       "t.page:3: wire: 2 differs from bytes (5) but enc is identity (give enc=gzip, or drop wire=)");
	EXPECT(HEAD "1 0 h /a 5 400 x - wire=2 enc=identity\n",
	       "t.page:3: wire: 2 differs from bytes (5) but enc is identity (give enc=gzip, or drop wire=)");
	/* ref_offset counts the decoded body, not the wire one */
	assert_int_equal(parse_str("name t\n0 - h / 1000 1 x - wire=100 enc=gzip\n"
				   "1 0 h /a 1 1 x 999\n", &p), 0);
	page_free(p);
	EXPECT("name t\n0 - h / 1000 1 x - wire=100 enc=gzip\n1 0 h /a 1 1 x 1000\n",
	       "t.page:3: ref_offset: 1000 is not inside the parent's 1000 bytes");
}

/* parse(write(p)) keeps wire= and enc=, also for pages built in memory */
static void test_wire_round_trip(void **state)
{
	struct page *p = page_new("w");
	assert_non_null(p);
	struct page_res r;
	page_res_init(&r);
	r.id = "0";
	r.path = "/";
	r.ctype = "text/html";
	r.body_bytes = 1000;
	r.wire_bytes = 340;
	r.enc = PAGE_ENC_GZIP;
	assert_int_equal(page_add(p, &r, "h"), 0);
	page_res_init(&r);   /* wire_bytes left as PAGE_WIRE_SAME */
	r.id = "1";
	r.parent = 0;
	r.path = "/a.png";
	r.ctype = "image/png";
	r.body_bytes = 77;
	assert_int_equal(page_add(p, &r, "h"), 1);
	assert_int_equal(p->res[1].wire_bytes, 77);   /* resolved by page_add */
	size_t len;
	char *t = write_str(p, &len);
	assert_non_null(strstr(t, "\n0 - h / 1000 0 text/html - wire=340 enc=gzip\n"));
	assert_non_null(strstr(t, "\n1 0 h /a.png 77 0 image/png -\n"));
	struct page *q = NULL;
	assert_int_equal(page_parse_buf("w.page", t, len, &q), 0);
	assert_true(page_equal(p, q));
	assert_int_equal(q->res[0].wire_bytes, 340);
	assert_int_equal(q->res[0].enc, PAGE_ENC_GZIP);
	round_trip("w.page", t, len);
	free(t);
	page_free(q);
	page_free(p);
}

/* ---- fuzz ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const char *const fuzz_base =
	"name fz\nsource s\ndate 2013-03-13\n"
	"0 - www.example.com / 5000 420 text/html -\n"
	"1 0 img.example.com /a.png 1200 380 image/png 100 via=html\n"
	"2 1 www.example.com /b.js 10 0 application/javascript - conn=3 wire=4 enc=gzip\n"
	"3 - cdn.example.com /c 7 500 other - conn=1 group=4 wait_head=5 wait_done=6\n"
	"4 0 cdn.example.com /d 8 500 other 4999 group=5\n"
	"5 - cdn.example.com /e 9 500 other - group=6 wait_done=5\n";

static const char *const fuzz_tokens[] = {
	" ", "\n", "\t", "#", "-", "-1", "0", "1", "5", "=", "conn=", "group=", "wait_head=",
	"wait_done=", "via=", "name ", "date ", "note ", "source ", "1073741825", "\r\n",
	"99999999999999999999", "/", "\0", "\xff", "4", "6", "group=6", "wait_head=4",
	" via=#x", " conn=1", " conn=3", "name", "%", " wire=3", " enc=gzip", "enc=", " wire=0",
};

/* Failures must be seen: stderr comes back before failing. */
#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			free(cap_end());                                      \
			fail_msg(__VA_ARGS__);                                \
		}                                                             \
	} while (0)

static void fuzz_one(const char *buf, size_t len, size_t *ok)
{
	struct page *p = NULL, *q = NULL;
	int rc = page_parse_buf("fz.page", buf, len, &p);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "parse returned %d for %.*s", rc, (int)len, buf);
	if (rc)
		return;
	/* whatever parses must survive the round trip */
	char *t = NULL;
	size_t l = 0;
	FILE *f = open_memstream(&t, &l);
	FUZZ_CHECK(f && page_write(p, f) == 0, "write failed for %.*s", (int)len, buf);
	fclose(f);
	FUZZ_CHECK(page_parse_buf("fz2.page", t, l, &q) == 0, "reparse failed:\n%s", t);
	FUZZ_CHECK(page_equal(p, q), "round trip differs:\n%s", t);
	/* the whole decoded body needs the whole wire body, and no more */
	for (size_t i = 0; i < p->n; i++) {
		const struct page_res *r = &p->res[i];
		FUZZ_CHECK(page_wire_offset(r, r->body_bytes) == (r->body_bytes ? r->wire_bytes : 0) &&
			   (r->enc != PAGE_ENC_IDENTITY || r->wire_bytes == r->body_bytes),
			   "wire of %s:\n%s", r->id, t);
	}
	(*ok)++;
	free(t);
	page_free(p);
	page_free(q);
}

static void test_fuzz(void **state)
{
	size_t ok = 0, base_len = strlen(fuzz_base);
	char buf[4096];
	cap_begin();   /* thousands of error lines: keep them out of the log */
	for (int it = 0; it < 3000; it++) {       /* garbage */
		size_t len = rnd() % 300;
		for (size_t i = 0; i < len; i++)
			buf[i] = (rnd() % 4) ? " \n-0123456789abc/=#\t"[rnd() % 20] : (char)rnd();
		fuzz_one(buf, len, &ok);
	}
	for (int it = 0; it < 6000; it++) {       /* mutations of a valid page */
		size_t len = base_len;
		memcpy(buf, fuzz_base, len);
		int nmut = 1 + (int)(rnd() % 4);
		for (int m = 0; m < nmut; m++) {
			size_t at = len ? rnd() % len : 0;
			switch (rnd() % 4) {
			case 0:     /* flip a byte */
				buf[at] = (char)rnd();
				break;
			case 1: {   /* delete a span */
				size_t n = rnd() % 12;
				if (at + n > len)
					n = len - at;
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
				break;
			}
			case 2: {   /* insert a token */
				const char *t = fuzz_tokens[rnd() % (sizeof(fuzz_tokens) / sizeof(*fuzz_tokens))];
				size_t n = *t ? strlen(t) : 1;
				if (len + n < sizeof(buf)) {
					memmove(buf + at + n, buf + at, len - at);
					memcpy(buf + at, t, n);
					len += n;
				}
				break;
			}
			default:    /* duplicate a span (ids, lines) */
				if (len * 2 < sizeof(buf)) {
					size_t n = rnd() % 60;
					if (at + n > len)
						n = len - at;
					memmove(buf + at + n, buf + at, len - at);
					len += n;
				}
			}
		}
		fuzz_one(buf, len, &ok);
	}
	free(cap_end());
	/* the mutations must not all be fatal, nor all harmless */
	print_message("fuzz: %zu of 9000 inputs parsed\n", ok);
	assert_true(ok > 100);
	assert_true(ok < 9000);
}

static void test_pages_find(void **state)
{
	char dir[] = "/tmp/tfl-test-pages-XXXXXX", path[4096], want[4096];
	assert_non_null(mkdtemp(dir));
	snprintf(want, sizeof(want), "%s/mine.page", dir);
	FILE *f = fopen(want, "w");
	assert_non_null(f);
	fputs("name mine\n0 - h / 1 1 x -\n", f);
	fclose(f);
	setenv("TFOLAB_PAGES", dir, 1);
	assert_int_equal(pages_find("mine", path, sizeof(path)), 0);
	assert_string_equal(path, want);
	/* a path is taken as it is */
	assert_int_equal(pages_find(want, path, sizeof(path)), 0);
	assert_string_equal(path, want);
	cap_begin();
	assert_int_equal(pages_find(want, path, 5), -ENAMETOOLONG);
	assert_int_equal(pages_find("no-such-page", path, sizeof(path)), -ENOENT);
	assert_int_equal(pages_find("/no/such.page", path, sizeof(path)), -ENOENT);
	char *err = cap_end();
	assert_non_null(strstr(err, "page no-such-page: no no-such-page.page in "));
	assert_non_null(strstr(err, dir));
	free(err);
	/* the env directory comes first, then the compiled-in source tree */
	char **dirs;
	int nd = pages_dirs(&dirs);
	assert_true(nd >= 1);
	char real[4096];
	assert_non_null(realpath(dir, real));
	assert_string_equal(dirs[0], real);
	pages_dirs_free(dirs);
	const char *src = getenv("TFOLAB_SRC");
	if (src) {
		snprintf(want, sizeof(want), "%s/workloads/pages/amazon.page", src);
		assert_non_null(realpath(want, real));
		assert_int_equal(pages_find("amazon", path, sizeof(path)), 0);
		assert_string_equal(path, real);
	}
	unsetenv("TFOLAB_PAGES");
	snprintf(want, sizeof(want), "%s/mine.page", dir);
	unlink(want);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_long_meta),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_pages_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
