// SPDX-License-Identifier: MIT
/* The broker's device checks against a fake sysfs and /dev tree, and what it makes of them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "log.h"
#include "vfio.h"

static struct host host;
static char said[2048];		/* what the last checked call printed */

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/airlock-test-vfio.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	assert_true(snprintf(host.sys, sizeof(host.sys), "%s/sys", root) < (int)sizeof(host.sys));
	assert_true(snprintf(host.dev, sizeof(host.dev), "%s/dev", root) < (int)sizeof(host.dev));
	put("sys/bus/pci/drivers/vfio-pci");
	put("dev/vfio/vfio=");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* Parse "run --kernel k" plus the given arguments; the command line every check starts from. */
static void parse(struct cli *cli, const char *args)
{
	char buf[1024], *argv[32] = { "run", "--kernel", "k" }, err[512];
	int argc = 3;

	snprintf(buf, sizeof(buf), "%s", args);
	for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	if (cli__parse(cli, argc, argv, NULL, err, sizeof(err)))
		fail_msg("cli: %s", err);
}

/* vfio__check with stderr captured into said. */
static int check(struct vfio *v, const char *args)
{
	static struct cli cli;
	char bdf[CLI_VFIO_MAX][PCIADDR_LEN];
	int saved = dup(STDERR_FILENO), fd = memfd_create("said", 0), ret;
	ssize_t n;

	parse(&cli, args);
	for (unsigned int i = 0; i < cli.nr_vfio; i++)
		pciaddr__name(&cli.vfio[i].bdf, bdf[i]);
	*v = (struct vfio)VFIO_INIT;
	dup2(fd, STDERR_FILENO);
	ret = vfio__check(v, &host, &cli, bdf);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, said, sizeof(said) - 1, 0);
	said[n > 0 ? n : 0] = '\0';
	close(fd);
	/* Every refusal is one line, and short enough for pr_err's line buffer. */
	if (ret) {
		assert_non_null(strchr(said, '\n'));
		assert_null(strchr(strchr(said, '\n') + 1, '\n'));
		assert_true(strlen(said) < 500);
	}
	return ret;
}

static void says(const char *text)
{
	if (!strstr(said, text))
		fail_msg("'%s' does not say '%s'", said, text);
}

#define ONE "--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio rp0:0000:01:00.0"
#define TWO ONE " --pcie-root-port rc0:rp1 --vfio rp1:0000:01:00.1"

static void test_good(void **state)
{
	struct vfio v;

	(void)state;
	device("0000:01:00.0", 7, "vfio-pci");
	put("sys/kernel/iommu_groups/7/reserved_regions=0x00000000fee00000 0x00000000feefffff msi\n");
	assert_int_equal(check(&v, ONE), 0);
	assert_string_equal(said, "");
	assert_int_equal(v.nr_devices, 1);
	assert_int_equal(v.nr_groups, 1);
	assert_int_equal(v.groups[0].id, 7);
	assert_int_equal(v.groups[0].fd, -1);
	assert_int_equal(v.fds[0], -1);
	assert_string_equal(v.info[0].name, "0000:01:00.0");
	vfio__close(&v);	/* nothing opened: nothing to do */
}

static void test_group_shared(void **state)
{
	struct vfio v;

	(void)state;
	device("0000:01:00.0", 3, "vfio-pci");
	device("0000:01:00.1", 3, "vfio-pci");
	device("0000:01:00.2", 3, "");		/* driverless */
	device("0000:00:1c.0", 3, "pcieport");	/* its bridge */
	assert_int_equal(check(&v, TWO), 0);
	assert_int_equal(v.nr_groups, 1);
	assert_int_equal(v.group_of[0], 0);
	assert_int_equal(v.group_of[1], 0);
}

static void test_missing_device(void **state)
{
	struct vfio v;

	(void)state;
	assert_int_equal(check(&v, ONE), -ENOENT);
	says("airlock: --vfio rp0:0000:01:00.0: there is no PCI device 0000:01:00.0 on this host; see lspci -D");
}

static void test_no_iommu(void **state)
{
	struct vfio v;

	(void)state;
	device("0000:01:00.0", -1, "vfio-pci");
	assert_int_equal(check(&v, ONE), -ENOENT);
	says("0000:01:00.0 is in no IOMMU group");
	says("on Intel boot with intel_iommu=on");
	says("VT-d");
}

