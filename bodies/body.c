/*
 * Bodies are a splitmix64 stream: word k of the stream for seed s is
 * mix(s + (k + 1) * GAMMA), written little-endian.  Being counter based, any
 * offset can be generated directly (body_fill), which lets tests check a
 * served file without keeping a copy.  The output passes BigCrush, far more
 * than needed to defeat gzip.
 */
#include "bodies/body.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GAMMA 0x9e3779b97f4a7c15ull
#define BLOCK (64 * 1024)

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void body_fill(uint64_t seed, uint64_t offset, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t k = offset / 8;
	unsigned skip = offset % 8;

	while (len > 0) {
		uint64_t w = mix(seed + (k + 1) * GAMMA);
		unsigned char b[8];
		for (int i = 0; i < 8; i++)
			b[i] = (unsigned char)(w >> (8 * i));
		size_t n = 8 - skip;
		if (n > len)
			n = len;
		memcpy(p, b + skip, n);
		p += n;
		len -= n;
		skip = 0;
		k++;
	}
}

static int name_ok(const char *name)
{
	return name[0] && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* Creates name in dirfd, mode 0644 whatever the umask: its descriptor, or
 * a negative errno after logging. */
static int body_open(int dirfd, const char *name)
{
	if (!name_ok(name)) {
		log_err("body \"%s\": not a single file name", name);
		return -EINVAL;
	}
	int fd = openat(dirfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = -errno;
		log_err("body %s: openat: %s", name, strerror(errno));
		return rc;
	}
	/* Readable by nginx workers whatever the umask. */
	if (fchmod(fd, 0644) < 0) {
		int rc = -errno;
		log_err("body %s: fchmod: %s", name, strerror(errno));
		close(fd);
		unlinkat(dirfd, name, 0);
		return rc;
	}
	return fd;
}

/* Writes n bytes of buf, the body's bytes from off on.  0 or a negative
 * errno after logging. */
static int write_all(int fd, const char *name, const unsigned char *buf, size_t n,
		     uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int rc = w < 0 ? -errno : -EIO;
			log_err("body %s: write at %llu: %s", name,
				(unsigned long long)(off + done), strerror(-rc));
			return rc;
		}
		done += (size_t)w;
	}
	return 0;
}

/* Closes fd; on failure (rc < 0 or close's) removes the file. */
static int body_close(int dirfd, const char *name, int fd, int rc)
{
	if (close(fd) < 0 && rc == 0) {
		rc = -errno;
		log_err("body %s: close: %s", name, strerror(-rc));
	}
	if (rc < 0)
		unlinkat(dirfd, name, 0);
	return rc;
}

int body_write(int dirfd, const char *name, uint64_t bytes, uint64_t seed)
{
	int fd = body_open(dirfd, name);
	if (fd < 0)
		return fd;
	unsigned char *buf = malloc(BLOCK);
	uint64_t off = 0;
	int rc = 0;
	if (!buf) {
		rc = -ENOMEM;
		log_err("body %s: %s", name, strerror(ENOMEM));
	}
	while (rc == 0 && off < bytes) {
		size_t n = bytes - off < BLOCK ? (size_t)(bytes - off) : BLOCK;
		body_fill(seed, off, buf, n);
		rc = write_all(fd, name, buf, n, off);
		off += n;
	}
	free(buf);
	return body_close(dirfd, name, fd, rc);
}

int body_save(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd = body_open(dirfd, name);
	if (fd < 0)
		return fd;
	return body_close(dirfd, name, fd, write_all(fd, name, buf, len, 0));
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int body_name(const char *host, const char *path_and_query, char *out, size_t len)
{
	if (len > 0)
		out[0] = '\0';
	if (len < BODY_NAME_MAX)
		return -ENAMETOOLONG;
	if (!host)
		host = "";
	uint64_t h = fnv1a(0xcbf29ce484222325ull, host, strlen(host) + 1);
	h = fnv1a(h, path_and_query, strlen(path_and_query));

	/* Readable prefix: safe bytes kept, runs of others become one '_';
	 * a '.' never starts the name nor follows another '.', so neither
	 * "." nor ".." nor a hidden file can appear; nor does a leading '-',
	 * which commands would take for an option. */
	size_t n = 0;
	for (const char *s = path_and_query; *s && n < BODY_NAME_PREFIX; s++) {
		char c = *s;
		if (!name_char(c) || (c == '.' && (n == 0 || out[n - 1] == '.')) ||
		    (c == '-' && n == 0))
			c = '_';
		if (c == '_' && (n == 0 || out[n - 1] == '_'))
			continue;
		out[n++] = c;
	}
	if (n == 0) {
		memcpy(out, "index", 5);
		n = 5;
	}
	snprintf(out + n, len - n, "-%016llx", (unsigned long long)h);
	return 0;
}
