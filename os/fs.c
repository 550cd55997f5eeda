#include "os/fs.h"

#include <errno.h>
#include <fcntl.h>
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

int fs_file_tail(const char *path, char *out, size_t len)
{
	out[0] = '\0';
	if (len < 2)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)len - 1 ? end - ((off_t)len - 1) : 0;
	ssize_t n = end < 0 ? -1 : pread(fd, out, len - 1, from);
	if (n < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	out[n] = '\0';
	char before = '\n';
	if (from > 0 && pread(fd, &before, 1, from - 1) != 1)
		before = 0;
	close(fd);
	/* Trailing newlines first: a long last line's own newline is not
	 * the end of a cut line before it. */
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	char *nl = before != '\n' ? memchr(out, '\n', (size_t)n) : NULL;
	if (nl) {   /* the first line is cut */
		n -= nl + 1 - out;
		memmove(out, nl + 1, (size_t)n + 1);
	}
	return (int)n;
}
