/*
 * Importing HAR, manifest CSV and capture CSV.  Synthetic inputs check each
 * rule (skips, size fallbacks, initiators, connections, errors); the
 * reference data in $TFOLAB_SHARED is checked against counts computed here
 * independently (a deliberately simple second reading of each file), and
 * the committed built-in pages against a fresh import, byte for byte.
 * Without $TFOLAB_SHARED the synthetic tests run and the program exits 77.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "workloads/import.h"
#include "workloads/origin.h"
#include "workloads/page.h"

/* ---- stderr capture ---- */

static FILE *cap_file;
static int cap_saved = -1;

static void cap_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(2);
	assert_true(dup2(fileno(cap_file), 2) >= 0);
}

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

static int imp(const char *name, const char *text, const struct import_opts *o,
	       struct page **p, struct import_report *r)
{
	return import_buf(name, text, strlen(text), o, p, r);
}

/* Import must fail with -EINVAL and stderr must contain want. */
static void expect_fail(const char *name, const char *text, const struct import_opts *o,
			const char *want)
{
	struct page *p = NULL;
	struct import_report r;
	cap_begin();
	int rc = imp(name, text, o, &p, &r);
	char *got = cap_end();
	if (rc != -EINVAL || !strstr(got, want))
		fail_msg("input:\n%s\nrc %d\ngot:\n%s\nwant (somewhere): %s", text, rc, got, want);
	assert_null(p);
	free(got);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	assert_int_equal(fstat(fileno(f), &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static char *write_str(const struct page *p, size_t *len)
{
	char *text = NULL;
	size_t l = 0;
	FILE *f = open_memstream(&text, &l);
	assert_non_null(f);
	assert_int_equal(page_write(p, f), 0);
	fclose(f);
	*len = l;
	return text;
}

/* The first note of p that starts with prefix, or NULL. */
static const char *find_note(const struct page *p, const char *prefix)
{
	for (size_t i = 0; i < p->nnotes; i++)
		if (!strncmp(p->notes[i], prefix, strlen(prefix)))
			return p->notes[i];
	return NULL;
}

/* ---- synthetic inputs ---- */

static void test_manifest(void **state)
{
	const char *csv =
		"id,parent,host,path,bytes,content_type,discovered_by,ref_offset\r\n"
		"0,-1,www.example.com,/,1000,text/html,root,-1\r\n"
		"1,0,img.example.com,\"/a,b.png?x=\"\"1\"\"\",200,image/png,html,10\r\n"
		"2,0,www.example.com,/has space,0,other,unknown,-1\r\n"
		"3,1,img.example.com,/c.js,30,application/javascript,js,5\r\n";
	struct page *p = NULL;
	struct import_report r;
	struct import_opts o = { .name = "demo" };
	cap_begin();   /* no README.md nor t.wire.csv beside "t.csv": warnings */
	assert_int_equal(imp("t.csv", csv, &o, &p, &r), 0);
	char *err = cap_end();
	assert_non_null(strstr(err, "import: no t.wire.csv beside t.csv; wire sizes = decoded sizes\n"));
	free(err);
	/* without wire sizes every body goes out as decoded, and the page says so */
	assert_int_equal(page_total_wire(p), 1230);
	for (size_t i = 0; i < p->n; i++) {
		assert_int_equal(p->res[i].wire_bytes, p->res[i].body_bytes);
		assert_int_equal(p->res[i].enc, PAGE_ENC_IDENTITY);
	}
	assert_non_null(find_note(p, "wire sizes = decoded sizes: no t.wire.csv beside the manifest"));
	assert_string_equal(r.format, "manifest");
	assert_int_equal(r.entries, 4);
	assert_int_equal(p->n, 4);
	assert_string_equal(p->name, "demo");
	assert_string_equal(p->source, "t.csv");
	assert_string_equal(p->res[1].path, "/a,b.png?x=\"1\"");
	assert_string_equal(p->res[2].path, "/has%20space");
	assert_int_equal(p->res[0].parent, -1);
	assert_null(p->res[0].via);
	assert_int_equal(p->res[3].parent, 1);
	assert_int_equal(p->res[3].ref_offset, 5);
	assert_string_equal(p->res[3].via, "js");
	assert_int_equal(p->res[2].ref_offset, -1);
	assert_int_equal(page_total_bytes(p), 1230);
	assert_int_equal(p->nhosts, 2);
	/* the request estimate, computed here from its definition */
	size_t want = strlen("GET /c.js HTTP/1.1\r\nHost: img.example.com\r\n") +
		      import_typical_headers_len();
	assert_int_equal(p->res[3].req_bytes, want);
	assert_int_equal(import_req_estimate("img.example.com", "/c.js"), want);
	assert_true(import_typical_headers_len() > 250 && import_typical_headers_len() < 500);
	assert_int_equal(r.req_estimated, 4);
	page_free(p);

	/* default name: the file name without directory and extension */
	cap_begin();
	assert_int_equal(imp("/x/y/table-1.csv", csv, NULL, &p, NULL), 0);
	free(cap_end());
	assert_string_equal(p->name, "table-1");
	page_free(p);
}

static void test_capture(void **state)
{
	const char *csv =
		"seq,group,connection,wait_head_of_group,wait_completion_of_group,request_bytes,"
		"response_bytes,response_header_bytes,status,content_type,method,host,path\n"
		"0,0,0,-1,-1,563,91380,560,200,text/html,GET,en.wikipedia.org,/wiki/X\n"
		"1,1,1,0,-1,703,22644,580,200,text/css,GET,bits.wikimedia.org,/a\n"
		"2,2,1,-1,1,500,1000,1000,200,text/javascript,POST,bits.wikimedia.org,/b\n";
	struct page *p = NULL;
	struct import_report r;
	cap_begin();   /* the POST is a warning */
	assert_int_equal(imp("c.csv", csv, NULL, &p, &r), 0);
	char *err = cap_end();
	assert_non_null(strstr(err, "c.csv:4: method: POST is replayed as a GET of the same size"));
	free(err);
	assert_string_equal(r.format, "capture");
	assert_int_equal(r.warnings[IMPORT_WARN_METHOD], 1);
	assert_int_equal(p->n, 3);
	assert_int_equal(p->res[0].body_bytes, 91380 - 560);
	assert_int_equal(p->res[0].req_bytes, 563);
	assert_int_equal(p->res[2].body_bytes, 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(p->res[i].parent, -1);
	assert_int_equal(p->res[1].conn, 1);
	assert_int_equal(p->res[1].group, 1);
	assert_int_equal(p->res[1].wait_head_group, 0);
	assert_int_equal(p->res[1].wait_done_group, -1);
	assert_int_equal(p->res[2].wait_done_group, 1);
	assert_int_equal(r.req_estimated, 0);
	/* the capture's sizes are wire sizes: replayed unencoded as they are */
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(p->res[i].wire_bytes, p->res[i].body_bytes);
		assert_int_equal(p->res[i].enc, PAGE_ENC_IDENTITY);
	}
	assert_non_null(find_note(p, "sizes are as captured on the wire (the capture has no decoded sizes)"));
	page_free(p);
}

/* A manifest and its .wire.csv as files in a fresh directory. */
struct wire_dir {
	char dir[64], csv[128], wire[128], readme[128];
};

static void wire_files(struct wire_dir *w, const char *csv, const char *wire, const char *readme)
{
	snprintf(w->dir, sizeof(w->dir), "/tmp/tfolab-test-import-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->csv, sizeof(w->csv), "%s/m.csv", w->dir);
	snprintf(w->wire, sizeof(w->wire), "%s/m.wire.csv", w->dir);
	snprintf(w->readme, sizeof(w->readme), "%s/README.md", w->dir);
	const char *paths[] = { w->csv, w->wire, w->readme }, *texts[] = { csv, wire, readme };
	for (int i = 0; i < 3; i++) {
		if (!texts[i])
			continue;
		FILE *f = fopen(paths[i], "w");
		assert_non_null(f);
		fputs(texts[i], f);
		assert_int_equal(fclose(f), 0);
	}
}

static void wire_files_rm(struct wire_dir *w)
{
	unlink(w->csv);
	unlink(w->wire);
	unlink(w->readme);
	assert_int_equal(rmdir(w->dir), 0);
}

static const char *const wire_manifest =
	"id,parent,host,path,bytes,content_type,discovered_by,ref_offset\n"
	"0,-1,www.example.com,/,1000,text/html,root,-1\n"
	"1,0,www.example.com,/a.png,200,image/png,html,10\n"
	"2,0,www.example.com,/b.css,600,text/css,html,999\n"
	"3,2,www.example.com,/c.gif,0,image/gif,css,500\n";

/* Imports a manifest whose .wire.csv is wire; must fail, stderr holding
 * each of want (with the temp directory's path replaced by DIR). */
static void expect_wire_fail(const char *wire, const char *const *want, size_t nwant)
{
	struct wire_dir w;
	wire_files(&w, wire_manifest, wire, NULL);
	struct page *p = NULL;
	cap_begin();
	int rc = import_file(w.csv, NULL, &p, NULL);
	char *got = cap_end();
	for (size_t i = 0; i < nwant; i++) {
		char line[512];
		snprintf(line, sizeof(line), "tfolab: error: %s/%s\n", w.dir, want[i]);
		if (rc != -EINVAL || !strstr(got, line))
			fail_msg("wire.csv:\n%s\nrc %d\ngot:\n%s\nwant (somewhere): %s", wire, rc, got, line);
	}
	assert_null(p);
	free(got);
	wire_files_rm(&w);
}

#define EXPECT_WIRE(wire, ...)                                                \
	do {                                                                  \
		const char *const w_[] = { __VA_ARGS__ };                     \
		expect_wire_fail(wire, w_, sizeof(w_) / sizeof(w_[0]));      \
	} while (0)

static void test_manifest_wire(void **state)
{
	/* rows in any order; the README says how the gzip sizes were made */
	struct wire_dir w;
	wire_files(&w, wire_manifest,
		   "id,wire_bytes,encoding\r\n2,150,gzip\r\n0,340,gzip\r\n\r\n1,200,identity\r\n3,0,identity\r\n",
		   "From repository `a/b`, commit `c0ffee`, loaded 2013-03-13.\n"
		   "wire_bytes: the body compressed with gzip level 6.\n");
	struct page *p = NULL;
	struct import_report r;
	cap_begin();
	assert_int_equal(import_file(w.csv, NULL, &p, &r), 0);
	char *err = cap_end();
	assert_string_equal(err, "");   /* nothing missing: nothing to say */
	free(err);
	assert_int_equal(p->n, 4);
	assert_int_equal(p->res[0].body_bytes, 1000);
	assert_int_equal(p->res[0].wire_bytes, 340);
	assert_int_equal(p->res[0].enc, PAGE_ENC_GZIP);
	assert_int_equal(p->res[1].wire_bytes, 200);
	assert_int_equal(p->res[1].enc, PAGE_ENC_IDENTITY);
	assert_int_equal(p->res[2].body_bytes, 600);
	assert_int_equal(p->res[2].wire_bytes, 150);
	assert_int_equal(p->res[2].enc, PAGE_ENC_GZIP);
	assert_int_equal(p->res[3].wire_bytes, 0);
	/* ref_offset stays in decoded bytes */
	assert_int_equal(p->res[2].ref_offset, 999);
	assert_int_equal(p->res[3].ref_offset, 500);
	assert_int_equal(page_wire_offset(&p->res[0], 999), 340);
	assert_int_equal(page_wire_offset(&p->res[2], 500), 125);
	assert_int_equal(page_total_bytes(p), 1800);
	assert_int_equal(page_total_wire(p), 690);
	assert_string_equal(p->source, "m.csv, derived from GitHub a/b commit c0ffee");
	assert_string_equal(find_note(p, "wire sizes"),
			    "wire sizes (wire= enc=) from m.wire.csv: 2 of 4 bodies encoded "
			    "(gzip level 6, per the README beside it); bytes and ref_offset are decoded");
	/* and it is written as the extras */
	size_t len;
	char *t = write_str(p, &len);
	assert_non_null(strstr(t, "\n0 - www.example.com / 1000 "));
	assert_non_null(strstr(t, " text/html - wire=340 enc=gzip\n"));
	assert_non_null(strstr(t, " image/png 10 via=html\n"));
	assert_non_null(strstr(t, " text/css 999 wire=150 enc=gzip via=html\n"));
	free(t);
	page_free(p);
	wire_files_rm(&w);

	/* other encodings are understood too; without the README no claim
	 * about how they were made */
	wire_files(&w, wire_manifest,
		   "id,wire_bytes,encoding\n0,300,br\n1,200,identity\n2,150,deflate\n3,0,identity\n", NULL);
	cap_begin();
	assert_int_equal(import_file(w.csv, NULL, &p, &r), 0);
	free(cap_end());
	assert_int_equal(p->res[0].enc, PAGE_ENC_BR);
	assert_int_equal(p->res[2].enc, PAGE_ENC_DEFLATE);
	assert_string_equal(find_note(p, "wire sizes"),
			    "wire sizes (wire= enc=) from m.wire.csv: 2 of 4 bodies encoded; "
			    "bytes and ref_offset are decoded");
	page_free(p);
	wire_files_rm(&w);

	/* every bad input names its file and line */
	const char *h = "id,wire_bytes,encoding\n";
	char buf[512];
	snprintf(buf, sizeof(buf), "%s0,340,gzip\n1,200,identity\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.csv:4: id: \"2\" has no row in m.wire.csv");
	snprintf(buf, sizeof(buf), "%s0,340,gzip\n1,200,lzma\n2,150,gzip\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:3: encoding: \"lzma\" is not an encoding (use identity or gzip; also deflate, br, zstd)");
	snprintf(buf, sizeof(buf), "%s0,340,GZIP\n1,200,identity\n2,150,gzip\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:2: encoding: \"GZIP\" is not an encoding (use identity or gzip; also deflate, br, zstd)");
	snprintf(buf, sizeof(buf), "%s0,34x,gzip\n1,200,identity\n2,150,gzip\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:2: wire_bytes: \"34x\" is not a number");
	snprintf(buf, sizeof(buf), "%s0,-1,gzip\n1,200,identity\n2,150,gzip\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:2: wire_bytes: -1 is out of range (0 to 1073741824)");
	snprintf(buf, sizeof(buf), "%s0,340,gzip\n1,150,identity\n2,150,gzip\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:3: wire_bytes: 150 differs from the manifest's bytes (200) but the encoding is identity");
	snprintf(buf, sizeof(buf), "%s0,340,gzip\n1,200,identity\n2,150,gzip\n3,0,identity\n9,5,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:6: id: \"9\" is not the id of any row of m.csv");
	snprintf(buf, sizeof(buf), "%s0,340,gzip\n1,200,identity\n2,150,gzip\n3,0,identity\n0,340,gzip\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:6: id: \"0\" is given twice (first on line 2)");
	snprintf(buf, sizeof(buf), "%s0,340\n1,200,identity\n2,150,gzip\n3,0,identity\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:2: row: 2 fields, expected 3");
	EXPECT_WIRE("id,wire,enc\n0,340,gzip\n", "m.wire.csv:1: header: expected \"id,wire_bytes,encoding\"");
	EXPECT_WIRE("", "m.wire.csv:1: header: none (the file is empty)");
	/* several problems: all of them, the missing rows on the manifest */
	snprintf(buf, sizeof(buf), "%s0,340,zip\n2,150,gzip\n", h);
	EXPECT_WIRE(buf, "m.wire.csv:2: encoding: \"zip\" is not an encoding (use identity or gzip; also deflate, br, zstd)",
		    "m.csv:3: id: \"1\" has no row in m.wire.csv",
		    "m.csv:5: id: \"3\" has no row in m.wire.csv");
}

static const char *const har_sample =
	"{\"log\": {\"version\": \"1.2\", \"creator\": {\"name\": \"unit\", \"version\": \"1\"},\n"
	" \"pages\": [{\"id\": \"p1\", \"startedDateTime\": \"2020-05-06T07:08:09.000Z\"},\n"
	"            {\"id\": \"p2\"}],\n"
	" \"entries\": [\n"
	/* out of order on purpose: entry 0 starts after entry 1 */
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T07:08:10.500+01:00\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"https://CDN.example.com:8443/s.js#frag\", \"headersSize\": 300},\n"
	"   \"response\": {\"status\": 200, \"bodySize\": -1, \"content\": {\"size\": 777, \"mimeType\": \"application/javascript; charset=utf-8\"}},\n"
	"   \"connection\": \"17\", \"_initiator\": {\"type\": \"script\", \"stack\": {\"callFrames\": [{\"url\": \"\"}, {\"url\": \"https://www.example.com/\"}]}}},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:09.000Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"https://www.example.com/\", \"headersSize\": -1},\n"
	"   \"response\": {\"status\": \"200\", \"bodySize\": \"1000\", \"content\": {\"size\": 5000, \"mimeType\": \"text/html\"}},\n"
	"   \"connection\": \"9\"},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:11Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"data:image/png;base64,AAAA\"},\n"
	"   \"response\": {\"status\": 200, \"bodySize\": 4}},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:11Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"blob:https://www.example.com/1\"},\n"
	"   \"response\": {\"status\": 200, \"bodySize\": 4}},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:11Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"https://www.example.com/fail\"},\n"
	"   \"response\": {\"status\": 0, \"bodySize\": 0}},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:11Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"https://www.example.com/err\"},\n"
	"   \"response\": {\"status\": 200, \"bodySize\": 10, \"_error\": \"net::ERR_ABORTED\"}},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:12Z\",\n"
	"   \"request\": {\"method\": \"POST\", \"url\": \"http://www.example.com/img.png?q=1\", \"headersSize\": 0, \"bodySize\": 50},\n"
	"   \"response\": {\"status\": 200, \"bodySize\": -1, \"content\": {\"size\": -1}},\n"
	"   \"_socket\": 9, \"_initiator\": \"https://nowhere.example.com/x.js\"},\n"
	"  {\"pageref\": \"p1\", \"startedDateTime\": \"2020-05-06T06:08:13Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"https://cdn.example.com/t.gif\"},\n"
	"   \"response\": {\"status\": 204, \"bodySize\": -1, \"content\": {\"size\": -1}},\n"
	"   \"_objectSize\": \"-1\", \"_bytesIn\": \"321\", \"_initiator\": \"https://CDN.example.com:8443/s.js#frag\"},\n"
	"  {\"pageref\": \"p2\", \"startedDateTime\": \"2020-05-06T06:09:00Z\",\n"
	"   \"request\": {\"method\": \"GET\", \"url\": \"https://www.example.com/\"},\n"
	"   \"response\": {\"status\": 304, \"bodySize\": 0}}\n"
	"]}}\n";

static void test_har(void **state)
{
	struct page *p = NULL;
	struct import_report r;
	struct import_opts o = { .name = "h" };
	cap_begin();
	assert_int_equal(imp("t.har", har_sample, &o, &p, &r), 0);
	char *err = cap_end();
	assert_non_null(strstr(err, "t.har: 2 entries: size from a fallback field"));
	assert_non_null(strstr(err, "t.har: 1 entry: size unknown (0)"));
	/* the root: bodySize 1000, content.size 5000, no Content-Encoding */
	assert_non_null(strstr(err, "t.har: 1 entry: wire size differs from content.size without Content-Encoding (wire size used)"));
	free(err);
	assert_string_equal(r.format, "har");
	assert_int_equal(r.entries, 8);
	assert_int_equal(r.other_pages, 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_DATA], 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_BLOB], 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_FAILED], 2);
	assert_int_equal(r.skipped[IMPORT_SKIP_SCHEME], 0);
	assert_int_equal(r.warnings[IMPORT_WARN_SIZE_FALLBACK], 2);  /* content.size, _bytesIn */
	assert_int_equal(r.warnings[IMPORT_WARN_SIZE_UNKNOWN], 1);
	assert_int_equal(r.warnings[IMPORT_WARN_INITIATOR], 1);
	assert_int_equal(r.warnings[IMPORT_WARN_METHOD], 1);
	assert_int_equal(r.warnings[IMPORT_WARN_SIZE_MISMATCH], 1);
	assert_int_equal(r.parent_initiator, 2);
	assert_int_equal(p->n, 4);
	assert_string_equal(p->date, "2020-05-06");
	/* sorted by start time: the root (06:08:09Z), s.js (06:08:10.5Z),
	 * img.png, t.gif */
	const struct page_res *root = &p->res[0], *js = &p->res[1], *img = &p->res[2],
			      *gif = &p->res[3];
	assert_string_equal(page_host(p, root), "www.example.com");
	assert_int_equal(root->parent, -1);
	assert_int_equal(root->body_bytes, 1000);       /* "1000" as a string */
	assert_int_equal(root->wire_bytes, 1000);       /* unencoded: one size */
	assert_int_equal(root->enc, PAGE_ENC_IDENTITY);
	assert_int_equal(root->req_bytes, import_req_estimate("www.example.com", "/"));
	assert_string_equal(page_host(p, js), "cdn.example.com");
	assert_string_equal(js->path, "/s.js");
	assert_int_equal(js->body_bytes, 777);          /* content.size fallback */
	assert_int_equal(js->req_bytes, 300);
	assert_string_equal(js->ctype, "application/javascript");
	assert_int_equal(js->parent, 0);                /* from the call stack */
	assert_int_equal(img->parent, 0);               /* unknown initiator: root */
	assert_int_equal(img->body_bytes, 0);           /* no size anywhere */
	assert_int_equal(img->req_bytes, import_req_estimate("www.example.com", "/img.png?q=1") + 50);
	assert_string_equal(img->ctype, "other");
	assert_int_equal(gif->parent, 1);               /* initiator: s.js */
	assert_int_equal(gif->body_bytes, 321);         /* _bytesIn */
	/* connections renumbered in order of first use: "9" -> 0, "17" -> 1;
	 * _socket 9 is the same key as connection "9" */
	assert_int_equal(root->conn, 0);
	assert_int_equal(js->conn, 1);
	assert_int_equal(img->conn, 0);
	assert_int_equal(gif->conn, -1);
	for (size_t i = 0; i < p->n; i++)
		assert_int_equal(p->res[i].ref_offset, -1);
	page_free(p);

	/* --page 2 */
	o.page = 2;
	assert_int_equal(imp("t.har", har_sample, &o, &p, &r), 0);
	assert_int_equal(p->n, 1);
	assert_int_equal(r.other_pages, 8);
	assert_int_equal(p->res[0].body_bytes, 0);
	page_free(p);
	o.page = 3;
	expect_fail("t.har", har_sample, &o, "t.har: --page: 3 is out of range (the file has 2 pages)");
}

/* Wire and decoded sizes from a HAR: bodySize vs content.size, and the
 * Content-Encoding header that says which is which. */
static void test_har_encoding(void **state)
{
#define ENTRY(t, url, resp, extra)                                            \
	" {\"startedDateTime\": \"2020-01-01T00:00:0" t "Z\", \"request\": {\"url\": \"https://a.example" url "\"},"   \
	"  \"response\": {\"status\": 200, " resp "}" extra "}"
	const char *har =
		"{\"log\": {\"entries\": [\n"
		/* 0: gzip: wire 340, decoded 1000 */
		ENTRY("0", "/", "\"bodySize\": 340, \"content\": {\"size\": 1000}, "
		      "\"headers\": [{\"name\": \"Content-Type\", \"value\": \"text/html\"}, "
		      "{\"name\": \"content-encoding\", \"value\": \"gzip\"}]", "") ",\n"
		/* 1: sizes differ, no Content-Encoding: bodySize for both */
		ENTRY("1", "/1", "\"bodySize\": 500, \"content\": {\"size\": 800}, \"headers\": []", "") ",\n"
		/* 2: the header in capitals, blanks around it */
		ENTRY("2", "/2", "\"bodySize\": 90, \"content\": {\"size\": 300}, "
		      "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \" BR \"}]", "") ",\n"
		/* 3: two codings stacked: not one we replay, so identity */
		ENTRY("3", "/3", "\"bodySize\": 70, \"content\": {\"size\": 300}, "
		      "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \"gzip, br\"}]", "") ",\n"
		/* 4: no bodySize: _transferSize - headersSize is the wire size */
		ENTRY("4", "/4", "\"bodySize\": -1, \"headersSize\": 200, \"_transferSize\": 700, "
		      "\"content\": {\"size\": 1500}, "
		      "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \"deflate\"}]", "") ",\n"
		/* 5: only the decoded size: the wire size too */
		ENTRY("5", "/5", "\"bodySize\": -1, \"content\": {\"size\": 400}, "
		      "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \"zstd\"}]", "") ",\n"
		/* 6: no content.size: decoded = wire (_objectSize, a fallback) */
		ENTRY("6", "/6", "\"bodySize\": -1, \"content\": {\"size\": -1}, "
		      "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \"gzip\"}]",
		      ", \"_objectSize\": 66") ",\n"
		/* 7: equal sizes, identity: nothing to say */
		ENTRY("7", "/7", "\"bodySize\": 10, \"content\": {\"size\": 10}, "
		      "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \"identity\"}]", "") ",\n"
		/* 8: _transferSize on the entry, headersSize unknown: no use */
		ENTRY("8", "/8", "\"bodySize\": -1, \"headersSize\": -1, \"content\": {\"size\": 50}",
		      ", \"_transferSize\": 400") "\n"
		"]}}\n";
#undef ENTRY
	struct page *p = NULL;
	struct import_report r;
	cap_begin();
	assert_int_equal(imp("e.har", har, NULL, &p, &r), 0);
	char *err = cap_end();
	assert_non_null(strstr(err, "e.har: 2 entries: wire size differs from content.size without Content-Encoding (wire size used)"));
	free(err);
	assert_int_equal(p->n, 9);
	static const struct {
		uint64_t body, wire;
		enum page_enc enc;
	} want[] = {
		{ 1000, 340, PAGE_ENC_GZIP }, { 500, 500, PAGE_ENC_IDENTITY },
		{ 300, 90, PAGE_ENC_BR }, { 70, 70, PAGE_ENC_IDENTITY },
		{ 1500, 500, PAGE_ENC_DEFLATE }, { 400, 400, PAGE_ENC_ZSTD },
		{ 66, 66, PAGE_ENC_GZIP }, { 10, 10, PAGE_ENC_IDENTITY },
		{ 50, 50, PAGE_ENC_IDENTITY },
	};
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(p->res[i].body_bytes, want[i].body);
		assert_int_equal(p->res[i].wire_bytes, want[i].wire);
		assert_int_equal(p->res[i].enc, want[i].enc);
	}
	/* 4 (_transferSize), 5 and 8 (content.size), 6 (_objectSize) */
	assert_int_equal(r.warnings[IMPORT_WARN_SIZE_FALLBACK], 4);
	assert_int_equal(r.warnings[IMPORT_WARN_SIZE_UNKNOWN], 0);
	assert_int_equal(r.warnings[IMPORT_WARN_SIZE_MISMATCH], 2);   /* 1 and 3 */
	assert_non_null(find_note(p, "decoded sizes: content.size, else the wire size"));
	const char *counts = find_note(p, "entries 9, kept 9");
	assert_non_null(counts);
	assert_non_null(strstr(counts, "sizes differing without Content-Encoding 2"));
	page_free(p);
}

