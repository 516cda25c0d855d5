// SPDX-License-Identifier: MIT
/* lspci-style device filters: what parses, its canonical name, what it matches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "pcifilter.h"

/* An accepted filter and the name it comes back as. */
static const struct {
	const char *in, *name;
	int32_t vendor, device, class;
} accepted[] = {
	{ "10de:*",		"10de:*",	0x10de, -1, -1 },
	{ "10de:",		"10de:*",	0x10de, -1, -1 },
	{ "10DE:11bf",		"10de:11bf",	0x10de, 0x11bf, -1 },
	{ "*:10d3",		"*:10d3",	-1, 0x10d3, -1 },
	{ ":10d3",		"*:10d3",	-1, 0x10d3, -1 },
	{ "8086::0c03",		"8086:*:0c03",	0x8086, -1, 0x0c03 },
	{ "8086:*:0C03",	"8086:*:0c03",	0x8086, -1, 0x0c03 },
	{ "8086:9c31:0c03",	"8086:9c31:0c03", 0x8086, 0x9c31, 0x0c03 },
	{ "*:*",		"*:*",		-1, -1, -1 },
	{ ":",			"*:*",		-1, -1, -1 },
	{ "::",			"*:*",		-1, -1, -1 },
	{ "*:*:*",		"*:*",		-1, -1, -1 },
	{ "::0300",		"*:*:0300",	-1, -1, 0x0300 },
	{ "0:0",		"0000:0000",	0, 0, -1 },
	{ "1:ffff",		"0001:ffff",	1, 0xffff, -1 },
	{ "10de:*:",		"10de:*",	0x10de, -1, -1 },
};

static const char *const rejected[] = {
	"",		/* no colon */
	"10de",		/* no colon */
	"*",
	"10de:*:0c03:00",	/* a prog-if, or a fourth field */
	"1:2:0300:",
	"10de0:*",	/* five digits */
	"*:123456",
	"8086::c03",	/* class is four digits */
	"8086::0c030",
	"8086::010802",	/* the sysfs class code, not lspci's */
	"g0de:*",	/* not hex */
	"10de:x",
	"0x10de:*",
	"+10d:*",	/* signs */
	"-1:*",
	"10de: 1",	/* blanks */
	" 10de:*",
	"10de:*\n",
	"10de:\t",
	"**:*",
	"*1:*",
	"10de:**",
	"0000:01:00.0",	/* an address */
};

static void test_parse_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		struct pcifilter f;
		char name[PCIFILTER_LEN];

		assert_int_equal(pcifilter__parse(accepted[i].in, &f), 0);
		assert_int_equal(f.vendor, accepted[i].vendor);
		assert_int_equal(f.device, accepted[i].device);
		assert_int_equal(f.class, accepted[i].class);
		pcifilter__name(&f, name);
		assert_string_equal(name, accepted[i].name);
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		struct pcifilter f = { 7, 7, 7 };

		if (pcifilter__parse(rejected[i], &f) != -EINVAL)
			fail_msg("accepted '%s'", rejected[i]);
		/* A rejected filter leaves the output alone. */
		assert_int_equal(f.vendor, 7);
	}
}

/* The canonical name parses back to the same filter. */
static void test_name_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		struct pcifilter f, g;
		char name[PCIFILTER_LEN];

		assert_int_equal(pcifilter__parse(accepted[i].in, &f), 0);
		pcifilter__name(&f, name);
		assert_int_equal(pcifilter__parse(name, &g), 0);
		assert_true(pcifilter__equal(&f, &g));
	}
}

static void test_name_longest(void **state)
{
	struct pcifilter f = { 0xffff, 0xffff, 0xffff };
	char name[PCIFILTER_LEN];

	(void)state;
	pcifilter__name(&f, name);
	assert_string_equal(name, "ffff:ffff:ffff");
}

static bool matches(const char *filter, uint16_t vendor, uint16_t device, uint32_t class)
{
	struct pci_ids ids = { vendor, device, class };
	struct pcifilter f;

	assert_int_equal(pcifilter__parse(filter, &f), 0);
	return pcifilter__match(&f, &ids);
}

static void test_match(void **state)
{
	(void)state;
	assert_true(matches("10de:*", 0x10de, 0x11bf, 0x030000));
	assert_false(matches("10de:*", 0x8086, 0x11bf, 0x030000));
	assert_true(matches("10de:11bf", 0x10de, 0x11bf, 0x030000));
	assert_false(matches("10de:11bf", 0x10de, 0x11be, 0x030000));
	assert_true(matches("*:10d3", 0x8086, 0x10d3, 0x020000));
	assert_false(matches("*:10d3", 0x8086, 0x10d4, 0x020000));
	/* The class compares class and subclass, whatever the programming interface. */
	assert_true(matches("8086::0c03", 0x8086, 0x9c31, 0x0c0330));
	assert_true(matches("8086::0c03", 0x8086, 0x9c26, 0x0c0320));
	assert_false(matches("8086::0c03", 0x8086, 0x9c22, 0x0c0500));
	assert_false(matches("8086::0c03", 0x1b36, 0x000d, 0x0c0330));
	assert_true(matches("::0108", 0x1b36, 0x0010, 0x010802));
	assert_false(matches("::0108", 0x1b36, 0x0010, 0x000108));
	assert_true(matches("*:*", 0x1234, 0x11e8, 0x00ff00));
	assert_true(matches("*:*", 0, 0, 0));
	assert_false(matches("0:0", 0x1234, 0x11e8, 0x00ff00));
	assert_true(matches("0:0", 0, 0, 0));
	assert_true(matches("1234:11e8:00ff", 0x1234, 0x11e8, 0x00ff00));
}

static void test_equal(void **state)
{
	struct pcifilter a, b;

	(void)state;
	assert_int_equal(pcifilter__parse("10de:", &a), 0);
	assert_int_equal(pcifilter__parse("10DE:*", &b), 0);
	assert_true(pcifilter__equal(&a, &b));
	assert_int_equal(pcifilter__parse("10de:*:0300", &b), 0);
	assert_false(pcifilter__equal(&a, &b));
	assert_int_equal(pcifilter__parse("10de:0", &b), 0);
	assert_false(pcifilter__equal(&a, &b));
	assert_int_equal(pcifilter__parse("10df:*", &b), 0);
	assert_false(pcifilter__equal(&a, &b));
}

static void test_is_filter(void **state)
{
	(void)state;
	assert_true(pcifilter__is_filter("10de:*"));
	assert_true(pcifilter__is_filter("*:10d3"));
	assert_true(pcifilter__is_filter("8086::0c03"));
	assert_true(pcifilter__is_filter("10de"));
	assert_false(pcifilter__is_filter("0000:01:00.0"));
	assert_false(pcifilter__is_filter("01:00.0"));
	assert_false(pcifilter__is_filter("0000:01:00."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_name_round_trip),
		cmocka_unit_test(test_name_longest),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_is_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
