#include "emulator/backend.h"

#include <errno.h>
#include <stdio.h>

#include "common/log.h"

int link_backend_choose(enum backend_choice b, const struct link_backend_ops **out,
			char *why_auto, int len)
{
	char why[256] = "";

	switch (b) {
	case BACKEND_USERSPACE:
		*out = &link_userspace_ops;
		return 0;
	case BACKEND_NETEM:
	case BACKEND_AUTO:
		if (link_netem_ops.probe(why, sizeof(why)) > 0) {
			*out = &link_netem_ops;
			if (why_auto)
				snprintf(why_auto, len, "the kernel has sch_netem");
			return 0;
		}
		if (b == BACKEND_NETEM) {
			log_err("link backend netem cannot be used here: %s (use --link userspace)",
				why[0] ? why : "probe failed");
			return -EOPNOTSUPP;
		}
		*out = &link_userspace_ops;
		if (why_auto)
			snprintf(why_auto, len, "netem unavailable: %s", why[0] ? why : "probe failed");
		return 0;
	default:
		log_err("link backend %d: out of range (use %s)", (int)b, BACKEND_FORM);
		return -EINVAL;
	}
}
