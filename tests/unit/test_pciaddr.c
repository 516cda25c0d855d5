// SPDX-License-Identifier: MIT
/* PCI addresses: the strict parser and the canonical name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>

#include "pciaddr.h"

static void test_bdf(void **state)
{
	const char *bad[] = { "", "0000:01:00", "01:00.0", "0000:01:00.8", "0000:01:20.0", "0000:01:00.00",
			      "00000:01:00.0", "0000-01:00.0", "0000:01:00:0", "000g:01:00.0", "0000:01:00.0 ",
			      " 0000:01:00.0", "0000:1:00.0", "0000:+1:00.0" };
	struct pciaddr b;

	(void)state;
	assert_int_equal(pciaddr__parse("0000:01:00.0", &b), 0);
	assert_int_equal(b.domain, 0);
	assert_int_equal(b.bus, 1);
	assert_int_equal(pciaddr__parse("FfFf:Ab:1F.7", &b), 0);
	assert_int_equal(b.domain, 0xffff);
	assert_int_equal(b.bus, 0xab);
	assert_int_equal(b.dev, 0x1f);
	assert_int_equal(b.fn, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!pciaddr__parse(bad[i], &b))
			fail_msg("'%s' accepted", bad[i]);
}

static void test_bdf_name(void **state)
{
	struct pciaddr b;
	char name[PCIADDR_LEN];

	(void)state;
	assert_int_equal(pciaddr__parse("FfFf:Ab:1F.7", &b), 0);
	pciaddr__name(&b, name);
	assert_string_equal(name, "ffff:ab:1f.7");
	assert_int_equal(pciaddr__parse("0000:00:04.0", &b), 0);
	pciaddr__name(&b, name);
	assert_string_equal(name, "0000:00:04.0");
}

/* What a user typed, in the form sysfs names it; nothing written for a bad one. */
static void test_canonical(void **state)
{
	char out[PCIADDR_LEN] = "unchanged";

	(void)state;
	assert_int_equal(pciaddr__canonical("0000:0A:1f.3", out), 0);
	assert_string_equal(out, "0000:0a:1f.3");
	assert_int_equal(pciaddr__canonical("0000:0a:1f.3", out), 0);
	assert_string_equal(out, "0000:0a:1f.3");
	snprintf(out, sizeof(out), "unchanged");
	assert_int_equal(pciaddr__canonical("0000:0a:20.0", out), -EINVAL);
	assert_string_equal(out, "unchanged");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf),
		cmocka_unit_test(test_bdf_name),
		cmocka_unit_test(test_canonical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
