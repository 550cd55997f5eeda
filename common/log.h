/*
 * Diagnostics go to stderr, results to stdout.  An error is logged once, at
 * the place where it happens, naming the object and the call:
 *   log_err("veth %s: RTM_NEWLINK: %s", name, strerror(-rc));
 */
#ifndef TFOLAB_COMMON_LOG_H
#define TFOLAB_COMMON_LOG_H

extern int log_verbose;  /* 0 = errors and warnings, 1 = info, 2 = debug */

/* When set, each line goes to log_hook instead of stderr: @level is
 * "error: ", "warning: ", "" or "debug: ", @msg the line without "tfolab: "
 * and newline.  For tests (the fuzz targets check the errors' form). */
extern void (*log_hook)(const char *level, const char *msg);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
