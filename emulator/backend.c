#include "emulator/backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

int link_backend_choose(const char *name, const struct link_backend_ops **out,
			char *why_auto, int len)
{
	char why[256] = "";

	if (!strcmp(name, "userspace")) {
		*out = &link_userspace_ops;
		return 0;
	}
	if (!strcmp(name, "netem") || !strcmp(name, "auto")) {
		int ok = link_netem_ops.probe(why, sizeof(why));
		if (ok > 0) {
			*out = &link_netem_ops;
			if (why_auto)
				snprintf(why_auto, len, "the kernel has sch_netem");
			return 0;
		}
		if (!strcmp(name, "netem")) {
			log_err("link backend netem cannot be used here: %s (use --link userspace)",
				why[0] ? why : "probe failed");
			return -EOPNOTSUPP;
		}
		*out = &link_userspace_ops;
		if (why_auto)
			snprintf(why_auto, len, "netem unavailable: %s", why[0] ? why : "probe failed");
		return 0;
	}
	log_err("unknown link backend '%s' (use auto, userspace or netem)", name);
	return -EINVAL;
}