static void test_har_conn_split(void **state)
{
	/* one connection id over two hosts (HTTP/2 coalescing): a page's
	 * connection goes to one host, so it becomes two */
	const char *har =
		"{\"log\": {\"entries\": [\n"
		" {\"startedDateTime\": \"2020-01-01T00:00:00Z\", \"request\": {\"url\": \"https://a.example/\"},"
		"  \"response\": {\"status\": 200, \"bodySize\": 10}, \"connection\": \"1\"},\n"
		" {\"startedDateTime\": \"2020-01-01T00:00:01Z\", \"request\": {\"url\": \"https://b.example/x\"},"
		"  \"response\": {\"status\": 200, \"bodySize\": 20}, \"connection\": \"1\"},\n"
		" {\"startedDateTime\": \"2020-01-01T00:00:02Z\", \"request\": {\"url\": \"https://a.example/y\"},"
		"  \"response\": {\"status\": 200, \"bodySize\": 30}, \"connection\": \"1\"},\n"
		" {\"startedDateTime\": \"2020-01-01T00:00:03Z\", \"request\": {\"url\": \"https://b.example/z\"},"
		"  \"response\": {\"status\": 200, \"bodySize\": 40}, \"connection\": \"1\"}\n"
		"]}}\n";
	struct page *p = NULL;
	struct import_report r;
	cap_begin();
	assert_int_equal(imp("s.har", har, NULL, &p, &r), 0);
	free(cap_end());
	assert_int_equal(p->n, 4);
	assert_int_equal(p->res[0].conn, 0);
	assert_int_equal(p->res[1].conn, 1);
	assert_int_equal(p->res[2].conn, 0);
	assert_int_equal(p->res[3].conn, 1);
	assert_int_equal(r.warnings[IMPORT_WARN_CONN_SPLIT], 1);
	assert_string_equal(p->name, "s");
	page_free(p);
}

