// SPDX-License-Identifier: MIT
/*
 * Device assignment, the privileged half: check what the user asked for
 * against sysfs, open the VFIO container and groups, map guest RAM for DMA
 * from the broker's own mapping, open and describe the devices. The
 * container and group fds never leave this process: whoever holds them can
 * map any of its memory for the device to reach.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "hostpci.h"
#include "le.h"
#include "log.h"
#include "vfio.h"

/* An info answer with its capability chain: far more than any kernel writes. */
#define VFIO_INFO_MAX	4096

/* "--vfio PORT:BDF", as messages name a request. */
struct vfio_req {
	char arg[CLI_NAME_MAX + PCIADDR_LEN + 8];
	const char *bdf;
};

static void vfio__req(const struct cli *cli, unsigned int i, const char *bdf, struct vfio_req *r)
{
	snprintf(r->arg, sizeof(r->arg), "%s:%s", cli->port[cli->vfio[i].port].name, bdf);
	r->bdf = bdf;
}

static int vfio__check_device(const struct host *h, const struct vfio_req *r, unsigned int *group)
{
	struct hostpci_why why;
	int ret = hostpci__check_ready(h->sys, r->bdf, &why);

	if (ret)
		pr_err("--vfio %s: %s%s%s", r->arg, why.reason, why.fix[0] ? "; " : "", why.fix);
	else
		*group = (unsigned int)why.group;
	return ret;
}

int vfio__ram_collision(const struct guest_ram_region *ram, unsigned int nram,
			const struct sysfs_resv *resv, unsigned int nresv, unsigned int *ram_idx)
{
	for (unsigned int i = 0; i < nresv; i++) {
		/* The kernel lets relaxable regions (RMRRs of USB and graphics) be mapped over. */
		if (!strcmp(resv[i].type, "direct-relaxable"))
			continue;
		for (unsigned int r = 0; r < nram; r++) {
			if (ram[r].size && resv[i].start <= ram[r].gpa + ram[r].size - 1 && ram[r].gpa <= resv[i].end) {
				*ram_idx = r;
				return (int)i;
			}
		}
	}
	return -1;
}

int vfio__ram_outside(const struct guest_ram_region *ram, unsigned int nram,
		      const struct vfio_iova_range *ranges, unsigned int nranges)
{
	for (unsigned int r = 0; r < nram; r++) {
		uint64_t last = ram[r].gpa + ram[r].size - 1;
		bool inside = false;

		for (unsigned int i = 0; i < nranges && !inside; i++)
			inside = ranges[i].start <= ram[r].gpa && last <= ranges[i].end;
		if (!inside)
			return (int)r;
	}
	return -1;
}

static int vfio__check_reserved(const struct host *h, const struct vfio_req *r, unsigned int group,
				uint64_t mem_size)
{
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	unsigned int nram = guest_ram__regions(mem_size, ram), ri;
	struct sysfs_resv resv[SYSFS_RESV_MAX];
	int n = sysfs__reserved_regions(h->sys, group, resv, SYSFS_RESV_MAX), hit;

	if (n == -ENOENT)	/* kernels before 4.11 have no such file; the IOVA ranges still get checked */
		return 0;
	if (n < 0) {
		pr_err("--vfio %s: cannot read the reserved regions of IOMMU group %u: %s", r->arg, group,
		       n == -EINVAL ? "unexpected contents" : strerror(-n));
		return n;
	}
	hit = vfio__ram_collision(ram, nram, resv, (unsigned int)n, &ri);
	if (hit < 0)
		return 0;
	pr_err("--vfio %s: guest RAM at 0x%llx-0x%llx overlaps 0x%llx-0x%llx, which IOMMU group %u reserves (%s) and DMA cannot use; try less --memory",
	       r->arg, (unsigned long long)ram[ri].gpa, (unsigned long long)(ram[ri].gpa + ram[ri].size - 1),
	       (unsigned long long)resv[hit].start, (unsigned long long)resv[hit].end, group, resv[hit].type);
	return -EINVAL;
}

