// SPDX-License-Identifier: MIT
/* Guest RAM's default backing: a file on a private tmpfs of 2 MiB pages (broker/vm.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "vm.h"

#define MIB (1ull << 20)

/* fsmount needs CAP_SYS_ADMIN: the broker has it, a test run by a user does not. */
static int thp_or_skip(uint64_t size)
{
	int fd = vm__ram_thp(size);

	if (fd == -EPERM) {
		print_message("skipped: mounting a tmpfs needs CAP_SYS_ADMIN (run as root)\n");
		skip();
	}
	assert_true(fd >= 0);
	return fd;
}

/* kB of the mapping at addr mapped by PMD-sized pages, from /proc/self/smaps. */
static unsigned long pmd_mapped_kb(const void *addr)
{
	char line[256], start[32];
	unsigned long kb = 0, n;
	bool inside = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' '))
			inside = !strncmp(line, start, strlen(start));
		else if (inside && (sscanf(line, "ShmemPmdMapped: %lu kB", &n) == 1 ||
				    sscanf(line, "FilePmdMapped: %lu kB", &n) == 1))
			kb += n;
	}
	fclose(f);
	return kb;
}

static void test_huge_pages(void **state)
{
	int fd;
	uint8_t *p;

	(void)state;
	fd = thp_or_skip(16 * MIB);
	p = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	/* The kernel places a huge-page file's mapping 2 MiB-aligned, as KVM needs for large NPT entries. */
	assert_int_equal((uintptr_t)p % (2 * MIB), 0);
	memset(p, 0xa5, 16 * MIB);
	print_message("16 MiB touched: %lu kB mapped in 2 MiB pages\n", pmd_mapped_kb(p));
	assert_true(pmd_mapped_kb(p) >= 14 * 1024);
	munmap(p, 16 * MIB);
	close(fd);
}

/* No path leads to it, and it lives on a tmpfs of its own. */
static void test_private_file(void **state)
{
	struct statfs sfs;
	struct stat st;
	int fd;

	(void)state;
	fd = thp_or_skip(4 * MIB);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 4 * MIB);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	assert_int_equal(sfs.f_type, TMPFS_MAGIC);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}

/* The tmpfs holds the file's size and no more: nothing can grow guest RAM's pages past it. */
static void test_bounded(void **state)
{
	int fd;

	(void)state;
	fd = thp_or_skip(4 * MIB);
	assert_int_equal(fallocate(fd, 0, 0, 4 * MIB), 0);
	assert_int_equal(fallocate(fd, 0, 4 * MIB, 2 * MIB), -1);
	assert_int_equal(errno, ENOSPC);
	close(fd);
}

/* Each VM's RAM is a file of its own: two are not one. */
static void test_separate(void **state)
{
	int a, b;
	uint8_t *pa, *pb;

	(void)state;
	a = thp_or_skip(2 * MIB);
	b = thp_or_skip(2 * MIB);
	pa = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	pb = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	assert_true(pa != MAP_FAILED && pb != MAP_FAILED);
	pa[0] = 1;
	assert_int_equal(pb[0], 0);
	munmap(pa, 2 * MIB);
	munmap(pb, 2 * MIB);
	close(a);
	close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huge_pages),
		cmocka_unit_test(test_private_file),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_separate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
