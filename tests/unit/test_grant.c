// SPDX-License-Identifier: MIT
/*
 * Which devices a run gets: decisions by address, filters resolved to a
 * free device the policy allows, and the audit line of each decision,
 * against a fake sysfs tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "audit.h"
#include "grant.h"

#define EDU_A	"0000:00:04.0"
#define EDU_B	"0000:00:08.0"
#define NVME	"0000:00:05.0"

static struct run run;
static struct policy *const policy = &run.policy;
static const struct policy_subject alice = { .uid = 1000, .name = "alice", .gids = { 1000 }, .nr_gids = 1 };
static struct cli cli;
static char sys_dir[PATH_MAX + 8], dev_dir[PATH_MAX + 8], log_path[PATH_MAX + 16];

/* The rules, after them a default memory cap: alice is no root, and rules without a cap are root's alone. */
static void with_policy(const char *rules)
{
	char msg[512], text[1024];

	snprintf(text, sizeof(text), "%sdefault-memory 64G\n", rules);
	assert_int_equal(policy__parse(policy, "P", text, strlen(text), msg, sizeof(msg)), 0);
}

/* airlock run with these --vfio arguments, each behind its own port. */
static void with_devices(const char *a, const char *b)
{
	char *argv[] = { "run", "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:rp0",
			 "--pcie-root-port", "rc0:rp1", "--vfio", (char *)a, b ? "--vfio" : NULL, (char *)b, NULL };
	char msg[512];

	assert_int_equal(cli__parse(&cli, b ? 13 : 11, argv, NULL, msg, sizeof(msg)), 0);
}

/* The device --vfio i got. */
static const char *bdf_of(unsigned int i)
{
	return run.bdf[i];
}

