/*
 * Serves a page from the origin in browser mode on loopback addresses, for
 * tests/netns/browser.sh: usage browser_serve PAGE PORT FIRST_ADDR [TLS]
 * (TLS a tls mode name, default off).  Host h
 * of the page is served at FIRST_ADDR + h (127.0.0.x).  Prints, once nginx
 * serves: "map HOST ADDR" per host, "rundir DIR", and "wire I ID TARGET
 * ACTUAL" per resource (TARGET the page's wire bytes when served gzip,
 * else its decoded bytes), then "ready"; serves until stdin closes, then
 * stops nginx and removes its run directory.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/origin.h"
#include "workloads/page.h"

int main(int argc, char **argv)
{
	int tls = argc == 5 ? tls_mode_parse(argv[4]) : TLS_OFF;
	if ((argc != 4 && argc != 5) || tls < 0) {
		fprintf(stderr, "usage: %s PAGE PORT FIRST_ADDR [TLS]\n", argv[0]);
		return 2;
	}
	struct page *pg;
	struct in_addr first;
	if (page_parse(argv[1], &pg) < 0 || inet_pton(AF_INET, argv[3], &first) != 1)
		return 2;
	struct in_addr *addrs = calloc(pg->nhosts, sizeof(*addrs));
	if (!addrs)
		return 1;
	for (size_t h = 0; h < pg->nhosts; h++)
		addrs[h].s_addr = htonl(ntohl(first.s_addr) + (uint32_t)h);
	struct origin_opts o = {.addrs = addrs, .naddrs = pg->nhosts,
				.port = (uint16_t)atoi(argv[2]), .seed = 1, .base_dir = "/run/tfolab",
				.prefix = "tfl-browser", .browser = true,
				.tls = (enum tls_mode)tls};
	struct origin *or = origin_new(pg, &o);
	if (!or || origin_start(or) < 0) {
		origin_free(or);
		return 1;
	}
	for (size_t h = 0; h < pg->nhosts; h++)
		printf("map %.*s %s\n", (int)strcspn(pg->hosts[h], ":"), pg->hosts[h],
		       inet_ntoa(addrs[h]));
	printf("rundir %s\n", origin_rundir(or));
	for (size_t i = 0; i < pg->n; i++) {
		const struct page_res *r = &pg->res[i];
		printf("wire %zu %s %llu %llu\n", i, r->id,
		       (unsigned long long)(r->enc == PAGE_ENC_IDENTITY ? r->body_bytes
									: r->wire_bytes),
		       (unsigned long long)origin_wire_bytes(or, i));
	}
	printf("ready\n");
	fflush(stdout);
	char buf[256];
	while (read(0, buf, sizeof(buf)) > 0)
		;
	origin_free(or);
	page_free(pg);
	free(addrs);
	return 0;
}