/* The group's place in v->groups, added on first sight: a group shared by two devices is opened once. */
static int vfio__add_group(struct vfio *v, unsigned int id, bool *added)
{
	*added = false;
	for (unsigned int g = 0; g < v->nr_groups; g++)
		if (v->groups[g].id == id)
			return (int)g;
	*added = true;
	v->groups[v->nr_groups] = (struct vfio_grp){ .id = id, .fd = -1 };
	return (int)v->nr_groups++;
}

/* Room for the host's dev directory and "/vfio/<group>" after it. */
#define VFIO_NODE_PATH_MAX	(PATH_MAX + 32)

static int vfio__check_dev_nodes(const struct vfio *v, const struct host *h)
{
	char path[VFIO_NODE_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/vfio/vfio", h->dev);
	if (stat(path, &st)) {
		pr_err("/dev/vfio/vfio does not exist: the VFIO driver is not loaded; modprobe vfio-pci");
		return -ENOENT;
	}
	for (unsigned int g = 0; g < v->nr_groups; g++) {
		snprintf(path, sizeof(path), "%s/vfio/%u", h->dev, v->groups[g].id);
		if (stat(path, &st)) {
			pr_err("/dev/vfio/%u does not exist for IOMMU group %u: VFIO needs an IOMMU (NoIommu mode is not supported); enable VT-d or AMD-Vi in the firmware, and on Intel boot with intel_iommu=on",
			       v->groups[g].id, v->groups[g].id);
			return -ENOENT;
		}
	}
	return 0;
}

void vfio__describe(const struct cli *cli, unsigned int i, const char *bdf, struct msg_device *out)
{
	const struct cli_vfio *vf = &cli->vfio[i];
	unsigned int rc = cli->port[vf->port].rc, port = 0;

	for (unsigned int p = 0; p < vf->port; p++)
		port += cli->port[p].rc == rc;
	*out = (struct msg_device){ .index = i, .rc = (uint8_t)rc, .port = (uint8_t)port, .opts = vf->opts };
	snprintf(out->name, sizeof(out->name), "%s", bdf);
}

int vfio__check(struct vfio *v, const struct host *h, const struct cli *cli, const char (*bdf)[PCIADDR_LEN])
{
	for (unsigned int i = 0; i < cli->nr_vfio; i++) {
		struct vfio_req r;
		unsigned int group;
		bool added;
		int ret;

		vfio__describe(cli, i, bdf[i], &v->info[i]);
		v->fds[i] = -1;
		v->nr_devices = i + 1;
		vfio__req(cli, i, v->info[i].name, &r);
		ret = vfio__check_device(h, &r, &group);
		if (ret)
			return ret;
		v->group_of[i] = (unsigned int)vfio__add_group(v, group, &added);
		if (added) {
			ret = vfio__check_reserved(h, &r, group, cli->mem_size);
			if (ret)
				return ret;
		}
	}
	return v->nr_devices ? vfio__check_dev_nodes(v, h) : 0;
}

static int vfio__open_fail(const char *path, int err)
{
	if (err == EACCES || err == EPERM)
		pr_err("%s: permission denied; airlock must run as root, and no security module (SELinux, AppArmor) may deny it %s",
		       path, path);
	else
		pr_err("%s: %s", path, strerror(err));
	return -err;
}

static int vfio__open_container(struct vfio *v, const struct host *h)
{
	char path[VFIO_NODE_PATH_MAX];

	snprintf(path, sizeof(path), "%s/vfio/vfio", h->dev);
	v->container = open(path, O_RDWR | O_CLOEXEC);
	if (v->container < 0) {
		if (errno == ENOENT) {
			pr_err("/dev/vfio/vfio does not exist: the VFIO driver is not loaded; modprobe vfio-pci");
			return -ENOENT;
		}
		return vfio__open_fail("/dev/vfio/vfio", errno);
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		pr_err("/dev/vfio/vfio speaks an unknown VFIO API version; this kernel is not supported");
		return -ENOTSUP;
	}
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		pr_err("VFIO offers no type1v2 IOMMU backend; modprobe vfio_iommu_type1");
		return -ENOTSUP;
	}
	return 0;
}

