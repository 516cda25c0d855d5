// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "console.h"
#include "counters.h"
#include "grant.h"
#include "log.h"
#include "monitor.h"
#include "pinned.h"
#include "policy.h"
#include "sandbox.h"
#include "subject.h"
#include "vfio.h"
#include "vm.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	bool privileged;	/* root's alone, and on record in the default policy's audit log */
	const char *usage;
} commands[] = {
	{ "run",	  cmd_run,	    false, "run --kernel IMAGE [options]     start a VM" },
	{ "list",	  cmd_list,	    false, "list [--json]                    the host's PCI devices, and which can be assigned" },
	{ "doctor",	  cmd_doctor,	    false, "doctor [BDF] [--memory SIZE]     check the host (and a device) for assignment" },
	{ "bind",	  cmd_bind,	    true,  "bind [--group] [--force] BDF...  hand devices to vfio-pci" },
	{ "unbind",	  cmd_unbind,	    true,  "unbind BDF...                    give devices back to their own drivers" },
	{ "check-policy", cmd_check_policy, false, "check-policy [FILE]              check a device policy and say what it allows" },
};

static void broker__usage(FILE *out)
{
	fputs("usage: airlock COMMAND [options]   (airlock COMMAND --help; man airlock)\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  airlock %s\n", commands[i].usage);
}

static int broker__signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);	/* print the VMM's counters */
	if (sigprocmask(SIG_BLOCK, mask, NULL))
		return -1;
	return signalfd(-1, mask, SFD_CLOEXEC);
}

static const struct vfio_host vfio_host = { .sysfs = "/sys", .dev = "/dev" };
static struct policy policy;

/*
 * Everything that can fail on the user's input fails here, before the VMM
 * exists; the device checks come first, before anything is opened.
 */
static int broker__prepare(struct vm *vm, struct vfio *vfio, const struct cli *cli)
{
	if (vfio__check(vfio, &vfio_host, cli))
		return -1;
	counters__mark(COUNTERS_T_CHECKED);
	if (vm__open_images(vm, cli, subject__self()) || vm__create_ram(vm, cli->mem_size, cli->hugepages) ||
	    vm__create_counters(vm))
		return -1;
	counters__mark(COUNTERS_T_RAM);
	if (vfio__open(vfio, &vfio_host, cli->mem_size))
		return -1;
	counters__mark(COUNTERS_T_DMA_BEGIN);
	if (vfio__map_ram(vfio, vm->ram_fd, cli->mem_size))
		return -1;
	counters__mark(COUNTERS_T_DMA_END);
	if (vfio__open_devices(vfio) || vm__open_kvm(vm, cli->vcpus))
		return -1;
	counters__mark(COUNTERS_T_PREPARED);
	return 0;
}

static void broker__audit_start(const struct sandbox *sb)
{
	struct json *j = audit__begin("vmm-start");

	json__i64(j, "pid", sb->pid);
	json__u64(j, "vmm_uid", sb->uid);
	json__u64(j, "vmm_gid", sb->gid);
	audit__end(j);
}

static void broker__audit_exit(const struct mon *mon)
{
	struct json *j = audit__begin("vmm-exit");
	int st = mon->wait_status;

	if (WIFEXITED(st))
		json__i64(j, "exit", WEXITSTATUS(st));
	else
		json__str(j, "signal", sigabbrev_np(WTERMSIG(st)));
	json__str(j, "violation", mon->why);
	audit__end(j);
}

/*
 * One life of the VM: devices checked and opened, RAM and DMA set up, a
 * fresh sandboxed VMM served until it exits, then everything released.
 */
static int broker__boot(const struct cli *cli, const struct console_fds *console, int exe, int sigfd,
			const sigset_t *mask)
{
	static struct vfio vfio;
	struct vm vm = VM_INIT;
	struct sandbox sb = {
		.uid = cli->sandbox_id_set ? cli->sandbox_uid : SANDBOX_ID_BASE + (uid_t)getpid(),
		.gid = cli->sandbox_id_set ? cli->sandbox_gid : SANDBOX_ID_BASE + (gid_t)getpid(),
		.vcpus = cli->vcpus,
		.console = console,
		.pid = -1,
		.sock = -1,
	};
	struct msg_config config;
	int fds[MSG_MAX_FDS];
	struct mon mon = {
		.state = MON_INIT, .config = &config, .fds = fds,
		.devices = vfio.info, .device_fds = vfio.fds, .nr_devices = cli->nr_vfio,
	};
	int status = 1;

	vfio = (struct vfio)VFIO_INIT;
	counters__mark(COUNTERS_T_BOOT);
	if (broker__prepare(&vm, &vfio, cli) || audit__failed())
		goto out;
	sb.device_fds = vfio__vmm_fds(&vfio);
	if (sandbox__spawn(&sb, exe, mask))
		goto out;
	counters__mark(COUNTERS_T_SPAWNED);
	broker__audit_start(&sb);
	if (audit__failed())
		kill(sb.pid, SIGKILL);	/* said once already; the teardown below still runs */
	mon.sock = sb.sock;
	mon.counters = vm.counters;
	mon.nfds = vm__config(&vm, cli, &config, fds);
	status = mon__run(&mon, sb.pid, sigfd);
	broker__audit_exit(&mon);
	close(sb.sock);
	/* A reset starts another boot, with a fresh page; --stats shows the last boot's. */
	if (cli->stats && status != VMM_EXIT_RESET) {
		counters__print(vm.counters, vfio.info, cli->nr_vfio);
		counters__print_startup(vm.counters, cli->nr_vfio ? cli->mem_size : 0);
	}
out:
	/* The VMM is gone, whatever ended it: only now may DMA and the devices go. */
	vfio__close(&vfio);
	vm__close(&vm);
	return status;
}

