// SPDX-License-Identifier: MIT
/*
 * disk-pattern: the known contents of the test host's NVMe disk images,
 * written on the build host and checked inside a guest that has no copy of
 * the image. The same source is built for the build host and, static, for
 * the Linux guest image.
 *
 *   disk-pattern fill IMAGE ID            write the pattern (64 MiB) into IMAGE
 *   disk-pattern check DEV ID SIZE        read SIZE bytes (K/M suffix, at most
 *                                         64M) and verify every sector
 *   disk-pattern write DEV OFFSET TOKEN   write one 4 KiB block starting with
 *                                         "TOKEN\n" at OFFSET (4 KiB aligned,
 *                                         past the pattern), then fsync
 *
 * Sector L (512 bytes) of the pattern: a text line, NUL-padded to 64 bytes,
 * "AIRLOCK-DISK ID\n" for L = 0 (the disk's header) and
 * "AIRLOCK-SECTOR ID L\n" for the others, then 448 bytes of splitmix64
 * output seeded with L: a guest recomputes any sector from ID and L alone.
 *
 * check and write print one line (NAME: DEV's last path component):
 *   GUEST-DISK NAME read BYTES ok MIBPS MiB/s
 *   GUEST-DISK NAME read BYTES bad N of M sectors differ, the first at lba L
 *   GUEST-DISK NAME wrote OFFSET TOKEN
 *   GUEST-DISK NAME error WHAT
 * check and write use O_DIRECT, so the bytes come from and go to the device
 * rather than the guest's page cache.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECTOR		512
#define TEXT_BYTES	64
#define PATTERN_BYTES	(64ull << 20)
#define CHUNK		(1u << 20)
#define BLOCK		4096
#define SEED		0x4149524c4f434bull
#define MAX_ID		32
#define MAX_TOKEN	200

static const char *name;

static int report_error(const char *what)
{
	printf("GUEST-DISK %s error %s: %s\n", name, what, strerror(errno));
	return 1;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void pattern_sector(uint8_t *s, const char *id, uint64_t lba)
{
	uint64_t state = SEED ^ lba;

	memset(s, 0, TEXT_BYTES);
	if (lba == 0)
		snprintf((char *)s, TEXT_BYTES, "AIRLOCK-DISK %s\n", id);
	else
		snprintf((char *)s, TEXT_BYTES, "AIRLOCK-SECTOR %s %" PRIu64 "\n", id, lba);
	for (unsigned int i = TEXT_BYTES; i < SECTOR; i += 8) {
		uint64_t v = splitmix64(&state);

		memcpy(s + i, &v, 8);
	}
}

/* A plain decimal number with an optional K, M or G suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Printable, no spaces: it goes into space-separated report lines. */
static int valid_word(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return 0;
	return 1;
}

/* tmpfs, where the runner's self-test keeps images, refuses O_DIRECT. */
static int open_direct(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, flags);
	return fd;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fill(const char *image, const char *id)
{
	uint8_t *buf = malloc(CHUNK);
	int fd, ret = 1;

	if (!buf)
		return report_error("malloc");
	fd = open(image, O_WRONLY | O_CREAT, 0644);
	if (fd < 0) {
		ret = report_error("open");
		goto out;
	}
	for (uint64_t off = 0; off < PATTERN_BYTES; off += CHUNK) {
		for (unsigned int i = 0; i < CHUNK; i += SECTOR)
			pattern_sector(buf + i, id, (off + i) / SECTOR);
		if (pwrite(fd, buf, CHUNK, (off_t)off) != CHUNK) {
			ret = report_error("write");
			goto out_close;
		}
	}
	ret = 0;
out_close:
	if (close(fd) && !ret)
		ret = report_error("close");
out:
	free(buf);
	return ret;
}

/* Read the whole of [off, off + len) into buf, however the device splits it. */
static int read_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

static int check(const char *dev, const char *id, uint64_t size)
{
	uint8_t expected[SECTOR], *buf = NULL;
	uint64_t bad = 0, first_bad = 0;
	double start;
	int fd, ret = 1;

	fd = open_direct(dev, O_RDONLY);
	if (fd < 0)
		return report_error("open");
	if (posix_memalign((void **)&buf, BLOCK, CHUNK)) {
		ret = report_error("posix_memalign");
		goto out;
	}
	start = seconds_now();
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t len = size - off < CHUNK ? (size_t)(size - off) : CHUNK;

		if (read_full(fd, buf, len, off)) {
			char what[64];

			snprintf(what, sizeof(what), "read at %" PRIu64, off);
			ret = report_error(what);
			goto out;
		}
		for (size_t i = 0; i < len; i += SECTOR) {
			uint64_t lba = (off + i) / SECTOR;

			pattern_sector(expected, id, lba);
			if (memcmp(buf + i, expected, SECTOR)) {
				if (!bad++)
					first_bad = lba;
			}
		}
	}
	if (bad)
		printf("GUEST-DISK %s read %" PRIu64 " bad %" PRIu64 " of %" PRIu64 " sectors differ, the first at lba %" PRIu64
		       "\n", name, size, bad, size / SECTOR, first_bad);
	else
		printf("GUEST-DISK %s read %" PRIu64 " ok %.1f MiB/s\n", name, size,
		       (double)size / (1 << 20) / (seconds_now() - start + 1e-9));
	ret = bad != 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static int write_token(const char *dev, uint64_t off, const char *token)
{
	uint8_t *buf = NULL;
	int fd, ret = 1;

	fd = open_direct(dev, O_WRONLY);
	if (fd < 0)
		return report_error("open");
	if (posix_memalign((void **)&buf, BLOCK, BLOCK)) {
		ret = report_error("posix_memalign");
		goto out;
	}
	memset(buf, 0, BLOCK);
	snprintf((char *)buf, BLOCK, "%s\n", token);
	if (pwrite(fd, buf, BLOCK, (off_t)off) != BLOCK) {
		ret = report_error("write");
		goto out;
	}
	if (fsync(fd)) {
		ret = report_error("fsync");
		goto out;
	}
	printf("GUEST-DISK %s wrote %" PRIu64 " %s\n", name, off, token);
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: disk-pattern fill IMAGE ID\n"
			"       disk-pattern check DEV ID SIZE\n"
			"       disk-pattern write DEV OFFSET TOKEN\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t n;

	if (argc < 4)
		return usage();
	name = strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2];
	if (!strcmp(argv[1], "fill") && argc == 4) {
		if (!valid_word(argv[3], MAX_ID)) {
			fprintf(stderr, "disk-pattern: the disk id '%s' must be 1-%d printable characters\n", argv[3], MAX_ID);
			return 2;
		}
		return fill(argv[2], argv[3]);
	}
	if (!strcmp(argv[1], "check") && argc == 5) {
		if (!valid_word(argv[3], MAX_ID) || parse_size(argv[4], &n) || n % SECTOR || n > PATTERN_BYTES) {
			fprintf(stderr, "disk-pattern: check needs a disk id and a size of whole sectors up to 64M\n");
			return 2;
		}
		return check(argv[2], argv[3], n);
	}
	if (!strcmp(argv[1], "write") && argc == 5) {
		if (parse_size(argv[3], &n) || n % BLOCK || n < PATTERN_BYTES || !valid_word(argv[4], MAX_TOKEN)) {
			fprintf(stderr, "disk-pattern: write needs a 4 KiB aligned offset at or past 64M and a token "
					"without spaces\n");
			return 2;
		}
		return write_token(argv[2], n, argv[4]);
	}
	return usage();
}
