// SPDX-License-Identifier: MIT
/*
 * at-exit REPORT COMMAND [ARG...]: runs COMMAND and writes to REPORT what it
 * holds as it starts and as it exits, one line each:
 *   start FD TARGET   a descriptor it was given (at its exec)
 *   exit FD TARGET    a descriptor still open as it exits
 *   child PID         a child process it leaves behind
 * The exit lines come from a PTRACE_EVENT_EXIT stop: the kernel stops the
 * process in do_exit() before it releases its files, so /proc/PID/fd still
 * shows every descriptor the process did not close itself. Exits with
 * COMMAND's status, or 128 + the signal that killed it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static void at_exit__fds(FILE *out, pid_t pid, const char *when)
{
	char dir[64], path[PATH_MAX], target[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		die("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(out, "%s %s %s\n", when, e->d_name, target);
	}
	closedir(d);
}

/* The process is single-threaded (the broker must be): its main task's children are all of them. */
static void at_exit__children(FILE *out, pid_t pid)
{
	char path[64];
	FILE *f;
	int child;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "re");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fscanf(f, "%d", &child) == 1)
		fprintf(out, "child %d\n", child);
	fclose(f);
}

static int at_exit__status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	FILE *out;
	pid_t pid;
	int st;

	log_prog = "at-exit";
	if (argc < 3)
		die("usage: at-exit REPORT COMMAND [ARG...]");
	out = fopen(argv[1], "we");
	if (!out)
		die("%s: %s", argv[1], strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			die("PTRACE_TRACEME: %s", strerror(errno));
		execvp(argv[2], argv + 2);
		die("%s: %s", argv[2], strerror(errno));
	}
	/* The first stop is the SIGTRAP of its exec. */
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		die("%s did not start", argv[2]);
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)))
		die("PTRACE_SETOPTIONS: %s", strerror(errno));
	at_exit__fds(out, pid, "start");
	/* Signals it receives are passed on; the stops of ptrace itself are not signals. */
	for (int sig = 0;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig))
			die("PTRACE_CONT: %s", strerror(errno));
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		if (!WIFSTOPPED(st))
			break;
		sig = WSTOPSIG(st);
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			at_exit__fds(out, pid, "exit");
			at_exit__children(out, pid);
			sig = 0;
		}
	}
	if (fclose(out))
		die("%s: %s", argv[1], strerror(errno));
	return at_exit__status(st);
}
