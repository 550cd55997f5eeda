#include "common/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/datadir_config.h"

int datadir_from_exe(const char *exe, const char *sub, char *buf, size_t len)
{
	const char *slash = strrchr(exe, '/');
	struct stat st;
	int n;
	if (TFOLAB_REL_DATADIR[0] == '/')      /* an absolute datadir, as configured */
		n = snprintf(buf, len, "%s/%s", TFOLAB_REL_DATADIR, sub);
	else if (slash)
		n = snprintf(buf, len, "%.*s/%s/%s", (int)(slash - exe), exe,
			     TFOLAB_REL_DATADIR, sub);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	return 0;
}

int datadir_installed(const char *sub, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	return datadir_from_exe(exe, sub, buf, len);
}

int datadir_source_ok(void)
{
	const char *v = getenv("TFOLAB_NO_SOURCE_TREE");
	return !v || !*v || !strcmp(v, "0");
}
