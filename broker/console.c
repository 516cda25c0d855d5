// SPDX-License-Identifier: MIT
/*
 * COM1 and the user's terminal while a VM runs. The VMM never holds either
 * end a user sees: its stdout and stderr are pipes that a relay copies out,
 * and its stdin is /dev/null or a pipe. With --com1 console that pipe is
 * the broker's stdin, which, when that is a terminal, a second relay fills:
 * the terminal goes in raw mode (so that Ctrl-C, arrows and the like reach
 * the guest) and the relay catches the escape, Ctrl-A x, the only way left
 * to stop the VM from the keyboard. A VMM holding the terminal could write
 * escape sequences that reprogram it, and read what the operator types
 * elsewhere. With file=, socket and pty the broker owns those endpoints as
 * well, and the output relay carries the input too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "asuser.h"
#include "cli.h"
#include "console.h"
#include "host.h"
#include "log.h"
#include "registry.h"
#include "sysfs.h"

#define CONSOLE_INPUT_MAX	256	/* bytes read from a client at once */

static const char *const console_modes[CONSOLE_MODES] = {
	[CONSOLE_NONE] = "none", [CONSOLE_TERMINAL] = "terminal", [CONSOLE_FILE] = "file",
	[CONSOLE_SOCKET] = "socket", [CONSOLE_PTY] = "pty",
};

static struct termios console_saved;
static int console_tty = -1;	/* the terminal, for its settings */
static pid_t console_output = -1;	/* the output relay */
/* The sockets to remove when the run ends: the broker's, and the user's (as the user). */
static char console_socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
static const char *console_user_socket;
static const struct policy_subject *console_owner;

const char *console__mode_name(enum console_mode mode)
{
	return mode < CONSOLE_MODES ? console_modes[mode] : "?";
}

int console__socket_path(const struct host *h, const char *name, char *buf, size_t len)
{
	return sysfs__path(buf, len, "%s/airlock/console/%s", h->run, name);
}

size_t console__filter(const uint8_t *in, size_t n, uint8_t *out, const char *keys, bool *escape, char *hit)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (!*escape && in[i] == CONSOLE_ESCAPE) {
			*escape = true;
			continue;
		}
		if (*escape && in[i] && strchr(keys, in[i])) {
			*hit = (char)in[i];
			*escape = false;
			return len;
		}
		if (*escape && in[i] != CONSOLE_ESCAPE)
			out[len++] = CONSOLE_ESCAPE;	/* not an escape after all: both bytes go */
		*escape = false;
		out[len++] = in[i];
	}
	return len;
}

size_t console__sanitize(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if ((in[i] >= 0x20 && in[i] < 0x7f && in[i] != '\\') || in[i] == '\n' || in[i] == '\t') {
			out[len++] = (char)in[i];
			continue;
		}
		out[len++] = '\\';
		out[len++] = 'x';
		out[len++] = hex[in[i] >> 4];
		out[len++] = hex[in[i] & 15];
	}
	return len;
}

void console__ring_put(struct console_ring *r, const uint8_t *p, size_t n)
{
	if (n > CONSOLE_RING_SIZE) {
		r->head += n - CONSOLE_RING_SIZE;
		p += n - CONSOLE_RING_SIZE;
		n = CONSOLE_RING_SIZE;
	}
	while (n) {
		size_t at = r->head % CONSOLE_RING_SIZE, len = CONSOLE_RING_SIZE - at < n ? CONSOLE_RING_SIZE - at : n;

		memcpy(r->buf + at, p, len);
		r->head += len;
		p += len;
		n -= len;
	}
}

size_t console__ring_peek(const struct console_ring *r, uint64_t *pos, const uint8_t **p)
{
	uint64_t oldest = r->head > CONSOLE_RING_SIZE ? r->head - CONSOLE_RING_SIZE : 0;
	size_t at;

	if (*pos < oldest || *pos > r->head)
		*pos = *pos < oldest ? oldest : r->head;
	at = *pos % CONSOLE_RING_SIZE;
	*p = r->buf + at;
	return r->head - *pos < CONSOLE_RING_SIZE - at ? r->head - *pos : CONSOLE_RING_SIZE - at;
}

