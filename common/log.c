#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

int log_verbose;
void (*log_hook)(const char *level, const char *msg);

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char buf[2048];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_hook) {
		log_hook(level, buf);
		return;
	}
	/* One write per line so that lines of concurrent processes do not mix. */
	fprintf(stderr, "tfolab: %s%s\n", level, buf);
}

#define LOG_FN(name, level, min)                  \
	void name(const char *fmt, ...)           \
	{                                         \
		if (log_verbose < (min))          \
			return;                   \
		va_list ap;                       \
		va_start(ap, fmt);                \
		vlog(level, fmt, ap);             \
		va_end(ap);                       \
	}

LOG_FN(log_err, "error: ", 0)
LOG_FN(log_warn, "warning: ", 0)
LOG_FN(log_info, "", 1)
LOG_FN(log_debug, "debug: ", 2)
