// SPDX-License-Identifier: MIT
/*
 * airlock bind and unbind against fake hosts: what they write where, the
 * records of original drivers, the group and in-use refusals. In a fake
 * tree no driver moves after the writes, so each hand-over ends in the
 * failure that says so: the real moves are the test host's to prove.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "fake-sysfs.h"
#include "log.h"

#define NVME "0000:00:05.0"
#define REC "run/airlock/drivers/"

/* The audit log stands in here: every line, one after another. */
static char audit_log[8192];
static struct json audit_json;
static char *audit_line;
static size_t audit_len;

struct json *audit__begin(const char *event)
{
	json__init(&audit_json, open_memstream(&audit_line, &audit_len));
	json__obj_begin(&audit_json, NULL);
	json__str(&audit_json, "event", event);
	return &audit_json;
}

void audit__end(struct json *j)
{
	json__obj_end(j);
	fputc('\n', j->out);
	assert_int_equal(json__finish(j), 0);
	fclose(j->out);
	strncat(audit_log, audit_line, sizeof(audit_log) - strlen(audit_log) - 1);
	free(audit_line);
}

static int setup(void **state)
{
	(void)state;
	if (fake_create())
		return -1;
	audit_log[0] = '\0';
	put("sys/bus/pci/drivers/vfio-pci");
	put("sys/bus/pci/drivers_probe=");
	put("proc/self/mountinfo=22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n");
	put("proc/swaps=Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	put("run");
	device(NVME, 4, "nvme");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fake_remove();
}

static int bind(const char *args)
{
	return run_cmd(cmd_bind, "bind --root %s %s", root, args);
}

static int unbind(const char *args)
{
	return run_cmd(cmd_unbind, "unbind --root %s %s", root, args);
}

static mode_t mode_of(const char *rel)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* An NVMe disk below the device, with a partition, as the kernel lays them out. */
static void disk(void)
{
	const char *d = "sys/bus/pci/devices/" NVME "/nvme/nvme0/nvme0n1";

	put("%s/holders", d);
	put("%s/dev=259:0\n", d);
	link_to("../../../../../../../class/block", "%s/subsystem", d);
	put("%s/nvme0n1p1/dev=259:1\n", d);
	link_to("../../../../../../../../class/block", "%s/nvme0n1p1/subsystem", d);
	link_to("../../../../../../bus/pci/drivers/nvme", "%s/device", d);	/* links are not walked */
	link_to(".", "sys/bus/pci/devices/" NVME "/loop");
}

static void test_bind(void **state)
{
	(void)state;
	assert_int_equal(bind(NVME), 1);
	/* What the kernel is told, in order: the override, the old driver lets go, a probe. */
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "vfio-pci");
	assert_string_equal(contents("sys/bus/pci/drivers/nvme/unbind"), NVME);
	assert_string_equal(contents("sys/bus/pci/drivers_probe"), NVME);
	/* The fake driver link stays: said in one line, with what to check. */
	assert_string_equal(err, "airlock: 0000:00:05.0: after the hand-over it is bound to nvme, not vfio-pci; is vfio-pci loaded (modprobe vfio-pci)? "
				 "dmesg says why the probe failed; airlock unbind 0000:00:05.0 gives it back\n");
	assert_string_equal(out, "");
	/* The original driver is kept, root's alone. */
	assert_string_equal(contents(REC NVME), "nvme\n");
	assert_int_equal(mode_of(REC NVME), 0600);
	assert_int_equal(mode_of("run/airlock/drivers"), 0700);
	assert_int_equal(mode_of("run/airlock"), 0700);
	assert_string_equal(audit_log, "{\"event\":\"bind\",\"device\":\"0000:00:05.0\",\"from\":\"nvme\",\"to\":\"vfio-pci\",\"ok\":false}\n");

	/* A second bind (the device is still on nvme here) keeps the first original. */
	put(REC NVME "=e1000e\n");
	assert_int_equal(bind(NVME), 1);
	assert_string_equal(contents(REC NVME), "e1000e\n");
}

static void test_bind_driverless(void **state)
{
	(void)state;
	device("0000:00:06.0", 6, "");
	assert_int_equal(bind("0000:00:06.0"), 1);
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:06.0/driver_override"), "vfio-pci");
	assert_string_equal(contents("sys/bus/pci/drivers_probe"), "0000:00:06.0");
	assert_string_equal(contents(REC "0000:00:06.0"), "\n");
	holds(err, "after the hand-over it is bound to no driver, not vfio-pci");
	holds(audit_log, "\"from\":null,\"to\":\"vfio-pci\"");
}

