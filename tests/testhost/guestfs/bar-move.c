// SPDX-License-Identifier: MIT
/*
 * bar-move: moves an assigned device's BARs behind the guest kernel's
 * back and looks at what answers where, for the vfio-bar-placement
 * scenario. Each command prints one line (ram: two), starting with
 * "BARMOVE TAG" (TAG from -t, "-" without), or "BARMOVE TAG error WHAT"
 * when it could not do its job:
 *
 *   cfg-read BDF OFF [WIDTH]         cfg BDF 0xOFF 0xVALUE
 *   cfg-write BDF OFF VALUE [WIDTH]  cfg-write BDF 0xOFF 0xVALUE read 0xVALUE
 *   bar BDF N                        bar BDF N addr 0xADDR size 0xSIZE
 *   window BDF                       window BDF mem 0xBASE 0xLIMIT pref 0xBASE 0xLIMIT
 *   mem-read ADDR                    mem 0xADDR 0xVALUE
 *   ticks                            ticks loc A B uptime X Y ok|stopped
 *   ram BDF N GO                     ram moved BARN to 0xADDR over page 0xPAGE
 *                                    ram 0xADDR ok|bad read N/1024 written N/1024
 *
 * Configuration space goes through /sys/bus/pci/devices/BDF/config (WIDTH
 * 1, 2 or 4 bytes, 4 by default). "bar" gives the BAR's address as the
 * device's configuration space has it now and its size as the kernel sized
 * it. "window" is a bridge's memory and prefetchable memory windows (a
 * closed one has base > limit). mem-read is one 32-bit load from physical
 * address ADDR through /dev/mem, mapped uncached: the guest kernel must
 * run with iomem=relaxed, or CONFIG_IO_STRICT_DEVMEM refuses the pages
 * drivers or the kernel claimed (the local APIC, ECAM, a bound device's
 * BAR); guest RAM is never readable there (CONFIG_STRICT_DEVMEM).
 *
 * ticks reads the local timer interrupts (LOC in /proc/interrupts, over
 * all processors) and /proc/uptime, sleeps one second and reads them
 * again: "ok" when both grew. With a dead timer the sleep never returns.
 *
 * ram BDF N GO puts memory BAR N of BDF over a page of this process's own
 * RAM (its guest physical address from /proc/self/pagemap; the BAR at that
 * address rounded down to its size), filled with a pattern, and says
 * where. Then it waits (at most 10 minutes) until the file GO exists,
 * reads the page back and writes it again with another pattern, puts the
 * BAR back where it was and says how many of the page's 1024 words read
 * and wrote as RAM would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096u
#define WORDS		(PAGE / 4)
#define BAR_IO		0x1
#define BAR_64		0x4

static const char *tag = "-";

static int say_error(const char *what)
{
	printf("BARMOVE %s error %s: %s\n", tag, what, errno ? strerror(errno) : "bad argument");
	return 1;
}

static int number(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

static int config_fd(const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	return open(path, O_RDWR);
}

static int cfg_rw(const char *bdf, unsigned int off, unsigned int width, uint32_t *v, int write)
{
	int fd = config_fd(bdf);
	uint8_t b[4];
	ssize_t n;

	if (fd < 0)
		return -1;
	if (write) {
		for (unsigned int i = 0; i < width; i++)
			b[i] = (uint8_t)(*v >> (8 * i));
		n = pwrite(fd, b, width, off);
	} else {
		n = pread(fd, b, width, off);
		*v = 0;
		for (unsigned int i = 0; n == (ssize_t)width && i < width; i++)
			*v |= (uint32_t)b[i] << (8 * i);
	}
	close(fd);
	if (n != (ssize_t)width) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

static int cfg_read(const char *bdf, unsigned int off, unsigned int width, uint32_t *v)
{
	return cfg_rw(bdf, off, width, v, 0);
}

static int cfg_write(const char *bdf, unsigned int off, unsigned int width, uint32_t v)
{
	return cfg_rw(bdf, off, width, &v, 1);
}

static int width_of(int argc, char **argv, int i, unsigned int *width)
{
	uint64_t w = 4;

	if (argc > i && number(argv[i], &w))
		return -1;
	*width = (unsigned int)w;
	return w == 1 || w == 2 || w == 4 ? 0 : -1;
}

/* BAR n's register offset and value as the device has it: address and type bits. */
static int bar_read(const char *bdf, unsigned int n, uint64_t *addr, int *is64)
{
	unsigned int off = 0x10 + 4 * n;
	uint32_t lo, hi = 0;

	if (cfg_read(bdf, off, 4, &lo))
		return -1;
	if (lo & BAR_IO) {
		errno = EINVAL;
		return -1;
	}
	*is64 = (lo & 0x6) == BAR_64;
	if (*is64 && cfg_read(bdf, off + 4, 4, &hi))
		return -1;
	*addr = (uint64_t)hi << 32 | (lo & ~0xfu);
	return 0;
}