/* ---- HAR rules, one test each, on small synthetic HARs -------------------- */

/* One entry, started `sec` seconds into the load: url, status, bodySize,
 * content.size, then extra members of the response and of the entry. */
static char *ent(int sec, const char *url, int status, long bs, long cs, const char *resp_x,
		 const char *ent_x)
{
	char *s;
	assert_true(asprintf(&s, "{\"startedDateTime\": \"2024-03-04T05:06:%02d.000Z\", "
			     "\"request\": {\"method\": \"GET\", \"url\": \"%s\"}, "
			     "\"response\": {\"status\": %d, \"bodySize\": %ld, "
			     "\"content\": {\"size\": %ld}%s%s}%s%s}", sec, url, status, bs, cs,
			     resp_x ? ", " : "", resp_x ? resp_x : "", ent_x ? ", " : "",
			     ent_x ? ent_x : "") > 0);
	return s;
}

/* A HAR of the n entries (freed here) under log, with log_x members. */
static char *har_of(const char *log_x, char **e, size_t n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	fprintf(f, "{\"log\": {\"version\": \"1.2\"%s%s, \"entries\": [\n", log_x ? ", " : "",
		log_x ? log_x : "");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%s\n", i ? "," : "", e[i]);
		free(e[i]);
	}
	fprintf(f, "]}}\n");
	fclose(f);
	return s;
}