int console__write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The terminal relay: a child process with the terminal as stdin and the
 * VMM's stdin as stdout, until either end is gone, the user quits, or the
 * broker dies. A process, not a thread: the broker must stay
 * single-threaded, for the VMM's child clones it raw and changes
 * credentials (glibc's set*id would wait for the threads it remembers).
 */
static void __attribute__((noreturn)) console__relay(pid_t broker)
{
	uint8_t in[256], out[sizeof(in) + 1];
	bool escape = false;
	char hit = 0;
	sigset_t none;
	ssize_t n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != broker)
		_exit(0);
	prctl(PR_SET_NAME, "airlock-console", 0, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a gone VMM is EPIPE, not death */
	close_range(3, ~0u, 0);
	while (!hit) {
		n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || console__write_all(STDOUT_FILENO, out, console__filter(in, (size_t)n, out, "x", &escape, &hit)))
			break;
	}
	/* The monitor stops the VM as it would on Ctrl-C without raw mode. */
	if (hit)
		kill(broker, SIGINT);
	_exit(0);	/* the guest's input ends; the guest runs on */
}

/*
 * The output relay's state. The VMM's stdout (guest console bytes, as they
 * are: that is what a serial console is) goes to airlock's stdout, the
 * user's file, the attached client (through the ring) or the pty; its
 * stderr (its own messages) to airlock's stderr with every byte that could
 * steer a terminal written as \xNN. With socket and pty, what the client
 * or the pty sends goes to the VMM's stdin, at the pace the VMM takes it.
 */
enum { RELAY_OUT, RELAY_ERR, RELAY_LISTEN, RELAY_LISTEN_USER, RELAY_CLIENT, RELAY_VMM_IN, RELAY_FDS };

struct relay {
	struct pollfd pfd[RELAY_FDS];	/* fd -1 where there is none (poll skips it) */
	enum console_mode mode;
	int sink;		/* console, none: stdout; file: the user's file */
	int vmm_in;		/* socket, pty: the VMM's stdin pipe, nonblocking */
	int pty_slave;		/* held, so that the master never reads EIO; flushed when nobody reads it */
	uid_t owner;		/* the VM's: may use the socket at PATH, as root may */
	uint8_t in[CONSOLE_INPUT_MAX];
	size_t in_off, in_len;	/* input the VMM has not taken yet */
	uint64_t sent;		/* socket: how much of the ring clients have read */
};

static struct console_ring relay_ring;

static void relay__detach(struct relay *r)
{
	close(r->pfd[RELAY_CLIENT].fd);
	r->pfd[RELAY_CLIENT].fd = -1;
}

/* What the client has not read of the ring, as far as it takes it now. */
static void relay__flush(struct relay *r)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;

	while (r->mode == CONSOLE_SOCKET && r->pfd[RELAY_CLIENT].fd >= 0 &&
	       (len = console__ring_peek(&relay_ring, &r->sent, &p))) {
		n = send(r->pfd[RELAY_CLIENT].fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			relay__detach(r);
		if (n <= 0)
			return;
		r->sent += (uint64_t)n;
	}
}

/* A pty nobody reads fills up: what is queued there goes, for the newest. */
static void relay__to_pty(struct relay *r, const uint8_t *buf, size_t n)
{
	bool flushed = false;

	while (n) {
		ssize_t w = write(r->pfd[RELAY_CLIENT].fd, buf, n);

		if (w > 0) {
			buf += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN && !flushed) {
			tcflush(r->pty_slave, TCIFLUSH);
			flushed = true;
		} else if (w >= 0 || errno != EINTR) {
			return;
		}
	}
}

static void relay__guest_output(struct relay *r, const uint8_t *buf, size_t n)
{
	if (r->mode == CONSOLE_SOCKET) {
		console__ring_put(&relay_ring, buf, n);
		relay__flush(r);
	} else if (r->mode == CONSOLE_PTY) {
		if (r->pfd[RELAY_CLIENT].fd >= 0)
			relay__to_pty(r, buf, n);
	} else {
		console__write_all(r->sink, buf, n);
	}
}

static void relay__vmm_output(struct relay *r, int i)
{
	uint8_t in[1024];
	char safe[sizeof(in) * 4];
	ssize_t n = read(r->pfd[i].fd, in, sizeof(in));

	if (n > 0 && i == RELAY_OUT)
		relay__guest_output(r, in, (size_t)n);
	else if (n > 0)
		console__write_all(STDERR_FILENO, (const uint8_t *)safe, console__sanitize(in, (size_t)n, safe));
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		r->pfd[i].fd = -1;
}

