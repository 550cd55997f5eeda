#include "testbed/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "os/fs.h"

int rundir_create(const char *prefix, char *out, size_t len)
{
	if (mkdir(RUNDIR_BASE, 0755) < 0 && errno != EEXIST) {
		log_err("mkdir %s: %s", RUNDIR_BASE, strerror(errno));
		return -errno;
	}
	snprintf(out, len, "%s/%s", RUNDIR_BASE, prefix);
	if (mkdir(out, 0711) < 0) {
		int e = errno;
		log_err("mkdir %s: %s", out, strerror(e));
		out[0] = 0;
		return -e;
	}
	chmod(out, 0711); /* mkdir's mode is masked by the umask */
	return 0;
}

int rundir_remove(const char *path)
{
	return fs_tree_remove(path);
}

int rundir_lock(const char *path)
{
	char lock[4096];
	snprintf(lock, sizeof(lock), "%s/.lock", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_err("run lock %s: open: %s", lock, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		log_err("run lock %s: flock: %s", lock, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int rundir_live(const char *path)
{
	char lock[4096];
	snprintf(lock, sizeof(lock), "%s/.lock", path);
	int fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -ENOENT;
	int live = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd); /* releases the lock if we took it */
	return live;
}
