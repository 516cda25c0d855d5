// SPDX-License-Identifier: MIT
/*
 * Acting as the user who asked: root's powers must not let a user boot
 * /etc/shadow as an initrd, append a guest's console to /etc/passwd, or
 * reach another user's file through /proc/PID/cwd.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asuser.h"
#include "log.h"

/* The child holds nothing but the socket: a user who could ptrace it would find no broker descriptor. */
static void __attribute__((noreturn)) asuser__child(int sock, const struct policy_subject *who, const char *what,
						    int (*fn)(void *arg, int *fds), void *arg)
{
	gid_t gid = who->gids[0];
	int fds[ASUSER_FDS_MAX], n;
	char one = 1;
	struct iovec iov = { .iov_base = &one, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (dup2(sock, 3) < 0 || close_range(4, ~0U, 0) ||
	    prctl(PR_SET_DUMPABLE, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    setgroups(who->nr_gids, who->gids) || setresgid(gid, gid, gid) ||
	    setresuid(who->uid, who->uid, who->uid)) {
		pr_err("cannot become uid %u to open %s: %s", (unsigned int)who->uid, what, strerror(errno));
		_exit(1);
	}
	n = fn(arg, fds);
	if (n < 0 || n > ASUSER_FDS_MAX)
		_exit(1);
	if (n) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	_exit(sendmsg(3, &mh, 0) == 1 ? 0 : 1);
}

/* The child's descriptors, on one byte; a truncated or second control message is refused. */
static int asuser__receive(int sock, int fds[ASUSER_FDS_MAX])
{
	char one;
	struct iovec iov = { .iov_base = &one, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * ASUSER_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t len = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	int n = 0;

	if (len != 1)
		return -EPROTO;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
		n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)n);
	}
	if ((mh.msg_flags & MSG_CTRUNC) || (c && CMSG_NXTHDR(&mh, c))) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return -EPROTO;
	}
	return n;
}

int asuser__call(const struct policy_subject *who, const char *what, int (*fn)(void *arg, int *fds), void *arg,
		 int fds[ASUSER_FDS_MAX])
{
	int sv[2], status, n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		pr_err("cannot open %s: socketpair: %s", what, strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		asuser__child(sv[1], who, what, fn, arg);
	}
	close(sv[1]);
	n = pid < 0 ? -errno : asuser__receive(sv[0], fds);
	close(sv[0]);
	if (pid < 0) {
		pr_err("cannot open %s: fork: %s", what, strerror(-n));
		return n;
	}
	if (waitpid(pid, &status, 0) != pid)
		die("cannot wait for the process opening %s: %s", what, strerror(errno));
	/* The child said why it failed, unless it was killed. */
	if (!WIFEXITED(status))
		pr_err("the process opening %s as uid %u was killed; try again", what, (unsigned int)who->uid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return -EACCES;
	}
	if (n < 0)
		pr_err("the process opening %s sent nothing back; this is a bug in airlock", what);
	return n;
}
