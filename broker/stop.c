// SPDX-License-Identifier: MIT
/* airlock stop [--timeout S | --force] NAME, airlock kill NAME. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "monitor.h"
#include "registry.h"
#include "stop.h"

static const char stop_usage[] =
	"usage: airlock stop [--timeout S | --force] NAME\n"
	"  press the power button of the running VM NAME (airlock ps lists them), wait\n"
	"  until its guest powers off, and kill it if it has not after S seconds\n"
	"  --timeout S   seconds from 0 to 3600 (default: the VM's run --stop-timeout)\n"
	"  --force       kill it at once, as airlock kill does\n"
	"  its owner, root and the policy's admins may stop a VM\n";

static const char kill_usage[] =
	"usage: airlock kill NAME\n"
	"  kill the running VM NAME at once; its devices are still reset and released\n"
	"  its owner, root and the policy's admins may kill a VM\n";

#define stop__fail(err, len, ...)	log__say(err, len, -EINVAL, __VA_ARGS__)

int stop__parse(int argc, char **argv, struct stop_req *req, char *err, size_t errlen)
{
	static const struct option stop_opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool is_kill = !strcmp(argv[0], "kill");
	/* kill has --help alone: the rest of the table is before it. */
	const struct option *opts = is_kill ? &stop_opts[2] : stop_opts;
	int c;

	*req = (struct stop_req){ .force = is_kill };
	optind = 0;	/* not 1: 0 also drops what glibc kept of an earlier call's "-ab" */
	opterr = 0;	/* one line, ours */
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (cli__parse_timeout(optarg, &req->timeout))
				return stop__fail(err, errlen, "stop: --timeout '%s': expected seconds from 0 to %d", optarg,
						  MON_STOP_TIMEOUT_MAX);
			req->timeout_set = true;
			break;
		case 'f':
			req->force = true;
			break;
		case 'h':
			return STOP_HELP;
		case ':':
			return stop__fail(err, errlen, "%s: option '%s' needs a value; see airlock %s --help", argv[0],
					  argv[optind - 1], argv[0]);
		default:
			/* Within "-ab" optind has not moved past it yet: name the letter. */
			if (optopt)
				return stop__fail(err, errlen, "%s: unknown option '-%c'; see airlock %s --help", argv[0],
						  optopt, argv[0]);
			return stop__fail(err, errlen, "%s: unknown option '%s'; see airlock %s --help", argv[0],
					  argv[optind - 1], argv[0]);
		}
	}
	if (req->force && req->timeout_set)
		return stop__fail(err, errlen, "stop: --force kills at once and --timeout gives the guest time; give one of them");
	if (optind == argc)
		return stop__fail(err, errlen, "%s: which VM? give its name, e.g. airlock %s vm1 (airlock ps lists the running VMs)",
				  argv[0], argv[0]);
	if (optind + 1 < argc)
		return stop__fail(err, errlen, "%s: unexpected argument '%s'; airlock %s takes one VM's name", argv[0],
				  argv[optind + 1], argv[0]);
	req->name = argv[optind];
	return 0;
}

static void stop__audit(const struct registry_vm *vm, bool force, unsigned int timeout, const char *refused)
{
	struct json *j = audit__begin("stop");

	json__str(j, "name", vm->name);
	json__i64(j, "broker_pid", vm->broker);
	json__str(j, "owner", vm->user);
	json__bool(j, "force", force);
	json__u64(j, "timeout", timeout);
	json__bool(j, "allowed", !refused);
	json__str(j, "reason", refused);
	audit__end(j);
}

/*
 * SIGTERM to vm's broker, timeout in its sigqueue value. Through a pidfd,
 * taken before the broker's start time is checked once more: a pid that
 * is now another process's is never signalled.
 */
