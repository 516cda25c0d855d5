// SPDX-License-Identifier: MIT
/*
 * uio-intx BDF [N]: drives edu's INTx through uio_pci_generic, the way a
 * UIO user does, and checks the PCI 2.3 semantics of the command
 * register's INTx Disable bit (bit 10) and the status register's
 * Interrupt Status bit (bit 3) as the guest sees them. edu must be bound
 * to uio_pci_generic already. No DMA.
 *
 *   GUEST-UIO BDF uio uioN irq IRQ command 0xCMD status 0xSTS write-enable ok|ENOSYS|ERROR
 *   GUEST-UIO BDF irq I/N count C pending 0|1 intx-disable 0|1 edu 0xST acked-pending 0|1 ok|bad WHY
 *   GUEST-UIO BDF masked held MS ms pending 0|1 count C, cleared: delivered|timeout count C ok|bad WHY
 *   GUEST-UIO BDF irqs GOT/N masked-by-handler M pending-seen P all-ok K masking ok|bad
 *   GUEST-UIO BDF error WHAT
 *
 * Each of the N interrupts: INTx Disable is cleared through the config
 * file (uio_pci_generic has no irqcontrol, so write() on /dev/uioN says
 * ENOSYS, reported as write-enable; the kernel's uio-howto re-enables
 * this way too), edu raises its interrupt (0x60), poll() waits at most
 * 5 s on /dev/uioN and read() gives the event count, which must have
 * grown by one. Then the command/status dword (one 32-bit read, as the
 * handler's pci_check_and_mask_intx does) must show Interrupt Status set
 * (edu still asserts) and INTx Disable set (the handler masked), edu's
 * status (0x24) bit 0 set; after edu's acknowledge (0x64) Interrupt
 * Status must read 0.
 *
 * Masking: with INTx Disable set by us, edu raises; poll() must time out
 * (1 s) while Interrupt Status reads 1; clearing INTx Disable must then
 * deliver that interrupt (poll within 5 s, count one more).
 *
 * BAR0 is mapped through sysfs resource0: uio_pci_generic does not claim
 * the BAR (no pci_request_regions), so CONFIG_IO_STRICT_DEVMEM lets it be.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EDU_ID		0x00
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define CMD_INTX_DIS	0x0400
#define STS_INTX	0x0008
#define WAIT_MS		5000
#define HOLD_MS		1000

static const char *bdf;
static volatile uint8_t *bar;
static int cfg_fd, uio_fd;

static uint32_t rd32(unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void wr32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static int fail(const char *what)
{
	printf("GUEST-UIO %s error %s%s%s\n", bdf, what, errno ? ": " : "", errno ? strerror(errno) : "");
	return 1;
}

static int sysfs_open(const char *file, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return open(path, flags);
}

/* The command (low half) and status (high half) registers, one 32-bit read. */
static int cmd_status(uint32_t *v)
{
	if (pread(cfg_fd, v, 4, 4) != 4) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* INTx Disable on or off: read-modify-write of the command register's high byte. */
static int intx_disable(int on)
{
	uint8_t hi;

	if (pread(cfg_fd, &hi, 1, 5) != 1)
		return -1;
	hi = on ? hi | (CMD_INTX_DIS >> 8) : hi & ~(CMD_INTX_DIS >> 8);
	return pwrite(cfg_fd, &hi, 1, 5) == 1 ? 0 : -1;
}

/* 1 when an interrupt event came within ms, its count in *count; 0 on timeout. */
static int wait_event(int ms, uint32_t *count)
{
	struct pollfd p = { .fd = uio_fd, .events = POLLIN };
	int n = poll(&p, 1, ms);

	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (read(uio_fd, count, 4) != 4)
		return -1;
	return 1;
}

static int uio_name(char *name, size_t len)
{
	char path[256];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio", bdf);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "uio", 3)) {
			snprintf(name, len, "%.15s", e->d_name);
			closedir(d);
			return 0;
		}
	closedir(d);
	errno = ENOENT;
	return -1;
}

