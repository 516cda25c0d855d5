// SPDX-License-Identifier: MIT
/*
 * airlock console NAME: this terminal on COM1 of a running VM, through its
 * broker's socket (--com1 socket). The socket is root's alone, in a
 * directory only root may enter; this process, root through sudo, doas or
 * a setuid install, lets only the VM's owner, root and the admins through,
 * and then checks that what it reached is the broker the registry names:
 * keys typed for one VM must not reach another that took its name meanwhile.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "console.h"
#include "host.h"
#include "log.h"
#include "registry.h"

static const char attach_usage[] =
	"usage: airlock console NAME\n"
	"  attach this terminal to COM1 of the running VM NAME, started with\n"
	"  --com1 socket: Ctrl-A d detaches and leaves the VM running, Ctrl-A\n"
	"  Ctrl-A sends one Ctrl-A; one client at a time. Its owner, root and the\n"
	"  policy's admins may attach\n";

static void attach__audit(const struct registry_vm *vm, const char *refused)
{
	struct json *j = audit__begin("console");

	json__str(j, "name", vm->name);
	json__i64(j, "broker_pid", vm->broker);
	json__str(j, "owner", vm->user);
	json__bool(j, "allowed", !refused);
	json__str(j, "reason", refused);
	audit__end(j);
}

static int attach__is_socket(const struct registry_vm *vm)
{
	if (vm->console == CONSOLE_SOCKET)
		return 0;
	if (vm->console == CONSOLE_PTY && vm->pty[0])
		pr_err("console: the COM1 of %s is the pseudo-terminal %s: attach with a terminal program, e.g. screen %s",
		       vm->name, vm->pty, vm->pty);
	else
		pr_err("console: the COM1 of %s is not a socket (it is %s); only a VM started with --com1 socket has one to attach to",
		       vm->name, console__mode_name(vm->console));
	return -1;
}

/* The broker's socket for vm, if its listener is that very broker, still running. */
static int attach__connect(const struct host *h, const struct registry_vm *vm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred peer;
	socklen_t len = sizeof(peer);
	int fd;

	if (console__socket_path(h, vm->name, sa.sun_path, sizeof(sa.sun_path))) {
		pr_err("console: the path of the console socket of %s is too long", vm->name);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		pr_err("console: cannot connect to %s: %s; is %s still running (airlock ps)?", sa.sun_path, strerror(errno),
		       vm->name);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* SO_PEERCRED names who called listen(): the broker itself. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) || peer.uid != 0 || peer.pid != vm->broker ||
	    !registry__live(h, vm)) {
		pr_err("console: %s is not the socket of the broker of %s (pid %d): the VM has ended or started again; try again",
		       sa.sun_path, vm->name, (int)vm->broker);
		close(fd);
		return -1;
	}
	return fd;
}

/* The broker's first line: attached, or why not. */
static int attach__greeting(int fd, const char *name)
{
	char line[128];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		ssize_t r = read(fd, line + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	if (!strcmp(line, CONSOLE_HELLO))
		return 0;
	if (!strcmp(line, CONSOLE_BUSY))
		pr_err("console: another client is attached to the console of %s, and one may be at a time; it detaches with Ctrl-A d",
		       name);
	else
		pr_err("console: the broker of %s did not let this console attach; its own output says why", name);
	return -1;
}

/*
 * Until Ctrl-A d or the end of stdin (true), or the end of the VM's
 * console (false); *midline when the guest's last line is not ended.
 */
static bool attach__relay(int sock, bool *midline)
{
	struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	uint8_t in[256], out[sizeof(in) + 1], guest[4096];
	bool escape = false;
	char hit = 0;
	ssize_t n;

	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents) {
			n = read(sock, guest, sizeof(guest));
			if (n == 0 || (n < 0 && errno != EINTR))
				return false;
			if (n > 0) {
				console__write_all(STDOUT_FILENO, guest, (size_t)n);
				*midline = guest[n - 1] != '\n';
			}
		}
		if (pfd[0].revents) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n == 0 || (n < 0 && errno != EINTR))
				return true;
			if (n > 0 && console__write_all(sock, out, console__filter(in, (size_t)n, out, "d", &escape, &hit)))
				return false;
			if (hit)
				return true;
		}
	}
}

int cmd_console(int argc, char **argv)
{
	struct registry_vm vm;
	struct host h;
	char refused[512];
	const char *name = argc == 2 ? argv[1] : NULL, *why;
	autoclose int sock = -1;
	bool detached, midline = false;
	int ret;

	if (name && !strcmp(name, "--help")) {
		fputs(attach_usage, stdout);
		return 0;
	}
	if (!name || name[0] == '-') {
		pr_err("console: give the name of one running VM, e.g. airlock console vm1 (airlock ps lists them)");
		return 2;
	}
	if (geteuid() != 0) {
		pr_err("console must run as root to reach the VM's root-only socket; try sudo airlock console %s", name);
		return 1;
	}
	host__init(&h, NULL);
	if (commands__audit_open())
		return 1;
	ret = commands__running_vm(&h, "console", name, &vm);
	if (ret)
		return ret;
	why = commands__not_owner(&vm, "console", "attach to its console", refused, sizeof(refused));
	attach__audit(&vm, why);
	if (why) {
		pr_err("%s", why);
		return 1;
	}
	if (attach__is_socket(&vm))
		return 1;
	sock = attach__connect(&h, &vm);
	if (sock < 0 || attach__greeting(sock, name))
		return 1;
	pr_err("attached to the console of %s; Ctrl-A d detaches", name);
	if (isatty(STDIN_FILENO) && console__raw_stdin())
		return 1;
	detached = attach__relay(sock, &midline);
	/* Our line starts a line of its own. */
	if (midline)
		console__write_all(STDOUT_FILENO, (const uint8_t *)"\n", 1);
	if (detached)
		pr_err("detached from %s, which runs on; airlock console %s attaches again", name, name);
	else
		pr_err("the console of %s has closed: the VM has ended", name);
	return 0;
}