/* SET_CONTAINER (for a second group) and SET_IOMMU attach the group to the IOMMU domain. */
static int vfio__attach_fail(const char *what, unsigned int group, int err)
{
	if (err == EPERM || err == ENODEV)
		pr_err("%s for IOMMU group %u: %s: the IOMMU refused the group, most likely because it has no interrupt remapping (dmesg tells); at the risk of a device forging interrupts, allow it: echo 'options vfio_iommu_type1 allow_unsafe_interrupts=1' > /etc/modprobe.d/vfio.conf and reload vfio_iommu_type1",
		       what, group, strerror(err));
	else
		pr_err("%s for IOMMU group %u: %s", what, group, strerror(err));
	return -err;
}

static int vfio__open_group(struct vfio *v, const struct host *h, struct vfio_grp *g)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[VFIO_NODE_PATH_MAX], name[32];

	snprintf(path, sizeof(path), "%s/vfio/%u", h->dev, g->id);
	snprintf(name, sizeof(name), "/dev/vfio/%u", g->id);
	g->fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->fd < 0) {
		if (errno == EBUSY) {
			pr_err("IOMMU group %u is in use by another process, another VM perhaps; see which with fuser -v %s",
			       g->id, name);
			return -EBUSY;
		}
		return vfio__open_fail(name, errno);
	}
	if (ioctl(g->fd, VFIO_GROUP_GET_STATUS, &status)) {
		pr_err("%s: VFIO_GROUP_GET_STATUS: %s", name, strerror(errno));
		return -errno;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		pr_err("IOMMU group %u is not viable: one of its devices is bound to a host driver; bind each device in /sys/kernel/iommu_groups/%u/devices to vfio-pci, or unbind it",
		       g->id, g->id);
		return -EBUSY;
	}
	if (ioctl(g->fd, VFIO_GROUP_SET_CONTAINER, &v->container))
		return vfio__attach_fail("VFIO_GROUP_SET_CONTAINER", g->id, errno);
	return 0;
}

/*
 * Capability id in a chain of headers at increasing offsets, packed
 * without alignment (so copied out, never cast): 1 and its offset when
 * found, 0 when not, -EINVAL for a chain that leaves the buffer or loops.
 */
static int vfio__find_cap(const void *buf, size_t len, uint32_t off, uint16_t id, size_t size, size_t *found)
{
	uint32_t prev = 0;

	while (off) {
		struct vfio_info_cap_header h;

		if (off <= prev || off > len || len - off < sizeof(h))
			return -EINVAL;
		memcpy(&h, (const uint8_t *)buf + off, sizeof(h));
		if (h.id == id) {
			if (h.version != 1 || len - off < size)
				return -EINVAL;
			*found = off;
			return 1;
		}
		prev = off;
		off = h.next;
	}
	return 0;
}

int vfio__iova_ranges(const void *info, size_t len, struct vfio_iova_range *out, unsigned int max)
{
	struct vfio_iommu_type1_info_cap_iova_range cap;
	struct vfio_iommu_type1_info i;
	size_t off;
	int ret;

	if (len < sizeof(i))
		return -EINVAL;
	memcpy(&i, info, sizeof(i));
	if (!(i.flags & VFIO_IOMMU_INFO_CAPS))
		return 0;
	ret = vfio__find_cap(info, len, i.cap_offset, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, sizeof(cap), &off);
	if (ret <= 0)
		return ret;
	memcpy(&cap, (const uint8_t *)info + off, sizeof(cap));
	if (!cap.nr_iovas || cap.nr_iovas > max ||
	    (len - off - sizeof(cap)) / sizeof(*out) < cap.nr_iovas)
		return -EINVAL;
	memcpy(out, (const uint8_t *)info + off + sizeof(cap), cap.nr_iovas * sizeof(*out));
	for (unsigned int r = 0; r < cap.nr_iovas; r++)
		if (out[r].start > out[r].end)
			return -EINVAL;
	return (int)cap.nr_iovas;
}

