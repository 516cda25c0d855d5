// SPDX-License-Identifier: MIT
/* The host's PCI inventory against a fake sysfs, and airlock list over it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fake-sysfs.h"
#include "hostpci.h"
#include "log.h"
#include "as-root.h"
#include "proc-stat.h"

static char sys_dir[PATH_MAX + 8];

static int setup(void **state)
{
	(void)state;
	if (fake_create())
		return -1;
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", root);
	put("sys/bus/pci/drivers/vfio-pci");
	put("sys/bus/pci/devices");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fake_remove();
}

/* The test host's devices: edu alone in group 3, nvme in 4, e1000e and a driverless function in 5. */
static void test_host(void)
{
	device("0000:00:04.0", 3, "vfio-pci");
	device_ids("0000:00:04.0", 0x1234, 0x11e8, 0x00ff00);
	device("0000:00:05.0", 4, "nvme");
	device_ids("0000:00:05.0", 0x1b36, 0x0010, 0x010802);
	device("0000:00:07.0", 5, "vfio-pci");
	device_ids("0000:00:07.0", 0x8086, 0x10d3, 0x020000);
	device("0000:00:07.1", 5, "");
	device_ids("0000:00:07.1", 0x8086, 0x10d3, 0x020000);
}

static void test_ids(void **state)
{
	const char *bad[] = { "0x1234", "1234\n", "0X1234\n", "0x123\n", "0x12345\n", "0x12g4\n",
			      "0x1234 \n", "0x1234\n\n", "", "0x+123\n" };
	struct pci_ids ids;

	(void)state;
	device("0000:00:05.0", 4, "nvme");
	device_ids("0000:00:05.0", 0x1b36, 0x0010, 0x010802);
	assert_int_equal(hostpci__ids(sys_dir, "0000:00:05.0", &ids), 0);
	assert_int_equal(ids.vendor, 0x1b36);
	assert_int_equal(ids.device, 0x0010);
	assert_int_equal(ids.class, 0x010802);
	put("sys/bus/pci/devices/0000:00:05.0/vendor=0xABCD\n");	/* the kernel writes lower case, but hex is hex */
	assert_int_equal(hostpci__ids(sys_dir, "0000:00:05.0", &ids), 0);
	assert_int_equal(ids.vendor, 0xabcd);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		put("sys/bus/pci/devices/0000:00:05.0/device=%s", bad[i]);
		if (hostpci__ids(sys_dir, "0000:00:05.0", &ids) != -EINVAL)
			fail_msg("device '%s' accepted", bad[i]);
	}
	put("sys/bus/pci/devices/0000:00:05.0/device=0x0010\n");
	put("sys/bus/pci/devices/0000:00:05.0/class=0x0108\n");		/* class has 6 digits */
	assert_int_equal(hostpci__ids(sys_dir, "0000:00:05.0", &ids), -EINVAL);
	assert_int_equal(hostpci__ids(sys_dir, "0000:00:09.0", &ids), -ENOENT);
}

static void test_assignable(void **state)
{
	struct hostpci_why why;

	(void)state;
	test_host();
	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:04.0", &why), 0);
	assert_int_equal(why.group, 3);
	assert_string_equal(why.reason, "");
	/* A driverless member does not spoil the group. */
	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:07.0", &why), 0);

	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:05.0", &why), -EBUSY);
	assert_int_equal(why.group, 4);
	assert_string_equal(why.reason, "0000:00:05.0 is bound to nvme, not vfio-pci");
	holds(why.fix, "echo 0000:00:05.0 > /sys/bus/pci/devices/0000:00:05.0/driver/unbind; "
		       "echo vfio-pci > /sys/bus/pci/devices/0000:00:05.0/driver_override; "
		       "echo 0000:00:05.0 > /sys/bus/pci/drivers_probe");

	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:07.1", &why), -EBUSY);
	assert_string_equal(why.reason, "0000:00:07.1 has no driver");

	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:09.0", &why), -ENOENT);
	assert_string_equal(why.reason, "there is no PCI device 0000:00:09.0 on this host");
	assert_int_equal(why.group, -1);

	/* A member bound to a host driver: the group is not viable. */
	device("0000:00:04.1", 3, "e1000e");
	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:04.0", &why), -EBUSY);
	assert_string_equal(why.reason, "0000:00:04.0 shares IOMMU group 3 with 0000:00:04.1, which is bound to e1000e; "
					"a group can only be assigned whole");
	holds(why.fix, "echo 0000:00:04.1 > /sys/bus/pci/devices/0000:00:04.1/driver/unbind");
	/* The checks one by one, as doctor asks them. */
	assert_int_equal(hostpci__check_device(sys_dir, "0000:00:04.0", &why), 0);
	assert_int_equal(hostpci__check_driver(sys_dir, "0000:00:04.0", &why), 0);
	assert_int_equal(hostpci__check_members(sys_dir, "0000:00:04.0", 3, &why), -EBUSY);
	device("0000:00:04.1", 3, "pcieport");
	assert_int_equal(hostpci__check_members(sys_dir, "0000:00:04.0", 3, &why), 0);
	put("sys/kernel/iommu_groups/3/devices/junk");
	assert_int_equal(hostpci__check_members(sys_dir, "0000:00:04.0", 3, &why), -EINVAL);
	assert_string_equal(why.reason, "cannot list the devices of IOMMU group 3: Invalid argument");
}

