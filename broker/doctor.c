// SPDX-License-Identifier: MIT
/*
 * airlock doctor: the troubleshooting list of the VFIO guides, run. Each
 * check prints "ok" or "problem" and, for a problem, the command that
 * fixes it; the exit status says whether assignment would work.
 */
#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "host.h"
#include "hostpci.h"
#include "log.h"
#include "size.h"
#include "vm.h"

static const char doctor_usage[] =
	"usage: airlock doctor [BDF] [--memory SIZE] [--root DIR]\n"
	"  check that this host can assign devices (and BDF, when given) to a VM:\n"
	"  IOMMU, interrupt remapping, VFIO modules and nodes, KVM, the memlock limit,\n"
	"  the device's driver and IOMMU group; each problem comes with its fix\n"
	"  --memory SIZE  guest RAM to check the memlock limit against (default 256M)\n"
	"  --root DIR     read DIR/sys, DIR/dev and DIR/proc instead (a fake host tree, for tests; root only)\n"
	"  exit status: 0 when assignment would work, 1 when not, 2 for bad usage\n";

enum doctor_cpu { CPU_OTHER, CPU_INTEL, CPU_AMD };

struct doctor {
	const struct host *h;
	FILE *out;
	unsigned int problems;
	enum doctor_cpu cpu;
};

/* The label says what the line is: "ok       ", "note     ", "problem  " or "         fix: ". */
static void doctor__line(struct doctor *d, const char *label, const char *fmt, va_list ap)
{
	fputs(label, d->out);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
}

static void __attribute__((format(printf, 2, 3))) doctor__ok(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doctor__line(d, "ok       ", fmt, ap);
	va_end(ap);
}

/* A problem, then its fix in the next line (doctor__fix). */
static void __attribute__((format(printf, 2, 3))) doctor__problem(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	d->problems++;
	va_start(ap, fmt);
	doctor__line(d, "problem  ", fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) doctor__fix(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doctor__line(d, "         fix: ", fmt, ap);
	va_end(ap);
}

/* Entries of a directory, or -errno. */
static int doctor__count(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int count = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		count += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(dir);
	return count;
}

/* Whether a line of the file at path holds needle; false when it cannot be read. */
static bool doctor__file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = strstr(line, needle);
	free(line);
	fclose(f);
	return found;
}

static enum doctor_cpu doctor__cpu(const struct host *h)
{
	char path[PATH_MAX];

	if (sysfs__path(path, sizeof(path), "%s/cpuinfo", h->proc))
		return CPU_OTHER;
	if (doctor__file_has(path, "GenuineIntel"))
		return CPU_INTEL;
	return doctor__file_has(path, "AuthenticAMD") ? CPU_AMD : CPU_OTHER;
}

static bool doctor__chardev(const char *dir, const char *name, struct stat *st)
{
	char path[PATH_MAX];

	return !sysfs__path(path, sizeof(path), "%s/%s", dir, name) && !stat(path, st) && S_ISCHR(st->st_mode);
}

static void doctor__iommu(struct doctor *d)
{
	char units_path[PATH_MAX], groups_path[PATH_MAX];
	int units, groups;

	if (sysfs__path(units_path, sizeof(units_path), "%s/class/iommu", d->h->sys) ||
	    sysfs__path(groups_path, sizeof(groups_path), "%s/kernel/iommu_groups", d->h->sys))
		units = groups = -ENAMETOOLONG;
	else {
		units = doctor__count(units_path);
		groups = doctor__count(groups_path);
	}
	if (units > 0 && groups > 0) {
		doctor__ok(d, "IOMMU present and enabled: %d IOMMU unit%s, %d IOMMU group%s", units, units == 1 ? "" : "s",
			   groups, groups == 1 ? "" : "s");
		return;
	}
	if (units > 0)
		doctor__problem(d, "the IOMMU is present but put no device in an IOMMU group (/sys/kernel/iommu_groups is empty)");
	else
		doctor__problem(d, "no IOMMU is enabled (/sys/class/iommu is empty): VFIO cannot confine a device's DMA");
	if (d->cpu == CPU_INTEL)
		doctor__fix(d, "enable VT-d in the firmware setup; add intel_iommu=on (iommu=pt is optional) to GRUB_CMDLINE_LINUX in /etc/default/grub; update-grub; reboot");
	else if (d->cpu == CPU_AMD)
		doctor__fix(d, "enable AMD-Vi (IOMMU) in the firmware setup and reboot: the kernel turns it on by itself (iommu=pt is optional; take out amd_iommu=off or iommu=off if the kernel command line has them)");
	else
		doctor__fix(d, "enable the IOMMU in the firmware setup and on the kernel command line, then reboot");
}

