/* Unit tests of workloads/origin.c without root: the generated nginx.conf
 * (listen lines, escaped map keys, checked by the real nginx -t when it is
 * installed) and the docroot (exact sizes, nothing outside it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tls/cert.h"
#include "bodies/body.h"
#include "workloads/origin.h"

static char nasty[] = "/q\"x\\y$z{;}#'%00?a=/../..&b=${x}";
static char longpath[5001];

static struct page_res res[] = {
	{.id = "root", .parent = -1, .host = 0, .path = "/", .body_bytes = 10000, .wire_bytes = 10000},
	{.id = "css1", .parent = 0, .host = 0, .path = "/style.css?v=1", .body_bytes = 0, .wire_bytes = 0},
	{.id = "css2", .parent = 0, .host = 0, .path = "/style.css?v=2", .body_bytes = 70000,
	 .wire_bytes = 23456, .enc = PAGE_ENC_GZIP},
	{.id = "nasty", .parent = 0, .host = 1, .path = nasty, .body_bytes = 777, .wire_bytes = 777},
	{.id = "up", .parent = 0, .host = 1, .path = "/../../etc/passwd", .body_bytes = 5, .wire_bytes = 5},
	{.id = "A", .parent = 0, .host = 1, .path = "/Img/A.png", .body_bytes = 11, .wire_bytes = 11},
	{.id = "a", .parent = 0, .host = 1, .path = "/img/a.png", .body_bytes = 12, .wire_bytes = 12},
	{.id = "a2", .parent = 0, .host = 1, .path = "/img/a.png", .body_bytes = 12, .wire_bytes = 12},
	{.id = "long", .parent = 0, .host = 2, .path = longpath, .body_bytes = 3, .wire_bytes = 3},
	{.id = "c-root", .parent = 0, .host = 2, .path = "/", .body_bytes = 4, .wire_bytes = 4},
};
static char *hosts[] = {"a.test", "b.test", "c.test:8080"};
static struct page pg = {.name = "t", .n = sizeof(res) / sizeof(res[0]), .res = res,
			 .nhosts = 3, .hosts = hosts};
static struct in_addr addrs[3];

static struct origin_opts opts(int fastopen)
{
	inet_pton(AF_INET, "127.0.0.2", &addrs[0]);
	inet_pton(AF_INET, "127.0.0.3", &addrs[1]);
	inet_pton(AF_INET, "127.0.0.2", &addrs[2]);  /* shared with a.test */
	return (struct origin_opts){.addrs = addrs, .naddrs = 3, .fastopen = fastopen,
				    .seed = 99};
}

static int setup(void **state)
{
	memset(longpath, 'x', 5000);
	longpath[0] = '/';
	return 0;
}

static char *conf_tls(const struct page *p, int fastopen, enum tls_mode tls, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct origin_opts o = opts(fastopen);
	o.tls = tls;
	*rc = origin_conf_write(f, p, &o, "/run/tfl x/\"r\"");
	fclose(f);
	return buf;
}