static void test_host_driver(void **state)
{
	struct vfio v;

	(void)state;
	device("0000:01:00.0", 7, "nvme");
	assert_int_equal(check(&v, ONE), -EBUSY);
	says("0000:01:00.0 is bound to nvme, not vfio-pci");
	says("echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind; "
	     "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override; "
	     "echo 0000:01:00.0 > /sys/bus/pci/drivers_probe");
	assert_null(strstr(said, "modprobe"));
}

static void test_no_driver(void **state)
{
	struct vfio v;
	char path[PATH_MAX + 64];

	(void)state;
	device("0000:01:00.0", 7, "");
	assert_int_equal(check(&v, ONE), -EBUSY);
	says("0000:01:00.0 has no driver; bind it to vfio-pci: echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override; echo 0000:01:00.0 > /sys/bus/pci/drivers_probe");
	/* Without vfio-pci loaded, that comes first. */
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", host.sys);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(check(&v, ONE), -EBUSY);
	says("bind it to vfio-pci: modprobe vfio-pci; echo vfio-pci >");
}

static void test_group_member_bound(void **state)
{
	struct vfio v;

	(void)state;
	device("0000:01:00.0", 7, "vfio-pci");
	device("0000:01:00.1", 7, "e1000e");
	assert_int_equal(check(&v, ONE), -EBUSY);
	says("0000:01:00.0 shares IOMMU group 7 with 0000:01:00.1, which is bound to e1000e");
	says("echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind");
}

static void test_dev_nodes(void **state)
{
	struct vfio v;
	char path[PATH_MAX + 64];

	(void)state;
	device("0000:01:00.0", 7, "vfio-pci");
	snprintf(path, sizeof(path), "%s/vfio/7", host.dev);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(check(&v, ONE), -ENOENT);
	says("/dev/vfio/7 does not exist");
	says("NoIommu");
	snprintf(path, sizeof(path), "%s/vfio/vfio", host.dev);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(check(&v, ONE), -ENOENT);
	says("/dev/vfio/vfio does not exist: the VFIO driver is not loaded; modprobe vfio-pci");
}

/* sysfs links and names that are not what the kernel makes are refused, not followed. */
static void test_bad_links(void **state)
{
	const char *groups[] = {
		"../../../kernel/iommu_groups/07", "../../../kernel/iommu_groups/7a",
		"../../../kernel/iommu_groups/-1", "../../../kernel/iommu_groups/",
		"../../../kernel/not_groups/7", "../../../kernel/xiommu_groups/7", "7",
		"../../../kernel/iommu_groups/99999999999",
	};
	const char *drivers[] = { "../../../bus/pci/drivers/..", "../../../bus/pci/drivers/a b",
				  "../../../bus/pci/nodrivers/nvme", "nvme" };
	struct vfio v;

	(void)state;
	device("0000:01:00.0", 7, "vfio-pci");
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		link_to(groups[i], "sys/bus/pci/devices/0000:01:00.0/iommu_group");
		if (check(&v, ONE) != -EINVAL)
			fail_msg("group link '%s' accepted: %s", groups[i], said);
		says("cannot read the IOMMU group of 0000:01:00.0");
	}
	link_to("../../../kernel/iommu_groups/7", "sys/bus/pci/devices/0000:01:00.0/iommu_group");
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		link_to(drivers[i], "sys/bus/pci/devices/0000:01:00.0/driver");
		if (check(&v, ONE) != -EINVAL)
			fail_msg("driver link '%s' accepted: %s", drivers[i], said);
	}
	link_to("../../../bus/pci/drivers/vfio-pci", "sys/bus/pci/devices/0000:01:00.0/driver");
	put("sys/kernel/iommu_groups/7/devices/not-a-bdf");
	assert_int_equal(check(&v, ONE), -EINVAL);
	says("cannot list the devices of IOMMU group 7");
}