static void test_no_iommu(void **state)
{
	struct hostpci_why why;

	(void)state;
	device("0000:00:05.0", -1, "nvme");
	assert_int_equal(hostpci__check_ready(sys_dir, "0000:00:05.0", &why), -ENOENT);
	assert_string_equal(why.reason, "0000:00:05.0 is in no IOMMU group: the IOMMU is off");
	holds(why.fix, "intel_iommu=on");
	assert_int_equal(why.group, -1);
}

struct seen {
	char bdf[8][PCIADDR_LEN];
	int group[8];
	bool not_ready[8];
	char reason[8][HOSTPCI_REASON_MAX];
	unsigned int n;
};

static int see(const struct hostpci_dev *d, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	memcpy(s->bdf[s->n], d->bdf, PCIADDR_LEN);
	s->group[s->n] = d->why.group;
	memcpy(s->reason[s->n], d->why.reason, HOSTPCI_REASON_MAX);
	s->not_ready[s->n++] = d->not_ready;
	return 0;
}

static void test_each(void **state)
{
	struct seen s = { 0 };

	(void)state;
	test_host();
	device("0000:00:02.0", -1, "bochs-drm");
	device_ids("0000:00:02.0", 0x1234, 0x1111, 0x030000);
	assert_int_equal(hostpci__each(sys_dir, see, &s), 0);
	assert_int_equal(s.n, 5);
	/* In BDF order, whatever order the directory has. */
	assert_string_equal(s.bdf[0], "0000:00:02.0");
	assert_int_equal(s.group[0], -1);
	assert_true(s.not_ready[0]);
	assert_non_null(strstr(s.reason[0], "in no IOMMU group"));
	assert_string_equal(s.bdf[1], "0000:00:04.0");
	assert_false(s.not_ready[1]);
	assert_string_equal(s.reason[1], "");
	assert_string_equal(s.bdf[2], "0000:00:05.0");
	assert_int_equal(s.group[2], 4);
	assert_true(s.not_ready[2]);
	assert_non_null(strstr(s.reason[2], "is bound to"));
	assert_string_equal(s.bdf[4], "0000:00:07.1");

	/* Entries that are not what the kernel makes are passed over, and counted. */
	put("sys/bus/pci/devices/not-a-device");
	put("sys/bus/pci/devices/0000:00:05.0/class=0x10802\n");
	link_to("../../../bus/pci/drivers/../../..", "sys/bus/pci/devices/0000:00:07.1/driver");
	s.n = 0;
	assert_int_equal(run_cmd(cmd_list, "list --root %s", root), 1);
	holds(err, "skipping 'not-a-device' in ");
	holds(err, "skipping 0000:00:05.0: cannot read its vendor, device and class from sysfs: Invalid argument");
	holds(err, "skipping 0000:00:07.1: cannot read which driver it is bound to");
	assert_int_equal(hostpci__each(sys_dir, see, &s), 2);
	assert_int_equal(s.n, 3);
	assert_null(strstr(out, "0000:00:05.0"));
	holds(out, "0000:00:04.0");
}

