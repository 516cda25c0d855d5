// SPDX-License-Identifier: MIT
/* Sizes as users write them: the parser and the name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>

#include "size.h"

static void test_sizes(void **state)
{
	const struct { const char *s; uint64_t v; } good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "256M", 256ull << 20 }, { "256m", 256ull << 20 },
		{ "1G", 1ull << 30 }, { "2k", 2048 }, { "1T", 1ull << 40 }, { "16777215T", 16777215ull << 40 },
		{ "1GB", 1ull << 30 }, { "256mb", 256ull << 20 }, { "4kB", 4096 },
	};
	const char *bad[] = { "", "M", "MB", "1B", "1GBB", "1GiB", "1G B", "1 M", "-1", "+1", "0x10", "1.5G", "1Q",
			      "16777216T", "18446744073709551616", "99999999999999999999K" };
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(size__parse(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!size__parse(bad[i], &v))
			fail_msg("'%s' accepted as %llu", bad[i], (unsigned long long)v);
}

/* The largest suffix that divides the size, and back again. */
static void test_names(void **state)
{
	const struct { uint64_t v; const char *s; } cases[] = {
		{ 0, "0" }, { 4097, "4097" }, { 1024, "1K" }, { 1536ull << 20, "1536M" }, { 16ull << 30, "16G" },
		{ 1ull << 40, "1T" }, { 1ull << 50, "1024T" }, { UINT64_MAX, "18446744073709551615" },
	};
	char out[SIZE_TEXT_LEN];
	uint64_t back;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size__name(cases[i].v, out);
		assert_string_equal(out, cases[i].s);
		assert_int_equal(size__parse(out, &back), 0);
		assert_int_equal(back, cases[i].v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