static int bar_write(const char *bdf, unsigned int n, uint64_t addr, int is64)
{
	unsigned int off = 0x10 + 4 * n;

	if (is64 && cfg_write(bdf, off + 4, 4, (uint32_t)(addr >> 32)))
		return -1;
	return cfg_write(bdf, off, 4, (uint32_t)addr);
}

/* The size the kernel gave BAR n: line n of the device's resource file. */
static int bar_size(const char *bdf, unsigned int n, uint64_t *size)
{
	char path[256], line[256];
	unsigned long long start, end, flags;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return -1;
	for (unsigned int i = 0; i <= n; i++) {
		if (!fgets(line, sizeof(line), f)) {
			fclose(f);
			errno = ENOENT;
			return -1;
		}
	}
	fclose(f);
	if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 || end <= start) {
		errno = ENOENT;
		return -1;
	}
	*size = end - start + 1;
	return 0;
}

static int cmd_bar(const char *bdf, const char *which)
{
	uint64_t n, addr, size;
	int is64;

	if (number(which, &n) || n > 5)
		return say_error("BAR number");
	if (bar_read(bdf, (unsigned int)n, &addr, &is64) || bar_size(bdf, (unsigned int)n, &size))
		return say_error("reading the BAR");
	printf("BARMOVE %s bar %s %u addr 0x%llx size 0x%llx\n", tag, bdf, (unsigned int)n,
	       (unsigned long long)addr, (unsigned long long)size);
	return 0;
}

static int cmd_window(const char *bdf)
{
	uint32_t mem, pref, pbase_hi, plimit_hi;
	uint64_t base, limit, pbase, plimit;

	if (cfg_read(bdf, 0x20, 4, &mem) || cfg_read(bdf, 0x24, 4, &pref) || cfg_read(bdf, 0x28, 4, &pbase_hi) ||
	    cfg_read(bdf, 0x2c, 4, &plimit_hi))
		return say_error("reading the bridge's windows");
	base = (uint64_t)(mem & 0xfff0) << 16;
	limit = (uint64_t)(mem >> 16 & 0xfff0) << 16 | 0xfffff;
	pbase = (uint64_t)pbase_hi << 32 | (uint64_t)(pref & 0xfff0) << 16;
	plimit = (uint64_t)plimit_hi << 32 | (uint64_t)(pref >> 16 & 0xfff0) << 16 | 0xfffff;
	printf("BARMOVE %s window %s mem 0x%llx 0x%llx pref 0x%llx 0x%llx\n", tag, bdf, (unsigned long long)base,
	       (unsigned long long)limit, (unsigned long long)pbase, (unsigned long long)plimit);
	return 0;
}

static int cmd_mem_read(const char *where)
{
	uint64_t addr;
	volatile uint32_t *p;
	uint32_t v;
	int fd;

	if (number(where, &addr) || addr & 3)
		return say_error("address");
	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	if (fd < 0)
		return say_error("open /dev/mem");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)(addr & ~(uint64_t)(PAGE - 1)));
	close(fd);
	if (p == MAP_FAILED)
		return say_error("mmap /dev/mem");
	v = p[(addr & (PAGE - 1)) / 4];
	munmap((void *)p, PAGE);
	printf("BARMOVE %s mem 0x%llx 0x%08x\n", tag, (unsigned long long)addr, v);
	return 0;
}

/* Local timer interrupts over all processors, and the uptime in seconds. */
static int clocks(unsigned long long *loc, double *uptime)
{
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");
	int found = 0;

	if (!f)
		return -1;
	*loc = 0;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *end;

		while (*s == ' ')
			s++;
		if (strncmp(s, "LOC:", 4))
			continue;
		s += 4;
		for (;;) {
			unsigned long long n = strtoull(s, &end, 10);

			if (end == s)
				break;
			*loc += n;
			s = end;
		}
		found = 1;
	}
	fclose(f);
	f = fopen("/proc/uptime", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lf", uptime) != 1)
		found = 0;
	fclose(f);
	if (!found)
		errno = ENOENT;
	return found ? 0 : -1;
}

static int cmd_ticks(void)
{
	unsigned long long loc0, loc1;
	double up0, up1;
	struct timespec one = { .tv_sec = 1 };

	if (clocks(&loc0, &up0))
		return say_error("reading LOC and the uptime");
	nanosleep(&one, NULL);
	if (clocks(&loc1, &up1))
		return say_error("reading LOC and the uptime");
	printf("BARMOVE %s ticks loc %llu %llu uptime %.2f %.2f %s\n", tag, loc0, loc1, up0, up1,
	       loc1 > loc0 && up1 > up0 ? "ok" : "stopped");
	return 0;
}

