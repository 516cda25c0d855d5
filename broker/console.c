// SPDX-License-Identifier: MIT
/*
 * The user's terminal while a VM runs. The VMM never holds it: its stdout
 * and stderr are pipes that a relay copies to the broker's, and its stdin is
 * /dev/null, or with --com1 console the broker's stdin, which, when that is
 * a terminal, is a pipe from a second relay: the terminal goes in raw mode
 * (so that Ctrl-C, arrows and the like reach the guest) and the relay
 * catches the escape, Ctrl-A x, the only way left to stop the VM from the
 * keyboard. A VMM holding the terminal could write escape sequences that
 * reprogram it, and read what the operator types elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "log.h"

static struct termios console_saved;
static int console_tty = -1;	/* the terminal, for its settings */
static pid_t console_output = -1;	/* the relay of the VMM's stdout and stderr */

size_t console__filter(const uint8_t *in, size_t n, uint8_t *out, bool *escape, bool *quit)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (!*escape && in[i] == CONSOLE_ESCAPE) {
			*escape = true;
			continue;
		}
		if (*escape && in[i] == 'x') {
			*quit = true;
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

static int console__write_all(int fd, const uint8_t *buf, size_t len)
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
 * The relay: a child process with the terminal as stdin and the VMM's stdin
 * as stdout, until either end is gone, the user quits, or the broker dies.
 * A process, not a thread: the broker must stay single-threaded, for the
 * VMM's child clones it raw and changes credentials (glibc's set*id would
 * wait for the threads it remembers).
 */
static void __attribute__((noreturn)) console__relay(pid_t broker)
{
	uint8_t in[256], out[sizeof(in) + 1];
	bool escape = false, quit = false;
	sigset_t none;
	ssize_t n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != broker)
		_exit(0);
	prctl(PR_SET_NAME, "airlock-console", 0, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a gone VMM is EPIPE, not death */
	close_range(3, ~0u, 0);
	while (!quit) {
		n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || console__write_all(STDOUT_FILENO, out, console__filter(in, (size_t)n, out, &escape, &quit)))
			break;
	}
	/* The monitor stops the VM as it would on Ctrl-C without raw mode. */
	if (quit)
		kill(broker, SIGINT);
	_exit(0);	/* the guest's input ends; the guest runs on */
}

/*
 * The output relay: the VMM's stdout (guest console bytes, as they are: that
 * is what a serial console is) to the broker's stdout, its stderr (its own
 * messages) to the broker's stderr with every byte that could steer a
 * terminal written as \xNN. Until both pipes end, when every VMM of the run
 * is gone and the broker has let go, so the guest's last words all arrive.
 */
static void __attribute__((noreturn)) console__relay_output(void)
{
	struct pollfd pfd[2] = { { .fd = 3, .events = POLLIN }, { .fd = 4, .events = POLLIN } };
	uint8_t in[1024];
	char safe[sizeof(in) * 4];
	int open_ends = 2;

	prctl(PR_SET_NAME, "airlock-output", 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	while (open_ends) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t n = pfd[i].revents ? read(pfd[i].fd, in, sizeof(in)) : -1;

			if (n > 0 && i == 0)
				console__write_all(STDOUT_FILENO, in, (size_t)n);
			else if (n > 0)
				console__write_all(STDERR_FILENO, (const uint8_t *)safe, console__sanitize(in, (size_t)n, safe));
			else if (pfd[i].revents && (n == 0 || errno != EINTR)) {
				pfd[i].fd = -1;
				open_ends--;
			}
		}
	}
	_exit(0);
}

static int console__fork_output(int vmm_out[2], int vmm_err[2])
{
	pid_t pid = fork();

	/* The broker's signals stay blocked here: Ctrl-C or a service stop must not cut the guest's last words. */
	if (pid == 0) {
		if (dup2(vmm_out[0], 3) < 0 || dup2(vmm_err[0], 4) < 0)
			_exit(1);
		close_range(5, ~0u, 0);
		console__relay_output();
	}
	if (pid < 0)
		return -errno;
	console_output = pid;
	return 0;
}

static void console__restore(void)
{
	tcsetattr(console_tty, TCSANOW, &console_saved);
}

/* A signal that would kill the broker first gives the terminal back. */
static void console__fatal_signal(int sig)
{
	console__restore();
	raise(sig);	/* SA_RESETHAND: the default action, once this returns */
}

static void console__on_fatal_signals(void)
{
	static const int sigs[] = { SIGQUIT, SIGILL, SIGABRT, SIGFPE, SIGSEGV, SIGBUS, SIGPIPE,
				    SIGALRM, SIGUSR1, SIGUSR2 };
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

static int console__start_input(void)
{
	int ret;

	if (!isatty(STDIN_FILENO))
		return 0;
	console_tty = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	if (console_tty < 0) {
		pr_err("console: cannot keep the terminal: %s", strerror(errno));
		return -1;
	}
	ret = console__fork_relay();
	if (ret) {
		pr_err("console: cannot start the terminal relay: %s", strerror(-ret));
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

static void console__close(struct console_fds *c)
{
	int *fds[] = { &c->in, &c->out, &c->err };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int console__start(bool input, struct console_fds *c)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, ret;

	*c = (struct console_fds){ .in = -1, .out = -1, .err = -1 };
	if (input && console__start_input())
		return -1;
	c->in = input ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (c->in < 0 || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		ret = -errno;
		goto fail;
	}
	ret = console__fork_output(out, err);
	if (ret)
		goto fail;
	close(out[0]);
	close(err[0]);
	c->out = out[1];
	c->err = err[1];
	return 0;
fail:
	pr_err("console: cannot make the VMM's console pipes: %s", strerror(-ret));
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	console__close(c);
	return -1;
}

void console__finish(struct console_fds *c)
{
	console__close(c);
	if (console_output > 0)
		waitpid(console_output, NULL, 0);
	console_output = -1;
}