static int imp_quiet(const char *text, const struct import_opts *o, struct page **p,
		     struct import_report *r)
{
	cap_begin();
	int rc = imp("u.har", text, o, p, r);
	free(cap_end());
	return rc;
}

static void test_har_cached(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, NULL, "\"connection\": \"5\""),
		ent(1, "https://a.test/m.js", 200, 0, 500, NULL, "\"_fromCache\": \"memory\", \"connection\": \"5\""),
		ent(2, "https://a.test/t.css", 200, 0, 300,
		    "\"_transferSize\": 0, \"headers\": [{\"name\": \"content-encoding\", \"value\": \"gzip\"}]",
		    NULL),
		ent(3, "https://a.test/u.png", 200, -1, 200, "\"httpVersion\": \"unknown\"",
		    "\"timings\": {\"send\": 0, \"wait\": 0, \"receive\": 0}"),
		ent(4, "https://a.test/v.png", 200, -1, 70, "\"httpVersion\": \"unknown\"",
		    "\"timings\": {\"send\": 0.1, \"wait\": 20.5, \"receive\": 1}"),
	};
	char *har = har_of(NULL, e, 5);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(r.cached, 3);
	assert_int_equal(p->n, 5);
	uint64_t want[] = { 1000, 500, 300, 200, 70 };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(p->res[i].body_bytes, want[i]);
		assert_int_equal(p->res[i].wire_bytes, want[i]);
	}
	assert_int_equal(p->res[1].conn, -1);   /* a cache hit used no connection */
	assert_int_equal(p->res[2].enc, PAGE_ENC_IDENTITY);
	assert_non_null(find_note(p, "3 of 5 entries were served from cache; imported at their content size"));
	page_free(p);
	struct import_opts o = { .cache_skip = 1 };
	assert_int_equal(imp_quiet(har, &o, &p, &r), 0);
	assert_int_equal(p->n, 2);
	assert_int_equal(r.skipped[IMPORT_SKIP_CACHED], 3);
	page_free(p);
	free(har);
}

static void test_har_repeats(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, NULL, NULL),
		ent(1, "https://a.test/b", 200, 243, 243, NULL, NULL),
		ent(2, "https://a.test/b", 200, 0, 0, NULL, NULL),
		ent(3, "https://a.test/b?tfl-repeat=2", 200, 9, 9, NULL, NULL),
		ent(4, "https://a.test/b", 200, 50, 50, NULL, NULL),
		ent(5, "https://a.test/c?x=1", 200, 5, 5, NULL, NULL),
		ent(6, "https://a.test/c?x=1", 200, 6, 6, NULL, NULL),
	};
	char *har = har_of(NULL, e, 7);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(p->n, 7);
	assert_string_equal(p->res[1].path, "/b");
	assert_string_equal(p->res[2].path, "/b?tfl-repeat=1");
	assert_string_equal(p->res[3].path, "/b?tfl-repeat=2");
	assert_string_equal(p->res[4].path, "/b?tfl-repeat=3");   /* 2 is taken */
	assert_string_equal(p->res[6].path, "/c?x=1&tfl-repeat=1");
	assert_int_equal(p->res[2].body_bytes, 0);
	assert_int_equal(p->res[4].body_bytes, 50);
	assert_int_equal(r.warnings[IMPORT_WARN_REPEAT], 3);
	assert_int_equal(origin_page_check(p), 0);   /* the origin can serve it */
	page_free(p);
	free(har);
}

