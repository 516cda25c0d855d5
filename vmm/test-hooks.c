// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <unistd.h>

#include "ioport.h"
#include "log.h"
#include "test-hooks.h"

static void test_hooks__sigsys(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	int fd;

	(void)dev, (void)off, (void)data, (void)size;
	if (!write)
		return;
	fd = openat(AT_FDCWD, "/", O_RDONLY);
	pr_err("test hook: openat was allowed (fd %d): the seccomp filter is not in force", fd);
	_exit(3);
}

int test_hooks__init(void)
{
	return ioport__register(TEST_HOOKS_SIGSYS_PORT, 1, test_hooks__sigsys, NULL);
}
