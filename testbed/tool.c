#include "testbed/tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "os/netns.h"
#include "os/proc.h"

int tool_outfd(void)
{
	int fd = memfd_create("tfolab-tool", MFD_CLOEXEC);
	if (fd < 0) {
		log_err("memfd_create(tool output): %s", strerror(errno));
		return -errno;
	}
	return fd;
}

pid_t tool_spawn(struct testbed *tb, enum testbed_side side, char *const argv[], int out_fd)
{
	int null = -1, saved, rc;

	/* netns_spawn's child inherits our fds: point our stdout at the tool's
	 * file just for the fork.  We are single-threaded, so nobody else
	 * writes to fd 1 meanwhile; stdio's buffer is flushed first so that
	 * none of our output lands in the tool's file. */
	if (out_fd < 0) {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0) {
			log_err("%s: open /dev/null: %s", argv[0], strerror(errno));
			return -errno;
		}
		out_fd = null;
	}
	fflush(stdout);
	saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(out_fd, 1) < 0) {
		rc = -errno;
		log_err("%s: redirecting stdout: %s", argv[0], strerror(errno));
		if (saved >= 0)
			close(saved);
		if (null >= 0)
			close(null);
		return rc;
	}
	rc = netns_spawn(tb->fd[side], argv, NULL);
	dup2(saved, 1);
	close(saved);
	if (null >= 0)
		close(null);
	return rc;
}

int tool_wait(pid_t pid, const char *name, int timeout_ms, int *sig)
{
	int status, rc = proc_wait_child(pid, &status, timeout_ms);
	if (rc == 0)
		return proc_exit_code(status);
	proc_stop(pid, 500);
	if (rc > 0) {
		*sig = rc;
		return -EINTR;
	}
	if (rc == -ETIMEDOUT)
		log_err("%s (pid %d): still running after %d ms; stopped", name, (int)pid, timeout_ms);
	else
		log_err("%s (pid %d): waitpid: %s", name, (int)pid, strerror(-rc));
	return rc;
}

char *tool_read(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		log_err("tool output: fstat: %s", strerror(errno));
		return NULL;
	}
	size_t size = (size_t)st.st_size, got = 0;
	char *buf = malloc(size + 1);
	if (!buf) {
		log_err("tool output: malloc(%zu): %s", size + 1, strerror(errno));
		return NULL;
	}
	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("tool output: pread: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return buf;
}

int tool_run(struct testbed *tb, enum testbed_side side, char *const argv[], int timeout_ms,
	     int *sig, char **out)
{
	*out = NULL;
	int fd = tool_outfd();
	if (fd < 0)
		return fd;
	pid_t pid = tool_spawn(tb, side, argv, fd);
	int rc = pid;
	if (pid > 0) {
		rc = tool_wait(pid, argv[0], timeout_ms, sig);
		if (rc >= 0 && !(*out = tool_read(fd)))
			rc = -EIO;
	}
	close(fd);
	return rc;
}

int tool_listening(struct testbed *tb, enum testbed_side side, int port)
{
	static const char *files[] = { "/proc/net/tcp", "/proc/net/tcp6", "/proc/net/udp" };
	FILE *f[3];
	int saved, found = 0;

	/* /proc/net resolves to the namespace of the opener, at open time. */
	if (testbed_enter(tb, side, &saved) < 0)
		return 0;
	for (int i = 0; i < 3; i++)
		f[i] = port ? (i < 2 ? fopen(files[i], "r") : NULL) : fopen(files[i], "r");
	netns_leave(saved);
	for (int i = 0; i < 3; i++) {
		char line[512];
		if (!f[i])
			continue;
		while (!found && fgets(line, sizeof(line), f[i])) {
			unsigned lport, st;
			/* "sl local_address:port rem_address:port st ...": 0A = TCP
			 * LISTEN, 07 = an unconnected (bound) UDP socket */
			if (sscanf(line, " %*s %*[0-9A-Fa-f]:%x %*s %x", &lport, &st) == 2)
				found = (!port || lport == (unsigned)port) && st == (i < 2 ? 0x0Au : 0x07u);
		}
		fclose(f[i]);
	}
	return found;
}

pid_t tool_iperf_server(struct testbed *tb, int *sig)
{
	char *argv[] = { "iperf3", "-s", "-1", NULL };
	pid_t pid = tool_spawn(tb, TESTBED_SERVER, argv, -1);
	if (pid < 0)
		return pid;
	for (int waited = 0; waited < 5000; waited += 5) {
		if (tool_listening(tb, TESTBED_SERVER, TOOL_IPERF_PORT))
			return pid;
		int status, rc = proc_wait_child(pid, &status, 5);
		if (rc == 0) {
			log_err("iperf3 server exited with status %d before listening",
				proc_exit_code(status));
			return -ECHILD;
		}
		if (rc > 0) {
			proc_stop(pid, 500);
			*sig = rc;
			return -EINTR;
		}
	}
	proc_stop(pid, 500);
	log_err("iperf3 server (pid %d): not listening on port %d after 5 s", (int)pid,
		TOOL_IPERF_PORT);
	return -ETIMEDOUT;
}