static void test_har_unservable(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, NULL, NULL),
		ent(1, "https://b!c.test/x", 200, 10, 10, NULL, NULL),
	};
	char *har = har_of(NULL, e, 2);
	expect_fail("u.har", har, NULL,
		    "tfolab: error: u.har: entry 1: request.url: cannot be served: host \"b!c.test\": not a plain host name");
	free(har);
}

static void test_har_protocols(void **state)
{
	const char *v[] = { "h2", "HTTP/2.0", "h3", "http/1.0", "HTTP/1.1", "H2" };
	char *e[6];
	for (int i = 0; i < 6; i++) {
		char url[64], rx[64];
		snprintf(url, sizeof(url), "https://a.test/%d", i);
		snprintf(rx, sizeof(rx), "\"httpVersion\": \"%s\"", v[i]);
		e[i] = ent(i, url, 200, 10 + i, 10 + i, rx, "\"connection\": \"77\"");
	}
	char *har = har_of(NULL, e, 6);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(r.proto[IMPORT_PROTO_H2], 3);
	assert_int_equal(r.proto[IMPORT_PROTO_H3], 1);
	assert_int_equal(r.proto[IMPORT_PROTO_H1], 2);
	assert_int_equal(r.proto[IMPORT_PROTO_UNKNOWN], 0);
	assert_true(r.plan_dropped);
	for (size_t i = 0; i < p->n; i++)
		assert_int_equal(p->res[i].conn, -1);
	page_free(p);
	struct import_opts o = { .plan_keep = 1 };
	assert_int_equal(imp_quiet(har, &o, &p, &r), 0);
	assert_false(r.plan_dropped);
	for (size_t i = 0; i < p->n; i++)
		assert_int_equal(p->res[i].conn, 0);
	page_free(p);
	free(har);
}

/* Requests that overlap on one connection: multiplexed, whatever
 * httpVersion says (Chrome's "unknown" for h2). */
static void test_har_overlap(void **state)
{
	char *e[5];
	for (int i = 0; i < 5; i++) {
		char url[64];
		snprintf(url, sizeof(url), "https://a.test/%d", i);
		/* started 1 s apart, each lasting 3 s */
		e[i] = ent(i, url, 200, 10, 10, "\"httpVersion\": \"unknown\"",
			   "\"connection\": \"9\", \"time\": 3000, "
			   "\"timings\": {\"blocked\": 0, \"send\": 1, \"wait\": 2000, \"receive\": 999}");
	}
	char *har = har_of(NULL, e, 5);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_true(r.plan_dropped);
	assert_true(r.mux_timing);
	assert_int_equal(r.cached, 0);   /* "unknown" with timings is not a cache hit */
	assert_int_equal(p->res[3].conn, -1);
	page_free(p);
	free(har);
	/* one request sent 0.5 s early on HTTP/1.1 (rounding): still a plan */
	for (int i = 0; i < 5; i++) {
		char url[64];
		snprintf(url, sizeof(url), "https://a.test/%d", i);
		e[i] = ent(i, url, 200, 10, 10, "\"httpVersion\": \"HTTP/1.1\"",
			   i == 2 ? "\"connection\": \"9\", \"time\": 1500, \"timings\": {\"send\": 1}"
				  : "\"connection\": \"9\", \"time\": 900, \"timings\": {\"send\": 1}");
	}
	har = har_of(NULL, e, 5);
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_false(r.plan_dropped);
	assert_int_equal(p->res[3].conn, 0);
	page_free(p);
	free(har);
}

static void test_har_firefox_port(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, "\"httpVersion\": \"HTTP/1.1\"", "\"connection\": \"443\""),
		ent(1, "https://a.test/x", 200, 10, 10, "\"httpVersion\": \"HTTP/1.1\"", "\"connection\": \"443\""),
		ent(2, "http://b.test:8080/y", 200, 10, 10, "\"httpVersion\": \"HTTP/1.1\"", "\"connection\": \"8080\""),
	};
	char *har = har_of("\"creator\": {\"name\": \"Firefox\", \"version\": \"120.0\"}", e, 3);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	for (size_t i = 0; i < p->n; i++)
		assert_int_equal(p->res[i].conn, -1);
	assert_int_equal(r.warnings[IMPORT_WARN_PORT_CONN], 3);
	page_free(p);
	free(har);
	/* any creator: ids that are all the URL's port are ports */
	char *e2[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, NULL, "\"connection\": \"443\""),
		ent(1, "https://a.test/x", 200, 10, 10, NULL, "\"connection\": 443"),
	};
	har = har_of(NULL, e2, 2);
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(p->res[1].conn, -1);
	page_free(p);
	free(har);
	/* Chrome ids, one of which happens to be 443: kept */
	char *e3[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, NULL, "\"connection\": \"443\""),
		ent(1, "https://a.test/x", 200, 10, 10, NULL, "\"connection\": \"12345\""),
	};
	har = har_of("\"creator\": {\"name\": \"WebInspector\", \"version\": \"537.36\"}", e3, 2);
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(p->res[0].conn, 0);
	assert_int_equal(p->res[1].conn, 1);
	assert_int_equal(r.warnings[IMPORT_WARN_PORT_CONN], 0);
	page_free(p);
	free(har);
}

static void test_har_skips(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, 1000, 1000, NULL, NULL),
		ent(1, "chrome-extension://abc/x.js", 200, 10, 10, NULL, NULL),
		ent(2, "wss://a.test/socket", 101, 0, 0, NULL, NULL),
		ent(3, "https://a.test/socket", 101, 0, 0, NULL, NULL),
		ent(4, "https://a.test/ws2", 200, 0, 0, NULL, "\"_resourceType\": \"websocket\""),
		ent(5, "https://a.test/aborted", 0, 0, 0, NULL, NULL),
		ent(6, "data:image/png;base64,AA", 200, 2, 2, NULL, NULL),
		ent(7, "blob:https://a.test/1", 200, 2, 2, NULL, NULL),
		ent(8, "about:blank", 200, 2, 2, NULL, NULL),
	};
	char *har = har_of(NULL, e, 9);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(p->n, 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_EXTENSION], 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_WEBSOCKET], 3);
	assert_int_equal(r.skipped[IMPORT_SKIP_FAILED], 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_DATA], 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_BLOB], 1);
	assert_int_equal(r.skipped[IMPORT_SKIP_SCHEME], 1);
	page_free(p);
	free(har);
}

static void test_har_sizes(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, 4000, 12000,
		    "\"headers\": [{\"name\": \"Content-Encoding\", \"value\": \"br\"}]", NULL),
		/* no bodySize: _transferSize - headersSize is the wire size */
		ent(1, "https://a.test/x.js", 200, -1, 9000,
		    "\"_transferSize\": 3300, \"headersSize\": 300, "
		    "\"headers\": [{\"name\": \"content-encoding\", \"value\": \"gzip\"}]", NULL),
	};
	char *har = har_of(NULL, e, 2);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(p->res[0].wire_bytes, 4000);
	assert_int_equal(p->res[0].body_bytes, 12000);
	assert_int_equal(p->res[0].enc, PAGE_ENC_BR);
	assert_int_equal(p->res[1].wire_bytes, 3000);
	assert_int_equal(p->res[1].body_bytes, 9000);
	assert_int_equal(p->res[1].enc, PAGE_ENC_GZIP);
	page_free(p);
	free(har);
}

static void test_har_redirect(void **state)
{
	char *e[] = {
		ent(0, "http://a.test/", 301, 162, 162, "\"redirectURL\": \"https://a.test/home\"", NULL),
		ent(1, "https://a.test/x.css", 200, 10, 10, NULL, NULL),
		ent(2, "https://a.test/home", 200, 5000, 5000, "\"redirectURL\": \"\"",
		    "\"_initiator\": \"https://a.test/x.css\""),
		ent(3, "https://a.test/old", 302, 0, 0, "\"redirectURL\": \"/new\"", NULL),
		ent(4, "https://a.test/new", 200, 70, 70, NULL, NULL),
	};
	char *har = har_of(NULL, e, 5);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(imp_quiet(har, NULL, &p, &r), 0);
	assert_int_equal(p->res[0].body_bytes, 162);   /* its own small response */
	assert_int_equal(p->res[2].parent, 0);         /* released by the 301 */
	assert_int_equal(p->res[4].parent, 3);         /* relative redirectURL */
	assert_int_equal(r.parent_redirect, 2);
	page_free(p);
	free(har);
}