static void test_reserved_collision(void **state)
{
	struct vfio v;

	(void)state;
	device("0000:01:00.0", 7, "vfio-pci");
	put("sys/kernel/iommu_groups/7/reserved_regions="
	    "0x0000000080000000 0x00000000807fffff direct-relaxable\n"
	    "0x00000000fee00000 0x00000000feefffff msi\n");
	assert_int_equal(check(&v, ONE " --memory 4G"), 0);
	put("sys/kernel/iommu_groups/7/reserved_regions="
	    "0x00000000fee00000 0x00000000feefffff msi\n"
	    "0x0000000120000000 0x0000000120000fff reserved\n");
	assert_int_equal(check(&v, ONE " --memory 4G"), -EINVAL);
	says("guest RAM at 0x100000000-0x13fffffff overlaps 0x120000000-0x120000fff, which IOMMU group 7 reserves (reserved)");
	says("try less --memory");
	assert_int_equal(check(&v, ONE " --memory 3G"), 0);
	put("sys/kernel/iommu_groups/7/reserved_regions=fee00000 feefffff msi\n");
	assert_int_equal(check(&v, ONE), -EINVAL);
	says("cannot read the reserved regions of IOMMU group 7: unexpected contents");
}

static void test_parse_reserved(void **state)
{
	const char good[] = "0x00000000fee00000 0x00000000feefffff msi\n"
			    "0x0 0xffffffffffffffff direct-relaxable\n"
			    "0x00000000000a0000 0x00000000000bffff sw-msi\n";
	const char *bad[] = {
		"0x00000000fee00000 0x00000000feefffff msi",		/* no newline */
		"00000000fee00000 0x00000000feefffff msi\n",
		"0x00000000fee00000 0x00000000feefffff\n",
		"0x00000000fee00000 0x00000000feefffff \n",
		"0x00000000fee00000  0x00000000feefffff msi\n",
		"0x00000000fee00000 0x00000000feefffff MSI\n",
		"0x00000000fee00000 0x00000000feefffff msi \n",
		"0x00000000feefffff 0x00000000fee00000 msi\n",		/* start after end */
		"0x10000000000000000 0x10000000000000001 msi\n",	/* 17 digits */
		"0x 0x1 msi\n",
		"0xfee0000g 0xfeefffff msi\n",
		"0x1 0x2 a-type-name-too-long\n",
		"\n",
	};
	struct sysfs_resv r[4];

	(void)state;
	assert_int_equal(sysfs__parse_reserved(good, strlen(good), r, 4), 3);
	assert_int_equal(r[0].start, 0xfee00000);
	assert_int_equal(r[0].end, 0xfeefffff);
	assert_string_equal(r[0].type, "msi");
	assert_int_equal(r[1].end, UINT64_MAX);
	assert_string_equal(r[1].type, "direct-relaxable");
	assert_string_equal(r[2].type, "sw-msi");
	assert_int_equal(sysfs__parse_reserved(good, strlen(good), r, 2), -EINVAL);	/* too many */
	assert_int_equal(sysfs__parse_reserved("", 0, r, 4), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (sysfs__parse_reserved(bad[i], strlen(bad[i]), r, 4) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_parse_group(void **state)
{
	const char *bad[] = { "", "07", "-1", "+7", "7 ", " 7", "1234567890", "0x7", "7\n" };
	unsigned int g;

	(void)state;
	assert_int_equal(sysfs__parse_group("0", &g), 0);
	assert_int_equal(g, 0);
	assert_int_equal(sysfs__parse_group("123456789", &g), 0);
	assert_int_equal(g, 123456789);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (!sysfs__parse_group(bad[i], &g))
			fail_msg("accepted '%s'", bad[i]);
}

static void test_ram_collision(void **state)
{
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	unsigned int n = guest_ram__regions(5ull << 30, ram), ri = 99;
	struct sysfs_resv resv[] = {
		{ 0xfee00000, 0xfeefffff, "msi" },
		{ 0xc0000000, 0xffffffff, "reserved" },		/* the hole: touches neither */
		{ 0x0, 0xfff, "direct-relaxable" },
		{ 0x17fffffff, 0x180000fff, "direct" },		/* last byte of high RAM */
		{ 0xbffff000, 0xbfffffff, "reserved" },		/* last page of low RAM */
	};

	(void)state;
	assert_int_equal(n, 2);
	assert_int_equal(vfio__ram_collision(ram, n, resv, 3, &ri), -1);
	assert_int_equal(vfio__ram_collision(ram, n, resv, 4, &ri), 3);
	assert_int_equal(ri, 1);
	assert_int_equal(vfio__ram_collision(ram, n, &resv[4], 1, &ri), 0);
	assert_int_equal(ri, 0);
}

static void test_ram_outside(void **state)
{
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	struct vfio_iova_range ranges[] = { { 0, 0xfedfffff }, { 0xfef00000, 0x7fffffffff } };
	unsigned int n;

	(void)state;
	n = guest_ram__regions(256ull << 20, ram);
	assert_int_equal(vfio__ram_outside(ram, n, ranges, 2), -1);
	n = guest_ram__regions(16ull << 30, ram);
	assert_int_equal(vfio__ram_outside(ram, n, ranges, 2), -1);
	n = guest_ram__regions(512ull << 30, ram);	/* high RAM ends past 512 GiB */
	assert_int_equal(vfio__ram_outside(ram, n, ranges, 2), 1);
	ranges[0].end = 0x7fffffff;
	assert_int_equal(vfio__ram_outside(ram, n, ranges, 2), 0);
	assert_int_equal(vfio__ram_outside(ram, n, ranges, 0), 0);
}

/* An iommu info answer: the struct, then capabilities at the given offsets. */
struct info_buf {
	uint64_t b[64];
};

static void *at(struct info_buf *buf, size_t off)
{
	return (uint8_t *)buf->b + off;
}

static size_t iova_cap(struct info_buf *buf, size_t off, uint32_t next, uint32_t nr,
		       const struct vfio_iova_range *r)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, .version = 1, .next = next },
		.nr_iovas = nr,
	};

	memcpy(at(buf, off), &cap, sizeof(cap));
	memcpy(at(buf, off + sizeof(cap)), r, nr * sizeof(*r));
	return off + sizeof(cap) + nr * sizeof(*r);
}

