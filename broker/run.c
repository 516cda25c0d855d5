// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "conffile.h"
#include "console.h"
#include "counters.h"
#include "grant.h"
#include "log.h"
#include "monitor.h"
#include "registry.h"
#include "run.h"
#include "sandbox.h"
#include "subject.h"
#include "vm.h"

static int run__signals(sigset_t *mask)
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

/*
 * Everything that can fail on the user's input fails here, before the VMM
 * exists; the device checks come first, before anything is opened.
 */
static int run__prepare(struct run *r, struct vm *vm)
{
	const struct cli *cli = r->cli;
	struct vfio *vfio = &r->vfio;

	if (vfio__check(vfio, &r->host, cli, r->bdf))
		return -1;
	counters__mark(COUNTERS_T_CHECKED);
	if (vm__open_images(vm, cli, r->who) || vm__create_ram(vm, cli->mem_size, cli->hugepages) ||
	    vm__create_counters(vm))
		return -1;
	counters__mark(COUNTERS_T_RAM);
	if (vfio__open(vfio, &r->host, cli->mem_size))
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

static void run__audit_start(const struct sandbox *sb)
{
	struct json *j = audit__begin("vmm-start");

	json__i64(j, "pid", sb->pid);
	json__u64(j, "vmm_uid", sb->uid);
	json__u64(j, "vmm_gid", sb->gid);
	audit__end(j);
}

static void run__audit_exit(const struct mon *mon)
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
static int run__boot(struct run *r, const struct console_fds *console, int exe, int sigfd, const sigset_t *mask)
{
	const struct cli *cli = r->cli;
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
		.devices = r->vfio.info, .device_fds = r->vfio.fds, .nr_devices = cli->nr_vfio,
		.stop_timeout = cli->stop_timeout,
	};
	int status = 1;

	r->vfio = (struct vfio)VFIO_INIT;
	r->ended = "failure";
	counters__mark(COUNTERS_T_BOOT);
	if (run__prepare(r, &vm) || audit__failed())
		goto out;
	sb.device_fds = vfio__vmm_fds(&r->vfio);
	if (sandbox__spawn(&sb, exe, mask))
		goto out;
	counters__mark(COUNTERS_T_SPAWNED);
	run__audit_start(&sb);
	if (audit__failed())
		kill(sb.pid, SIGKILL);	/* said once already; the teardown below still runs */
	mon.sock = sb.sock;
	mon.counters = vm.counters;
	mon.nfds = vm__config(&vm, cli, &config, fds);
	registry__set_vmm(sb.pid);
	status = mon__run(&mon, sb.pid, sigfd);
	r->ended = mon__ended(&mon);
	registry__set_vmm(0);
	run__audit_exit(&mon);
	close(sb.sock);
	/* A reset starts another boot, with a fresh page; --stats shows the last boot's. */
	if (cli->stats && status != VMM_EXIT_RESET) {
		counters__print(vm.counters, r->vfio.info, cli->nr_vfio);
		counters__print_startup(vm.counters, cli->nr_vfio ? cli->mem_size : 0);
	}
out:
	/* The VMM is gone, whatever ended it: only now may DMA and the devices go. */
	vfio__close(&r->vfio);
	vm__close(&vm);
	return status;
}

/* A guest that resets the machine gets a new VMM, new RAM and freshly reset devices. */
static int run__vm(struct run *r)
{
	autoclose int exe = -1;
	autoclose int sigfd = -1;
	struct console_fds console;
	sigset_t mask;
	int status;

	exe = sandbox__open_vmm();
	if (exe < 0)
		return 1;
	sigfd = run__signals(&mask);
	if (sigfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return 1;
	}
	if (console__start(r->cli, &r->host, r->who, &console))
		return 1;
	do
		status = run__boot(r, &console, exe, sigfd, &mask);
	while (status == VMM_EXIT_RESET);
	console__finish(&console);
	return status;
}