static void test_list_json(void **state)
{
	const char *want =
		"{\"version\":1,\"devices\":["
		"{\"bdf\":\"0000:00:04.0\",\"vendor\":\"1234\",\"device\":\"11e8\",\"class\":\"00ff00\","
		"\"vendor_name\":null,\"device_name\":null,\"class_name\":\"Unclassified device [00ff]\","
		"\"driver\":\"vfio-pci\",\"iommu_group\":3,\"group_members\":[\"0000:00:04.0\"],"
		"\"assignable\":true,\"held_by\":null,\"reason\":null,\"fix\":null},"
		"{\"bdf\":\"0000:00:05.0\",\"vendor\":\"1b36\",\"device\":\"0010\",\"class\":\"010802\","
		"\"vendor_name\":\"Red Hat, Inc.\",\"device_name\":\"QEMU NVM Express Controller\","
		"\"class_name\":\"Non-Volatile memory controller\","
		"\"driver\":\"nvme\",\"iommu_group\":4,\"group_members\":[\"0000:00:05.0\"],"
		"\"assignable\":false,\"held_by\":null,\"reason\":\"0000:00:05.0 is bound to nvme, not vfio-pci\","
		"\"fix\":\"hand it over (the host loses the device): echo 0000:00:05.0 > /sys/bus/pci/devices/0000:00:05.0/driver/unbind; "
		"echo vfio-pci > /sys/bus/pci/devices/0000:00:05.0/driver_override; echo 0000:00:05.0 > /sys/bus/pci/drivers_probe\"},"
		"{\"bdf\":\"0000:00:06.0\",\"vendor\":\"1b36\",\"device\":\"0010\",\"class\":\"010802\","
		"\"vendor_name\":\"Red Hat, Inc.\",\"device_name\":\"QEMU NVM Express Controller\","
		"\"class_name\":\"Non-Volatile memory controller\","
		"\"driver\":null,\"iommu_group\":null,\"group_members\":[],"
		"\"assignable\":false,\"held_by\":null,\"reason\":\"0000:00:06.0 is in no IOMMU group: the IOMMU is off\","
		"\"fix\":\"enable VT-d (Intel) or AMD-Vi (AMD) in the firmware, and on Intel boot with intel_iommu=on\"},"
		"{\"bdf\":\"0000:00:07.0\",\"vendor\":\"8086\",\"device\":\"10d3\",\"class\":\"020000\","
		"\"vendor_name\":\"Intel Corporation\",\"device_name\":\"82574L Gigabit Network Connection\","
		"\"class_name\":\"Ethernet controller\","
		"\"driver\":\"vfio-pci\",\"iommu_group\":5,\"group_members\":[\"0000:00:07.0\",\"0000:00:07.1\"],"
		"\"assignable\":true,\"held_by\":null,\"reason\":null,\"fix\":null},"
		"{\"bdf\":\"0000:00:07.1\",\"vendor\":\"8086\",\"device\":\"10d3\",\"class\":\"020000\","
		"\"vendor_name\":\"Intel Corporation\",\"device_name\":\"82574L Gigabit Network Connection\","
		"\"class_name\":\"Ethernet controller\","
		"\"driver\":null,\"iommu_group\":5,\"group_members\":[\"0000:00:07.0\",\"0000:00:07.1\"],"
		"\"assignable\":false,\"held_by\":null,\"reason\":\"0000:00:07.1 has no driver\","
		"\"fix\":\"bind it to vfio-pci: echo vfio-pci > /sys/bus/pci/devices/0000:00:07.1/driver_override; "
		"echo 0000:00:07.1 > /sys/bus/pci/drivers_probe\"}"
		"]}\n";

	(void)state;
	test_host();
	device("0000:00:06.0", -1, "");
	device_ids("0000:00:06.0", 0x1b36, 0x0010, 0x010802);
	assert_int_equal(run_cmd(cmd_list, "list --json --root %s", root), 0);
	assert_string_equal(err, "");
	assert_string_equal(out, want);
}

/* Names and reasons are escaped, whatever sysfs or pci.ids hold. */
static void test_list_json_empty(void **state)
{
	(void)state;
	assert_int_equal(run_cmd(cmd_list, "list --json --root %s", root), 0);
	assert_string_equal(out, "{\"version\":1,\"devices\":[]}\n");
	put("sys/bus/pci/devices/..x");		/* not a device: left out */
	assert_int_equal(run_cmd(cmd_list, "list --root %s --json", root), 0);
	assert_string_equal(out, "{\"version\":1,\"devices\":[]}\n");
	holds(err, "skipping '..x'");
}

