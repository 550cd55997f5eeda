#include "workloads/pages.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/datadir.h"
#include "common/log.h"
#include "workloads/pages_config.h"

void pages_dirs_free(char **dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

/* Appends dir when it is a directory not yet listed.  -ENOMEM only. */
static int add_dir(char ***dirs, size_t *n, const char *dir)
{
	char real[PATH_MAX];
	struct stat st;
	if (!*dir || !realpath(dir, real) || stat(real, &st) || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*dirs)[i], real))
			return 0;
	char **v = realloc(*dirs, (*n + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*dirs = v;
	if (!(v[*n] = strdup(real)))
		return -ENOMEM;
	v[++*n] = NULL;
	return 0;
}

int pages_dirs(char ***out)
{
	char **dirs = calloc(1, sizeof(*dirs));
	size_t n = 0;
	int rc = dirs ? 0 : -ENOMEM;
	const char *env = getenv("TFOLAB_PAGES");
	if (rc == 0 && env) {
		char *copy = strdup(env), *save = NULL;
		if (!copy)
			rc = -ENOMEM;
		for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && rc == 0;
		     d = strtok_r(NULL, ":", &save))
			rc = add_dir(&dirs, &n, d);
		free(copy);
	}
	/* An installed binary never looks in the source tree it was built from. */
	char inst[PATH_MAX];
	int installed = datadir_installed("pages", inst, sizeof(inst)) == 0;
	if (rc == 0 && installed)
		rc = add_dir(&dirs, &n, inst);
	int src = !installed && datadir_source_ok();
	if (rc == 0 && src)
		rc = add_dir(&dirs, &n, TFOLAB_PAGES_DIR);
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (rc == 0 && src && len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		char rel[PATH_MAX + 32];
		if (slash) {
			*slash = '\0';
			snprintf(rel, sizeof(rel), "%s/../workloads/pages", exe);
			rc = add_dir(&dirs, &n, rel);
		}
	}
	if (rc < 0) {
		log_err("page directories: out of memory");
		pages_dirs_free(dirs);
		return rc;
	}
	*out = dirs;
	return (int)n;
}

static int copy_path(const char *src, char *path, size_t len)
{
	if (strlen(src) >= len) {
		log_err("page %s: path too long", src);
		return -ENAMETOOLONG;
	}
	strcpy(path, src);
	return 0;
}

int pages_find(const char *name, char *path, size_t len)
{
	size_t nl = strlen(name);
	if (strchr(name, '/') || (nl > 5 && !strcmp(name + nl - 5, ".page"))) {
		if (access(name, R_OK) != 0) {
			int rc = -errno;
			log_err("page %s: %s", name, strerror(errno));
			return rc == -ENOENT ? rc : -ENOENT;
		}
		return copy_path(name, path, len);
	}
	char **dirs;
	int nd = pages_dirs(&dirs);
	if (nd < 0)
		return nd;
	int rc = -ENOENT;
	char where[1024] = "";
	size_t wo = 0;
	for (int i = 0; i < nd && rc == -ENOENT; i++) {
		char cand[PATH_MAX + 64];
		snprintf(cand, sizeof(cand), "%s/%s.page", dirs[i], name);
		if (access(cand, R_OK) == 0)
			rc = copy_path(cand, path, len);
		else if (wo < sizeof(where))
			wo += (size_t)snprintf(where + wo, sizeof(where) - wo, "%s%s", i ? ", " : "",
					       dirs[i]);
	}
	if (rc == -ENOENT)
		log_err("page %s: no %s.page in %s (set TFOLAB_PAGES, or give a path to a .page file)",
			name, name, nd ? where : "any page directory (none exists)");
	pages_dirs_free(dirs);
	return rc;
}
