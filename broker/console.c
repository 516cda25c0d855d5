// SPDX-License-Identifier: MIT
/*
 * The user's terminal while a VM runs. The VMM reads the guest's COM1 input
 * from its stdin; when that is a terminal, the broker puts it in raw mode (so
 * that Ctrl-C, arrows and the like reach the guest) and sits in between to
 * catch the escape, Ctrl-A x, the only way left to stop the VM from the keyboard.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "log.h"

static struct termios console_saved;
static int console_tty = -1;	/* the terminal, for its settings */

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

int console__start(void)
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