/* A guest that resets the machine gets a new VMM, new RAM and freshly reset devices. */
static int broker__run(const struct cli *cli)
{
	autoclose int exe = -1;
	autoclose int sigfd = -1;
	struct console_fds console;
	sigset_t mask;
	int status;

	exe = sandbox__open_vmm();
	if (exe < 0)
		return 1;
	sigfd = broker__signals(&mask);
	if (sigfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return 1;
	}
	if (console__start(cli->com1_console, &console))
		return 1;
	do
		status = broker__boot(cli, &console, exe, sigfd, &mask);
	while (status == VMM_EXIT_RESET);
	console__finish(&console);
	return status;
}

static void broker__audit_request(const struct cli *cli)
{
	struct json *j = audit__begin("request");

	json__str(j, "name", cli->name);
	json__str(j, "kernel", cli->kernel);
	json__u64(j, "memory", cli->mem_size);
	json__u64(j, "processors", cli->vcpus);
	json__arr_begin(j, "devices");
	for (unsigned int i = 0; i < cli->nr_vfio; i++) {
		char arg[GRANT_ARG_LEN];

		grant__arg(cli, i, arg, sizeof(arg));
		json__str(j, NULL, arg);
	}
	json__arr_end(j);
	audit__end(j);
}

/*
 * Who asks, and whether the policy lets them have the devices they name.
 * A VM without devices needs no policy; one with devices needs the file.
 */
static int broker__authorize(struct cli *cli)
{
	const struct policy_subject *who = subject__self();
	char err[512], refused[512];
	/* The broker reads as root: the caller must not pick what it reads (or quotes in errors). */
	const char *root_only = cli->policy ? subject__not_root("--policy FILE", refused, sizeof(refused)) : NULL;
	const char *path = cli->policy && !root_only ? cli->policy : POLICY_DEFAULT;
	int ret;

	/* Root's sandbox ids are the only ones that no user's own processes may hold. */
	if (!root_only && cli->sandbox_id_set)
		root_only = subject__not_root("--sandbox-id", refused, sizeof(refused));
	ret = policy__load(&policy, path, err, sizeof(err));
	if (audit__open(who->name, who->uid, who->via, ret ? NULL : policy.audit_log))
		return -1;
	audit__new_vm();
	broker__audit_request(cli);
	if (root_only) {
		grant__refuse(root_only);
		return -1;
	}
	if (ret == -ENOENT && !cli->nr_vfio)
		return 0;
	if (ret) {
		grant__refuse(err);
		return -1;
	}
	return grant__devices(cli, &policy, who, vfio_host.sysfs, vfio_host.dev);
}

/* Guest RAM is pinned only for devices; root's VMs are counted, not capped. */
static int broker__claim_memory(const struct cli *cli)
{
	const struct policy_subject *who = subject__self();

	if (!cli->nr_vfio)
		return 0;
	return pinned__claim(PINNED_DIR, who->uid, cli->mem_size, who->root ? 0 : policy.user_memory);
}

static void broker__audit_teardown(int status)
{
	struct json *j = audit__begin("teardown");

	json__i64(j, "status", status);
	audit__end(j);
}

int cmd_run(int argc, char **argv)
{
	struct cli cli;
	char err[512];
	int ret;

	ret = cli__parse(&cli, argc, argv, err, sizeof(err));
	if (ret == CLI_HELP) {
		fputs(cli_usage, stdout);
		return 0;
	}
	if (ret) {
		pr_err("%s", err);
		return 2;
	}
	if (geteuid() != 0) {
		pr_err("must run as root: it opens /dev/kvm and builds the VMM's sandbox; try sudo airlock run ...");
		return 1;
	}
	/* No audit, no device: a refusal, or a log that did not take the run's lines, ends here, on record. */
	if (broker__authorize(&cli) || audit__failed() || broker__claim_memory(&cli)) {
		ret = 1;
	} else {
		counters__mark(COUNTERS_T_AUTHORIZED);
		ret = broker__run(&cli);
		pinned__release();
	}
	broker__audit_teardown(ret);
	audit__close();
	return ret;
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
	const struct policy_subject *who = subject__self();
	char what[32], err[512];

	snprintf(what, sizeof(what), "airlock %s", name);
	if (subject__need_root(what))
		return -1;
	if (geteuid() != 0) {
		pr_err("%s must run as root; try sudo %s ...", what, what);
		return -1;
	}
	if (policy__load(&policy, POLICY_DEFAULT, err, sizeof(err)))
		policy.audit_log[0] = '\0';
	return audit__open(who->name, who->uid, who->via, policy.audit_log);
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