/* The audit log's last line. */
static const char *last_audit(void)
{
	static char text[16384];
	int fd = open(log_path, O_RDONLY);
	ssize_t n = read(fd, text, sizeof(text) - 1);
	char *nl;

	close(fd);
	assert_true(n > 0);
	text[n - 1] = '\0';
	nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

static int grant(void)
{
	memset(run.bdf, 0, sizeof(run.bdf));
	run.cli = &cli;
	run.who = &alice;
	assert_true(snprintf(run.host.sys, sizeof(run.host.sys), "%s", sys_dir) < (int)sizeof(run.host.sys));
	assert_true(snprintf(run.host.dev, sizeof(run.host.dev), "%s", dev_dir) < (int)sizeof(run.host.dev));
	return grant__devices(&run);
}

static int setup(void **state)
{
	(void)state;
	if (fake_create())
		return -1;
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", root);
	snprintf(dev_dir, sizeof(dev_dir), "%s/dev", root);
	snprintf(log_path, sizeof(log_path), "%s/audit.log", root);
	device(EDU_A, 1, "vfio-pci");
	device_ids(EDU_A, 0x1234, 0x11e8, 0x00ff00);
	device(EDU_B, 2, "vfio-pci");
	device_ids(EDU_B, 0x1234, 0x11e8, 0x00ff00);
	device(NVME, 3, "nvme");
	device_ids(NVME, 0x1b36, 0x0010, 0x010802);
	put("sys/bus/pci/drivers/vfio-pci/bind=");
	return audit__open("alice", 1000, "sudo", log_path);
}

static int teardown(void **state)
{
	(void)state;
	audit__close();
	return fake_remove();
}

static void test_address_allowed(void **state)
{
	(void)state;
	with_policy("allow user 1000 device " EDU_A " memory 1G\n");
	with_devices("rp0:" EDU_A, NULL);
	assert_int_equal(grant(), 0);
	holds(last_audit(), "\"event\":\"decision\",\"user\":\"alice\",\"uid\":1000,\"via\":\"sudo\",\"request\":\"rp0:" EDU_A
	      "\",\"device\":\"" EDU_A "\",\"ids\":\"1234:11e8:00ff00\",\"allowed\":true,\"rule\":\"P:1: allow user 1000 device "
	      EDU_A " memory 1G\"");
}

static void test_address_denied(void **state)
{
	(void)state;
	with_policy("deny user * device 1234:*\nallow user 1000 device " EDU_A "\n");
	with_devices("rp0:" EDU_A, NULL);
	assert_int_equal(grant(), -EACCES);
	holds(last_audit(), "\"allowed\":false,\"rule\":\"P:1: deny user * device 1234:*\",\"reason\":\"denied by P:1");
	/* The first device refused ends it: the second is not looked at. */
	with_devices("rp0:" EDU_A, "rp1:" EDU_B);
	assert_int_equal(grant(), -EACCES);
	holds(last_audit(), "\"device\":\"" EDU_A "\"");
}

static void test_address_missing(void **state)
{
	(void)state;
	with_policy("allow user * device *:*\n");
	with_devices("rp0:0000:ff:1f.7", NULL);
	assert_int_equal(grant(), -ENOENT);
	holds(last_audit(), "\"allowed\":false,\"rule\":null,\"reason\":\"there is no PCI device 0000:ff:1f.7 on this host");
}

/* The first free device in address order that the policy allows: not one it denies. */
static void test_filter_picks_allowed(void **state)
{
	(void)state;
	with_policy("deny user 1000 device " EDU_A "\nallow user 1000 device 1234:11e8\n");
	with_devices("rp0:1234:11e8", NULL);
	assert_int_equal(grant(), 0);
	assert_string_equal(bdf_of(0), EDU_B);
	holds(last_audit(), "\"request\":\"rp0:1234:11e8\",\"device\":\"" EDU_B "\"");
	holds(last_audit(), "\"allowed\":true,\"rule\":\"P:2: allow user 1000 device 1234:11e8\"");
}

/* A device named by address is never picked for a filter, wherever it stands. */
static void test_filter_skips_taken(void **state)
{
	(void)state;
	with_policy("allow user 1000 device *:* devices 2\n");
	with_devices("rp0:1234:*", "rp1:" EDU_A);
	assert_int_equal(grant(), 0);
	assert_string_equal(bdf_of(0), EDU_B);
	assert_string_equal(bdf_of(1), EDU_A);
	with_devices("rp0:1234:11e8", "rp1:1234:11e8");
	assert_int_equal(grant(), 0);
	assert_string_equal(bdf_of(0), EDU_A);
	assert_string_equal(bdf_of(1), EDU_B);
}

/* Nothing to pick: each reason is said, and is an audit line. */
static void test_filter_none(void **state)
{
	(void)state;
	with_policy("allow user 1000 device *:*\n");
	with_devices("rp0:abcd:*", NULL);
	assert_int_equal(grant(), -EBUSY);
	holds(last_audit(), "\"request\":\"rp0:abcd:*\",\"device\":null,\"allowed\":false,\"rule\":null,\"reason\":\"no device on this host matches abcd:*");

	with_devices("rp0:1b36:0010", NULL);
	assert_int_equal(grant(), -EBUSY);
	holds(last_audit(), "no free device matching 1b36:0010 may be assigned now (1 match: 0 denied, 0 in use, 0 taken by this VM, 1 not ready); the first not ready: " NVME " is bound to nvme");

	with_policy("deny user 1000 device 1234:*\n");
	with_devices("rp0:1234:11e8", NULL);
	assert_int_equal(grant(), -EBUSY);
	holds(last_audit(), "the policy lets you have no device matching 1234:11e8 (2 match); " EDU_A ": denied by P:1");

	with_policy("allow user 1000 device *:* devices 3\n");
	with_devices("rp0:1234:11e8", "rp1:1234:11e8");
	cli.vfio[cli.nr_vfio] = cli.vfio[1];
	cli.vfio[cli.nr_vfio++].port = 2;
	assert_int_equal(grant(), -EBUSY);
	holds(last_audit(), "every device matching 1234:11e8 that you may have is in use (2 match: 0 denied, 0 in use by another process, 2 taken by this VM)");
}

static void test_refuse(void **state)
{
	(void)state;
	grant__refuse("no policy file /etc/airlock/policy.conf: nothing may be assigned");
	holds(last_audit(), "\"request\":null,\"device\":null,\"allowed\":false,\"rule\":null,\"reason\":\"no policy file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_allowed),
		cmocka_unit_test(test_address_denied),
		cmocka_unit_test(test_address_missing),
		cmocka_unit_test(test_filter_picks_allowed),
		cmocka_unit_test(test_filter_skips_taken),
		cmocka_unit_test(test_filter_none),
		cmocka_unit_test(test_refuse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