static char *conf_text(const struct page *p, int fastopen, int *rc)
{
	return conf_tls(p, fastopen, TLS_OFF, rc);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_listen(void **state)
{
	int rc;
	char *c = conf_text(&pg, 7, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count(c, "server {"), 3);
	assert_int_equal(count(c, "listen 127.0.0.2:80 fastopen=7 backlog=4096;"), 1);
	assert_int_equal(count(c, "listen 127.0.0.3:80 fastopen=7 backlog=4096;"), 1);
	assert_int_equal(count(c, "listen 127.0.0.2:80;"), 1);  /* c.test shares */
	assert_int_equal(count(c, "server_name \"c.test\";"), 1);
	assert_int_equal(count(c, "user nobody nogroup;"), 1);
	assert_int_equal(count(c, "error_log \"/run/tfl x/\\\"r\\\"/error.log\" warn;"), 1);
	assert_int_equal(count(c, "root \"/run/tfl x/\\\"r\\\"/docroot\";"), 3);
	assert_int_equal(count(c, "try_files $tfl_file_2 =404;"), 1);
	/* The gzip'd body gets its Content-Encoding; the others none. */
	assert_int_equal(count(c, "add_header Content-Encoding $tfl_enc_0;"), 1);
	assert_int_equal(count(c, "add_header Content-Encoding $tfl_enc_"), 3);
	assert_int_equal(count(c, "\"/style.css?v=2\" \"gzip\";"), 1);
	assert_int_equal(count(c, "\"gzip\";"), 1);
	free(c);
	c = conf_text(&pg, 0, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(c, "fastopen"));
	assert_int_equal(count(c, "listen 127.0.0.3:80 backlog=4096;"), 1);
	free(c);
}

/* HTTPS: port 443, ssl on every listen, fastopen on the first of each
 * address as with HTTP, the run's files, and the pinned parameters. */
static void test_listen_tls(void **state)
{
	int rc;
	char *c = conf_tls(&pg, 7, TLS_13, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count(c, "listen 127.0.0.2:443 ssl fastopen=7 backlog=4096;"), 1);
	assert_int_equal(count(c, "listen 127.0.0.3:443 ssl fastopen=7 backlog=4096;"), 1);
	assert_int_equal(count(c, "listen 127.0.0.2:443 ssl;"), 1);
	assert_int_equal(count(c, ":80"), 0);
	assert_int_equal(count(c, "ssl_certificate \"/run/tfl x/\\\"r\\\"/tls/cert.pem\";"), 1);
	assert_int_equal(count(c, "ssl_certificate_key \"/run/tfl x/\\\"r\\\"/tls/key.pem\";"), 1);
	assert_int_equal(count(c, "ssl_protocols TLSv1.3;"), 1);
	assert_int_equal(count(c, "ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;"), 1);
	assert_int_equal(count(c, "ssl_ecdh_curve X25519;"), 1);
	assert_int_equal(count(c, "ssl_session_tickets on;"), 1);
	assert_int_equal(count(c, "ssl_session_timeout 1h;"), 1);
	assert_int_equal(count(c, "ssl_ciphers"), 0);
	assert_int_equal(count(c, "ssl_early_data"), 0);
	free(c);

	c = conf_tls(&pg, 0, TLS_13_EARLY, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count(c, "listen 127.0.0.3:443 ssl backlog=4096;"), 1);
	assert_int_equal(count(c, "ssl_protocols TLSv1.3;"), 1);
	assert_int_equal(count(c, "ssl_early_data on;"), 1);
	free(c);

	c = conf_tls(&pg, 7, TLS_12, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count(c, "ssl_protocols TLSv1.2;"), 1);
	assert_int_equal(count(c, "ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;"), 1);
	assert_int_equal(count(c, "ssl_ecdh_curve X25519;"), 1);
	assert_int_equal(count(c, "ssl_session_tickets on;"), 1);
	assert_int_equal(count(c, "Ciphersuites"), 0);
	assert_int_equal(count(c, "ssl_early_data"), 0);
	free(c);

	/* plain HTTP has none of it; an explicit port wins; a bad mode fails */
	c = conf_text(&pg, 7, &rc);
	assert_int_equal(count(c, "ssl"), 0);
	free(c);
	struct origin_opts o = opts(0);
	assert_int_equal(origin_port(&o), 80);
	o.tls = TLS_12;
	assert_int_equal(origin_port(&o), 443);
	o.port = 8443;
	assert_int_equal(origin_port(&o), 8443);
	o.tls = TLS_MODES;
	FILE *f = fopen("/dev/null", "w");
	assert_int_equal(origin_conf_write(f, &pg, &o, "/x"), -EINVAL);
	fclose(f);
}

static void test_map_keys(void **state)
{
	int rc;
	char *c = conf_text(&pg, 7, &rc);
	assert_int_equal(rc, 0);
	char name[BODY_NAME_MAX], line[256];
	body_name("b.test", nasty, name, sizeof(name));
	snprintf(line, sizeof(line),
		 "\"/q\\\"x\\\\y$z{;}#'%%00?a=/../..&b=${x}\" \"/%s\";", name);
	assert_int_equal(count(c, line), 1);
	/* Case twins become case-sensitive regexes; the duplicate URL is
	 * mapped once. */
	assert_int_equal(count(c, "\"~^/Img/A\\\\.png$\" \"/Img_A.png-"), 1);
	assert_int_equal(count(c, "\"~^/img/a\\\\.png$\" \"/img_a.png-"), 1);
	assert_int_equal(count(c, "\"/style.css?v=1\""), 1);
	/* v=2 twice: its file, and its Content-Encoding (gzip). */
	assert_int_equal(count(c, "\"/style.css?v=2\""), 2);
	/* The 5000-byte path does not fit nginx's 4 KiB token: it becomes
	 * ^HEAD.{n}TAIL$ with 1800-byte head and tail. */
	char *k = strstr(c, "\"~^/xxx");
	assert_non_null(k);
	assert_int_equal(strspn(k + 4, "x"), 1799);
	assert_memory_equal(k + 4 + 1799, ".{1400}", 7);
	assert_int_equal(strspn(k + 4 + 1799 + 7, "x"), 1800);
	assert_memory_equal(k + 4 + 1799 + 7 + 1800, "$\" \"/", 4);
	assert_int_equal(count(c, "map_hash_bucket_size 64;"), 1);
	assert_int_equal(count(c, "large_client_header_buffers 4 8k;"), 1);
	free(c);
}

static void test_rejects(void **state)
{
	struct page_res r[2] = {
		{.id = "r", .parent = -1, .host = 0, .path = "/", .body_bytes = 1, .wire_bytes = 1},
		{.id = "s", .parent = 0, .host = 0, .path = "/", .body_bytes = 2, .wire_bytes = 2},
	};
	char *h[] = {"a.test"};
	struct page p = {.n = 2, .res = r, .nhosts = 1, .hosts = h};
	struct in_addr a = {htonl(0x7f000002)};
	struct origin_opts o = {.addrs = &a, .naddrs = 1};
	FILE *f = fopen("/dev/null", "w");
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);  /* sizes */
	r[1].body_bytes = r[1].wire_bytes = 1;
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), 0);
	r[1].path = "/a b";
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	r[1].path = "/a\r\nX: y";
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	r[1].path = "a";
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	r[1].path = "/a";
	r[1].host = 1;
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	r[1].host = 0;
	/* Long paths that differ only in the middle cannot be told apart. */
	static char l0[6001], l1[6001];
	memset(l0, 'y', 6000);
	l0[0] = '/';
	memcpy(l1, l0, sizeof(l1));
	l1[3000] = 'z';
	r[0].path = l0;
	r[1].path = l1;
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	l1[5999] = 'z';   /* now the tails differ */
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), 0);
	r[0].path = "/";
	r[1].path = "/a";
	h[0] = "a.test; root /";
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	h[0] = "a.test";
	o.naddrs = 0;
	assert_int_equal(origin_conf_write(f, &p, &o, "/x"), -EINVAL);
	fclose(f);
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