static void test_har_metadata(void **state)
{
	char *e[] = { ent(0, "https://a.test/", 200, 1000, 1000, NULL, "\"pageref\": \"pg\"") };
	char *har = har_of("\"creator\": {\"name\": \"WebInspector\", \"version\": \"537.36\"}, "
			   "\"browser\": {\"name\": \"Chrome\", \"version\": \"120.0.1\"}, "
			   "\"pages\": [{\"id\": \"pg\", \"startedDateTime\": \"2024-03-04T05:06:00.123Z\"}]",
			   e, 1);
	struct page *p = NULL;
	assert_int_equal(imp_quiet(har, NULL, &p, NULL), 0);
	assert_string_equal(p->date, "2024-03-04");
	assert_non_null(strstr(p->source, "HAR by WebInspector 537.36 (browser Chrome 120.0.1)"));
	assert_non_null(find_note(p, "recorded: page started 2024-03-04T05:06:00.123Z"));
	page_free(p);
	free(har);
}

static void test_har_bad_input(void **state)
{
	char *e[] = {
		ent(0, "https://a.test/", 200, -5, 1000, NULL, NULL),
		ent(1, "https://a.test/x", 200, 10, 2000000000, NULL, NULL),
		ent(2, "", 200, 10, 10, NULL, NULL),
	};
	char *har = har_of(NULL, e, 3);
	expect_fail("u.har", har, NULL, "tfolab: error: u.har: entry 0: response.bodySize: -5 is negative\n");
	expect_fail("u.har", har, NULL,
		    "tfolab: error: u.har: entry 1: response.content.size: 2000000000 is over the 1 GiB limit\n");
	expect_fail("u.har", har, NULL, "tfolab: error: u.har: entry 2: request.url: missing, empty or not a string\n");
	free(har);
	expect_fail("u.har", "{\"log\": {\"entries\": [{\"request\": {\"url\": \"https://a.test/\"}, "
		    "\"response\": {\"status\": 200, \"bodySize\": \"lots\"}}]}}", NULL,
		    "tfolab: error: u.har: entry 0: response.bodySize: not a number\n");
	expect_fail("u.har", "{\"log\": 5}", NULL, "log.entries: missing or not an array");
	expect_fail("u.har", "{\"log\": {\"entries\": [}", NULL, ": JSON: ");
}

static void test_malformed(void **state)
{
	expect_fail("t.har", "{\"log\": {\"entries\": [\n{\"request\": ", NULL, "tfolab: error: t.har:2:");
	expect_fail("t.har", "{\"log\": {\"entries\": [\n{\"request\": ", NULL, ":2: JSON: ");
	expect_fail("t.har", "{\"log\": {}}", NULL,
		    "tfolab: error: t.har: log.entries: missing or not an array (not a HAR file)");
	expect_fail("t.har", "{\"log\": {\"entries\": [{\"request\": {}}, 5]}}", NULL,
		    "tfolab: error: t.har: entry 0: request.url: missing, empty or not a string");
	expect_fail("t.har", "{\"log\": {\"entries\": [{\"request\": {}}, 5]}}", NULL,
		    "tfolab: error: t.har: entry 1: not an object");
	expect_fail("t.har", "{\"log\": {\"entries\": [{\"request\": {\"url\": \"data:x\"}}]}}", NULL,
		    "tfolab: error: t.har: page -: no entries to import (1 read, all skipped)");
	expect_fail("t.txt", "hello\n", NULL, "tfolab: error: t.txt: unknown format: expected a HAR file");
	expect_fail("t.txt", "", NULL, "tfolab: error: t.txt: unknown format");
	const char *mh = "id,parent,host,path,bytes,content_type,discovered_by,ref_offset\n";
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s0,-1,h,/,12x,text/html,root,-1\n", mh);
	expect_fail("t.csv", buf, NULL, "tfolab: error: t.csv:2: bytes: \"12x\" is not a number\n");
	/* a bad row is still a parent: its children do not cascade */
	snprintf(buf, sizeof(buf), "%s0,-1,h,/,1x,text/html,root,-1\n1,0,h,/a,1,x,js,-1\n", mh);
	{
		struct page *p = NULL;
		cap_begin();
		assert_int_equal(imp("t.csv", buf, NULL, &p, NULL), -EINVAL);
		char *got = cap_end();
		assert_string_equal(got, "tfolab: error: t.csv:2: bytes: \"1x\" is not a number\n");
		free(got);
	}
	snprintf(buf, sizeof(buf), "%s0,-1,h,/,1,text/html,root,-1\n1,7,h,/a,1,x,js,-1\n", mh);
	expect_fail("t.csv", buf, NULL, "tfolab: error: t.csv:3: parent: \"7\" is not the id of any row\n");
	snprintf(buf, sizeof(buf), "%s0,-1,h,\"/a,1,x,js,-1\n", mh);
	expect_fail("t.csv", buf, NULL, "tfolab: error: t.csv:2: row: a quoted field is not closed on its line\n");
	snprintf(buf, sizeof(buf), "%s0,-1,h,/\n", mh);
	expect_fail("t.csv", buf, NULL, "tfolab: error: t.csv:2: row: 4 fields, expected 8\n");
	snprintf(buf, sizeof(buf), "%s0,-1,h,/,1073741825,x,root,-1\n", mh);
	expect_fail("t.csv", buf, NULL, "tfolab: error: t.csv:2: bytes: 1073741825 is out of range (0 to 1073741824)\n");
	/* a cycle in the manifest is caught by the page checks */
	snprintf(buf, sizeof(buf), "%s0,-1,h,/,100,x,root,-1\n1,2,h,/a,1,x,js,-1\n2,1,h,/b,1,x,js,-1\n", mh);
	expect_fail("t.csv", buf, NULL, "parent: cycle: 1 -> 2 -> 1");
	expect_fail("t.csv", mh, NULL, "tfolab: error: t.csv:1: rows: none");
	const char *ch = "seq,group,connection,wait_head_of_group,wait_completion_of_group,request_bytes,"
			 "response_bytes,response_header_bytes,status,content_type,method,host,path\n";
	snprintf(buf, sizeof(buf), "%s0,0,0,-1,-1,563,100,560,200,text/html,GET,h,/\n", ch);
	expect_fail("c.csv", buf, NULL,
		    "tfolab: error: c.csv:2: response_header_bytes: 560 is more than response_bytes 100\n");
	snprintf(buf, sizeof(buf), "%s1,0,0,-1,-1,563,1000,560,200,text/html,GET,h,/\n", ch);
	expect_fail("c.csv", buf, NULL, "tfolab: error: c.csv:2: seq: the first row must be seq 0, the root document\n");
	snprintf(buf, sizeof(buf), "%s0,0,0,-1,-1,563,1000,560,200,text/html,GET,h,/\n1,1,1,7,-1,1,1,0,200,x,GET,h,/a\n", ch);
	expect_fail("c.csv", buf, NULL, "wait_head: no resource is in group 7");
	expect_fail("c.csv", "seq,group,connection,x\n", NULL,
		    "tfolab: error: c.csv:1: header: expected \"seq,group,connection,wait_head_of_group,");

	struct page *p = NULL;
	cap_begin();
	assert_int_equal(import_file("/nonexistent/x.har", NULL, &p, NULL), -ENOENT);
	char *err = cap_end();
	assert_string_equal(err, "tfolab: error: /nonexistent/x.har: open: No such file or directory\n");
	free(err);
}