static int vfio__check_iova(struct vfio *v, uint64_t mem_size)
{
	uint64_t buf[VFIO_INFO_MAX / sizeof(uint64_t)] = { 0 };
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iova_range ranges[VFIO_IOVA_RANGES_MAX];
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	unsigned int nram = guest_ram__regions(mem_size, ram);
	char list[256] = "";
	size_t used = 0;
	int n, out;

	info->argsz = sizeof(buf);
	if (ioctl(v->container, VFIO_IOMMU_GET_INFO, info)) {
		pr_err("VFIO_IOMMU_GET_INFO: %s", strerror(errno));
		return -errno;
	}
	n = vfio__iova_ranges(buf, info->argsz < sizeof(buf) ? info->argsz : sizeof(buf), ranges,
			      VFIO_IOVA_RANGES_MAX);
	if (n < 0) {
		pr_err("VFIO_IOMMU_GET_INFO: the IOVA ranges the kernel reports are malformed");
		return n;
	}
	out = n ? vfio__ram_outside(ram, nram, ranges, (unsigned int)n) : -1;
	if (out < 0)
		return 0;
	for (int i = 0; i < n && used < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s0x%llx-0x%llx", i ? ", " : "",
				 (unsigned long long)ranges[i].start, (unsigned long long)ranges[i].end);

		used += w > 0 ? (size_t)w : 0;
	}
	pr_err("guest RAM at 0x%llx-0x%llx is outside the addresses the IOMMU can map for DMA (%s); try less --memory",
	       (unsigned long long)ram[out].gpa, (unsigned long long)(ram[out].gpa + ram[out].size - 1), list);
	return -EINVAL;
}

static void vfio__audit_group(const struct vfio *v, unsigned int g)
{
	struct json *j = audit__begin("group-open");

	json__u64(j, "group", v->groups[g].id);
	json__arr_begin(j, "devices");
	for (unsigned int i = 0; i < v->nr_devices; i++)
		if (v->group_of[i] == g)
			json__str(j, NULL, v->info[i].name);
	json__arr_end(j);
	audit__end(j);
}

