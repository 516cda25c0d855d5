// SPDX-License-Identifier: MIT
/*
 * edu-test BDF: drives QEMU's edu device from inside the Linux guest, the
 * way a driver would, through the BAR the guest kernel assigned:
 *
 *   GUEST-EDU BDF id 0xRRrr00ed          identification register
 *   GUEST-EDU BDF live ok|bad            liveness register: reads back inverted
 *   GUEST-EDU BDF fact N RESULT          the factorial unit
 *   GUEST-EDU BDF dma BYTES ok|bad ...   guest RAM -> edu -> other guest RAM
 *
 * The DMA uses the buffers' guest physical addresses (from pagemap): the
 * guest has no IOMMU of its own, so only a host IOMMU mapping of IOVA ==
 * GPA brings the bytes back. edu's DMA engine takes at most 4 KiB and
 * addresses below 256 MiB (its default dma_mask).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_ID		0x00
#define EDU_LIVE	0x04
#define EDU_FACT	0x08
#define EDU_STATUS	0x20
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_START	1
#define EDU_DMA_TO_RAM	2
#define EDU_DMA_BUF	0x40000
#define DMA_BYTES	2048	/* QEMU 7.2's edu aborts on a full 4096-byte transfer */

static const char *bdf;
static volatile uint8_t *bar;

static uint32_t rd32(unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void wr32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static void wr64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;
}

static int fail(const char *what)
{
	printf("GUEST-EDU %s error %s\n", bdf, what);
	return 1;
}

static int sysfs_fd(const char *file, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return open(path, flags);
}

/*
 * Memory decoding and bus mastering, as pci_enable_device() and
 * pci_set_master() would. sysfs refuses "enable" while a driver holds the
 * device (airlock_edu, with guest.edu=), which has enabled it already.
 */
static int enable(void)
{
	char on = 0;
	uint16_t cmd;
	int fd = sysfs_fd("enable", O_RDWR);

	if (fd < 0 || pread(fd, &on, 1, 0) != 1)
		return -1;
	if (on != '1' && pwrite(fd, "1", 1, 0) != 1)
		return -1;
	close(fd);
	fd = sysfs_fd("config", O_RDWR);
	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2)
		return -1;
	cmd |= 0x6;
	if (pwrite(fd, &cmd, 2, 4) != 2)
		return -1;
	close(fd);
	return 0;
}

static int wait_clear(unsigned int off, uint32_t bit)
{
	for (int i = 0; i < 5000; i++) {
		if (!(rd32(off) & bit))
			return 0;
		usleep(1000);
	}
	return -1;
}

static uint64_t phys_of(void *p)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &entry, 8, (off_t)((uintptr_t)p / 4096 * 8)) != 8)
		return 0;
	close(fd);
	if (!(entry >> 63))
		return 0;
	return (entry & ((1ull << 55) - 1)) * 4096;
}

static void dma(unsigned int dir, uint64_t src, uint64_t dst)
{
	wr64(EDU_DMA_SRC, src);
	wr64(EDU_DMA_DST, dst);
	wr64(EDU_DMA_COUNT, DMA_BYTES);
	wr64(EDU_DMA_CMD, EDU_DMA_START | dir);
}

static int test_dma(void)
{
	uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED,
			    -1, 0);
	uint8_t *in = buf + 4096;
	uint64_t out_pa, in_pa;
	unsigned int bad = 0;

	if (buf == MAP_FAILED)
		return fail("mmap");
	srand((unsigned int)time(NULL));
	for (int i = 0; i < DMA_BYTES; i++)
		buf[i] = (uint8_t)rand();
	memset(in, 0, DMA_BYTES);
	out_pa = phys_of(buf);
	in_pa = phys_of(in);
	if (!out_pa || !in_pa)
		return fail("pagemap");
	dma(0, out_pa, EDU_DMA_BUF);
	if (wait_clear(EDU_DMA_CMD, EDU_DMA_START))
		return fail("dma-to-device timeout");
	dma(EDU_DMA_TO_RAM, EDU_DMA_BUF, in_pa);
	if (wait_clear(EDU_DMA_CMD, EDU_DMA_START))
		return fail("dma-to-ram timeout");
	for (int i = 0; i < DMA_BYTES; i++)
		bad += buf[i] != in[i];
	printf("GUEST-EDU %s dma %d %s from 0x%llx to 0x%llx, %u bytes differ\n", bdf, DMA_BYTES,
	       bad ? "bad" : "ok", (unsigned long long)out_pa, (unsigned long long)in_pa, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	uint32_t live;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: edu-test BDF\n");
		return 2;
	}
	bdf = argv[1];
	if (enable())
		return fail("enable");
	fd = sysfs_fd("resource0", O_RDWR | O_SYNC);
	if (fd < 0)
		return fail("resource0");
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		return fail("mmap resource0");
	printf("GUEST-EDU %s id 0x%08x\n", bdf, rd32(EDU_ID));
	wr32(EDU_LIVE, 0x12345678);
	live = rd32(EDU_LIVE);
	printf("GUEST-EDU %s live %s 0x%08x\n", bdf, live == ~0x12345678u ? "ok" : "bad", live);
	wr32(EDU_FACT, 10);
	if (wait_clear(EDU_STATUS, 1))
		return fail("factorial timeout");
	printf("GUEST-EDU %s fact 10 %u\n", bdf, rd32(EDU_FACT));
	return test_dma();
}
