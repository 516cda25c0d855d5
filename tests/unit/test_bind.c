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
#include "as-root.h"
#include "fake-sysfs.h"
#include "log.h"
#include "source-file.h"
#include "subject.h"

#define NVME "0000:00:05.0"
#define REC "run/airlock/drivers/"
#define DISK "sys/bus/pci/devices/" NVME "/nvme/nvme0/nvme0n1"
#define HOST_NS 4026531841UL
#define ROOT_MOUNT "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"

/* The audit log stands in here: every line, one after another. */
static char audit_log[8192];
static struct json audit_json;
static char *audit_line;
static size_t audit_len;

struct json *audit__begin(const char *event)
{
	json__init(&audit_json, open_memstream(&audit_line, &audit_len), 0);
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
	fake_process(1, "init", HOST_NS, ROOT_MOUNT);
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
	need_root();
	return run_cmd(cmd_bind, "bind --root %s %s", root, args);
}

/* airlock bind --config root/file, and args. */
static int bind_config(const char *file, const char *args)
{
	need_root();
	return run_cmd(cmd_bind, "bind --root %s --config %s/%s %s", root, root, file, args);
}

static int unbind(const char *args)
{
	need_root();
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
	const char *d = DISK;

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

/* The bind that found nothing in the way: it wrote the override (and failed at the fake link). */
static void proceeded(void)
{
	holds(err, "after the hand-over");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "vfio-pci");
	put(REC NVME "=nvme\n");
	put("sys/bus/pci/devices/" NVME "/driver_override=(null)\n");
}

/* A refusal: err says so, and nothing was written. */
static void refused(const char *why)
{
	assert_string_equal(err, why);
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
}

/* A block device at root/<dir> (dev "MAJ:MIN") as sysfs has one, with class/block/<name> linking to it. */
static void blockdev(const char *dir, const char *dev)
{
	char target[PATH_MAX * 2];
	const char *name = strrchr(dir, '/') + 1;

	put("%s/dev=%s\n", dir, dev);
	put("%s/holders", dir);
	link_to("/sys/class/block", "%s/subsystem", dir);
	put("sys/class/block");
	snprintf(target, sizeof(target), "%s/%s", root, dir);
	link_to(target, "sys/class/block/%s", name);
}

static void test_bind_mounted(void **state)
{
	(void)state;
	disk();
	assert_int_equal(bind(NVME), 1);
	/* Not mounted: the walk finds the disk but nothing stops the bind (the fake link then does). */
	proceeded();

	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 259:1 / /data rw - ext4 /dev/nvme0n1p1 rw\n");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1p1 (259:1) is mounted on /data in the mount namespace of pid 1; "
		"taking it loses data: unmount it (nsenter -t 1 -m umount /data), or pass --force\n");

	/* btrfs and the like show another device number; the source names the disk. */
	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 0:42 / /data rw - btrfs /dev/nvme0n1 rw\n");
	assert_int_equal(bind(NVME), 1);
	holds(err, "its block device nvme0n1 (259:0) is mounted on /data");

	fake_process(1, "init", HOST_NS, ROOT_MOUNT);
	put("proc/swaps=Filename\tType\tSize\tUsed\tPriority\n/dev/nvme0n1p1 partition\t1048572\t0\t-2\n");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1p1 (259:1) is a swap area in use; "
		"taking it loses data: swapoff /dev/nvme0n1p1, or pass --force\n");

	/* A holder that is mounted nowhere still has the disk open. */
	put("proc/swaps=Filename\tType\tSize\tUsed\tPriority\n");
	put(DISK "/holders/dm-0");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1 is held by dm-0 (device-mapper, RAID or the like); "
		"taking it loses data: take dm-0 apart first (dmsetup remove, mdadm --stop), or pass --force\n");

	/* --force takes it, saying what it takes. */
	assert_int_equal(bind("--force " NVME), 1);
	holds(err, "airlock: warning: 0000:00:05.0 is in use by the host: its block device nvme0n1 is held by dm-0 (device-mapper, RAID or the like); --force takes it anyway\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "vfio-pci");
	holds(audit_log, "\"ok\":false,\"forced\":true}\n");
}

