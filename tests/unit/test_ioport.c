// SPDX-License-Identifier: MIT
/* Port I/O dispatch: claims, overlaps, offsets, unclaimed ports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "ioport.h"

struct seen {
	uint16_t off;
	uint32_t size;
	bool write;
	uint8_t data;
};

static void record(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	struct seen *s = dev;

	*s = (struct seen){ .off = off, .size = size, .write = write, .data = data[0] };
	if (!write)
		data[0] = 0x42;
}

static struct seen a, b;

static void test_dispatch(void **state)
{
	uint8_t v = 7;

	(void)state;
	assert_int_equal(ioport__register(0x3f8, 8, record, &a), 0);
	assert_int_equal(ioport__register(0x604, 2, record, &b), 0);
	assert_true(ioport__access(0x3fd, &v, 1, false));
	assert_int_equal(a.off, 5);
	assert_false(a.write);
	assert_int_equal(v, 0x42);
	v = 9;
	ioport__access(0x605, &v, 1, true);
	assert_int_equal(b.off, 1);
	assert_true(b.write);
	assert_int_equal(b.data, 9);
}

static void test_overlap(void **state)
{
	(void)state;
	assert_int_equal(ioport__register(0x3ff, 1, record, &a), -EBUSY);
	assert_int_equal(ioport__register(0x3f0, 9, record, &a), -EBUSY);
	assert_int_equal(ioport__register(0x600, 0x10, record, &a), -EBUSY);
	assert_int_equal(ioport__register(0x3f0, 8, record, &a), 0);	/* adjacent is fine */
}

static void test_unclaimed(void **state)
{
	uint8_t v[4] = { 1, 2, 3, 4 };

	(void)state;
	a = (struct seen){ 0 };
	assert_false(ioport__access(0x80, v, 4, false));
	assert_false(ioport__access(0x80, v, 1, true));
	assert_int_equal(a.size, 0);	/* nobody saw it */
}

static void test_full(void **state)
{
	int ret = 0;

	(void)state;
	for (uint16_t port = 0x1000; !ret; port += 4)
		ret = ioport__register(port, 4, record, &a);
	assert_int_equal(ret, -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_unclaimed),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests_name("ioport", tests, NULL, NULL);
}