/* ---- fuzz the importers ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void test_fuzz(void **state)
{
	static const char *const bases[] = {
		"id,parent,host,path,bytes,content_type,discovered_by,ref_offset\n"
		"0,-1,h,/,1000,text/html,root,-1\n1,0,h,\"/a,b\",20,x,js,5\n2,1,g,/c,3,x,css,1\n",
		"seq,group,connection,wait_head_of_group,wait_completion_of_group,request_bytes,"
		"response_bytes,response_header_bytes,status,content_type,method,host,path\n"
		"0,0,0,-1,-1,563,1000,560,200,text/html,GET,h,/\n1,1,1,0,-1,5,600,500,200,x,GET,h,/a\n"
		"2,2,1,-1,1,5,600,500,200,x,GET,g,/b\n",
		NULL,   /* har_sample */
	};
	char *buf = malloc(16384);
	size_t ok = 0, n = 0;
	cap_begin();
	for (int b = 0; b < 3; b++) {
		const char *base = bases[b] ? bases[b] : har_sample;
		size_t blen = strlen(base);
		for (int it = 0; it < 1500; it++, n++) {
			size_t len = blen;
			memcpy(buf, base, len);
			for (int m = 1 + (int)(rnd() % 3); m > 0; m--) {
				size_t at = rnd() % len;
				switch (rnd() % 3) {
				case 0:
					buf[at] = "-,\"\n0123456789{}[]:x"[rnd() % 20];
					break;
				case 1: {
					size_t k = rnd() % 16;
					if (at + k > len)
						k = len - at;
					memmove(buf + at, buf + at + k, len - at - k);
					len -= k;
					break;
				}
				default:
					buf[at] = (char)rnd();
				}
				if (len == 0)
					break;
			}
			struct page *p = NULL;
			struct import_report r;
			int rc = import_buf("fz", buf, len, NULL, &p, &r);
			if (rc != 0 && rc != -EINVAL) {
				free(cap_end());
				fail_msg("import returned %d for:\n%.*s", rc, (int)len, buf);
			}
			if (rc == 0) {
				ok++;
				if (p->n == 0 || p->res[0].parent != -1) {
					free(cap_end());
					fail_msg("imported page without a root");
				}
			}
			page_free(p);
		}
	}
	free(cap_end());
	free(buf);
	print_message("import fuzz: %zu of %zu inputs imported\n", ok, n);
	assert_true(ok > 50);
	assert_true(ok < n);
}

/* ---- the reference data, checked independently ---- */

static const char *shared_dir(void)
{
	static char dir[4096];
	const char *s = getenv("TFOLAB_SHARED");
	struct stat st;
	if (!s)
		return NULL;
	snprintf(dir, sizeof(dir), "%s/reference", s);
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* Split one CSV line (RFC 4180 quotes) into at most max fields, in place. */
static size_t simple_csv(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *o = line, *s = line;
	while (n < max) {
		f[n++] = o;
		int q = 0;
		for (; *s && (q || *s != ','); s++) {
			if (*s == '"') {
				if (q && s[1] == '"')
					*o++ = *++s;
				else
					q = !q;
			} else {
				*o++ = *s;
			}
		}
		int end = !*s;
		*o++ = '\0';
		if (end)
			break;
		s++;
	}
	return n;
}

static int str_in(char **set, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], s))
			return 1;
	return 0;
}

/* The wire sizes of the manifest at path (its .wire.csv), checked row by
 * row against p; returns the total of wire bytes. */
static unsigned long long check_wire(const char *path, const struct page *p)
{
	char wpath[4300];
	size_t len, rows = 0;
	snprintf(wpath, sizeof(wpath), "%.*s.wire.csv", (int)(strlen(path) - 4), path);
	char *text = slurp(wpath, &len);
	assert_non_null(text);
	char *save = NULL;
	unsigned long long wire = 0;
	strtok_r(text, "\n", &save);   /* header */
	for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[3];
		assert_int_equal(simple_csv(line, f, 3), 3);
		int i = page_find_id(p, f[0]);
		assert_true(i >= 0);
		assert_int_equal(p->res[i].wire_bytes, strtoull(f[1], NULL, 10));
		assert_string_equal(page_enc_name(p->res[i].enc), f[2]);
		wire += strtoull(f[1], NULL, 10);
		rows++;
	}
	assert_int_equal(rows, p->n);
	assert_int_equal(page_total_wire(p), wire);
	free(text);
	return wire;
}

static void check_manifest(const char *path, unsigned long long want_wire)
{
	size_t len;
	char *text = slurp(path, &len);
	assert_non_null(text);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(import_file(path, NULL, &p, &r), 0);
	char *save = NULL, *hosts[4096];
	size_t rows = 0, nh = 0;
	unsigned long long bytes = 0;
	strtok_r(text, "\n", &save);   /* header */
	for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		assert_int_equal(simple_csv(line, f, 8), 8);
		assert_true(rows < p->n);
		const struct page_res *res = &p->res[rows];
		assert_string_equal(res->id, f[0]);
		if (!strcmp(f[1], "-1"))
			assert_int_equal(res->parent, -1);
		else
			assert_string_equal(p->res[res->parent].id, f[1]);
		assert_string_equal(page_host(p, res), f[2]);
		assert_string_equal(res->path, f[3]);    /* no blanks in the reference paths */
		assert_int_equal(res->body_bytes, strtoull(f[4], NULL, 10));
		assert_string_equal(res->ctype, f[5]);
		assert_int_equal(res->ref_offset, strtoll(f[7], NULL, 10));
		bytes += strtoull(f[4], NULL, 10);
		if (!str_in(hosts, nh, f[2]))
			hosts[nh++] = f[2];
		rows++;
	}
	unsigned long long wire = check_wire(path, p);
	print_message("%s: %zu rows, %zu hosts, %llu bytes, %llu wire\n", path, rows, nh, bytes, wire);
	/* the totals the reference README checks against the loads' logs */
	assert_int_equal(wire, want_wire);
	assert_non_null(find_note(p, "wire sizes (wire= enc=) from table1-2013-"));
	assert_int_equal(p->n, rows);
	assert_int_equal(r.entries, rows);
	assert_int_equal(p->nhosts, nh);
	assert_int_equal(page_total_bytes(p), bytes);
	/* provenance from the README beside the CSV */
	assert_non_null(strstr(p->source, "jfbastien/tcp-fastopen"));
	assert_string_equal(p->date, "2013-03-13");
	page_free(p);
	free(text);
}

static void test_ref_manifests(void **state)
{
	const char *ref = shared_dir();
	if (!ref) {
		print_message("SKIP: ../shared/reference is absent (TFOLAB_SHARED)\n");
		skip();
	}
	const char *names[] = { "amazon", "nytimes", "wsj", "wikipedia-tcp" };
	const unsigned long long wire[] = { 634665, 2369342, 1238319, 301229 };
	for (int i = 0; i < 4; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/pages/table1-2013-%s.csv", ref, names[i]);
		check_manifest(path, wire[i]);
	}
}

static void test_ref_capture(void **state)
{
	const char *ref = shared_dir();
	if (!ref) {
		print_message("SKIP: ../shared/reference is absent (TFOLAB_SHARED)\n");
		skip();
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/captures/cs244-2013-wikipedia-stanford.csv", ref);
	size_t len;
	char *text = slurp(path, &len);
	assert_non_null(text);
	struct page *p = NULL;
	struct import_report r;
	assert_int_equal(import_file(path, NULL, &p, &r), 0);
	char *save = NULL;
	size_t rows = 0;
	strtok_r(text, "\n", &save);
	for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[13];
		assert_int_equal(simple_csv(line, f, 13), 13);
		const struct page_res *res = &p->res[rows++];
		assert_string_equal(res->id, f[0]);
		assert_int_equal(res->parent, -1);
		assert_int_equal(res->group, atoi(f[1]));
		assert_int_equal(res->conn, atoi(f[2]));
		assert_int_equal(res->wait_head_group, atoi(f[3]));
		assert_int_equal(res->wait_done_group, atoi(f[4]));
		assert_int_equal(res->req_bytes, atoi(f[5]));
		assert_int_equal(res->body_bytes, atoi(f[6]) - atoi(f[7]));
		assert_string_equal(page_host(p, res), f[11]);
	}
	assert_int_equal(p->n, rows);
	/* the figures the reference README gives for this capture */
	assert_int_equal(p->n, 56);
	assert_int_equal(page_count_conns(p), 16);
	assert_int_equal(page_count_groups(p), 6);
	assert_string_equal(p->res[0].id, "0");
	page_free(p);
	free(text);
}

/* A second, deliberately simple reading of a HAR page, by the documented
 * rules: entries of the page, minus non-http(s) and failed ones; sizes by
 * the fallback chain; hosts from the URL. */
struct har_count {
	size_t entries, kept, skipped, hosts;
	unsigned long long bytes, wire;   /* decoded and wire */
};

static int simple_num(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		*out = (long long)json_real_value(v);
		return 1;
	}
	if (json_is_string(v) && *json_string_value(v)) {
		char *end;
		*out = strtoll(json_string_value(v), &end, 10);
		return !*end;
	}
	return 0;
}