static void test_bind_already(void **state)
{
	(void)state;
	device(NVME, 4, "vfio-pci");
	assert_int_equal(bind("0000:00:05.0"), 0);
	assert_string_equal(out, "0000:00:05.0 is bound to vfio-pci already\n");
	assert_string_equal(contents(REC NVME), "(none)");
	assert_string_equal(audit_log, "");
}

static void test_bind_refusals(void **state)
{
	char path[PATH_MAX * 2];

	(void)state;
	device("0000:00:06.0", -1, "nvme");
	assert_int_equal(bind("0000:00:06.0"), 1);
	assert_string_equal(err, "airlock: 0000:00:06.0 is in no IOMMU group: the IOMMU is off; enable VT-d (Intel) or AMD-Vi (AMD) in the firmware, and on Intel boot with intel_iommu=on\n");
	assert_int_equal(bind("0000:00:09.0"), 1);
	holds(err, "there is no PCI device 0000:00:09.0 on this host");
	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/vfio-pci", root);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(bind(NVME), 1);
	assert_string_equal(err, "airlock: vfio-pci is not loaded; modprobe vfio-pci, then airlock bind 0000:00:05.0 again\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
	assert_string_equal(audit_log, "");
}

static void test_bind_group(void **state)
{
	(void)state;
	device("0000:00:04.0", 3, "nvme");
	device("0000:00:04.1", 3, "e1000e");
	device("0000:00:04.2", 3, "");		/* may stay without a driver */
	device("0000:00:04.3", 3, "pcieport");	/* a bridge may stay */
	assert_int_equal(bind("0000:00:04.0"), 1);
	assert_string_equal(err, "airlock: 0000:00:04.0 shares IOMMU group 3 with 0000:00:04.1 (e1000e), which the host holds; a group is assigned whole: "
				 "airlock bind --group 0000:00:04.0 hands them all to vfio-pci\n");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:04.0/driver_override"), "(null)\n");
	assert_string_equal(contents(REC "0000:00:04.0"), "(none)");

	assert_int_equal(bind("--group 0000:00:04.0"), 1);
	holds(err, "airlock: warning: binding IOMMU group 3 whole: 0000:00:04.1 (e1000e) goes to vfio-pci too\n");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:04.0/driver_override"), "vfio-pci");
	/* The first hand-over failed (the fake link stays): the rest of the group is left alone. */
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:04.1/driver_override"), "(null)\n");

	/* The device itself on vfio-pci already: its group still is not viable without --group. */
	device("0000:00:04.0", 3, "vfio-pci");
	audit_log[0] = '\0';
	assert_int_equal(bind("0000:00:04.0"), 1);
	holds(err, "0000:00:04.0 shares IOMMU group 3 with 0000:00:04.1 (e1000e), which the host holds");
	assert_int_equal(bind("--group 0000:00:04.0"), 1);
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:04.1/driver_override"), "vfio-pci");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:04.2/driver_override"), "(null)\n");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:04.3/driver_override"), "(null)\n");
	assert_string_equal(contents("sys/bus/pci/drivers/e1000e/unbind"), "0000:00:04.1");
	assert_string_equal(contents(REC "0000:00:04.1"), "e1000e\n");
	assert_string_equal(contents(REC "0000:00:04.2"), "(none)");
	assert_string_equal(audit_log, "{\"event\":\"bind\",\"device\":\"0000:00:04.1\",\"from\":\"e1000e\",\"to\":\"vfio-pci\",\"ok\":false}\n");
}