static uint64_t phys_of(const void *p)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, (off_t)((uintptr_t)p / PAGE * 8)) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63))
		return 0;
	return (entry & ((1ull << 55) - 1)) * PAGE;
}

static int cmd_ram(const char *bdf, const char *which, const char *go)
{
	volatile uint32_t *page;
	uint64_t n, old, size, pa, addr;
	unsigned int read_ok = 0, written_ok = 0;
	int is64;

	if (number(which, &n) || n > 5)
		return say_error("BAR number");
	if (bar_read(bdf, (unsigned int)n, &old, &is64) || bar_size(bdf, (unsigned int)n, &size))
		return say_error("reading the BAR");
	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1,
		    0);
	if (page == MAP_FAILED)
		return say_error("mmap");
	for (unsigned int i = 0; i < WORDS; i++)
		page[i] = 0xa5000000u | i;
	pa = phys_of((const void *)page);
	addr = pa & ~(size - 1);
	if (!pa || !addr) {
		errno = 0;
		return say_error("no usable guest physical address for the page (pagemap)");
	}
	if (bar_write(bdf, (unsigned int)n, addr, is64))
		return say_error("writing the BAR");
	printf("BARMOVE %s ram moved BAR%u to 0x%llx over page 0x%llx\n", tag, (unsigned int)n,
	       (unsigned long long)addr, (unsigned long long)pa);
	fflush(stdout);
	for (int i = 0; i < 6000 && access(go, F_OK); i++)
		usleep(100000);
	for (unsigned int i = 0; i < WORDS; i++)
		read_ok += page[i] == (0xa5000000u | i);
	for (unsigned int i = 0; i < WORDS; i++)
		page[i] = 0x5a000000u | i;
	for (unsigned int i = 0; i < WORDS; i++)
		written_ok += page[i] == (0x5a000000u | i);
	if (bar_write(bdf, (unsigned int)n, old, is64))
		return say_error("putting the BAR back");
	printf("BARMOVE %s ram 0x%llx %s read %u/%u written %u/%u\n", tag, (unsigned long long)addr,
	       read_ok == WORDS && written_ok == WORDS ? "ok" : "bad", read_ok, WORDS, written_ok, WORDS);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bar-move [-t TAG] cfg-read BDF OFF [WIDTH]\n"
			"       bar-move [-t TAG] cfg-write BDF OFF VALUE [WIDTH]\n"
			"       bar-move [-t TAG] bar BDF N\n"
			"       bar-move [-t TAG] window BDF\n"
			"       bar-move [-t TAG] mem-read ADDR\n"
			"       bar-move [-t TAG] ticks\n"
			"       bar-move [-t TAG] ram BDF N GO-FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int width;
	uint64_t off, v;
	uint32_t back;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		tag = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		return usage();
	errno = 0;
	if (!strcmp(argv[1], "cfg-read") && (argc == 4 || argc == 5)) {
		if (number(argv[3], &off) || off > 0xffc || width_of(argc, argv, 4, &width) || off % width)
			return say_error("offset or width");
		if (cfg_read(argv[2], (unsigned int)off, width, &back))
			return say_error("reading config space");
		printf("BARMOVE %s cfg %s 0x%llx 0x%0*x\n", tag, argv[2], (unsigned long long)off, (int)width * 2,
		       back);
		return 0;
	}
	if (!strcmp(argv[1], "cfg-write") && (argc == 5 || argc == 6)) {
		if (number(argv[3], &off) || off > 0xffc || number(argv[4], &v) || v > 0xffffffffu ||
		    width_of(argc, argv, 5, &width) || off % width)
			return say_error("offset, value or width");
		if (cfg_write(argv[2], (unsigned int)off, width, (uint32_t)v))
			return say_error("writing config space");
		if (cfg_read(argv[2], (unsigned int)off, width, &back))
			return say_error("reading config space");
		printf("BARMOVE %s cfg-write %s 0x%llx 0x%0*llx read 0x%0*x\n", tag, argv[2], (unsigned long long)off,
		       (int)width * 2, (unsigned long long)v, (int)width * 2, back);
		return 0;
	}
	if (!strcmp(argv[1], "bar") && argc == 4)
		return cmd_bar(argv[2], argv[3]);
	if (!strcmp(argv[1], "window") && argc == 3)
		return cmd_window(argv[2]);
	if (!strcmp(argv[1], "mem-read") && argc == 3)
		return cmd_mem_read(argv[2]);
	if (!strcmp(argv[1], "ticks") && argc == 2)
		return cmd_ticks();
	if (!strcmp(argv[1], "ram") && argc == 5)
		return cmd_ram(argv[2], argv[3], argv[4]);
	return usage();
}
