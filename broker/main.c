// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "counters.h"
#include "log.h"
#include "subject.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	bool privileged;	/* root's alone, and on record in the default policy's audit log */
	const char *usage;
} commands[] = {
	{ "run",	  cmd_run,	    false, "run --kernel IMAGE [options]     start a VM (run NAME: /etc/airlock/vms/NAME.conf)" },
	{ "list",	  cmd_list,	    false, "list [--json]                    the host's PCI devices, and which can be assigned" },
	{ "doctor",	  cmd_doctor,	    false, "doctor [BDF] [--memory SIZE]     check the host (and a device) for assignment" },
	{ "bind",	  cmd_bind,	    true,  "bind [--group] [--force] BDF...  hand devices to vfio-pci (or those --config FILE lists)" },
	{ "unbind",	  cmd_unbind,	    true,  "unbind BDF...                    give devices back to their own drivers" },
	{ "check-policy", cmd_check_policy, false, "check-policy [FILE]              check a device policy and say what it allows" },
	{ "ps",		  cmd_ps,	    false, "ps [--json]                      the host's running VMs" },
	{ "stop",	  cmd_stop,	    false, "stop [--timeout S|--force] NAME  press a VM's power button; kill it after S s" },
	{ "kill",	  cmd_stop,	    false, "kill NAME                        stop a VM at once" },
	{ "console",	  cmd_console,	    false, "console NAME                     attach this terminal to a VM's COM1 (--com1 socket)" },
};

static void broker__usage(FILE *out)
{
	fputs("usage: airlock COMMAND [options]   (airlock COMMAND --help; man airlock; airlock --version)\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  airlock %s\n", commands[i].usage);
}

/*
 * The VMM inherits descriptors 0-2 as its console. Were one closed, the
 * next descriptor the broker opens (an image, guest RAM, a VFIO group)
 * would take its number and reach the sandbox with it.
 */
static int broker__guard_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			return -1;
	}
	return 0;
}


/*
 * A command that is root's alone: refused to anyone else, whatever uid
 * the process has, and on record in the audit log of the default policy
 * (or syslog alone when there is none to read).
 */
static int broker__privileged(const char *name)
{
	char what[32];

	snprintf(what, sizeof(what), "airlock %s", name);
	if (subject__need_root(what))
		return -1;
	if (geteuid() != 0) {
		pr_err("%s must run as root; try sudo %s ...", what, what);
		return -1;
	}
	return commands__audit_open();
}

/*
 * A setuid-root broker inherits its caller's limits, signal dispositions
 * and umask: a small RLIMIT_FSIZE with SIGXFSZ ignored cuts an audit line
 * in half, an ignored SIGTERM outlives the teardown, umask 0 leaves files
 * root creates writable by all. Put back what root would start with. A
 * host may deny root CAP_SYS_RESOURCE: then a limit goes up to its hard
 * value only, and a file-size or CPU limit left would cut the audit or
 * the teardown short, so that run is refused.
 */
static int broker__sanitize(void)
{
	static const struct { int res; const char *what; } limits[] = {
		{ RLIMIT_FSIZE, "file size (ulimit -f)" }, { RLIMIT_CPU, "CPU time (ulimit -t)" },
		{ RLIMIT_AS, NULL }, { RLIMIT_DATA, NULL }, { RLIMIT_NPROC, NULL }, { RLIMIT_MEMLOCK, NULL },
		{ RLIMIT_LOCKS, NULL }, { RLIMIT_SIGPENDING, NULL }, { RLIMIT_MSGQUEUE, NULL },
	};
	const struct rlimit none = { 0, 0 }, files = { 1024, 4096 };
	sigset_t all;

	if (getuid() == geteuid() && getgid() == getegid())
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

		if (!setrlimit(limits[i].res, &r))
			continue;
		getrlimit(limits[i].res, &r);
		r.rlim_cur = r.rlim_max;
		setrlimit(limits[i].res, &r);
		if (limits[i].what) {
			pr_err("started with a %s limit that it cannot lift, which would cut the audit log or the teardown short; "
			       "run airlock with that limit unlimited", limits[i].what);
			return -1;
		}
	}
	setrlimit(RLIMIT_NOFILE, &files);
	setrlimit(RLIMIT_CORE, &none);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);	/* fails harmlessly for SIGKILL, SIGSTOP and glibc's own */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	umask(022);
	return 0;
}

int main(int argc, char **argv)
{
	char err[512];

	counters__mark(COUNTERS_T_START);
	log_prog = "airlock";
	if (broker__sanitize())
		return 1;
	if (broker__guard_stdio()) {
		pr_err("standard input, output or error is closed and /dev/null cannot take its place: %s",
		       strerror(errno));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("airlock %s (commit %s)\n", AIRLOCK_VERSION, AIRLOCK_COMMIT);
		return 0;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		broker__usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* "airlock COMMAND --help" alone needs no subject; anything else that asks for one without it dies. */
		if (argc == 3 && !strcmp(argv[2], "--help"))
			return commands[i].run(argc - 1, argv + 1);
		if (subject__identify(err, sizeof(err))) {
			pr_err("%s", err);
			return 1;
		}
		if (commands[i].privileged && broker__privileged(commands[i].name))
			return 1;
		return commands[i].run(argc - 1, argv + 1);
	}
	pr_err("unknown command '%s'; see 'airlock --help'", argv[1]);
	return 2;
}