int vfio__open(struct vfio *v, const struct host *h, uint64_t mem_size)
{
	int ret;

	if (!v->nr_devices)
		return 0;
	ret = vfio__open_container(v, h);
	for (unsigned int g = 0; !ret && g < v->nr_groups; g++) {
		ret = vfio__open_group(v, h, &v->groups[g]);
		/* The IOMMU type is set once, with the first group in the container. */
		if (!ret && !g && ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
			ret = vfio__attach_fail("VFIO_SET_IOMMU", v->groups[g].id, errno);
		if (!ret)
			vfio__audit_group(v, g);
	}
	return ret ? ret : vfio__check_iova(v, mem_size);
}

/* A summary, not one line per range: the ranges and their total. */
static void vfio__audit_dma(const struct vfio *v, const char *event)
{
	struct json *j = audit__begin(event);
	uint64_t bytes = 0;

	json__arr_begin(j, "ranges");
	for (unsigned int i = 0; i < v->nr_dma; i++) {
		char range[40];

		snprintf(range, sizeof(range), "0x%llx-0x%llx", (unsigned long long)v->dma[i].iova,
			 (unsigned long long)(v->dma[i].iova + v->dma[i].size - 1));
		json__str(j, NULL, range);
		bytes += v->dma[i].size;
	}
	json__arr_end(j);
	json__u64(j, "bytes", bytes);
	audit__end(j);
}

/* A device without a reset method is on record too: what its last user left in it stays. */
static void vfio__audit_reset(const struct vfio *v, unsigned int i, const char *when, int err)
{
	struct json *j = audit__begin("device-reset");

	json__str(j, "device", v->info[i].name);
	json__str(j, "when", when);
	if (!(v->info[i].flags & VFIO_DEVICE_FLAGS_RESET))
		json__str(j, "result", "none: the device has no reset method");
	else
		json__str(j, "result", err ? strerror(err) : "ok");
	audit__end(j);
}

/* Reset device i if it can be, on record either way; 0 or the errno of a failed reset. */
static int vfio__reset(const struct vfio *v, unsigned int i, const char *when)
{
	int err = (v->info[i].flags & VFIO_DEVICE_FLAGS_RESET) && ioctl(v->fds[i], VFIO_DEVICE_RESET) ? errno : 0;

	vfio__audit_reset(v, i, when, err);
	return err;
}

int vfio__map_ram(struct vfio *v, int ram_fd, uint64_t mem_size)
{
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	unsigned int nram = guest_ram__regions(mem_size, ram);
	void *p;

	if (!v->nr_devices)
		return 0;
	p = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd, 0);
	if (p == MAP_FAILED) {
		pr_err("cannot map %llu MiB of guest RAM for DMA: %s; try less --memory",
		       (unsigned long long)(mem_size >> 20), strerror(errno));
		return -errno;
	}
	v->ram = p;
	v->ram_size = mem_size;
	for (unsigned int r = 0; r < nram; r++) {
		/* IOVA == GPA: the guest programs its devices with guest-physical addresses. */
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)v->ram + ram[r].offset,
			.iova = ram[r].gpa,
			.size = ram[r].size,
		};

		if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map)) {
			int err = errno;

			if (err == ENOMEM)
				pr_err("cannot pin %llu MiB of guest RAM for DMA: over the locked-memory limit or out of memory; raise RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK= under systemd), free host memory, or try less --memory",
				       (unsigned long long)(ram[r].size >> 20));
			else
				pr_err("VFIO_IOMMU_MAP_DMA of guest RAM at 0x%llx (%llu MiB): %s",
				       (unsigned long long)ram[r].gpa, (unsigned long long)(ram[r].size >> 20),
				       strerror(err));
			return -err;
		}
		v->dma[v->nr_dma++] = (struct vfio_dma_rec){ .iova = map.iova, .size = map.size };
	}
	vfio__audit_dma(v, "dma-map");
	return 0;
}

static void vfio__add_area(struct msg_region *r, uint64_t off, uint64_t size)
{
	uint64_t start, end;

	if (off >= r->size || off > UINT64_MAX - PAGE_SIZE)
		return;
	end = size > r->size - off ? r->size : off + size;
	start = (off + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end &= ~(PAGE_SIZE - 1);
	/* Past DEVICE_AREAS_MAX the rest is trapped: slower, never wrong. */
	if (start >= end || r->nr_areas == DEVICE_AREAS_MAX)
		return;
	r->areas[r->nr_areas++] = (struct msg_area){ .offset = start, .size = end - start };
}

static void vfio__sparse_areas(const void *buf, size_t len, const struct vfio_region_info *ri, struct msg_region *out)
{
	struct vfio_region_info_cap_sparse_mmap cap;
	struct vfio_region_sparse_mmap_area a;
	size_t off;
	int ret = vfio__find_cap(buf, len, ri->cap_offset, VFIO_REGION_INFO_CAP_SPARSE_MMAP, sizeof(cap), &off);

	if (!ret)	/* other capabilities only: the whole region maps */
		vfio__add_area(out, 0, ri->size);
	if (ret <= 0)
		return;
	memcpy(&cap, (const uint8_t *)buf + off, sizeof(cap));
	if ((len - off - sizeof(cap)) / sizeof(a) < cap.nr_areas)
		return;
	for (uint32_t i = 0; i < cap.nr_areas; i++) {
		memcpy(&a, (const uint8_t *)buf + off + sizeof(cap) + i * sizeof(a), sizeof(a));
		vfio__add_area(out, a.offset, a.size);
	}
}

void vfio__region(const void *buf, size_t len, struct msg_region *out)
{
	struct vfio_region_info ri;

	*out = (struct msg_region){ 0 };
	if (len < sizeof(ri))
		return;
	memcpy(&ri, buf, sizeof(ri));
	if (ri.offset + ri.size < ri.offset)
		return;
	*out = (struct msg_region){
		.size = ri.size,
		.offset = ri.offset,
		.flags = ri.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
	};
	/*
	 * With a sparse-mmap capability only its areas may be mapped. When the
	 * capabilities did not fit (argsz grew), none is mapped: trapping is
	 * always safe.
	 */
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) || ri.offset % PAGE_SIZE)
		return;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_CAPS))
		vfio__add_area(out, 0, ri.size);
	else if (ri.argsz <= len)
		vfio__sparse_areas(buf, len, &ri, out);
	if (out->nr_areas)
		out->flags |= VFIO_REGION_INFO_FLAG_MMAP;
}