/* A mount only another mount namespace has (a container's, unshare -m) counts as much as the host's. */
static void test_bind_namespaces(void **state)
{
	(void)state;
	disk();
	fake_process(4242, "postgres", HOST_NS + 7, ROOT_MOUNT "30 22 259:1 /pg /srv/db rw - xfs /dev/nvme0n1p1 rw\n");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1p1 (259:1) is mounted on /srv/db in the mount namespace of pid 4242; "
		"taking it loses data: unmount it (nsenter -t 4242 -m umount /srv/db), or pass --force\n");

	/* Gone, or a kernel thread without mounts to read: passed over. */
	fake_process(4242, "postgres", HOST_NS + 7, ROOT_MOUNT);
	put("proc/99");
	assert_int_equal(bind(NVME), 1);
	proceeded();
}

/*
 * NVMe multipath: the controller's namespace is a hidden path device
 * below it (nvme0c0n1); the disk the host mounts is the subsystem's head
 * (nvme0n1), under /sys/devices/virtual, found through the subsystem
 * that lists the controller.
 */
static void test_bind_multipath(void **state)
{
	const char *ctrl = "sys/devices/pci0000:00/" NVME "/nvme/nvme0";
	const char *subsys = "sys/devices/virtual/nvme-subsystem/nvme-subsys0";

	(void)state;
	put("%s/nvme0c0n1/dev=259:3\n", ctrl);
	link_to("/sys/class/block", "%s/nvme0c0n1/subsystem", ctrl);
	link_to("/sys/class/nvme", "%s/subsystem", ctrl);
	put("%s", subsys);
	link_to("/sys/class/nvme-subsystem", "%s/subsystem", subsys);
	link_to("../../../pci0000:00/" NVME "/nvme/nvme0", "%s/nvme0", subsys);
	blockdev("sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", "259:0");
	blockdev("sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p2", "259:2");
	put("sys/class/nvme-subsystem");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys0", "sys/class/nvme-subsystem/nvme-subsys0");
	/* Another subsystem, of another controller, mounted: not this device's. */
	put("sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1");
	blockdev("sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1", "259:5");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1", "sys/class/nvme-subsystem/nvme-subsys1");
	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 259:5 / /other rw - ext4 /dev/nvme1n1 rw\n");
	assert_int_equal(bind(NVME), 1);
	proceeded();

	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 259:2 / /var rw - ext4 /dev/nvme0n1p2 rw\n");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1p2 (259:2) is mounted on /var in the mount namespace of pid 1; "
		"taking it loses data: unmount it (nsenter -t 1 -m umount /var), or pass --force\n");
}

/*
 * What stands on a disk: device-mapper and RAID list themselves in its
 * holders/ (a partition's too); the mount or swap is on them.
 */
static void test_bind_holders(void **state)
{
	(void)state;
	disk();
	put(DISK "/nvme0n1p1/holders");
	link_to("../../../../../../../virtual/block/dm-0", DISK "/nvme0n1p1/holders/dm-0");
	blockdev("sys/devices/virtual/block/dm-0", "253:0");
	blockdev("sys/devices/virtual/block/md0", "9:0");
	link_to("../../md0", "sys/devices/virtual/block/dm-0/holders/md0");
	blockdev("sys/devices/virtual/block/md0/md0p1", "259:7");
	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 259:7 / /home rw - ext4 /dev/md0p1 rw\n");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1p1, through md0p1 (259:7), is mounted on /home in the mount namespace of pid 1; "
		"taking it loses data: unmount it (nsenter -t 1 -m umount /home), or pass --force\n");

	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 253:0 / /mnt rw - ext4 /dev/mapper/vg-data rw\n");
	assert_int_equal(bind(NVME), 1);
	holds(err, "its block device nvme0n1p1, through dm-0 (253:0), is mounted on /mnt in the mount namespace of pid 1");

	fake_process(1, "init", HOST_NS, ROOT_MOUNT);
	put("proc/swaps=Filename\tType\tSize\tUsed\tPriority\n/dev/dm-0 partition\t1048572\t0\t-2\n");
	assert_int_equal(bind(NVME), 1);
	holds(err, "its block device nvme0n1p1, through dm-0 (253:0), is a swap area in use; taking it loses data: swapoff /dev/dm-0, or pass --force\n");
}

/*
 * btrfs over several disks: its mounts show an anonymous device number
 * and name one device as the source, maybe another disk; the disks of a
 * mounted btrfs are in /sys/fs/btrfs/<uuid>/devices.
 */