static void test_list_table(void **state)
{
	(void)state;
	test_host();
	assert_int_equal(run_cmd(cmd_list, "list --root %s", root), 0);
	assert_string_equal(err, "");
	holds(out, "BDF           VENDOR:DEVICE:CLASS  DRIVER        GROUP  ASSIGNABLE  VM               NAME\n");
	holds(out, "0000:00:04.0  1234:11e8:00ff00     vfio-pci      3      yes         -                "
		   "Unclassified device [00ff]: 1234 11e8\n");
	holds(out, "0000:00:05.0  1b36:0010:010802     nvme          4      no          -                "
		   "Non-Volatile memory controller: Red Hat, Inc. QEMU NVM Express Controller\n"
		   "              0000:00:05.0 is bound to nvme, not vfio-pci\n");
	holds(out, "0000:00:07.1  8086:10d3:020000     -             5      no          -                ");
}

/*
 * A device a running VM holds (its broker alive, as the registry says):
 * named in the VM column and in held_by, and not assignable, whatever
 * sysfs says; the entry of a broker that is gone changes nothing.
 */
static void test_list_held(void **state)
{
	unsigned long long start = proc_start_time(getpid());
	char stat[1024];

	(void)state;
	proc_stat_line(getpid(), stat, sizeof(stat));
	test_host();
	/* The registry reads the brokers' start times from the host's proc: the fake tree's. */
	put("proc/%d/stat=%s", (int)getpid(), stat);
	put("run/airlock/vms/web=name web\nbroker %d %llu\nvmm 0\nuser 1000 alice\nmemory 268435456\nprocessors 1\n"
	    "devices 0000:00:07.0\nstarted 1764900000\nconsole none\nstop-timeout 30\n", (int)getpid(), start);
	put("run/airlock/vms/gone=name gone\nbroker 999999 1\nvmm 0\nuser 1000 alice\nmemory 268435456\nprocessors 1\n"
	    "devices 0000:00:04.0\nstarted 1764900000\nconsole none\nstop-timeout 30\n");
	assert_int_equal(run_cmd(cmd_list, "list --root %s", root), 0);
	holds(out, "0000:00:07.0  8086:10d3:020000     vfio-pci      5      no          web              Ethernet controller");
	holds(out, "              0000:00:07.0 is held by the running VM web (broker pid ");
	holds(out, "0000:00:04.0  1234:11e8:00ff00     vfio-pci      3      yes         -                ");
	assert_int_equal(run_cmd(cmd_list, "list --json --root %s", root), 0);
	holds(out, "\"bdf\":\"0000:00:07.0\"");
	holds(out, "\"assignable\":false,\"held_by\":{\"vm\":\"web\",\"broker_pid\":");
	holds(out, "\"fix\":\"stop that VM first (airlock ps lists the running VMs)\"");
}

static void test_list_usage(void **state)
{
	(void)state;
	assert_int_equal(run_cmd(cmd_list, "list --help"), 0);
	holds(out, "usage: airlock list [--json] [--root DIR]");
	assert_int_equal(run_cmd(cmd_list, "list --jsn"), 2);
	holds(err, "see airlock list --help");
	assert_int_equal(run_cmd(cmd_list, "list 0000:00:04.0"), 2);
	holds(err, "unexpected argument '0000:00:04.0'");
	assert_int_equal(run_cmd(cmd_list, "list --root"), 2);
	assert_int_equal(run_cmd(cmd_list, "list --root %s/nothing", root), 1);
	holds(err, "cannot list the PCI devices in");
}

/* --root is for root: a setuid broker must not read a tree its caller made. */
static void test_root_refused(void **state)
{
	int status;

	(void)state;
	if (getuid() != 0)
		skip();
	assert_int_equal(setresuid(65534, 0, 0), 0);
	assert_int_equal(as_root(NULL), -1);
	status = run_cmd(cmd_list, "list --root %s", root);
	assert_int_equal(setresuid(0, 0, 0), 0);
	assert_int_equal(as_root(NULL), 0);
	assert_int_equal(status, 2);
	assert_string_equal(err, "airlock: --root (a fake host tree for tests) is for root, and you are nobody (uid 65534, "
			    "through setuid); an admin line in /etc/airlock/policy.conf makes a user count as root\n");
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assignable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_json_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("hostpci", tests, as_root, NULL);
}
