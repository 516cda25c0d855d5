// SPDX-License-Identifier: MIT
/* airlock doctor against fake hosts: each check ok and wrong, with its fix, and the exit status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cap-ng.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "commands.h"
#include "fake-sysfs.h"
#include "log.h"
#include "as-root.h"
#include "vm.h"

#define BDF "0000:00:04.0"

/* A host where everything is right, with edu in group 3 bound to vfio-pci. */
static int setup(void **state)
{
	(void)state;
	if (fake_create())
		return -1;
	put("sys/class/iommu/dmar0");
	put("proc/cpuinfo=processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n");
	put("proc/interrupts=           CPU0\n  24:          0  IR-PCI-MSI-0000:00:04.0   0-edge      edu\n");
	put("sys/module/vfio/parameters");
	put("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts=N\n");
	put("sys/module/vfio_pci");
	put("sys/bus/pci/drivers/vfio-pci");
	chardev("dev/vfio/vfio");
	chardev("dev/kvm");
	device(BDF, 3, "vfio-pci");
	device_ids(BDF, 0x1234, 0x11e8, 0x00ff00);
	chardev("dev/vfio/3");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fake_remove();
}

static int doctor(const char *args)
{
	return run_cmd(cmd_doctor, "doctor --root %s %s", root, args);
}

static void gone(const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(remove(path), 0);
}

/* Guest RAM's backing is the real kernel's, not the fake tree's: the line this machine gets. */
static const char *ram_line(void)
{
	static char line[256];
	int fd = vm__ram_thp(2ull << 20);

	if (fd >= 0) {
		close(fd);
		return "ok       guest RAM gets 2 MiB pages: a private tmpfs mounted huge=always";
	}
	snprintf(line, sizeof(line), "note     guest RAM would get 4 KiB pages, slower to map for DMA and to touch: no private tmpfs of huge pages (%s); --hugepages takes 2 MiB pages from the hugetlb pool",
		 strerror(-fd));
	return line;
}

static void test_healthy(void **state)
{
	char expect[1024];

	(void)state;
	snprintf(expect, sizeof(expect),
		 "ok       IOMMU present and enabled: 1 IOMMU unit, 1 IOMMU group\n"
		 "ok       interrupt remapping is on (IR- interrupt chips in /proc/interrupts)\n"
		 "ok       VFIO modules loaded: vfio, vfio_iommu_type1, vfio_pci\n"
		 "ok       /dev/vfio/vfio is there (the VFIO container)\n"
		 "ok       KVM is available (/dev/kvm)\n"
		 "ok       airlock runs as root with CAP_IPC_LOCK; RLIMIT_MEMLOCK does not limit DMA pinning\n"
		 "%s\n"
		 "doctor: the host is ready for device assignment\n", ram_line());
	assert_int_equal(doctor(""), 0);
	assert_string_equal(err, "");
	assert_string_equal(out, expect);
	assert_int_equal(doctor(BDF), 0);
	holds(out, "ok       0000:00:04.0 exists (1234:11e8:00ff00) in IOMMU group 3\n"
		   "ok       0000:00:04.0 is bound to vfio-pci\n"
		   "ok       IOMMU group 3 is viable: no other member is bound to a driver that does DMA\n"
		   "ok       /dev/vfio/3 is there, mode 0666, owner 0:0: users other than root can open it too\n"
		   "doctor: assignment of 0000:00:04.0 would work\n");
}

