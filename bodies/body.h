/*
 * Response bodies for the origin server: files of an exact size filled with
 * pseudo-random bytes (so that nothing on the path can compress them, as in
 * the paper's reproductions), and safe flat file names derived from URLs.
 */
#ifndef TFOLAB_BODIES_BODY_H
#define TFOLAB_BODIES_BODY_H

#include <stddef.h>
#include <stdint.h>

/* Longest name body_name() produces, NUL included: a readable prefix of at
 * most BODY_NAME_PREFIX bytes, '-', and 16 hex digits of a hash. */
#define BODY_NAME_PREFIX 80
#define BODY_NAME_MAX (BODY_NAME_PREFIX + 1 + 16 + 1)

/*
 * Creates the file `name` in the directory dirfd (openat with
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644 whatever
 * the umask) holding exactly `bytes` bytes of a
 * pseudo-random stream determined by `seed` alone.  `name` must be one path
 * component (no '/', not "." or "..").  An existing file is an error
 * (-EEXIST): nothing is ever overwritten or followed.  Returns 0, or a
 * negative errno after logging; a partly written file is removed.
 */
int body_write(int dirfd, const char *name, uint64_t bytes, uint64_t seed);

/* Same as body_write with the bytes buf[0, len) instead of the stream. */
int body_save(int dirfd, const char *name, const void *buf, size_t len);

/*
 * Fills the same stream body_write() writes: byte `offset` onwards of the
 * stream for `seed`, `len` bytes into buf.  For tests and checks.
 */
void body_fill(uint64_t seed, uint64_t offset, void *buf, size_t len);

/*
 * Writes into out (len bytes, at least BODY_NAME_MAX) a file name for the
 * URL host + path_and_query: one path component made only of [A-Za-z0-9._-],
 * never starting with '.' or '-', never containing "..", at most BODY_NAME_MAX - 1
 * bytes.  It is a readable sanitized prefix of the path followed by '-' and
 * the FNV-1a 64 hash of host, a NUL separator and path_and_query, so URLs
 * that differ anywhere (query, host, bytes the prefix drops) get different
 * names.  host may be NULL (same as "").  Returns 0, or -ENAMETOOLONG if
 * len is too small (out is then left empty when len > 0).
 */
int body_name(const char *host, const char *path_and_query, char *out, size_t len);

#endif