static int vfio__region_info(int fd, unsigned int index, struct msg_region *out)
{
	uint64_t buf[VFIO_INFO_MAX / sizeof(uint64_t)] = { 0 };
	struct vfio_region_info *ri = (void *)buf;

	ri->argsz = sizeof(buf);
	ri->index = index;
	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri)) {
		/* vfio-pci answers EINVAL for a region the device lacks (VGA) */
		*out = (struct msg_region){ 0 };
		return errno == EINVAL ? 0 : -errno;
	}
	vfio__region(buf, sizeof(buf), out);
	return 0;
}

static int vfio__irq_info(int fd, unsigned int index, struct msg_irq *out)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = index };

	*out = (struct msg_irq){ 0 };
	if (ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		return errno == EINVAL ? 0 : -errno;
	*out = (struct msg_irq){ .count = irq.count, .flags = irq.flags };
	return 0;
}

/* The VMM reads the answer with msg__read_device: check it by the same rules before it goes. */
static int vfio__validate(const struct msg_device *d)
{
	struct msg m = { .hdr = { .type = MSG_DEVICE, .len = sizeof(*d) }, .nfds = 1 };
	struct msg_device out;

	memcpy(m.payload, d, sizeof(*d));
	return msg__read_device(&m, d->index, &out);
}

static int vfio__describe_regions(struct vfio *v, unsigned int i, const struct vfio_device_info *di)
{
	struct msg_device *d = &v->info[i];
	int ret = 0;

	for (unsigned int r = 0; !ret && r < DEVICE_REGIONS && r < di->num_regions; r++)
		ret = vfio__region_info(v->fds[i], r, &d->regions[r]);
	for (unsigned int q = 0; !ret && q < DEVICE_IRQS && q < di->num_irqs; q++)
		ret = vfio__irq_info(v->fds[i], q, &d->irqs[q]);
	if (ret)
		pr_err("%s: cannot read its VFIO region and interrupt information: %s", v->info[i].name, strerror(-ret));
	else if ((ret = vfio__validate(d)))
		pr_err("%s: VFIO describes its regions in a way airlock cannot pass on (mmappable areas that are not page-aligned or lie outside their region)",
		       v->info[i].name);
	return ret;
}

