// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "counters.h"
#include "log.h"
#include "monitor.h"
#include "sandbox.h"
#include "vfio.h"
#include "vm.h"

static const char usage[] =
	"usage: airlock run --kernel IMAGE [options]   start a VM (airlock run --help)\n";

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

/*
 * Everything that can fail on the user's input fails here, before the VMM
 * exists; the device checks come first, before anything is opened.
 */
static int broker__prepare(struct vm *vm, struct vfio *vfio, const struct cli *cli)
{
	if (vfio__check(vfio, &vfio_host, cli))
		return -1;
	if (vm__open_images(vm, cli) || vm__create_ram(vm, cli->mem_size) || vm__create_stats(vm))
		return -1;
	if (vfio__open(vfio, &vfio_host, cli->mem_size) || vfio__map_ram(vfio, vm->ram_fd, cli->mem_size) ||
	    vfio__open_devices(vfio))
		return -1;
	return vm__open_kvm(vm, cli->vcpus) ? -1 : 0;
}

/*
 * One life of the VM: devices checked and opened, RAM and DMA set up, a
 * fresh sandboxed VMM served until it exits, then everything released.
 */
static int broker__boot(const struct cli *cli, int exe, int sigfd, const sigset_t *mask)
{
	static struct vfio vfio;
	struct vm vm = VM_INIT;
	struct sandbox sb = {
		.uid = cli->sandbox_id_set ? cli->sandbox_uid : SANDBOX_ID_BASE + (uid_t)getpid(),
		.gid = cli->sandbox_id_set ? cli->sandbox_gid : SANDBOX_ID_BASE + (gid_t)getpid(),
		.vcpus = cli->vcpus,
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
	if (broker__prepare(&vm, &vfio, cli))
		goto out;
	sb.device_fds = vfio__vmm_fds(&vfio);
	if (sandbox__spawn(&sb, exe, mask))
		goto out;
	mon.sock = sb.sock;
	mon.stats = vm.stats;
	mon.nfds = vm__config(&vm, cli, &config, fds);
	status = mon__run(&mon, sb.pid, sigfd);
	close(sb.sock);
	/* A reset starts another boot, with a fresh page; --stats shows the last boot's. */
	if (cli->stats && status != VMM_EXIT_RESET)
		counters__print(vm.stats, vfio.info, cli->nr_vfio);
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
	if (console__start())
		return 1;
	do
		status = broker__boot(cli, exe, sigfd, &mask);
	while (status == VMM_EXIT_RESET);
	return status;
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

int main(int argc, char **argv)
{
	struct cli cli;
	char err[512];
	int ret;

	log_prog = "airlock";
	if (broker__guard_stdio()) {
		pr_err("standard input, output or error is closed and /dev/null cannot take its place: %s",
		       strerror(errno));
		return 1;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "run")) {
		pr_err("unknown command '%s'; see 'airlock --help'", argv[1]);
		return 2;
	}
	ret = cli__parse(&cli, argc - 1, argv + 1, err, sizeof(err));
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
	return broker__run(&cli);
}