static void rm_rf(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_docroot(void **state)
{
	char parent[] = "/tmp/tfl-test-origin-XXXXXX", dir[64];
	assert_non_null(mkdtemp(parent));
	snprintf(dir, sizeof(dir), "%s/docroot", parent);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(origin_docroot_build(&pg, dir, 5), 0);
	assert_int_equal(count_entries(dir), pg.n - 1);  /* one duplicate URL */
	assert_int_equal(count_entries(parent), 1);
	for (size_t i = 0; i < pg.n; i++) {
		char name[BODY_NAME_MAX], path[192];
		body_name(hosts[res[i].host], res[i].path, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		struct stat st;
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal((uint64_t)st.st_size, res[i].wire_bytes);
		/* Contents are the stream of the per-URL seed. */
		unsigned char want[16], got[16];
		size_t n = st.st_size < 16 ? st.st_size : 16;
		body_fill(origin_body_seed(&pg, i, 5), 0, want, n);
		int fd = open(path, O_RDONLY);
		assert_int_equal(read(fd, got, n), (ssize_t)n);
		close(fd);
		if (n > 0)
			assert_memory_equal(got, want, n);
	}
	assert_true(origin_body_seed(&pg, 1, 5) != origin_body_seed(&pg, 2, 5));
	/* A second build finds the files and overwrites nothing. */
	assert_int_equal(origin_docroot_build(&pg, dir, 6), -EEXIST);
	rm_rf(parent);
}

/* A port free on both loopback addresses now (nginx -t binds). */
static uint16_t free_port(void)
{
	for (int tries = 0; tries < 20; tries++) {
		int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = addrs[0]};
		socklen_t len = sizeof(sa);
		uint16_t port = 0;
		if (bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(a, (struct sockaddr *)&sa, &len) == 0) {
			sa.sin_addr = addrs[1];
			if (bind(b, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				port = ntohs(sa.sin_port);
		}
		close(a);
		close(b);
		if (port)
			return port;
	}
	return 0;
}

/* nginx -t of the configuration for o in dir (with dir/tmp); its exit
 * status, its error log shown when it fails. */
static int nginx_t(const char *dir, const struct origin_opts *o)
{
	char path[128], elog[128], pfx[64];
	snprintf(path, sizeof(path), "%s/nginx.conf", dir);
	snprintf(elog, sizeof(elog), "%s/error.log", dir);
	snprintf(pfx, sizeof(pfx), "%s/", dir);
	FILE *f = fopen(path, "w");
	assert_int_equal(origin_conf_write(f, &pg, o, dir), 0);
	fclose(f);
	pid_t pid = fork();
	if (pid == 0) {
		execl(ORIGIN_NGINX, "nginx", "-q", "-t", "-p", pfx, "-c", path,
		      "-e", elog, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char cmd[192];
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", elog);
		(void)system(cmd);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* A run directory for nginx -t: dir/tmp, and dir/tls with certificates. */
static void nginx_dir(char *dir)
{
	char path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tmp", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tls", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(tls_cert_make(path, (const char *const *)hosts, 3), 0);
}

/* The real nginx parses the generated configuration, nasty keys included,
 * and with every TLS mode (its ssl_conf_command, its certificate).  It
 * binds the listen addresses, so an unprivileged port is used. */
static void test_nginx_accepts(void **state)
{
	if (access(ORIGIN_NGINX, X_OK) != 0) {
		print_message("SKIP: nginx is not installed\n");
		skip();
	}
	struct origin_opts o = opts(7);
	o.port = free_port();
	assert_true(o.port != 0);
	char dir[] = "/tmp/tfl-test-origin-XXXXXX";
	nginx_dir(dir);
	int status[TLS_MODES];
	for (int m = TLS_OFF; m < TLS_MODES; m++) {
		o.tls = (enum tls_mode)m;
		status[m] = nginx_t(dir, &o);
	}
	rm_rf(dir);
	for (int m = TLS_OFF; m < TLS_MODES; m++)
		assert_int_equal(status[m], 0);
}

/* Browser mode's configuration: file names with the kind's extension, the
 * types block, the headers, the access log; nginx -t accepts it. */
static void test_browser_conf(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct origin_opts o = opts(0);
	o.browser = true;
	assert_int_equal(origin_conf_write(f, &pg, &o, "/run/x"), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"text/css; charset=utf-8\" css;"));
	assert_non_null(strstr(buf, "\"image/jpeg\" jpg;"));
	assert_int_equal(count(buf, "add_header Timing-Allow-Origin \"*\";"), 3);
	assert_int_equal(count(buf, "add_header Cache-Control no-store;"), 3);
	assert_non_null(strstr(buf, "access_log \"/run/x/access.log\" tfl;"));
	char name[ORIGIN_FILE_MAX], line[ORIGIN_FILE_MAX + 8];
	origin_file_name(&pg, 0, 1, name, sizeof(name));   /* root: a script, it has children */
	assert_non_null(strstr(name, ".js"));
	snprintf(line, sizeof(line), "\"/%s\";", name);
	assert_non_null(strstr(buf, line));
	free(buf);
	if (access(ORIGIN_NGINX, X_OK) != 0)
		return;
	o.port = free_port();
	char dir[] = "/tmp/tfl-test-origin-XXXXXX";
	nginx_dir(dir);
	int status = nginx_t(dir, &o);
	rm_rf(dir);
	assert_int_equal(status, 0);
}

/* Browser mode's docroot: one checked markup body per URL, its size on
 * the wire reported, gzip within tolerance. */
static void test_browser_docroot(void **state)
{
	char parent[] = "/tmp/tfl-test-origin-XXXXXX", dir[64];
	assert_non_null(mkdtemp(parent));
	snprintf(dir, sizeof(dir), "%s/docroot", parent);
	assert_int_equal(mkdir(dir, 0755), 0);
	struct origin_opts o = opts(0);
	o.browser = true;
	struct origin_size size[sizeof(res) / sizeof(res[0])];
	assert_int_equal(origin_docroot_browser(&pg, dir, &o, size), 0);
	assert_int_equal(count_entries(dir), pg.n - 1);
	for (size_t i = 0; i < pg.n; i++) {
		char name[ORIGIN_FILE_MAX], path[256];
		struct stat st;
		origin_file_name(&pg, i, 1, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal((uint64_t)st.st_size, size[i].wire);
		/* these bodies have room for their references: none grew */
		assert_int_equal(size[i].decoded, res[i].body_bytes);
		if (res[i].enc == PAGE_ENC_IDENTITY)
			assert_int_equal(size[i].wire, res[i].body_bytes);
		else
			assert_true(size[i].wire + MARKUP_TOLERANCE(res[i].wire_bytes) >= res[i].wire_bytes &&
				    size[i].wire <= res[i].wire_bytes + MARKUP_TOLERANCE(res[i].wire_bytes));
	}
	rm_rf(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_listen_tls),
		cmocka_unit_test(test_map_keys),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_docroot),
		cmocka_unit_test(test_nginx_accepts),
		cmocka_unit_test(test_browser_conf),
		cmocka_unit_test(test_browser_docroot),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
