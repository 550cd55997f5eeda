#include "common/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/datadir_config.h"

/* EXE_DIR/@rel/@sub (or @rel/@sub for an absolute @rel) in @buf[@len]; 0
 * when it exists as a directory (@want_dir) or a regular file. */
static int beside_exe(const char *exe, const char *rel, const char *sub, int want_dir,
		      char *buf, size_t len)
{
	const char *slash = strrchr(exe, '/');
	struct stat st;
	int n;
	if (rel[0] == '/')      /* an absolute directory, as configured */
		n = snprintf(buf, len, "%s/%s", rel, sub);
	else if (slash)
		n = snprintf(buf, len, "%.*s/%s/%s", (int)(slash - exe), exe, rel, sub);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (stat(buf, &st) < 0 || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return -ENOENT;
	return 0;
}

int datadir_from_exe(const char *exe, const char *sub, char *buf, size_t len)
{
	return beside_exe(exe, TFOLAB_REL_DATADIR, sub, 1, buf, len);
}

/* The running binary's path in @exe[PATH_MAX]; -ENOENT if unknown. */
static int self_exe(char *exe)
{
	ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	return 0;
}

int datadir_installed(const char *sub, char *buf, size_t len)
{
	char exe[PATH_MAX];
	if (self_exe(exe) < 0)
		return -ENOENT;
	return datadir_from_exe(exe, sub, buf, len);
}

int preload_path_from_exe(const char *exe, char *buf, size_t len)
{
	int rc = beside_exe(exe, "browser/preload", PRELOAD_NAME, 0, buf, len);
	if (rc == -ENOENT)
		rc = beside_exe(exe, TFOLAB_REL_LIBDIR, PRELOAD_NAME, 0, buf, len);
	return rc;
}

int preload_path(char *buf, size_t len)
{
	char exe[PATH_MAX];
	const char *env = getenv("TFOLAB_PRELOAD");
	if (env && *env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -ENAMETOOLONG;
		return access(env, R_OK) == 0 ? 0 : -ENOENT;
	}
	if (self_exe(exe) < 0)
		return -ENOENT;
	return preload_path_from_exe(exe, buf, len);
}

int datadir_source_ok(void)
{
	const char *v = getenv("TFOLAB_NO_SOURCE_TREE");
	return !v || !*v || !strcmp(v, "0");
}