static uint32_t sysfs_number(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	return (uint32_t)strtoul(buf, NULL, 0);
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 2 ? (unsigned int)atoi(argv[2]) : 20, got = 0, masked = 0, pending = 0, good = 0;
	char uio[32], path[300];
	uint32_t count, c, cs, one = 1;
	int fd, r, masking_ok;

	if (argc < 2 || argc > 3 || n < 1) {
		fprintf(stderr, "usage: uio-intx BDF [N]\n");
		return 2;
	}
	bdf = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (uio_name(uio, sizeof(uio)))
		return fail("no uio device (is it bound to uio_pci_generic?)");
	snprintf(path, sizeof(path), "/dev/%s", uio);
	uio_fd = open(path, O_RDWR);
	if (uio_fd < 0)
		return fail(path);
	cfg_fd = sysfs_open("config", O_RDWR);
	if (cfg_fd < 0)
		return fail("config");
	fd = sysfs_open("resource0", O_RDWR | O_SYNC);
	if (fd < 0)
		return fail("resource0");
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bar == MAP_FAILED)
		return fail("mmap resource0");
	if (rd32(EDU_ID) != 0x010000ed) {
		errno = 0;
		printf("GUEST-UIO %s error edu's ID register reads 0x%08x\n", bdf, rd32(EDU_ID));
		return 1;
	}
	wr32(EDU_IRQ_ACK, 0xffffffff);
	if (cmd_status(&cs))
		return fail("config read");
	/* uio_pci_generic has no irqcontrol: the uio core says ENOSYS. */
	r = (int)write(uio_fd, &one, 4);
	snprintf(path, sizeof(path), "/sys/class/uio/%s/event", uio);
	count = sysfs_number(path);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", bdf);
	printf("GUEST-UIO %s uio %s irq %u command 0x%04x status 0x%04x write-enable %s\n", bdf, uio,
	       sysfs_number(path), cs & 0xffff, cs >> 16, r == 4 ? "ok" : errno == ENOSYS ? "ENOSYS" : strerror(errno));

	for (unsigned int i = 1; i <= n; i++) {
		const char *why = NULL;
		uint32_t edu_st, after;

		if (intx_disable(0))
			return fail("clearing INTx Disable");
		wr32(EDU_IRQ_RAISE, 1);
		r = wait_event(WAIT_MS, &c);
		if (r < 0)
			return fail("poll/read /dev/uio");
		if (cmd_status(&cs))
			return fail("config read");
		edu_st = rd32(EDU_IRQ_STATUS);
		wr32(EDU_IRQ_ACK, 1);
		if (cmd_status(&after))
			return fail("config read");
		if (!r)
			why = "timeout";
		else if (c != count + 1)
			why = "count";
		else if (!(cs >> 16 & STS_INTX))
			why = "no-interrupt-status";
		else if (!(cs & CMD_INTX_DIS))
			why = "not-masked";
		else if (!(edu_st & 1))
			why = "edu-status";
		else if (after >> 16 & STS_INTX)
			why = "status-after-ack";
		if (r)
			count = c;
		got += r == 1;
		good += !why;
		masked += r == 1 && (cs & CMD_INTX_DIS);
		pending += r == 1 && (cs >> 16 & STS_INTX);
		printf("GUEST-UIO %s irq %u/%u count %u pending %u intx-disable %u edu 0x%x acked-pending %u %s%s%s\n",
		       bdf, i, n, r ? c : count, !!(cs >> 16 & STS_INTX), !!(cs & CMD_INTX_DIS), edu_st,
		       !!(after >> 16 & STS_INTX), why ? "bad" : "ok", why ? " " : "", why ? why : "");
		if (!r)
			wr32(EDU_IRQ_ACK, 0xffffffff);
	}

	/* INTx Disable set by the guest holds a raised interrupt back. */
	{
		const char *why = NULL;
		uint32_t held, c2 = 0;
		int r2;

		if (intx_disable(1) || cmd_status(&cs))
			return fail("setting INTx Disable");
		if (!(cs & CMD_INTX_DIS)) {
			errno = 0;
			printf("GUEST-UIO %s error INTx Disable reads 0 after the guest set it (command 0x%04x)\n",
			       bdf, cs & 0xffff);
			return 1;
		}
		wr32(EDU_IRQ_RAISE, 1);
		r = wait_event(HOLD_MS, &c);
		if (r < 0 || cmd_status(&cs))
			return fail("poll/read /dev/uio while masked");
		held = r ? c : count;
		if (r)
			count = c;
		if (intx_disable(0))
			return fail("clearing INTx Disable");
		r2 = wait_event(WAIT_MS, &c2);
		if (r2 < 0)
			return fail("poll/read /dev/uio after unmasking");
		wr32(EDU_IRQ_ACK, 0xffffffff);
		if (r)
			why = "delivered-while-masked";
		else if (!(cs >> 16 & STS_INTX))
			why = "no-interrupt-status-while-masked";
		else if (!r2)
			why = "not-delivered-after-clear";
		else if (c2 != count + 1)
			why = "count";
		masking_ok = !why;
		printf("GUEST-UIO %s masked held %d ms pending %u count %u, cleared: %s count %u %s%s%s\n", bdf,
		       HOLD_MS, !!(cs >> 16 & STS_INTX), held, r2 ? "delivered" : "timeout", r2 ? c2 : count,
		       why ? "bad" : "ok", why ? " " : "", why ? why : "");
	}
	/* Leave it as a UIO user would: unmasked, nothing pending. */
	intx_disable(0);
	printf("GUEST-UIO %s irqs %u/%u masked-by-handler %u pending-seen %u all-ok %u masking %s\n", bdf, got, n,
	       masked, pending, good, masking_ok ? "ok" : "bad");
	return good == n && masking_ok ? 0 : 1;
}