static void test_bind_btrfs(void **state)
{
	const char *fs = "sys/fs/btrfs/9f2c61c4-0c7e-4a39-8d9e-3bb6a1d2b0aa";

	(void)state;
	disk();
	put("sys/fs/btrfs/features/raid1c34=0\n");
	put("sys/fs/btrfs/5b0e2d2c-1111-4a39-8d9e-3bb6a1d2b0aa/devices/sdb");
	put("%s/devices/sda", fs);
	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 0:42 / /pool rw - btrfs /dev/sda rw\n");
	/* A btrfs of other disks only: nothing of this device's. */
	assert_int_equal(bind(NVME), 1);
	proceeded();

	put("%s/devices/nvme0n1", fs);
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1, in a btrfs filesystem with sda, is mounted on /pool in the mount namespace of pid 1; "
		"taking it loses data: unmount it (nsenter -t 1 -m umount /pool), or pass --force\n");

	/* Mounted by a name that is none of its devices' (/dev/mapper/...): still mounted. */
	fake_process(1, "init", HOST_NS, ROOT_MOUNT "23 22 0:42 / /pool rw - btrfs /dev/mapper/crypt rw\n");
	assert_int_equal(bind(NVME), 1);
	refused("airlock: 0000:00:05.0 is in use by the host: its block device nvme0n1 is a device of the mounted btrfs filesystem 9f2c61c4-0c7e-4a39-8d9e-3bb6a1d2b0aa; "
		"taking it loses data: unmount it, or pass --force\n");
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
	assert_string_equal(err, "airlock: 0000:00:07.0 is in use by the host: its network interface eth0 is up; "
				 "taking it loses data: ip link set eth0 down, or pass --force\n");
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