/* The input the VMM has not taken yet, as far as its pipe takes it now. */
static void relay__feed(struct relay *r)
{
	while (r->in_off < r->in_len) {
		ssize_t n = write(r->vmm_in, r->in + r->in_off, r->in_len - r->in_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;	/* the VMM's end is gone: the input goes nowhere */
		r->in_off += (size_t)n;
	}
	r->in_off = r->in_len = 0;
}

static void relay__input(struct relay *r, short revents)
{
	ssize_t n;

	/* Held back while the VMM has not taken the last input: a client that hung up meanwhile goes now. */
	if (r->in_len) {
		if (revents & (POLLHUP | POLLERR))
			relay__detach(r);
		return;
	}
	n = read(r->pfd[RELAY_CLIENT].fd, r->in, sizeof(r->in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		relay__detach(r);
		return;
	}
	r->in_len = (size_t)n;
	relay__feed(r);
}

static void relay__refuse(int fd, const char *line)
{
	send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

/* One client at a time, root, or the owner on the socket the owner made; the next is refused. */
static void relay__accept(struct relay *r, int i)
{
	int fd = accept4(r->pfd[i].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct ucred peer;
	socklen_t len = sizeof(peer);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) ||
	    (peer.uid != 0 && (i != RELAY_LISTEN_USER || peer.uid != r->owner))) {
		relay__refuse(fd, CONSOLE_DENIED);
	} else if (r->pfd[RELAY_CLIENT].fd >= 0) {
		relay__refuse(fd, CONSOLE_BUSY);
	} else {
		send(fd, CONSOLE_HELLO, strlen(CONSOLE_HELLO), MSG_DONTWAIT | MSG_NOSIGNAL);
		r->pfd[RELAY_CLIENT].fd = fd;
		relay__flush(r);
	}
}

static void relay__events(struct relay *r)
{
	bool pending = r->in_len;

	r->pfd[RELAY_CLIENT].events = (short)((pending ? 0 : POLLIN) |
					      (r->mode == CONSOLE_SOCKET && r->sent != relay_ring.head ? POLLOUT : 0));
	r->pfd[RELAY_VMM_IN].fd = pending ? r->vmm_in : -1;
}

/* Until both of the VMM's pipes end: when every VMM of the run is gone and the broker has let go. */
/*
 * The master's close hangs the pty up, and a hang-up flushes what its
 * reader has not read yet: the guest's last words (its power-off line)
 * would go. They are left to be read first, unless the reader takes none
 * for a second; two empty looks 20 ms apart, as the kernel moves what the
 * master wrote into the reader's queue a moment later.
 */
static void relay__pty_last_words(const struct relay *r)
{
	int queued, last = INT_MAX, idle = 0, empty = 0;

	while (idle < 50 && empty < 2 && !ioctl(r->pty_slave, FIONREAD, &queued)) {
		empty = queued ? 0 : empty + 1;
		idle = queued && queued >= last ? idle + 1 : 0;
		last = queued;
		nanosleep(&(struct timespec){ 0, 20 * 1000000 }, NULL);
	}
}

static void __attribute__((noreturn)) relay__run(struct relay *r)
{
	prctl(PR_SET_NAME, "airlock-output", 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	while (r->pfd[RELAY_OUT].fd >= 0 || r->pfd[RELAY_ERR].fd >= 0) {
		relay__events(r);
		if (poll(r->pfd, RELAY_FDS, -1) < 0)
			continue;
		for (int i = RELAY_OUT; i <= RELAY_ERR; i++)
			if (r->pfd[i].revents)
				relay__vmm_output(r, i);
		for (int i = RELAY_LISTEN; i <= RELAY_LISTEN_USER; i++)
			if (r->pfd[i].revents)
				relay__accept(r, i);
		if (r->pfd[RELAY_CLIENT].fd >= 0 && (r->pfd[RELAY_CLIENT].revents & (POLLIN | POLLHUP | POLLERR)))
			relay__input(r, r->pfd[RELAY_CLIENT].revents);
		if (r->pfd[RELAY_VMM_IN].fd >= 0 && r->pfd[RELAY_VMM_IN].revents)
			relay__feed(r);
		relay__flush(r);
	}
	if (r->mode == CONSOLE_PTY && r->pty_slave >= 0)
		relay__pty_last_words(r);
	/* The guest's last words to the client, unless it takes none for a second. */
	while (r->mode == CONSOLE_SOCKET && r->pfd[RELAY_CLIENT].fd >= 0 && r->sent != relay_ring.head &&
	       poll(&(struct pollfd){ .fd = r->pfd[RELAY_CLIENT].fd, .events = POLLOUT }, 1, 1000) == 1)
		relay__flush(r);
	_exit(0);
}

/* The relay keeps 0-2 and its own descriptors, moved down to 3 and up; nothing else of the broker's. */
static int relay__keep(int *const fds[], size_t n)
{
	int top = 2, next = 3;

	for (size_t i = 0; i < n; i++)
		if (*fds[i] > top)
			top = *fds[i];
	for (size_t i = 0; i < n; i++)
		if (*fds[i] > 2 && (*fds[i] = fcntl(*fds[i], F_DUPFD, top + 1)) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		if (*fds[i] <= 2)
			continue;
		if (dup2(*fds[i], next) < 0)
			return -1;
		*fds[i] = next++;
	}
	return close_range((unsigned int)next, ~0u, 0);
}

static int console__fork_output(struct relay *r)
{
	int *const fds[] = { &r->pfd[RELAY_OUT].fd, &r->pfd[RELAY_ERR].fd, &r->pfd[RELAY_LISTEN].fd,
			     &r->pfd[RELAY_LISTEN_USER].fd, &r->pfd[RELAY_CLIENT].fd, &r->sink, &r->vmm_in,
			     &r->pty_slave };
	pid_t pid = fork();

	/* The broker's signals stay blocked here: Ctrl-C or a service stop must not cut the guest's last words. */
	if (pid == 0) {
		if (relay__keep(fds, ARRAY_SIZE(fds)))
			_exit(1);
		relay__run(r);
	}
	if (pid < 0)
		return -1;
	console_output = pid;
	return 0;
}

static void console__restore(void)
{
	tcsetattr(console_tty, TCSANOW, &console_saved);
}

/* A signal that would kill the process first gives the terminal back. */
static void console__fatal_signal(int sig)
{
	console__restore();
	raise(sig);	/* SA_RESETHAND: the default action, once this returns */
}

/* The broker takes SIGINT, SIGTERM and SIGHUP through its signalfd; `airlock console` dies of them. */
static void console__on_fatal_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGILL, SIGABRT, SIGFPE, SIGSEGV, SIGBUS,
				    SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = console__fatal_signal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int console__raw(void)
{
	struct termios raw;

	if (tcgetattr(console_tty, &console_saved))
		return -errno;
	raw = console_saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST;	/* output keeps its newline translation: airlock's own lines stay lines */
	if (atexit(console__restore))
		return -ENOMEM;
	console__on_fatal_signals();
	return tcsetattr(console_tty, TCSANOW, &raw) ? -errno : 0;
}

int console__raw_stdin(void)
{
	int ret;

	console_tty = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	if (console_tty < 0) {
		pr_err("console: cannot keep the terminal: %s", strerror(errno));
		return -1;
	}
	ret = console__raw();
	if (ret) {
		pr_err("console: cannot put the terminal in raw mode: %s; run stty sane if it misbehaves",
		       strerror(-ret));
		return -1;
	}
	return 0;
}

/* The relay gets the terminal as stdin, the pipe as stdout; the VMM will inherit the pipe's other end. */
static int console__fork_relay(void)
{
	pid_t broker = getpid(), pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(0);
		console__relay(broker);
	}
	close(p[1]);
	if (pid < 0 || dup2(p[0], STDIN_FILENO) < 0) {
		int err = errno;

		close(p[0]);
		return -err;
	}
	close(p[0]);
	return 0;
}

static int console__start_terminal(void)
{
	int ret;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (console__raw_stdin())
		return -1;
	ret = console__fork_relay();
	if (ret) {
		pr_err("console: cannot start the terminal relay: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

/* In the child that is the user: the file, appended to, made 0600 when new, never through a last symlink. */
static int console__open_file(void *arg, int *fds)
{
	const char *path = arg;
	struct stat st;

	/* O_NONBLOCK: a FIFO must not hang the run; it is refused below. */
	fds[0] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fds[0] < 0) {
		pr_err("--com1 file=%s: %s; give a file you may write, in a directory you may write", path,
		       errno == ELOOP ? "a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fds[0], &st) || !S_ISREG(st.st_mode)) {
		pr_err("--com1 file=%s: not a regular file; give the path of a file", path);
		return -1;
	}
	return 1;
}

/* In the child that is the user: a socket bound at path, which must not exist yet, only the user's to connect to. */
static int console__bind_user(void *arg, int *fds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = arg;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	umask(077);
	fds[0] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || bind(fds[0], (struct sockaddr *)&sa, sizeof(sa))) {
		pr_err("--com1 socket=%s: %s%s", path, strerror(errno),
		       errno == EADDRINUSE ? "; something is there already: remove it, or give another path"
					   : "; give a path in a directory you may write");
		return -1;
	}
	return 1;
}

/* In the child that is the user: the socket the run made at path, if a socket is still there. */
static int console__unlink_user(void *arg, int *fds)
{
	struct stat st;

	(void)fds;
	if (!lstat(arg, &st) && S_ISSOCK(st.st_mode))
		unlink(arg);
	return 0;
}

/*
 * The broker's socket, in a directory of root's that only root may enter,
 * named after the VM: the name is this run's while the registry has it,
 * so a socket there of an earlier run of the name is stale and goes.
 */
static int console__listen_root(const struct host *h, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	mode_t mask;
	int fd, ret = sysfs__path(dir, sizeof(dir), "%s/airlock/console", h->run);

	if (!ret)
		ret = host__make_dir(dir, 0700);
	if (!ret && chmod(dir, 0700))
		ret = -errno;
	if (!ret)
		ret = console__socket_path(h, name, sa.sun_path, sizeof(sa.sun_path));
	if (ret) {
		pr_err("cannot make the directory of the console sockets %s: %s; remove what is there (the next VM makes it again)",
		       dir, ret == -EPERM ? "not a directory of root's that only root may write" : strerror(-ret));
		return -1;
	}
	unlink(sa.sun_path);
	mask = umask(077);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4))) {
		close(fd);
		fd = -1;
	}
	umask(mask);
	if (fd < 0) {
		pr_err("cannot make the console socket %s: %s", sa.sun_path, strerror(errno));
		return -1;
	}
	memcpy(console_socket, sa.sun_path, sizeof(console_socket));
	return fd;
}

/* The sockets of socket and socket=PATH; listening here, so that a client's SO_PEERCRED names the broker. */
static int console__sockets(struct relay *r, const struct cli *cli, const struct host *h,
			    const struct policy_subject *who)
{
	int fds[ASUSER_FDS_MAX];

	r->pfd[RELAY_LISTEN].fd = console__listen_root(h, cli->name);
	if (r->pfd[RELAY_LISTEN].fd < 0)
		return -1;
	if (!cli->com1_path)
		return 0;
	if (asuser__call(who, "the console socket", console__bind_user, (void *)cli->com1_path, fds) != 1)
		return -1;
	r->pfd[RELAY_LISTEN_USER].fd = fds[0];
	console_user_socket = cli->com1_path;
	if (listen(fds[0], 4)) {
		pr_err("--com1 socket=%s: listen: %s", cli->com1_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A pty of who's alone, in raw mode, its name said and entered in the registry. */
static int console__pty(struct relay *r, const struct policy_subject *who)
{
	char name[64];
	struct termios t;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), slave = -1;

	r->pfd[RELAY_CLIENT].fd = master;
	if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, name, sizeof(name)))
		goto fail;
	/* The peer through the master, not by its name: nothing to race. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	r->pty_slave = slave;
	if (slave < 0 || tcgetattr(slave, &t))
		goto fail;
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) || fchown(slave, who->uid, (gid_t)-1) || fchmod(slave, 0600))
		goto fail;
	pr_err("COM1 is on %s, for %s alone: attach with a terminal program, e.g. screen %s", name, who->name, name);
	return registry__set_pty(name) ? -1 : 0;
fail:
	pr_err("cannot make a pseudo-terminal for COM1: %s; is /dev/pts mounted?", strerror(errno));
	return -1;
}

/* A system call that failed making the console: -1 after saying which. */
static int console__fail(const char *what)
{
	pr_err("console: cannot make %s: %s", what, strerror(errno));
	return -1;
}

/* The endpoint of cli's mode, and with socket and pty, the pipe that becomes the VMM's stdin; -1 after saying why. */
static int console__endpoint(struct relay *r, const struct cli *cli, const struct host *h,
			     const struct policy_subject *who, struct console_fds *c)
{
	int fds[ASUSER_FDS_MAX], in[2];

	switch (cli->com1) {
	case CONSOLE_TERMINAL:
		if (console__start_terminal())
			return -1;
		c->in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
		return c->in < 0 ? console__fail("the VMM's stdin") : 0;
	case CONSOLE_NONE:
	case CONSOLE_FILE:
		c->in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (c->in < 0)
			return console__fail("the VMM's stdin");
		if (cli->com1 == CONSOLE_NONE)
			return 0;
		if (asuser__call(who, "the console file", console__open_file, (void *)cli->com1_path, fds) != 1)
			return -1;
		r->sink = fds[0];
		return fcntl(r->sink, F_SETFL, O_APPEND) ? console__fail("the console file blocking") : 0;
	case CONSOLE_SOCKET:
	case CONSOLE_PTY:
		if (pipe2(in, O_CLOEXEC))
			return console__fail("the VMM's stdin");
		c->in = in[0];
		r->vmm_in = in[1];
		if (fcntl(r->vmm_in, F_SETFL, O_NONBLOCK))
			return console__fail("the VMM's stdin nonblocking");
		return cli->com1 == CONSOLE_SOCKET ? console__sockets(r, cli, h, who) : console__pty(r, who);
	case CONSOLE_MODES:
		break;
	}
	return -1;
}

static void console__close(struct console_fds *c)
{
	int *fds[] = { &c->in, &c->out, &c->err };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* The relay's descriptors, once it has them: the broker keeps none. */
static void console__close_relay(struct relay *r)
{
	for (int i = 0; i < RELAY_FDS; i++)
		if (r->pfd[i].fd >= 0 && i != RELAY_VMM_IN)
			close(r->pfd[i].fd);
	if (r->sink > 2)
		close(r->sink);
	if (r->vmm_in >= 0)
		close(r->vmm_in);
	if (r->pty_slave >= 0)
		close(r->pty_slave);
}

/* The sockets a run made: gone with it, the user's removed as the user. */
static void console__remove_sockets(void)
{
	int none[ASUSER_FDS_MAX];

	if (console_socket[0])
		unlink(console_socket);
	console_socket[0] = '\0';
	if (console_user_socket)
		asuser__call(console_owner, "the console socket", console__unlink_user, (void *)console_user_socket, none);
	console_user_socket = NULL;
}

int console__start(const struct cli *cli, const struct host *h, const struct policy_subject *who,
		   struct console_fds *c)
{
	struct relay r = {
		.mode = cli->com1, .sink = STDOUT_FILENO, .vmm_in = -1, .pty_slave = -1, .owner = who->uid,
	};
	int out[2], err[2], ret;

	for (int i = 0; i < RELAY_FDS; i++)
		r.pfd[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	r.pfd[RELAY_VMM_IN].events = POLLOUT;
	*c = (struct console_fds){ .in = -1, .out = -1, .err = -1 };
	console_owner = who;
	ret = console__endpoint(&r, cli, h, who, c);
	if (!ret && pipe2(out, O_CLOEXEC))
		ret = console__fail("the VMM's stdout");
	if (!ret) {
		r.pfd[RELAY_OUT].fd = out[0];
		c->out = out[1];
		if (pipe2(err, O_CLOEXEC))
			ret = console__fail("the VMM's stderr");
	}
	if (!ret) {
		r.pfd[RELAY_ERR].fd = err[0];
		c->err = err[1];
		if (console__fork_output(&r))
			ret = console__fail("the output relay");
	}
	console__close_relay(&r);
	if (ret) {
		console__close(c);
		console__remove_sockets();
	}
	return ret;
}

void console__finish(struct console_fds *c)
{
	console__close(c);
	if (console_output > 0)
		waitpid(console_output, NULL, 0);
	console_output = -1;
	console__remove_sockets();
}