static void test_no_iommu(void **state)
{
	(void)state;
	gone("sys/class/iommu/dmar0");
	assert_int_equal(doctor(""), 1);
	holds(out, "problem  no IOMMU is enabled (/sys/class/iommu is empty): VFIO cannot confine a device's DMA\n"
		   "         fix: enable VT-d in the firmware setup; add intel_iommu=on (iommu=pt is optional) to GRUB_CMDLINE_LINUX in /etc/default/grub; update-grub; reboot\n");
	holds(out, "doctor: 1 problem; the host is not ready for device assignment\n");
	put("proc/cpuinfo=vendor_id\t: AuthenticAMD\n");
	assert_int_equal(doctor(""), 1);
	holds(out, "fix: enable AMD-Vi (IOMMU) in the firmware setup and reboot: the kernel turns it on by itself");
	assert_null(strstr(out, "amd_iommu=on"));
	/* Units but no groups. */
	put("sys/class/iommu/dmar0");
	gone("sys/kernel/iommu_groups/3/devices/" BDF);
	gone("sys/kernel/iommu_groups/3/devices");
	gone("sys/kernel/iommu_groups/3");
	assert_int_equal(doctor(""), 1);
	holds(out, "problem  the IOMMU is present but put no device in an IOMMU group");
}

static void test_irq_remap(void **state)
{
	(void)state;
	put("proc/interrupts=           CPU0\n  24:          0  PCI-MSI-0000:00:04.0   0-edge      edu\n");
	assert_int_equal(doctor(""), 1);
	holds(out, "problem  no interrupt remapping (no IR- interrupt chip in /proc/interrupts) and vfio_iommu_type1 does not allow unsafe interrupts");
	holds(out, "         fix: echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts (unsafe");
	holds(out, "echo 'options vfio_iommu_type1 allow_unsafe_interrupts=1' > /etc/modprobe.d/vfio.conf");
	put("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts=Y\n");
	assert_int_equal(doctor(""), 0);
	holds(out, "ok       no interrupt remapping, but allow_unsafe_interrupts=Y lets VFIO go on without it (unsafe: ");
	/* vfio_iommu_type1 not loaded: the option goes on the modprobe. */
	gone("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
	assert_int_equal(doctor(""), 1);
	holds(out, "fix: modprobe vfio_iommu_type1 allow_unsafe_interrupts=1 (unsafe");
}

static void test_modules(void **state)
{
	(void)state;
	gone("sys/module/vfio_pci");
	assert_int_equal(doctor(""), 1);
	holds(out, "problem  VFIO modules not loaded: vfio_pci\n         fix: modprobe -a vfio-pci vfio_iommu_type1\n");
	gone("sys/module/vfio/parameters");
	gone("sys/module/vfio");
	assert_int_equal(doctor(""), 1);
	holds(out, "problem  VFIO modules not loaded: vfio, vfio_pci\n");
}

static void test_nodes(void **state)
{
	(void)state;
	gone("dev/vfio/vfio");
	put("dev/vfio/vfio=");		/* a plain file is no device */
	gone("dev/kvm");
	assert_int_equal(doctor(""), 1);
	holds(out, "problem  /dev/vfio/vfio is missing or not a character device: VFIO is not loaded\n         fix: modprobe vfio-pci\n");
	holds(out, "problem  /dev/kvm is missing or not a character device: KVM is not loaded, or the CPU's virtualization is off\n"
		   "         fix: modprobe kvm_intel; if that fails, enable VT-x in the firmware setup\n");
	holds(out, "doctor: 2 problems; the host is not ready for device assignment\n");
}

/* doctor with args, as a process without CAP_IPC_LOCK whose memlock soft limit is cur. */
static int doctor_memlock(rlim_t cur, const char *args)
{
	struct rlimit saved, rl;
	int status;

	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &saved), 0);
	capng_get_caps_process();
	capng_update(CAPNG_DROP, CAPNG_EFFECTIVE, CAP_IPC_LOCK);
	assert_int_equal(capng_apply(CAPNG_SELECT_CAPS), 0);
	rl = (struct rlimit){ .rlim_cur = cur, .rlim_max = saved.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	status = doctor(args);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_IPC_LOCK);
	assert_int_equal(capng_apply(CAPNG_SELECT_CAPS), 0);
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &saved), 0);
	return status;
}

