/*
 * Named network namespaces.  We keep them exactly where and how iproute2
 * does (a bind mount under /run/netns on a shared mount), so a user can look
 * at a running testbed with `ip netns exec`, and `tfolab cleanup` can find a
 * crashed run's namespaces by their prefix.
 */
#include "os/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static int run_dir_prepare(void)
{
	int made = 0;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		log_err("mkdir %s: %s", NETNS_RUN_DIR, strerror(errno));
		return -errno;
	}
	/*
	 * The bind mounts must propagate to every mount namespace, or a
	 * namespace created here could not be removed from another one.
	 * As iproute2 does: make the directory a shared mount, bind-mounting
	 * it on itself first when it is not a mount point yet.
	 */
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || made) {
			log_err("mount --make-rshared %s: %s", NETNS_RUN_DIR, strerror(errno));
			return -errno;
		}
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0) {
			log_err("mount --bind %s: %s", NETNS_RUN_DIR, strerror(errno));
			return -errno;
		}
		made = 1;
	}
	return 0;
}

static void ns_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
}

int netns_enter(int fd, int *saved)
{
	int old = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (old < 0) {
		log_err("open /proc/thread-self/ns/net: %s", strerror(errno));
		return -errno;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;
		log_err("setns(CLONE_NEWNET): %s", strerror(e));
		close(old);
		return -e;
	}
	*saved = old;
	return 0;
}

int netns_leave(int saved)
{
	int rc = 0;
	if (setns(saved, CLONE_NEWNET) < 0) {
		rc = -errno;
		log_err("setns back to the original namespace: %s", strerror(errno));
	}
	close(saved);
	return rc;
}

int netns_add(const char *name, int *fd)
{
	char path[PATH_MAX];
	int rc, saved = -1, nfd;

	rc = run_dir_prepare();
	if (rc < 0)
		return rc;
	ns_path(name, path, sizeof(path));
	nfd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (nfd < 0) {
		rc = -errno;
		log_err("netns %s: create %s: %s", name, path, strerror(errno));
		return rc;
	}
	close(nfd);

	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		rc = -errno;
		log_err("netns %s: open /proc/thread-self/ns/net: %s", name, strerror(errno));
		goto error;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
		log_err("netns %s: unshare(CLONE_NEWNET): %s", name, strerror(errno));
		goto error;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		rc = -errno;
		log_err("netns %s: bind mount: %s", name, strerror(errno));
	}
	if (setns(saved, CLONE_NEWNET) < 0) {
		/* Cannot happen short of a kernel bug; do not go on in the wrong namespace. */
		log_err("netns %s: setns back: %s", name, strerror(errno));
		abort();
	}
	close(saved);
	saved = -1;
	if (rc < 0)
		goto error;
	nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nfd < 0) {
		rc = -errno;
		log_err("netns %s: open: %s", name, strerror(errno));
		umount2(path, MNT_DETACH);
		goto error;
	}
	*fd = nfd;
	return 0;
error:
	if (saved >= 0)
		close(saved);
	unlink(path);
	return rc;
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	ns_path(name, path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

/* Scan /proc for processes in the namespace with inode @ino; kill them. */
static int kill_in_ns(dev_t dev, ino_t ino)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[64];
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) < 0 || st.st_ino != ino || st.st_dev != dev)
			continue;
		if (kill((pid_t)pid, SIGKILL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int netns_kill_all(const char *name, int wait_ms)
{
	char path[PATH_MAX];
	struct stat st;
	int found = 0, n;

	ns_path(name, path, sizeof(path));
	if (stat(path, &st) < 0)
		return -errno;
	/* Exited processes leave /proc/PID/ns, so a zombie no longer counts. */
	for (int waited = 0; (n = kill_in_ns(st.st_dev, st.st_ino)) > 0; waited += 5) {
		found += n;
		if (waited >= wait_ms) {
			log_warn("netns %s: %d process(es) still inside after %d ms", name, n, wait_ms);
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
	}
	return found;
}

int netns_del(const char *name)
{
	char path[PATH_MAX];

	ns_path(name, path, sizeof(path));
	if (access(path, F_OK) < 0)
		return -ENOENT;
	netns_kill_all(name, 2000);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		log_warn("netns %s: umount: %s", name, strerror(errno));
	if (unlink(path) < 0) {
		int e = errno;
		log_err("netns %s: unlink %s: %s", name, path, strerror(e));
		return -e;
	}
	return 0;
}

static int sysctl_open(int fd, const char *key, int flags)
{
	char path[PATH_MAX];
	int saved, rc, f;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	rc = netns_enter(fd, &saved);
	if (rc < 0)
		return rc;
	/* /proc/sys/net resolves to the namespace of the opener, at open time. */
	f = open(path, flags | O_CLOEXEC);
	rc = f < 0 ? -errno : f;
	netns_leave(saved);
	return rc;
}

int netns_sysctl_write(int fd, const char *key, const char *value)
{
	int f = sysctl_open(fd, key, O_WRONLY);
	if (f < 0) {
		log_err("sysctl %s: open: %s", key, strerror(-f));
		return f;
	}
	ssize_t len = (ssize_t)strlen(value);
	int rc = 0;
	if (write(f, value, len) != len) {
		rc = -errno;
		log_err("sysctl %s=%s: write: %s", key, value, strerror(errno));
	}
	close(f);
	return rc;
}

int netns_sysctl_read(int fd, const char *key, char *buf, size_t len)
{
	int f = sysctl_open(fd, key, O_RDONLY);
	if (f < 0) {
		log_err("sysctl %s: open: %s", key, strerror(-f));
		return f;
	}
	ssize_t n = read(f, buf, len - 1);
	int rc = n < 0 ? -errno : 0;
	close(f);
	if (rc < 0) {
		log_err("sysctl %s: read: %s", key, strerror(-rc));
		return rc;
	}
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

pid_t netns_spawn(int fd, char *const argv[], char *const env_extra[])
{
	pid_t parent = getpid();

	if (!argv || !argv[0])
		return -EINVAL;
	pid_t pid = fork();
	if (pid < 0) {
		log_err("%s: fork: %s", argv[0], strerror(errno));
		return -errno;
	}
	if (pid > 0)
		return pid;
	/* Child: only async-signal-safe-ish work from here, then exec. */
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "tfolab: error: %s: setns: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (getppid() != parent)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	for (char *const *e = env_extra; e && *e; e++)
		putenv(*e);
	execvp(argv[0], argv);
	fprintf(stderr, "tfolab: error: %s: exec: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int netns_throwaway_run(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(126);
		int rc = fn(arg);
		_exit(rc < 0 ? 125 : rc > 125 ? 125 : rc);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	if (WEXITSTATUS(status) == 126)
		return -EPERM;
	return WEXITSTATUS(status);
}