static void doctor__irq_remap(struct doctor *d)
{
	static const char param[] = "/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts";
	char path[PATH_MAX], text[8];
	ssize_t n = -ENOENT;

	if (!sysfs__path(path, sizeof(path), "%s/interrupts", d->h->proc) && doctor__file_has(path, " IR-")) {
		doctor__ok(d, "interrupt remapping is on (IR- interrupt chips in /proc/interrupts)");
		return;
	}
	if (!sysfs__path(path, sizeof(path), "%s%s", d->h->sys, param))
		n = sysfs__read(path, text, sizeof(text));
	if (n > 0 && text[0] == 'Y') {
		doctor__ok(d, "no interrupt remapping, but allow_unsafe_interrupts=Y lets VFIO go on without it "
			   "(unsafe: an assigned device can forge interrupts to the host)");
		return;
	}
	doctor__problem(d, "no interrupt remapping (no IR- interrupt chip in /proc/interrupts) and vfio_iommu_type1 does not allow unsafe interrupts: VFIO refuses the device's group");
	if (n >= 0)
		doctor__fix(d, "echo 1 > /sys%s (unsafe: a device can forge interrupts; to keep it: echo 'options vfio_iommu_type1 allow_unsafe_interrupts=1' > /etc/modprobe.d/vfio.conf), or enable interrupt remapping in the firmware setup",
			    param);
	else
		doctor__fix(d, "modprobe vfio_iommu_type1 allow_unsafe_interrupts=1 (unsafe: a device can forge interrupts), or enable interrupt remapping in the firmware setup");
}

static void doctor__modules(struct doctor *d)
{
	static const char *const mods[] = { "vfio", "vfio_iommu_type1", "vfio_pci" };
	char path[PATH_MAX], missing[64] = "";
	struct stat st;

	for (unsigned int i = 0; i < ARRAY_SIZE(mods); i++) {
		if (!sysfs__path(path, sizeof(path), "%s/module/%s", d->h->sys, mods[i]) && !stat(path, &st))
			continue;
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s", missing[0] ? ", " : "",
			 mods[i]);
	}
	if (!missing[0]) {
		doctor__ok(d, "VFIO modules loaded: vfio, vfio_iommu_type1, vfio_pci");
		return;
	}
	doctor__problem(d, "VFIO modules not loaded: %s", missing);
	doctor__fix(d, "modprobe -a vfio-pci vfio_iommu_type1");
}

static void doctor__nodes(struct doctor *d)
{
	struct stat st;

	if (doctor__chardev(d->h->dev, "vfio/vfio", &st)) {
		doctor__ok(d, "/dev/vfio/vfio is there (the VFIO container)");
	} else {
		doctor__problem(d, "/dev/vfio/vfio is missing or not a character device: VFIO is not loaded");
		doctor__fix(d, "modprobe vfio-pci");
	}
	if (doctor__chardev(d->h->dev, "kvm", &st)) {
		doctor__ok(d, "KVM is available (/dev/kvm)");
		return;
	}
	doctor__problem(d, "/dev/kvm is missing or not a character device: KVM is not loaded, or the CPU's virtualization is off");
	if (d->cpu == CPU_INTEL)
		doctor__fix(d, "modprobe kvm_intel; if that fails, enable VT-x in the firmware setup");
	else if (d->cpu == CPU_AMD)
		doctor__fix(d, "modprobe kvm_amd; if that fails, enable SVM (AMD-V) in the firmware setup");
	else
		doctor__fix(d, "modprobe kvm");
}

static void doctor__memlock(struct doctor *d, uint64_t size)
{
	unsigned long long kib = (size + 1023) >> 10;
	struct rlimit rl;

	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_IPC_LOCK)) {
		doctor__ok(d, "airlock runs as root with CAP_IPC_LOCK; RLIMIT_MEMLOCK does not limit DMA pinning");
		return;
	}
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		rl.rlim_cur = 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < size) {
		doctor__problem(d, "RLIMIT_MEMLOCK is %llu KiB, less than the %llu KiB of guest RAM that VFIO pins for DMA",
				(unsigned long long)rl.rlim_cur >> 10, kib);
		doctor__fix(d, "ulimit -l %llu in the shell that starts airlock, or in /etc/security/limits.conf: * - memlock %llu",
			    kib, kib);
		return;
	}
	doctor__ok(d, "RLIMIT_MEMLOCK covers the %llu KiB of guest RAM that VFIO pins for DMA", kib);
}

/* Not a problem: only slower. */
static void __attribute__((format(printf, 2, 3))) doctor__note(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	doctor__line(d, "note     ", fmt, ap);
	va_end(ap);
}

/* The backing guest RAM would get, tried for real on 2 MiB (broker/vm.c). */
static void doctor__ram(struct doctor *d)
{
	int fd = vm__ram_thp(2ull << 20);

	if (fd >= 0) {
		close(fd);
		doctor__ok(d, "guest RAM gets 2 MiB pages: a private tmpfs mounted huge=always");
		return;
	}
	doctor__note(d, "guest RAM would get 4 KiB pages, slower to map for DMA and to touch: no private tmpfs of huge pages (%s); --hugepages takes 2 MiB pages from the hugetlb pool",
		     strerror(-fd));
}