/* Without CAP_IPC_LOCK, the memlock limit must cover guest RAM. */
static void test_memlock(void **state)
{
	struct rlimit rl;

	(void)state;
	capng_get_caps_process();
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	if (!capng_have_capability(CAPNG_PERMITTED, CAP_IPC_LOCK) || rl.rlim_max < (8 << 20))
		skip();
	assert_int_equal(doctor_memlock(64 << 10, "--memory 256M"), 1);
	holds(out, "problem  RLIMIT_MEMLOCK is 64 KiB, less than the 262144 KiB of guest RAM that VFIO pins for DMA\n"
		   "         fix: ulimit -l 262144 in the shell that starts airlock, or in /etc/security/limits.conf: * - memlock 262144\n");
	assert_int_equal(doctor_memlock(8 << 20, "--memory 8M"), 0);
	holds(out, "ok       RLIMIT_MEMLOCK covers the 8192 KiB of guest RAM that VFIO pins for DMA\n");
	/* And with the capability, the limit does not count. */
	assert_int_equal(doctor("--memory 1T"), 0);
	holds(out, "ok       airlock runs as root with CAP_IPC_LOCK");
}

static void test_device(void **state)
{
	(void)state;
	/* Bound to a host driver, alone in its group. */
	device(BDF, 3, "nvme");
	assert_int_equal(doctor(BDF), 1);
	holds(out, "problem  0000:00:04.0 is bound to nvme, not vfio-pci\n         fix: airlock bind 0000:00:04.0\n");
	holds(out, "ok       IOMMU group 3 is viable");
	holds(out, "doctor: 1 problem; assignment of 0000:00:04.0 would fail\n");
	/* A member on a host driver: the whole group must go. */
	device("0000:00:04.1", 3, "e1000e");
	assert_int_equal(doctor(BDF), 1);
	holds(out, "problem  0000:00:04.0 is bound to nvme, not vfio-pci\n         fix: airlock bind --group 0000:00:04.0\n");
	holds(out, "problem  0000:00:04.0 shares IOMMU group 3 with 0000:00:04.1, which is bound to e1000e; a group can only be assigned whole\n"
		   "         fix: airlock bind --group 0000:00:04.0; or by hand, release it with echo 0000:00:04.1 > /sys/bus/pci/devices/0000:00:04.1/driver/unbind");
	/* The group's node. */
	gone("dev/vfio/3");
	assert_int_equal(doctor(BDF), 1);
	holds(out, "problem  /dev/vfio/3 is missing or not a character device\n         fix: it appears once 0000:00:04.0 is bound to vfio-pci: airlock bind 0000:00:04.0\n");
	device(BDF, 3, "vfio-pci");
	device("0000:00:04.1", 3, "pcieport");
	gone("dev/vfio/3");
	assert_int_equal(doctor(BDF), 1);
	holds(out, "         fix: modprobe vfio-pci; ls -l /dev/vfio");
	holds(out, "doctor: 1 problem; assignment of 0000:00:04.0 would fail\n");
}

static void test_device_missing(void **state)
{
	(void)state;
	assert_int_equal(doctor("0000:00:09.0"), 1);
	holds(out, "problem  there is no PCI device 0000:00:09.0 on this host\n         fix: see lspci -D for the addresses\n");
	device("0000:00:05.0", -1, "nvme");
	assert_int_equal(doctor("0000:00:05.0"), 1);
	holds(out, "problem  0000:00:05.0 is in no IOMMU group: the IOMMU is off\n");
	/* Nothing more is said of a device without a group. */
	assert_null(strstr(out, "vfio-pci"));
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(run_cmd(cmd_doctor, "doctor --help"), 0);
	holds(out, "usage: airlock doctor [BDF] [--memory SIZE] [--root DIR]");
	assert_int_equal(doctor("0000:00:4.0"), 2);
	holds(err, "doctor: bad PCI address '0000:00:4.0'");
	assert_int_equal(doctor(BDF " 0000:00:05.0"), 2);
	holds(err, "one device at a time");
	assert_int_equal(doctor("--memory lots"), 2);
	holds(err, "--memory 'lots'");
	assert_int_equal(doctor("--frobnicate"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
	};

	return cmocka_run_group_tests_name("doctor", tests, as_root, NULL);
}