static int vfio__open_device(struct vfio *v, unsigned int i)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	int fd = ioctl(v->groups[v->group_of[i]].fd, VFIO_GROUP_GET_DEVICE_FD, v->info[i].name), err;

	if (fd < 0) {
		err = errno;
		pr_err("%s: cannot open the VFIO device: %s%s", v->info[i].name, strerror(err),
		       err == EBUSY ? "; another process has it open" : "");
		return -err;
	}
	v->fds[i] = fd;
	if (ioctl(fd, VFIO_DEVICE_GET_INFO, &di)) {
		pr_err("%s: VFIO_DEVICE_GET_INFO: %s", v->info[i].name, strerror(errno));
		return -errno;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI)) {
		pr_err("%s: VFIO does not present it as a PCI device; only PCI devices can be assigned", v->info[i].name);
		return -ENODEV;
	}
	v->info[i].flags = di.flags;
	/* Whatever its last user left in the device must not reach this guest. */
	err = vfio__reset(v, i, "open");
	if (err) {
		pr_err("%s: the device does not reset (VFIO_DEVICE_RESET: %s); it may be wedged: try it again, or reset it with echo 1 > /sys/bus/pci/devices/%s/reset",
		       v->info[i].name, strerror(err), v->info[i].name);
		return -EIO;
	}
	return vfio__describe_regions(v, i, &di);
}

int vfio__open_devices(struct vfio *v)
{
	for (unsigned int i = 0; i < v->nr_devices; i++) {
		int ret = vfio__open_device(v, i);

		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Bus mastering off in the device's command register, so it starts no more
 * DMA whether or not it has a reset method; -errno.
 */
static int vfio__stop_dma(const struct vfio *v, unsigned int i)
{
	const struct msg_region *cfg = &v->info[i].regions[VFIO_PCI_CONFIG_REGION_INDEX];
	uint8_t cmd[2];

	if (pread(v->fds[i], cmd, sizeof(cmd), (off_t)(cfg->offset + PCI_COMMAND)) != sizeof(cmd))
		return -EIO;
	le__put16(cmd, le__get16(cmd) & (uint16_t)~PCI_COMMAND_MASTER);
	if (pwrite(v->fds[i], cmd, sizeof(cmd), (off_t)(cfg->offset + PCI_COMMAND)) != sizeof(cmd))
		return -EIO;
	return 0;
}

/*
 * Teardown goes on past a failure: one line each, and everything else
 * still released. The devices are stopped before their DMA is unmapped:
 * a transfer in flight when the VMM died must not land in guest RAM the
 * host has taken back (an emulated device that holds its translation
 * across an unmap does exactly that).
 */
void vfio__close(struct vfio *v)
{
	for (unsigned int i = 0; i < v->nr_devices; i++) {
		int err;

		if (v->fds[i] < 0)
			continue;
		if (vfio__stop_dma(v, i))
			pr_err("%s: cannot turn its bus mastering off; the reset that follows should stop its DMA",
			       v->info[i].name);
		err = vfio__reset(v, i, "teardown");
		if (err)
			pr_err("%s: reset after the VM ended failed: %s; vfio-pci tries once more as airlock releases it",
			       v->info[i].name, strerror(err));
	}
	for (unsigned int i = v->nr_dma; i--;) {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap), .iova = v->dma[i].iova, .size = v->dma[i].size,
		};

		if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
			pr_err("VFIO_IOMMU_UNMAP_DMA at 0x%llx: %s; closing the container releases it",
			       (unsigned long long)unmap.iova, strerror(errno));
	}
	if (v->nr_dma)
		vfio__audit_dma(v, "dma-unmap");
	v->nr_dma = 0;
	for (unsigned int i = 0; i < v->nr_devices; i++) {
		if (v->fds[i] >= 0)
			close(v->fds[i]);
		v->fds[i] = -1;
	}
	for (unsigned int g = 0; g < v->nr_groups; g++) {
		if (v->groups[g].fd >= 0)
			close(v->groups[g].fd);
		v->groups[g].fd = -1;
	}
	if (v->container >= 0)
		close(v->container);
	v->container = -1;
	if (v->ram)
		munmap(v->ram, v->ram_size);
	v->ram = NULL;
}

/* What the VMM will hold for the devices (msg__device_fds): its RLIMIT_NOFILE's share. */
unsigned int vfio__vmm_fds(const struct vfio *v)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < v->nr_devices; i++)
		n += msg__device_fds(&v->info[i]);
	return n;
}