static int stop__signal(const struct host *h, const struct registry_vm *vm, unsigned int timeout)
{
	autoclose int pidfd = pidfd_open(vm->broker, 0);
	siginfo_t si;

	if (pidfd < 0 || !registry__live(h, vm))
		return -ESRCH;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTERM;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = (int)timeout;
	return pidfd_send_signal(pidfd, SIGTERM, &si, 0) ? -errno : 0;
}

static double stop__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Until vm has ended: its entry says how (into ended), or is gone, or is
 * another broker's, or its broker is. 0, or -ETIMEDOUT after secs.
 */
static int stop__wait(const struct host *h, const struct registry_vm *vm, unsigned int secs, char *ended)
{
	double deadline = stop__now() + secs;
	struct registry_vm now;

	for (;;) {
		if (registry__get(h, vm->name, &now) || now.broker != vm->broker || now.broker_start != vm->broker_start)
			return 0;
		if (now.ended[0] || !registry__live(h, &now)) {
			memcpy(ended, now.ended, sizeof(now.ended));
			return 0;
		}
		if (stop__now() > deadline)
			return -ETIMEDOUT;
		usleep(100000);
	}
}

/* One line: how the VM ended, as its broker's teardown says (docs/airlock.8, AUDIT LOG). */
static void stop__report(const char *name, const char *ended, unsigned int timeout)
{
	if (!strcmp(ended, "poweroff") || !strcmp(ended, "power-button"))
		printf("%s stopped: the guest powered off\n", name);
	else if (!strcmp(ended, "killed-after-timeout"))
		printf("%s killed after %u s: the guest did not power off in time\n", name, timeout);
	else if (!strcmp(ended, "killed"))
		printf("%s killed\n", name);
	else if (ended[0])
		printf("%s ended, but not by the stop (%s): its broker's output and the audit log say why\n", name, ended);
	else
		printf("%s stopped: its broker has exited\n", name);
}

int cmd_stop(int argc, char **argv)
{
	struct stop_req req;
	struct registry_vm vm;
	struct host h;
	char err[512], refused[512], deed[16], ended[REGISTRY_ENDED_MAX] = "";
	const char *why;
	unsigned int timeout;
	int ret = stop__parse(argc, argv, &req, err, sizeof(err));

	if (ret == STOP_HELP) {
		fputs(req.force ? kill_usage : stop_usage, stdout);
		return 0;
	}
	if (ret) {
		pr_err("%s", err);
		return 2;
	}
	if (geteuid() != 0) {
		pr_err("%s must run as root to signal the VM's broker; try sudo airlock %s %s", argv[0], argv[0], req.name);
		return 1;
	}
	host__init(&h, NULL);
	if (commands__audit_open())
		return 1;
	ret = commands__running_vm(&h, argv[0], req.name, &vm);
	if (ret)
		return ret;
	timeout = req.force ? 0 : req.timeout_set ? req.timeout : vm.stop_timeout;
	snprintf(deed, sizeof(deed), "%s it", argv[0]);
	why = commands__not_owner(&vm, argv[0], deed, refused, sizeof(refused));
	stop__audit(&vm, req.force, timeout, why);
	if (why) {
		pr_err("%s", why);
		return 1;
	}
	ret = stop__signal(&h, &vm, timeout);
	if (ret == -ESRCH) {
		pr_err("%s: %s has ended already", argv[0], req.name);
		return 1;
	}
	if (ret) {
		pr_err("%s: cannot signal the broker of %s (pid %d): %s", argv[0], req.name, (int)vm.broker, strerror(-ret));
		return 1;
	}
	if (stop__wait(&h, &vm, timeout + STOP_GRACE, ended)) {
		pr_err("%s: %s still runs %u s after the request; its broker (pid %d) has not ended it%s%s", argv[0],
		       req.name, timeout + STOP_GRACE, (int)vm.broker, req.force ? "" : "; try airlock kill ",
		       req.force ? "" : req.name);
		return 1;
	}
	stop__report(req.name, ended, timeout);
	return 0;
}