static void test_bind_mounted(void **state)
{
	(void)state;
	disk();
	assert_int_equal(bind(NVME), 1);
	/* Not mounted: the walk finds the disk but nothing stops the bind (the fake link then does). */
	holds(err, "after the hand-over");
	put(REC NVME "=nvme\n");
	put("sys/bus/pci/devices/" NVME "/driver_override=(null)\n");

	put("proc/self/mountinfo=22 1 259:1 / /data rw - ext4 /dev/nvme0n1p1 rw\n");
	assert_int_equal(bind(NVME), 1);
	assert_string_equal(err, "airlock: 0000:00:05.0 is in use by the host: nvme0n1p1 (259:1) is mounted; taking it loses data: stop using it, or pass --force\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");

	/* btrfs and the like show another device number; the source names the disk. */
	put("proc/self/mountinfo=22 1 0:42 / /data rw - btrfs /dev/nvme0n1 rw\n");
	assert_int_equal(bind(NVME), 1);
	holds(err, "nvme0n1 (259:0) is mounted");

	put("proc/self/mountinfo=22 1 254:1 / / rw - ext4 /dev/vda1 rw\n");
	put("proc/swaps=Filename\tType\tSize\tUsed\tPriority\n/dev/nvme0n1p1 partition\t1048572\t0\t-2\n");
	assert_int_equal(bind(NVME), 1);
	holds(err, "0000:00:05.0 is in use by the host: nvme0n1p1 is a swap area in use");

	put("proc/swaps=Filename\tType\tSize\tUsed\tPriority\n");
	put("sys/bus/pci/devices/" NVME "/nvme/nvme0/nvme0n1/holders/dm-0");
	assert_int_equal(bind(NVME), 1);
	holds(err, "nvme0n1 is held by dm-0 (device-mapper, RAID or the like)");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");

	/* --force takes it, saying what it takes. */
	assert_int_equal(bind("--force " NVME), 1);
	holds(err, "airlock: warning: 0000:00:05.0 is in use by the host: nvme0n1 is held by dm-0 (device-mapper, RAID or the like); --force takes it anyway\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "vfio-pci");
	holds(audit_log, "\"ok\":false,\"forced\":true}\n");
}

static void test_bind_net(void **state)
{
	const char *eth = "sys/bus/pci/devices/0000:00:07.0/net/eth0";

	(void)state;
	device("0000:00:07.0", 5, "e1000e");
	put("%s/operstate=up\n", eth);
	link_to("../../../../../../class/net", "%s/subsystem", eth);
	put("%s/flags=0x1003\n", eth);
	assert_int_equal(bind("0000:00:07.0"), 1);
	assert_string_equal(err, "airlock: 0000:00:07.0 is in use by the host: its network interface eth0 is up (ip link set eth0 down first); "
				 "taking it loses data: stop using it, or pass --force\n");
	/* Up without a carrier is still up. */
	put("%s/operstate=down\n", eth);
	assert_int_equal(bind("0000:00:07.0"), 1);
	holds(err, "its network interface eth0 is up");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:07.0/driver_override"), "(null)\n");
	put("%s/flags=0x1002\n", eth);
	assert_int_equal(bind("0000:00:07.0"), 1);
	holds(err, "after the hand-over it is bound to e1000e");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:07.0/driver_override"), "vfio-pci");
}

static void test_unbind(void **state)
{
	(void)state;
	device(NVME, 4, "vfio-pci");
	put("sys/bus/pci/drivers/nvme/bind=");
	put(REC NVME "=nvme\n");
	assert_int_equal(unbind(NVME), 1);
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "\n");
	assert_string_equal(contents("sys/bus/pci/drivers/vfio-pci/unbind"), NVME);
	assert_string_equal(contents("sys/bus/pci/drivers/nvme/bind"), NVME);
	assert_string_equal(contents("sys/bus/pci/drivers_probe"), "");
	assert_string_equal(err, "airlock: 0000:00:05.0: after giving it back it is bound to vfio-pci, not nvme; dmesg says why, then airlock unbind 0000:00:05.0 again\n");
	/* The record stays for the next try. */
	assert_string_equal(contents(REC NVME), "nvme\n");
	assert_string_equal(audit_log, "{\"event\":\"unbind\",\"device\":\"0000:00:05.0\",\"from\":\"vfio-pci\",\"to\":null,\"ok\":false}\n");

	/* The original driver not loaded: nothing is touched. */
	put(REC NVME "=mlx5_core\n");
	put("sys/bus/pci/devices/" NVME "/driver_override=vfio-pci\n");
	assert_int_equal(unbind(NVME), 1);
	assert_string_equal(err, "airlock: 0000:00:05.0: its driver mlx5_core is not loaded; modprobe mlx5_core, then airlock unbind 0000:00:05.0 again\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "vfio-pci\n");
}

static void test_unbind_no_record(void **state)
{
	(void)state;
	device(NVME, 4, "vfio-pci");
	assert_int_equal(unbind(NVME), 1);
	assert_string_equal(contents("sys/bus/pci/drivers_probe"), NVME);
	assert_string_equal(contents("sys/bus/pci/drivers/vfio-pci/unbind"), NVME);
	holds(err, "vfio-pci took it again: its vendor:device is in vfio-pci's ids");

	/* Left without a driver by a bind that failed half-way: given back whole, record gone. */
	device("0000:00:06.0", 6, "");
	put(REC "0000:00:06.0=\n");
	audit_log[0] = '\0';
	assert_int_equal(unbind("0000:00:06.0"), 0);
	assert_string_equal(err, "");
	assert_string_equal(out, "unbound 0000:00:06.0 from vfio-pci; it had no driver before; the kernel picked no driver\n");
	assert_string_equal(contents("sys/bus/pci/drivers_probe"), "0000:00:06.0");
	assert_string_equal(contents(REC "0000:00:06.0"), "(none)");
	assert_string_equal(audit_log, "{\"event\":\"unbind\",\"device\":\"0000:00:06.0\",\"from\":null,\"to\":null,\"ok\":true}\n");
	assert_int_equal(unbind("0000:00:06.0"), 0);
	holds(out, "no record of its original driver; the kernel picked no driver");

	/* Already back on its own driver: nothing to do, the stale record goes. */
	put(REC NVME "=nvme\n");
	device(NVME, 4, "nvme");
	assert_int_equal(unbind(NVME), 0);
	assert_string_equal(out, "0000:00:05.0 is bound to nvme, not vfio-pci: nothing to give back\n");
	assert_string_equal(contents(REC NVME), "(none)");
}

/* A record that is not root's own file is not believed. */
static void test_records(void **state)
{
	char path[PATH_MAX * 2];

	(void)state;
	device(NVME, 4, "vfio-pci");
	put("sys/bus/pci/drivers/nvme/bind=");
	put(REC "other=nvme\n");
	link_to("other", REC NVME);
	assert_int_equal(unbind(NVME), 1);
	holds(err, "airlock: 0000:00:05.0: the record of its driver in ");
	holds(err, "/run/airlock/drivers/0000:00:05.0 is not root's own regular file with one driver name; remove it, then airlock unbind 0000:00:05.0 again\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
	snprintf(path, sizeof(path), "%s/" REC NVME, root);
	unlink(path);
	put(REC NVME "=nvme\n");
	chmod(path, 0666);
	assert_int_equal(unbind(NVME), 1);
	holds(err, "is not root's own regular file");
	put(REC NVME "=../../evil\n");
	chmod(path, 0600);
	assert_int_equal(unbind(NVME), 1);
	holds(err, "is not root's own regular file");
	/* A records directory others can write to is not used. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/run/airlock/drivers", root);
	chmod(path, 0777);
	device(NVME, 4, "nvme");
	assert_int_equal(bind(NVME), 1);
	holds(err, "0000:00:05.0: cannot keep a record of its driver under ");
	holds(err, "/run/airlock/drivers: Operation not permitted; nothing was changed\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
}

static void test_usage(void **state)
{
	int status;

	(void)state;
	assert_int_equal(run_cmd(cmd_bind, "bind --help"), 0);
	holds(out, "usage: airlock bind [--group] [--force] [--root DIR] BDF...");
	assert_int_equal(run_cmd(cmd_unbind, "unbind --help"), 0);
	holds(out, "usage: airlock unbind [--root DIR] BDF...");
	assert_int_equal(run_cmd(cmd_bind, "bind"), 2);
	holds(err, "bind: which device?");
	assert_int_equal(run_cmd(cmd_bind, "bind 05.0"), 2);
	holds(err, "bind: bad PCI address '05.0'");
	assert_int_equal(run_cmd(cmd_unbind, "unbind --group " NVME), 2);
	holds(err, "unbind: unknown option");
	/* Every address is checked before anything is done. */
	assert_int_equal(bind(NVME " junk"), 2);
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
	if (getuid() != 0)
		return;
	assert_int_equal(setresuid(65534, 0, 0), 0);
	status = run_cmd(cmd_bind, "bind " NVME);
	assert_int_equal(setresuid(0, 0, 0), 0);
	assert_int_equal(status, 1);
	assert_string_equal(err, "airlock: bind: changing which driver holds a device is for root: sudo airlock bind ...\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_driverless, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_already, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_mounted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_net, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind_no_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
	};

	return cmocka_run_group_tests_name("bind", tests, NULL, NULL);
}
