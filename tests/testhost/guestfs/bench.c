// SPDX-License-Identifier: MIT
/*
 * bench: the measuring loops of `make bench`, built static for the Linux
 * guest image; the bench scenario also runs the same binary in the test
 * host itself, for the native reference.
 *
 *   bench bar BDF BAR OFFSET BATCH r|rw
 *       32-bit reads of the register at OFFSET of the device's BAR,
 *       through its sysfs resource file, mapped, BATCH at a time until a
 *       second has passed (the guest's clock may tick only every few
 *       milliseconds); with rw, writes of it after them, the same way.
 *       BATCH 0: none. The device must decode memory already (a driver
 *       enabled it, and left the BAR unclaimed: the kernel refuses to map
 *       a claimed one): enabling it here would add config-space exits to
 *       what the caller counts.
 *       GUEST-BENCH bar BDF BAR OFFSET reads N read_ns NS writes N write_ns NS
 *   bench read DEV BLOCK
 *       the whole block device, from start to end, with O_DIRECT reads of
 *       BLOCK bytes (K/M suffix), one at a time.
 *       GUEST-BENCH read NAME BLOCK BYTES ns NS
 *
 * NS is CLOCK_MONOTONIC nanoseconds for a whole loop; a failure prints
 * "GUEST-BENCH error WHAT" and exits 1.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define ALIGN	4096	/* O_DIRECT buffers and offsets; a page */
#define MIN_NS	1000000000ull	/* how long each BAR loop runs at least */

static int fail(const char *what)
{
	printf("GUEST-BENCH error %s: %s\n", what, strerror(errno));
	return 1;
}

static int bad(const char *why)
{
	printf("GUEST-BENCH error %s\n", why);
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A decimal number with an optional K or M suffix. */
static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (*end == 'K')
		*out <<= 10, end++;
	else if (*end == 'M')
		*out <<= 20, end++;
	return *end ? -1 : 0;
}

static int sysfs_open(const char *bdf, const char *file, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, file);
	return open(path, flags);
}

static int decoding(const char *bdf)
{
	char c = '0';
	int fd = sysfs_open(bdf, "enable", O_RDONLY);

	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c != '0';
}

/* BATCH accesses at a time until MIN_NS have passed; how many, and how long they took. */
static uint64_t bar_loop(volatile uint32_t *reg, uint64_t batch, int write, uint64_t *ns)
{
	uint64_t t0 = now_ns(), done = 0;

	do {
		for (uint64_t i = 0; i < batch; i++) {
			if (write)
				*reg = (uint32_t)i;
			else
				(void)*reg;
		}
		done += batch;
		*ns = now_ns() - t0;
	} while (batch && *ns < MIN_NS);
	return done;
}

static int bar(const char *bdf, const char *bar, uint64_t off, uint64_t batch, int write)
{
	const uint64_t page = off & ~(uint64_t)(ALIGN - 1);
	uint64_t reads, writes = 0, read_ns, write_ns = 0;
	volatile uint32_t *reg;
	char res[32];
	void *p;
	int fd;

	if (!decoding(bdf))
		return bad("the device does not decode memory: bind its driver first");
	if (off % 4)
		return bad("OFFSET is not a 32-bit register's");
	snprintf(res, sizeof(res), "resource%s", bar);
	fd = sysfs_open(bdf, res, O_RDWR | O_SYNC);
	if (fd < 0)
		return fail(res);
	/* The register's page alone: the kernel refuses a mapping past the BAR's end. */
	p = mmap(NULL, ALIGN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)page);
	close(fd);
	if (p == MAP_FAILED)
		return fail("mmap of the register's page (a driver that claimed the BAR?)");
	reg = (volatile uint32_t *)((uint8_t *)p + (off - page));
	reads = bar_loop(reg, batch, 0, &read_ns);
	if (write)
		writes = bar_loop(reg, batch, 1, &write_ns);
	munmap(p, ALIGN);
	printf("GUEST-BENCH bar %s %s 0x%" PRIx64 " reads %" PRIu64 " read_ns %" PRIu64 " writes %" PRIu64
	       " write_ns %" PRIu64 "\n", bdf, bar, off, reads, read_ns, writes, write_ns);
	return 0;
}

static int read_all(const char *dev, uint64_t block)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	uint64_t done = 0, t0;
	off_t size;
	void *buf;
	int fd = open(dev, O_RDONLY | O_DIRECT);

	if (fd < 0)
		return fail(dev);
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)block || posix_memalign(&buf, ALIGN, block)) {
		close(fd);
		return bad("the device's size is not a multiple of BLOCK");
	}
	t0 = now_ns();
	while (done < (uint64_t)size) {
		ssize_t n = pread(fd, buf, block, (off_t)done);

		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			free(buf);
			close(fd);
			return fail("read");
		}
		done += (uint64_t)n;
	}
	printf("GUEST-BENCH read %s %" PRIu64 " %" PRIu64 " ns %" PRIu64 "\n", name, block, done, now_ns() - t0);
	free(buf);
	close(fd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench bar BDF BAR OFFSET COUNT r|rw\n"
			"       bench read DEV BLOCK\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t off, count, block;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 7 && !strcmp(argv[1], "bar") && !parse_num(argv[4], &off) && !parse_num(argv[5], &count) &&
	    (!strcmp(argv[6], "r") || !strcmp(argv[6], "rw")))
		return bar(argv[2], argv[3], off, count, !strcmp(argv[6], "rw"));
	if (argc == 4 && !strcmp(argv[1], "read") && !parse_num(argv[3], &block) && block && block % ALIGN == 0)
		return read_all(argv[2], block);
	return usage();
}
