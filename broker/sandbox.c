// SPDX-License-Identifier: MIT
/*
 * The child side runs between clone3() and exec: it is born in fresh mount,
 * IPC, network, PID and UTS namespaces, then
 *   descriptors -> rlimits -> empty root -> uid/gid + capabilities
 *   -> no_new_privs + parent-death signal -> exec through a descriptor,
 * in that order: pivot_root needs CAP_SYS_ADMIN, clearing the bounding set
 * needs CAP_SETPCAP, and any credential change clears the parent-death
 * signal, so it is set last.
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "sandbox.h"

#define SANDBOX_EXE_FD	4	/* close-on-exec: gone once the VMM runs */
#define SANDBOX_ROOT	"/tmp"	/* any existing directory: only a mount point */
#define SANDBOX_NOFILE	256	/* the VMM's descriptors besides vCPUs' and devices' */

int sandbox__open_vmm(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - sizeof("/airlock-vmm"));
	char *slash;
	struct stat st;
	int fd;

	if (n <= 0) {
		pr_err("cannot find my own binary via /proc/self/exe: %s; is /proc mounted?", strerror(errno));
		return -ENOENT;
	}
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "airlock-vmm");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		pr_err("%s: %s; install airlock-vmm beside airlock", path, strerror(err));
		return -err;
	}
	/* Whoever can replace this file would run code with the VM's devices. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pr_err("%s: must be a regular file owned by root and not writable by group or others; fix with chown root and chmod go-w",
		       path);
		close(fd);
		return -EPERM;
	}
	return fd;
}

static int sandbox__fail(const char *step)
{
	int err = errno;

	pr_err("sandbox: %s: %s", step, strerror(err));
	return -err;
}

/* The console's pipes (or /dev/null) as 0-2, the socket as fd 3 and the exe as fd 4. */
static int sandbox__fds(const struct console_fds *c, int sock, int exe)
{
	int hi_sock = fcntl(sock, F_DUPFD_CLOEXEC, 16);
	int hi_exe = fcntl(exe, F_DUPFD_CLOEXEC, 16);
	int hi_stdio[3] = {
		fcntl(c->in, F_DUPFD_CLOEXEC, 16), fcntl(c->out, F_DUPFD_CLOEXEC, 16), fcntl(c->err, F_DUPFD_CLOEXEC, 16),
	};

	for (int i = 0; i < 3; i++)
		if (hi_stdio[i] < 0 || dup2(hi_stdio[i], i) < 0)
			return sandbox__fail("console descriptors");
	if (hi_sock < 0 || hi_exe < 0 || dup2(hi_sock, PROTO_VMM_FD) < 0 ||
	    dup3(hi_exe, SANDBOX_EXE_FD, O_CLOEXEC) < 0)
		return sandbox__fail("descriptors");
	if (close_range(SANDBOX_EXE_FD + 1, ~0u, 0))
		return sandbox__fail("close_range");
	return 0;
}

static int sandbox__rlimits(const struct sandbox *sb)
{
	const struct { int res; rlim_t max; } lim[] = {
		{ RLIMIT_NOFILE, SANDBOX_NOFILE + sb->vcpus + sb->device_fds },
		/*
		 * Its uid is its own, so this counts the VMM alone: main thread,
		 * vCPU threads, COM1's input and output threads, and KVM's
		 * NX-huge-page recovery worker, which the kernel starts as a task
		 * of the VMM (a failure to start it makes KVM_RUN fail with EAGAIN).
		 */
		{ RLIMIT_NPROC, sb->vcpus + 4 },
		{ RLIMIT_CORE, 0 },			/* a core would hold guest memory */
		{ RLIMIT_MEMLOCK, 0 },
		{ RLIMIT_MSGQUEUE, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lim); i++) {
		struct rlimit r = { lim[i].max, lim[i].max };

		if (setrlimit(lim[i].res, &r))
			return sandbox__fail("setrlimit");
	}
	return 0;
}

/* An empty, read-only tmpfs becomes "/"; the host's tree is detached. */
static int sandbox__root(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return sandbox__fail("make mounts private");
	if (mount("airlock", SANDBOX_ROOT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=2,mode=0555"))
		return sandbox__fail("mount tmpfs on " SANDBOX_ROOT);
	if (chdir(SANDBOX_ROOT) || syscall(SYS_pivot_root, ".", "."))
		return sandbox__fail("pivot_root (is / an initramfs? switch_root to a tmpfs first)");
	if (umount2(".", MNT_DETACH) || chdir("/"))
		return sandbox__fail("detach the host's root");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return sandbox__fail("remount / read-only");
	return 0;
}

static int sandbox__drop(const struct sandbox *sb)
{
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_change_id((int)sb->uid, (int)sb->gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT)) {
		errno = EPERM;
		return sandbox__fail("drop to the sandbox uid/gid and clear capabilities");
	}
	if (capng_have_capabilities(CAPNG_SELECT_ALL) != CAPNG_NONE) {
		errno = EPERM;
		return sandbox__fail("capabilities remain after dropping them");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return sandbox__fail("prctl");
	return 0;
}

/*
 * The VMM's whole environment: MALLOC_PERTURB_, when the broker has a
 * valid one, and nothing else. It only sets the byte glibc fills allocated
 * and freed memory with, which shakes out reads of stale memory and sends
 * malloc down paths the seccomp filter must allow.
 */
static void sandbox__env(char *env, size_t len, char *envp[2])
{
	const char *v = getenv("MALLOC_PERTURB_");
	size_t n = v ? strlen(v) : 0;

	envp[0] = envp[1] = NULL;
	if (!n || n > 3 || strspn(v, "0123456789") != n || atoi(v) > 255)
		return;
	snprintf(env, len, "MALLOC_PERTURB_=%s", v);
	envp[0] = env;
}

static void __attribute__((noreturn)) sandbox__child(const struct sandbox *sb, int sock, int exe,
						      const sigset_t *mask)
{
	char *argv[] = { "airlock-vmm", NULL };
	char env[32], *envp[2];

	if (sigprocmask(SIG_UNBLOCK, mask, NULL) || sandbox__fds(sb->console, sock, exe) || sandbox__rlimits(sb) ||
	    sandbox__root() || sandbox__drop(sb))
		_exit(127);
	sandbox__env(env, sizeof(env), envp);
	fexecve(SANDBOX_EXE_FD, argv, envp);
	sandbox__fail("exec airlock-vmm");
	_exit(127);
}

int sandbox__spawn(struct sandbox *sb, int exe_fd, const sigset_t *mask)
{
	struct clone_args args = {
		.flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUTS,
		.exit_signal = SIGCHLD,
	};
	int sv[2];
	long pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return sandbox__fail("socketpair");
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		int err = sandbox__fail("clone3 into new namespaces");

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		sandbox__child(sb, sv[1], exe_fd, mask);
	}
	close(sv[1]);
	sb->pid = (pid_t)pid;
	sb->sock = sv[0];
	return 0;
}