static void test_iova_ranges(void **state)
{
	const struct vfio_iova_range r[] = { { 0, 0xfedfffff }, { 0xfef00000, 0x7fffffffff } };
	struct vfio_iommu_type1_info info = { .flags = VFIO_IOMMU_INFO_CAPS, .cap_offset = sizeof(info) };
	struct vfio_info_cap_header other = { .id = 2, .version = 1, .next = 0 };
	struct vfio_iova_range out[4];
	struct info_buf buf = { 0 };
	size_t len;

	(void)state;
	memcpy(&buf, &info, sizeof(info));
	len = iova_cap(&buf, sizeof(info), 0, 2, r);
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), 2);
	assert_int_equal(out[1].start, 0xfef00000);
	assert_int_equal(out[1].end, 0x7fffffffff);
	assert_int_equal(vfio__iova_ranges(&buf, len - 1, out, 4), -EINVAL);	/* ranges cut short */
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 1), -EINVAL);	/* more than fit */
	/* Behind another capability. */
	other.next = 32;
	memcpy(at(&buf, sizeof(info)), &other, sizeof(other));
	len = iova_cap(&buf, 32, 0, 2, r);
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), 2);
	/* A chain that loops, or points outside. */
	other.next = sizeof(info);
	memcpy(at(&buf, sizeof(info)), &other, sizeof(other));
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), -EINVAL);
	other.next = 4096;
	memcpy(at(&buf, sizeof(info)), &other, sizeof(other));
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), -EINVAL);
	/*
	 * The kernel packs capabilities without padding: Linux 6.1 puts its
	 * 12-byte DMA-available capability before the IOVA ranges, which then
	 * start at an offset that is 4 modulo 8.
	 */
	other.next = 36;
	memcpy(at(&buf, sizeof(info)), &other, sizeof(other));
	len = iova_cap(&buf, 36, 0, 2, r);
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), 2);
	assert_int_equal(out[1].start, 0xfef00000);
	/* Without the capability, or without capabilities at all. */
	other.next = 0;
	memcpy(at(&buf, sizeof(info)), &other, sizeof(other));
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), 0);
	info.flags = 0;
	memcpy(&buf, &info, sizeof(info));
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), 0);
	/* A range that ends before it starts. */
	info.flags = VFIO_IOMMU_INFO_CAPS;
	memcpy(&buf, &info, sizeof(info));
	len = iova_cap(&buf, sizeof(info), 0, 1, &(struct vfio_iova_range){ 2, 1 });
	assert_int_equal(vfio__iova_ranges(&buf, len, out, 4), -EINVAL);
}