/* A group a process holds: vfio-pci would not let go until it closes, and unbind would hang. */
static void test_unbind_open(void **state)
{
	(void)state;
	device(NVME, 4, "vfio-pci");
	put("sys/bus/pci/drivers/nvme/bind=");
	put(REC NVME "=nvme\n");
	fake_process(812, "airlock", HOST_NS, ROOT_MOUNT);
	fake_open(812, 0, "/dev/null");
	fake_open(812, 7, "/dev/vfio/vfio");
	fake_open(812, 8, "/dev/vfio/4");
	assert_int_equal(unbind(NVME), 1);
	assert_string_equal(err, "airlock: 0000:00:05.0 is in use: pid 812 (airlock, an airlock VM) has /dev/vfio/4 open, and vfio-pci lets go of it only once that is closed: "
				 "stop the VM first, then airlock unbind 0000:00:05.0 again\n");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
	assert_string_equal(contents("sys/bus/pci/drivers/vfio-pci/unbind"), "");
	assert_string_equal(audit_log, "");

	/* Its own cdev (iommufd), by any program. */
	fake_open(812, 8, "/dev/vfio/5");
	put("sys/bus/pci/devices/" NVME "/vfio-dev/vfio3");
	fake_process(900, "qemu-system-x86", HOST_NS, ROOT_MOUNT);
	fake_open(900, 3, "/dev/vfio/devices/vfio3");
	assert_int_equal(unbind(NVME), 1);
	holds(err, "pid 900 (qemu-system-x86) has /dev/vfio/devices/vfio3 open, and vfio-pci lets go of it only once that is closed: stop that process first");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");

	/* Another group, another cdev: this one is free. */
	fake_open(900, 3, "/dev/vfio/devices/vfio30");
	assert_int_equal(unbind(NVME), 1);
	holds(err, "after giving it back it is bound to vfio-pci, not nvme");
	assert_string_equal(contents("sys/bus/pci/drivers/vfio-pci/unbind"), NVME);
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

/* Two edu devices on vfio-pci already, a third driverless, and the NVMe controller; the list at root/bind.conf. */
static void edus(const char *list)
{
	device("0000:00:06.0", 6, "vfio-pci");
	device("0000:00:07.0", 7, "vfio-pci");
	device("0000:00:08.0", 8, "");
	device_ids("0000:00:06.0", 0x1234, 0x11e8, 0x00ff00);
	device_ids("0000:00:07.0", 0x1234, 0x11e8, 0x00ff00);
	device_ids("0000:00:08.0", 0x1234, 0x11e9, 0x00ff00);
	device_ids(NVME, 0x1b36, 0x0010, 0x010802);
	put("bind.conf=%s", list);
}

static void test_bind_list(void **state)
{
	(void)state;
	edus("# edu, by type and by address\n"
	     "\n"
	     "1234:11e8      # both functions\n"
	     "  0000:00:08.0\n"
	     "0000:00:06.0\n");
	assert_int_equal(bind_config("bind.conf", ""), 1);
	/* Each device once, in the list's order; those on vfio-pci already are fine. */
	assert_string_equal(out, "0000:00:06.0 is bound to vfio-pci already\n0000:00:07.0 is bound to vfio-pci already\n");
	holds(err, "0000:00:08.0: after the hand-over it is bound to no driver, not vfio-pci");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:08.0/driver_override"), "vfio-pci");
	assert_string_equal(contents("sys/bus/pci/devices/" NVME "/driver_override"), "(null)\n");
	/* A class narrows a filter; addresses on the command line come too. */
	put("bind.conf=1234:11e8:00ff\n");
	assert_int_equal(bind_config("bind.conf", "0000:00:07.0"), 0);
	assert_string_equal(out, "0000:00:07.0 is bound to vfio-pci already\n0000:00:06.0 is bound to vfio-pci already\n");
}

/* The example make install ships: one device by address, the edus by type. */
static void test_bind_list_example(void **state)
{
	char path[PATH_MAX + 64];
	static char text[4096];

	(void)state;
	source_file("policy/bind.conf.example", path, text, sizeof(text));
	edus(text);
	device("0000:01:00.0", 1, "vfio-pci");
	assert_int_equal(bind_config("bind.conf", ""), 0);
	assert_string_equal(out, "0000:01:00.0 is bound to vfio-pci already\n0000:00:06.0 is bound to vfio-pci already\n"
				 "0000:00:07.0 is bound to vfio-pci already\n");
}

/* A list that is wrong anywhere binds nothing, and says where. */
static void test_bind_list_refusals(void **state)
{
	static const struct {
		const char *list, *says;
	} cases[] = {
		{ "0000:00:08.0\n1234:11e8:0108\n", "/bind.conf:2: no device on this host matches 1234:11e8:0108 "
						    "(lspci -d 1234:11e8:0108 lists none); take the line out, or correct it\n" },
		{ "0000:00:08.0\n1234:*\n", "/bind.conf:2: filter 1234:* names no vendor and device; a bind list takes "
					    "vendor:device[:class], e.g. 1234:11e8, or addresses\n" },
		{ "*:*\n", "/bind.conf:1: filter *:* names no vendor and device" },
		{ "#\n\n00:08.0\n", "/bind.conf:3: bad PCI address '00:08.0'; write dddd:bb:dd.f as lspci -D shows it, "
				     "e.g. 0000:01:00.0, or a filter vendor:device\n" },
		{ "1234:11e8:0x00ff\n", "/bind.conf:1: bad device filter '1234:11e8:0x00ff'; write vendor:device[:class] in "
				       "hex as lspci -d takes it, e.g. 1234:11e8\n" },
		{ "0000:00:08.0 0000:00:06.0\n", "/bind.conf:1: one device a line, an address or a vendor:device filter, "
						"and after it nothing but a # comment\n" },
	};
	char path[PATH_MAX * 2];

	(void)state;
	edus("");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		put("bind.conf=%s", cases[i].list);
		assert_int_equal(bind_config("bind.conf", ""), 1);
		holds(err, cases[i].says);
		assert_string_equal(out, "");
		assert_string_equal(contents("sys/bus/pci/devices/0000:00:08.0/driver_override"), "(null)\n");
	}
	/* Root's file, as the policy is: a list others may write would hand them devices at boot. */
	put("bind.conf=0000:00:08.0\n");
	snprintf(path, sizeof(path), "%s/bind.conf", root);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(bind_config("bind.conf", ""), 1);
	holds(err, "/bind.conf is writable by group or others (mode 0664); chmod go-w ");
	assert_int_equal(bind_config("none.conf", ""), 1);
	holds(err, "airlock: no bind list file ");
	holds(err, "/none.conf: write it (see BIND LISTS in airlock(8)), or name another with --config\n");
	assert_string_equal(contents("sys/bus/pci/devices/0000:00:08.0/driver_override"), "(null)\n");
	assert_string_equal(audit_log, "");
}

static void test_usage(void **state)
{
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
		cmocka_unit_test_setup_teardown(test_bind_namespaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_multipath, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_holders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_btrfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_net, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind_no_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_list_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_list_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
	};

	return cmocka_run_group_tests_name("bind", tests, as_root, NULL);
}
