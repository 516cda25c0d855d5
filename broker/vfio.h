/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VFIO_H
#define AIRLOCK_VFIO_H

/*
 * The broker's half of device assignment. The broker alone holds the VFIO
 * container and group fds and its own mapping of guest RAM, so it alone
 * can change what a device may DMA to; the VMM gets the device fds and a
 * description of each device, nothing more.
 */
#include <linux/vfio.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "guest-ram.h"
#include "host.h"
#include "pciaddr.h"
#include "proto.h"
#include "sysfs.h"

#define VFIO_IOVA_RANGES_MAX	32

struct vfio_grp {
	unsigned int id;	/* /dev/vfio/<id> */
	int fd;
};

struct vfio_dma_rec {
	uint64_t iova;
	uint64_t size;
};

struct vfio {
	int container;
	struct vfio_grp groups[CLI_VFIO_MAX];
	unsigned int nr_groups;
	/* One entry per --vfio, in command-line order: the index the VMM asks for. */
	unsigned int nr_devices;
	unsigned int group_of[CLI_VFIO_MAX];	/* index into groups */
	int fds[CLI_VFIO_MAX];			/* the VFIO device fds, handed to the VMM */
	struct msg_device info[CLI_VFIO_MAX];	/* what the VMM is told of each */
	/* What is mapped for DMA, so that exactly that is unmapped. */
	struct vfio_dma_rec dma[GUEST_RAM_REGIONS];
	unsigned int nr_dma;
	void *ram;				/* the broker's own mapping of guest RAM */
	uint64_t ram_size;
};

#define VFIO_INIT { .container = -1 }

/*
 * Each prints one line saying what is wrong and what to do, and returns
 * -errno. In this order: check (reads sysfs, opens nothing), open
 * (container, groups, IOMMU), map_ram, open_devices. vfio__close undoes
 * whatever of it was done, and is safe after any of them failed.
 */
int vfio__check(struct vfio *v, const struct host *h, const struct cli *cli, const char (*bdf)[PCIADDR_LEN]);
int vfio__open(struct vfio *v, const struct host *h, uint64_t mem_size);
int vfio__map_ram(struct vfio *v, int ram_fd, uint64_t mem_size);
int vfio__open_devices(struct vfio *v);
/* Stop and reset the devices, unmap DMA, close device fds, groups and container, unmap guest RAM. */
void vfio__close(struct vfio *v);
/* Descriptors the VMM holds for the devices: each one's fd and its interrupts' eventfds. */
unsigned int vfio__vmm_fds(const struct vfio *v);

/*
 * Pure parts, unit-tested. A reserved region of the types that DMA must
 * not touch that overlaps guest RAM: its index, and the RAM region's in
 * *ram_idx; -1 when none does.
 */
int vfio__ram_collision(const struct guest_ram_region *ram, unsigned int nram,
			const struct sysfs_resv *resv, unsigned int nresv, unsigned int *ram_idx);
/* The index of a guest RAM region not inside one of the valid IOVA ranges, or -1. */
int vfio__ram_outside(const struct guest_ram_region *ram, unsigned int nram,
		      const struct vfio_iova_range *ranges, unsigned int nranges);
/* The IOVA ranges of a VFIO_IOMMU_GET_INFO answer of len bytes: count, 0 without the capability, -EINVAL. */
int vfio__iova_ranges(const void *info, size_t len, struct vfio_iova_range *out, unsigned int max);
/* A VFIO_DEVICE_GET_REGION_INFO answer of len bytes as the VMM is told it. */
void vfio__region(const void *info, size_t len, struct msg_region *out);
/* Index, root complex and port, options and name of the i-th --vfio. */
void vfio__describe(const struct cli *cli, unsigned int i, const char *bdf, struct msg_device *out);

#endif