static void har_count(const json_t *root, int page, struct har_count *c)
{
	const json_t *log = json_object_get(root, "log");
	const json_t *pg = json_array_get(json_object_get(log, "pages"), (size_t)page - 1);
	const char *pid = json_string_value(json_object_get(pg, "id"));
	char *hosts[4096];
	memset(c, 0, sizeof(*c));
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(log, "entries"), i, e) {
		const char *ref = json_string_value(json_object_get(e, "pageref"));
		if (pid && (!ref || strcmp(ref, pid)))
			continue;
		c->entries++;
		const char *url = json_string_value(json_object_get(json_object_get(e, "request"), "url"));
		const json_t *resp = json_object_get(e, "response");
		long long status = 0, size = -1, v;
		simple_num(json_object_get(resp, "status"), &status);
		const json_t *err1 = json_object_get(e, "_error"), *err2 = json_object_get(resp, "_error");
		int failed = status == 0 || (err1 && !json_is_null(err1)) || (err2 && !json_is_null(err2));
		const char *rt = json_string_value(json_object_get(e, "_resourceType"));
		int websocket = status == 101 || (rt && !strcasecmp(rt, "websocket"));
		if ((strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) || failed || websocket) {
			c->skipped++;
			continue;
		}
		c->kept++;
		/* wire: bodySize, _transferSize - headersSize, content.size,
		 * _objectSize, _bytesIn; decoded: content.size, else wire */
		long long ts = -1, hs = -1, cs = -1;
		const json_t *tj = json_object_get(resp, "_transferSize");
		simple_num(tj ? tj : json_object_get(e, "_transferSize"), &ts);
		simple_num(json_object_get(resp, "headersSize"), &hs);
		simple_num(json_object_get(json_object_get(resp, "content"), "size"), &cs);
		/* cached (_fromCache, _transferSize 0 with bodySize 0, "unknown"
		 * without timings; none in these files): content.size */
		const json_t *fc = json_object_get(e, "_fromCache");
		long long bs0 = -1;
		simple_num(json_object_get(resp, "bodySize"), &bs0);
		int cached = (fc && !json_is_false(fc) && !json_is_null(fc)) || (ts == 0 && bs0 == 0);
		if (cached && cs >= 0)
			size = cs;
		else if (simple_num(json_object_get(resp, "bodySize"), &v) && v >= 0)
			size = v;
		else if (ts >= 0 && hs >= 0 && ts >= hs)
			size = ts - hs;
		else if (cs >= 0)
			size = cs;
		else if (simple_num(json_object_get(e, "_objectSize"), &v) && v >= 0)
			size = v;
		else if (simple_num(json_object_get(e, "_bytesIn"), &v) && v >= 0)
			size = v;
		int encoded = 0;
		size_t hi;
		const json_t *hd;
		json_array_foreach(json_object_get(resp, "headers"), hi, hd) {
			const char *n = json_string_value(json_object_get(hd, "name"));
			const char *val = json_string_value(json_object_get(hd, "value"));
			if (n && val && !strcasecmp(n, "content-encoding")) {
				encoded = !strcasecmp(val, "gzip") || !strcasecmp(val, "br") ||
					  !strcasecmp(val, "deflate") || !strcasecmp(val, "zstd");
				break;
			}
		}
		if (size >= 0) {   /* else no size at all, and cs < 0 too */
			c->wire += (unsigned long long)size;
			c->bytes += (unsigned long long)(encoded && cs >= 0 && !cached ? cs : size);
		}
		char host[512];
		const char *h = strstr(url, "://") + 3;
		size_t hl = strcspn(h, "/?#:");
		snprintf(host, sizeof(host), "%.*s", (int)hl, h);
		for (char *s = host; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		if (!str_in(hosts, c->hosts, host))
			hosts[c->hosts++] = strdup(host);
	}
	for (size_t k = 0; k < c->hosts; k++)
		free(hosts[k]);
}

static void test_ref_hars(void **state)
{
	const char *ref = shared_dir();
	if (!ref) {
		print_message("SKIP: ../shared/reference is absent (TFOLAB_SHARED)\n");
		skip();
	}
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/har", ref);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	size_t files = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".har"))
			continue;
		char path[8400];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		json_error_t jerr;
		json_t *root = json_load_file(path, 0, &jerr);
		assert_non_null(root);
		size_t npages = json_array_size(json_object_get(json_object_get(root, "log"), "pages"));
		for (int pg = 1; pg <= (int)(npages ? npages : 1); pg++) {
			struct har_count c;
			har_count(root, pg, &c);
			struct import_opts o = { .page = pg };
			struct page *p = NULL;
			struct import_report r;
			cap_begin();
			int rc = import_file(path, &o, &p, &r);
			free(cap_end());
			assert_int_equal(rc, 0);
			size_t skipped = 0;
			for (int s = 0; s < IMPORT_SKIP_N; s++)
				skipped += r.skipped[s];
			print_message("%s page %d: %zu entries, %zu kept, %zu skipped, %zu hosts, %llu bytes decoded, %llu wire\n",
				      de->d_name, pg, c.entries, c.kept, c.skipped, c.hosts, c.bytes, c.wire);
			assert_int_equal(r.entries, c.entries);
			assert_int_equal(p->n, c.kept);
			assert_int_equal(skipped, c.skipped);
			assert_int_equal(p->nhosts, c.hosts);
			assert_int_equal(page_total_bytes(p), c.bytes);
			assert_int_equal(page_total_wire(p), c.wire);
			assert_true(c.kept > 0);
			page_free(p);
		}
		json_decref(root);
		files++;
	}
	closedir(d);
	assert_true(files >= 4);
}

/* The committed built-in pages are exactly what importing the reference
 * data gives now (scripts/gen-pages regenerates them). */
static void test_builtin_pages(void **state)
{
	const char *ref = shared_dir(), *src = getenv("TFOLAB_SRC");
	if (!ref || !src) {
		print_message("SKIP: ../shared/reference is absent (TFOLAB_SHARED), or TFOLAB_SRC is unset\n");
		skip();
	}
	static const char *const pages[][2] = {
		{ "amazon", "pages/table1-2013-amazon.csv" },
		{ "nytimes", "pages/table1-2013-nytimes.csv" },
		{ "wsj", "pages/table1-2013-wsj.csv" },
		{ "wikipedia-tcp", "pages/table1-2013-wikipedia-tcp.csv" },
		{ "wikipedia-capture", "captures/cs244-2013-wikipedia-stanford.csv" },
	};
	for (size_t i = 0; i < 5; i++) {
		char in[4300], committed[4300];
		snprintf(in, sizeof(in), "%s/%s", ref, pages[i][1]);
		snprintf(committed, sizeof(committed), "%s/workloads/pages/%s.page", src, pages[i][0]);
		struct import_opts o = { .name = pages[i][0] };
		struct page *p = NULL;
		assert_int_equal(import_file(in, &o, &p, NULL), 0);
		size_t wl, cl;
		char *w = write_str(p, &wl);
		char *c = slurp(committed, &cl);
		if (!c)
			fail_msg("%s is missing (run scripts/gen-pages)", committed);
		if (wl != cl || memcmp(w, c, wl))
			fail_msg("%s differs from a fresh import of %s (run scripts/gen-pages)",
				 committed, in);
		free(w);
		free(c);
		page_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest local[] = {
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_manifest_wire),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_har),
		cmocka_unit_test(test_har_encoding),
		cmocka_unit_test(test_har_conn_split),
		cmocka_unit_test(test_har_cached),
		cmocka_unit_test(test_har_repeats),
		cmocka_unit_test(test_har_unservable),
		cmocka_unit_test(test_har_protocols),
		cmocka_unit_test(test_har_overlap),
		cmocka_unit_test(test_har_firefox_port),
		cmocka_unit_test(test_har_skips),
		cmocka_unit_test(test_har_sizes),
		cmocka_unit_test(test_har_redirect),
		cmocka_unit_test(test_har_metadata),
		cmocka_unit_test(test_har_bad_input),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fuzz),
	};
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(test_ref_manifests),
		cmocka_unit_test(test_ref_capture),
		cmocka_unit_test(test_ref_hars),
		cmocka_unit_test(test_builtin_pages),
	};
	int failed = cmocka_run_group_tests_name("import", local, NULL, NULL);
	if (!shared_dir()) {
		fprintf(stderr, "test_import: TFOLAB_SHARED/reference is absent: reference tests skipped\n");
		return failed ? failed : 77;
	}
	return failed + cmocka_run_group_tests_name("import-reference", shared, NULL, NULL);
}