/* The region as the VMM would read it: msg__read_device must accept it. */
static void region_is_valid(const struct msg_region *r)
{
	struct msg m = { .hdr = { .type = MSG_DEVICE, .len = sizeof(struct msg_device) }, .nfds = 1 };
	struct msg_device d = { .name = "0000:01:00.0" }, out;

	d.regions[0] = *r;
	memcpy(m.payload, &d, sizeof(d));
	assert_int_equal(msg__read_device(&m, 0, &out), 0);
}

static size_t region_info(struct info_buf *buf, uint32_t flags, uint64_t size, uint64_t offset,
			  const struct vfio_region_sparse_mmap_area *areas, uint32_t nr)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .flags = flags, .size = size, .offset = offset,
	};
	struct vfio_region_info_cap_sparse_mmap cap = {
		.header = { .id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1 },
		.nr_areas = nr,
	};

	memset(buf, 0, sizeof(*buf));
	if (areas) {
		ri.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		ri.cap_offset = sizeof(ri);
		ri.argsz = sizeof(ri) + sizeof(cap) + nr * sizeof(*areas);
		memcpy(at(buf, sizeof(ri)), &cap, sizeof(cap));
		memcpy(at(buf, sizeof(ri) + sizeof(cap)), areas, nr * sizeof(*areas));
	}
	memcpy(buf, &ri, sizeof(ri));
	return ri.argsz;
}

#define RW	(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)
#define MMAP	VFIO_REGION_INFO_FLAG_MMAP

static void test_region_whole(void **state)
{
	struct info_buf buf;
	struct msg_region r;
	size_t len;

	(void)state;
	len = region_info(&buf, RW | MMAP, 0x4000, 0, NULL, 0);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.flags, RW | MMAP);
	assert_int_equal(r.nr_areas, 1);
	assert_int_equal(r.areas[0].offset, 0);
	assert_int_equal(r.areas[0].size, 0x4000);
	region_is_valid(&r);
	/* Not a page multiple: the tail is trapped. */
	len = region_info(&buf, RW | MMAP, 0x1800, 1ull << 40, NULL, 0);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.offset, 1ull << 40);
	assert_int_equal(r.nr_areas, 1);
	assert_int_equal(r.areas[0].size, 0x1000);
	region_is_valid(&r);
	/* Smaller than a page, or at an unaligned offset in the fd: no mapping at all. */
	len = region_info(&buf, RW | MMAP, 0x100, 0, NULL, 0);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, 0);
	assert_int_equal(r.flags, RW);
	len = region_info(&buf, RW | MMAP, 0x4000, 0x800, NULL, 0);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, 0);
	assert_int_equal(r.flags, RW);
	region_is_valid(&r);
	/* Config space: read/write, never mapped. */
	len = region_info(&buf, RW, 0x1000, 7ull << 40, NULL, 0);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.size, 0x1000);
	assert_int_equal(r.nr_areas, 0);
	region_is_valid(&r);
}

static void test_region_sparse(void **state)
{
	/* An NVMe BAR0: registers, then the MSI-X table page left out. */
	const struct vfio_region_sparse_mmap_area nvme[] = { { 0, 0x2000 }, { 0x3000, 0x1000 } };
	const struct vfio_region_sparse_mmap_area odd[] = {
		{ 0x100, 0x2000 },		/* -> 0x1000..0x2000 */
		{ 0x3000, 0x800 },		/* less than a page once aligned: dropped */
		{ 0x6000, 0x10000 },		/* past the region's end: clipped to 0x6000..0x8000 */
		{ 0x9000, 0x1000 },		/* wholly outside: dropped */
	};
	struct vfio_region_sparse_mmap_area many[12];
	struct info_buf buf;
	struct msg_region r;
	size_t len;

	(void)state;
	len = region_info(&buf, RW | MMAP, 0x4000, 0, nvme, 2);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.flags, RW | MMAP);	/* no CAPS bit passed on */
	assert_int_equal(r.nr_areas, 2);
	assert_int_equal(r.areas[1].offset, 0x3000);
	assert_int_equal(r.areas[1].size, 0x1000);
	region_is_valid(&r);

	len = region_info(&buf, RW | MMAP, 0x8000, 0, odd, 4);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, 2);
	assert_int_equal(r.areas[0].offset, 0x1000);
	assert_int_equal(r.areas[0].size, 0x1000);
	assert_int_equal(r.areas[1].offset, 0x6000);
	assert_int_equal(r.areas[1].size, 0x2000);
	region_is_valid(&r);

	for (unsigned int i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct vfio_region_sparse_mmap_area){ .offset = i * 0x2000ull, .size = 0x1000 };
	len = region_info(&buf, RW | MMAP, 0x20000, 0, many, ARRAY_SIZE(many));
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, DEVICE_AREAS_MAX);	/* the rest is trapped */
	region_is_valid(&r);

	/* An empty sparse capability: nothing may be mapped. */
	len = region_info(&buf, RW | MMAP, 0x4000, 0, nvme, 0);
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, 0);
	assert_int_equal(r.flags, RW);

	/* Capabilities that did not fit the buffer: trap everything rather than guess. */
	len = region_info(&buf, RW | MMAP, 0x4000, 0, nvme, 2);
	vfio__region(&buf, len - 1, &r);
	assert_int_equal(r.nr_areas, 0);
	assert_int_equal(r.flags, RW);

	/* A sparse capability that claims more areas than there are bytes. */
	len = region_info(&buf, RW | MMAP, 0x4000, 0, nvme, 2);
	((struct vfio_region_info_cap_sparse_mmap *)at(&buf, sizeof(struct vfio_region_info)))->nr_areas = 1000;
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, 0);

	/* Other capabilities only: the whole region maps. */
	len = region_info(&buf, RW | MMAP, 0x4000, 0, nvme, 2);
	((struct vfio_region_info_cap_sparse_mmap *)at(&buf, sizeof(struct vfio_region_info)))->header.id = 99;
	vfio__region(&buf, len, &r);
	assert_int_equal(r.nr_areas, 1);
	assert_int_equal(r.areas[0].size, 0x4000);
}

