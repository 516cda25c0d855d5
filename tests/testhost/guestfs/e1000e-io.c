// SPDX-License-Identifier: MIT
/*
 * e1000e-io BDF: reaches the same e1000e registers through memory BAR0 and
 * through the I/O BAR's indirect window (IOADDR at +0, IODATA at +4), so
 * that both paths through the VMM are checked against each other:
 *
 *   GUEST-IOBAR BDF status mmio 0xVALUE io 0xVALUE same|differ
 *   GUEST-IOBAR BDF rdbal io->mmio ok|bad mmio->io ok|bad
 *
 * RDBAL, the receive descriptor base, is a plain read-write register while
 * the receiver is off, which it is with no driver bound.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define E1000_STATUS	0x0008
#define E1000_RDBAL	0x2800

static const char *bdf;
static volatile uint8_t *bar0;
static int io;

static int sysfs_fd(const char *file, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return open(path, flags);
}

static uint32_t io_rd(uint32_t reg)
{
	uint32_t v = 0xdeadbeef;

	if (pwrite(io, &reg, 4, 0) != 4 || pread(io, &v, 4, 4) != 4)
		perror("e1000e-io: I/O BAR");
	return v;
}

static void io_wr(uint32_t reg, uint32_t v)
{
	if (pwrite(io, &reg, 4, 0) != 4 || pwrite(io, &v, 4, 4) != 4)
		perror("e1000e-io: I/O BAR");
}

static uint32_t mm_rd(uint32_t reg)
{
	return *(volatile uint32_t *)(bar0 + reg);
}

static void mm_wr(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(bar0 + reg) = v;
}

int main(int argc, char **argv)
{
	uint32_t mm, pio;
	int fd, en;

	if (argc != 2) {
		fprintf(stderr, "usage: e1000e-io BDF\n");
		return 2;
	}
	bdf = argv[1];
	en = sysfs_fd("enable", O_WRONLY);
	fd = sysfs_fd("resource0", O_RDWR | O_SYNC);
	io = sysfs_fd("resource2", O_RDWR);
	if (en < 0 || write(en, "1", 1) != 1 || fd < 0 || io < 0) {
		printf("GUEST-IOBAR %s error enabling or opening the BARs\n", bdf);
		return 1;
	}
	bar0 = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar0 == MAP_FAILED) {
		printf("GUEST-IOBAR %s error mapping BAR0\n", bdf);
		return 1;
	}
	mm = mm_rd(E1000_STATUS);
	pio = io_rd(E1000_STATUS);
	printf("GUEST-IOBAR %s status mmio 0x%08x io 0x%08x %s\n", bdf, mm, pio, mm == pio ? "same" : "differ");
	io_wr(E1000_RDBAL, 0x12345000);
	mm = mm_rd(E1000_RDBAL);
	mm_wr(E1000_RDBAL, 0x0abcd000);
	pio = io_rd(E1000_RDBAL);
	printf("GUEST-IOBAR %s rdbal io->mmio %s mmio->io %s\n", bdf, mm == 0x12345000 ? "ok" : "bad",
	       pio == 0x0abcd000 ? "ok" : "bad");
	return 0;
}