static void doctor__group_node(struct doctor *d, const char *bdf, unsigned int group, bool bound)
{
	char name[32];
	struct stat st;

	snprintf(name, sizeof(name), "vfio/%u", group);
	if (doctor__chardev(d->h->dev, name, &st)) {
		doctor__ok(d, "/dev/vfio/%u is there, mode %04o, owner %u:%u%s", group, st.st_mode & 07777, st.st_uid,
			   st.st_gid, st.st_mode & 077 ? ": users other than root can open it too" :
			   ": root alone opens it, which is all airlock needs (its broker runs as root)");
		return;
	}
	doctor__problem(d, "/dev/vfio/%u is missing or not a character device", group);
	if (!bound)
		doctor__fix(d, "it appears once %s is bound to vfio-pci: airlock bind %s", bdf, bdf);
	else
		doctor__fix(d, "modprobe vfio-pci; ls -l /dev/vfio (udev makes the node; VFIO needs an IOMMU, NoIommu mode is not supported)");
}

static void doctor__device(struct doctor *d, const char *bdf)
{
	struct hostpci_why why, members;
	struct pci_ids ids;
	int bound, viable;
	unsigned int group;

	if (hostpci__check_device(d->h->sys, bdf, &why)) {
		doctor__problem(d, "%s", why.reason);
		doctor__fix(d, "%s", why.fix[0] ? why.fix : "ls -l /sys/bus/pci/devices/ shows what sysfs holds");
		return;
	}
	group = (unsigned int)why.group;
	if (!hostpci__ids(d->h->sys, bdf, &ids))
		doctor__ok(d, "%s exists (%04x:%04x:%06x) in IOMMU group %u", bdf, ids.vendor, ids.device, ids.class, group);
	else
		doctor__ok(d, "%s exists in IOMMU group %u", bdf, group);
	bound = hostpci__check_driver(d->h->sys, bdf, &why);
	viable = hostpci__check_members(d->h->sys, bdf, group, &members);
	if (!bound) {
		doctor__ok(d, "%s is bound to vfio-pci", bdf);
	} else {
		doctor__problem(d, "%s", why.reason);
		doctor__fix(d, "airlock bind %s%s", viable == -EBUSY ? "--group " : "", bdf);
	}
	if (!viable) {
		doctor__ok(d, "IOMMU group %u is viable: no other member is bound to a driver that does DMA", group);
	} else {
		doctor__problem(d, "%s", members.reason);
		doctor__fix(d, "airlock bind --group %s; or by hand, %s", bdf, members.fix[0] ? members.fix : "see ls -l /sys/kernel/iommu_groups/<group>/devices");
	}
	doctor__group_node(d, bdf, group, !bound);
}

/* Every check, then the verdict; 0 when assignment would work. */
static int doctor__run(FILE *out, const struct host *h, const char *bdf, uint64_t mem_size)
{
	struct doctor d = { .h = h, .out = out, .cpu = doctor__cpu(h) };

	doctor__iommu(&d);
	doctor__irq_remap(&d);
	doctor__modules(&d);
	doctor__nodes(&d);
	doctor__memlock(&d, mem_size);
	doctor__ram(&d);
	if (bdf)
		doctor__device(&d, bdf);
	if (!d.problems && bdf)
		fprintf(out, "doctor: assignment of %s would work\n", bdf);
	else if (!d.problems)
		fprintf(out, "doctor: the host is ready for device assignment\n");
	else if (bdf)
		fprintf(out, "doctor: %u problem%s; assignment of %s would fail\n", d.problems, d.problems == 1 ? "" : "s", bdf);
	else
		fprintf(out, "doctor: %u problem%s; the host is not ready for device assignment\n", d.problems,
			d.problems == 1 ? "" : "s");
	return d.problems ? 1 : 0;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = NULL;
	uint64_t mem_size = CLI_MEM_DEFAULT;
	char bdf[PCIADDR_LEN];
	struct host h;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (size__parse(optarg, &mem_size) || !mem_size) {
				pr_err("doctor: --memory '%s': expected a size such as 256M or 4G", optarg);
				return 2;
			}
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			fputs(doctor_usage, stdout);
			return 0;
		default:
			pr_err("doctor: unknown option or missing value; see airlock doctor --help");
			return 2;
		}
	}
	if (argc - optind > 1) {
		pr_err("doctor: one device at a time: '%s' is one too many", argv[optind + 1]);
		return 2;
	}
	if (optind < argc && pciaddr__canonical(argv[optind], bdf)) {
		pr_err("doctor: bad PCI address '%s'; expected the form dddd:bb:dd.f, e.g. 0000:01:00.0 (see lspci -D)",
		       argv[optind]);
		return 2;
	}
	if (host__init(&h, root))
		return 2;
	return doctor__run(stdout, &h, optind < argc ? bdf : NULL, mem_size);
}
