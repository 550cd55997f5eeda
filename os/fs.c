#include "os/fs.h"

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
	if (rc < 0 && errno != ENOENT)
		log_warn("remove %s: %s", path, strerror(errno));
	return 0;
}

int fs_tree_remove(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT) {
		int e = errno;
		log_err("remove %s: %s", path, strerror(e));
		return -e;
	}
	if (access(path, F_OK) == 0) {
		log_err("remove %s: still present", path);
		return -ENOTEMPTY;
	}
	return 0;
}