static void run__audit_request(const struct cli *cli)
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
static int run__authorize(struct run *r)
{
	const struct cli *cli = r->cli;
	char err[512], refused[512];
	/* The broker reads as root: the caller must not pick what it reads (or quotes in errors). */
	const char *root_only = cli->policy ? subject__not_root("--policy FILE", refused, sizeof(refused)) : NULL;
	const char *path = cli->policy && !root_only ? cli->policy : POLICY_DEFAULT;
	int ret;

	/* Root's sandbox ids are the only ones that no user's own processes may hold. */
	if (!root_only && cli->sandbox_id_set)
		root_only = subject__not_root("--sandbox-id", refused, sizeof(refused));
	ret = policy__load(&r->policy, path, err, sizeof(err));
	if (audit__open(r->who->name, r->who->uid, r->who->via, ret ? NULL : r->policy.audit_log))
		return -1;
	audit__new_vm();
	run__audit_request(cli);
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
	return grant__devices(r);
}

/*
 * The VM in the host's registry: its name unique, and the guest RAM it
 * pins for devices counted against the policy's user-memory (root's and
 * the admins' VMs are counted, not capped).
 */
static int run__register(const struct run *r)
{
	const struct cli *cli = r->cli;
	struct registry_vm vm = {
		.uid = r->who->uid, .memory = cli->mem_size, .vcpus = cli->vcpus, .nr_devices = cli->nr_vfio,
		.started = (int64_t)time(NULL), .console = cli->com1, .stop_timeout = cli->stop_timeout,
	};

	snprintf(vm.name, sizeof(vm.name), "%s", cli->name);
	snprintf(vm.user, sizeof(vm.user), "%s", r->who->name);
	_Static_assert(sizeof(vm.devices) >= sizeof(r->bdf), "every device in the entry");
	memcpy(vm.devices, r->bdf, sizeof(r->bdf));
	return registry__claim(&r->host, &vm, r->who->root ? 0 : r->policy.user_memory);
}

static void run__audit_teardown(int status, const char *ended)
{
	struct json *j = audit__begin("teardown");

	json__i64(j, "status", status);
	json__str(j, "ended", ended);
	audit__end(j);
}

/*
 * The command line, and the VM file it names: airlock run NAME reads
 * root's file for the VM NAME, --config FILE any file, for root alone
 * (the broker reads as root: the caller must not pick what it reads).
 * -1 to go on, or the exit status after the usage or a line saying why.
 */
static int run__parse(struct cli *cli, int argc, char **argv)
{
	static char text[CLI_FILE_MAX + 1];	/* the cli points into it */
	struct cli_file f;
	char err[512];
	int ret = cli__file(&f, argc, argv, err, sizeof(err));

	if (!ret && f.config && subject__need_root("--config FILE"))
		return 1;
	if (!ret && f.path[0]) {
		f.text = text;
		if (conffile__read(&cli_vm_file, f.path, text, &f.len, err, sizeof(err))) {
			pr_err("%s", err);
			return 1;
		}
	}
	if (!ret)
		ret = cli__parse(cli, argc, argv, &f, err, sizeof(err));
	if (ret == CLI_HELP)
		fputs(cli_usage, stdout);
	else if (ret)
		pr_err("%s", err);
	return ret == CLI_HELP ? 0 : ret ? 2 : -1;
}

int cmd_run(int argc, char **argv)
{
	struct run *r;
	struct cli cli;
	int ret = run__parse(&cli, argc, argv);

	if (ret >= 0)
		return ret;
	if (geteuid() != 0) {
		pr_err("must run as root: it opens /dev/kvm and builds the VMM's sandbox; try sudo airlock run ...");
		return 1;
	}
	/* Some 90 KiB (the policy, the devices' descriptions): not on a stack whose limit the caller set. */
	r = calloc(1, sizeof(*r));
	if (!r) {
		pr_err("out of memory");
		return 1;
	}
	r->cli = &cli;
	r->who = subject__self();
	r->ended = "failure";
	host__init(&r->host, NULL);
	/* No audit, no device: a refusal, or a log that did not take the run's lines, ends here, on record. */
	if (run__authorize(r) || audit__failed() || run__register(r)) {
		ret = 1;
	} else {
		counters__mark(COUNTERS_T_AUTHORIZED);
		ret = run__vm(r);
		registry__release(r->ended);
	}
	run__audit_teardown(ret, r->ended);
	audit__close();
	free(r);
	return ret;
}
