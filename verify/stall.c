#include "verify/stall.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

int stall_steal_read(const char *path, uint64_t *ns)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		log_warn("%s: open: %s (steal time not recorded)", path, strerror(e));
		return -e;
	}
	char line[512];
	unsigned long long v[8];
	int n = 0;
	if (fgets(line, sizeof(line), f))
		n = sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8) {
		log_warn("%s:1: cpu: no steal field, the 8th (steal time not recorded)", path);
		return -EINVAL;
	}
	long hz = sysconf(_SC_CLK_TCK);
	*ns = (uint64_t)v[7] * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}

bool stall_verdict(const struct link_stats *up, const struct link_stats *down, uint64_t limit_ns,
		   char *why, size_t len)
{
	const struct link_stats *d = up->late_max_ns >= down->late_max_ns ? up : down;
	if (d->late_max_ns < limit_ns)
		return false;
	snprintf(why, len, "host stall: the link delivered a packet %.1f ms late (%s; limit %.0f ms;"
		 " %" PRIu64 " packets 1 ms or more late)", d->late_max_ns / 1e6, d == up ? "up" : "down",
		 limit_ns / 1e6, up->late_pkts + down->late_pkts);
	return true;
}