static void test_describe(void **state)
{
	struct cli cli;
	struct msg_device d;

	(void)state;
	parse(&cli, "--pcie-root-complex rc0 --pcie-root-complex rc1 --pcie-root-port rc0:a "
		    "--pcie-root-port rc1:b --pcie-root-port rc0:c --vfio c:ABCD:EF:1F.7,trap --vfio b:0000:00:04.0");
	vfio__describe(&cli, 0, "abcd:ef:1f.7", &d);
	assert_int_equal(d.index, 0);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.port, 1);	/* the second port of rc0 */
	assert_int_equal(d.opts, DEVICE_O_TRAP);
	assert_string_equal(d.name, "abcd:ef:1f.7");
	vfio__describe(&cli, 1, "0000:00:04.0", &d);
	assert_int_equal(d.index, 1);
	assert_int_equal(d.rc, 1);
	assert_int_equal(d.port, 0);
	assert_int_equal(d.opts, 0);
	assert_string_equal(d.name, "0000:00:04.0");
}

/* The device fd's config region at 0x1000, as a memfd: teardown clears Bus Master and nothing else. */
static void test_teardown_stops_dma(void **state)
{
	struct vfio v = VFIO_INIT;
	uint8_t cmd[2] = { 0x07, 0x05 };	/* I/O, memory, bus master; SERR, INTx disable */
	int fd = memfd_create("device", 0), keep;

	(void)state;
	assert_true(fd >= 0);
	keep = dup(fd);
	assert_int_equal(pwrite(fd, cmd, 2, 0x1000 + PCI_COMMAND), 2);
	v.nr_devices = 1;
	v.fds[0] = fd;
	v.info[0].regions[VFIO_PCI_CONFIG_REGION_INDEX].offset = 0x1000;
	v.info[0].regions[VFIO_PCI_CONFIG_REGION_INDEX].size = 0x100;
	snprintf(v.info[0].name, sizeof(v.info[0].name), "0000:00:04.0");
	vfio__close(&v);
	assert_int_equal(v.fds[0], -1);
	assert_int_equal(pread(keep, cmd, 2, 0x1000 + PCI_COMMAND), 2);
	assert_int_equal(cmd[0], 0x03);
	assert_int_equal(cmd[1], 0x05);
	close(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_member_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_collision, setup, teardown),
		cmocka_unit_test(test_parse_reserved),
		cmocka_unit_test(test_parse_group),
		cmocka_unit_test(test_ram_collision),
		cmocka_unit_test(test_ram_outside),
		cmocka_unit_test(test_iova_ranges),
		cmocka_unit_test(test_region_whole),
		cmocka_unit_test(test_region_sparse),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_teardown_stops_dma),
	};

	return cmocka_run_group_tests_name("vfio", tests, NULL, NULL);
}
