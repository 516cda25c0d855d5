// SPDX-License-Identifier: MIT
/* The terminal escape filter: Ctrl-A x quits, Ctrl-A Ctrl-A is one Ctrl-A. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "console.h"

static bool escape, quit;
static uint8_t out[64];

static size_t filter(const char *in)
{
	return console__filter((const uint8_t *)in, strlen(in), out, &escape, &quit);
}

static int setup(void **state)
{
	(void)state;
	escape = quit = false;
	memset(out, 0, sizeof(out));
	return 0;
}

static void test_plain(void **state)
{
	(void)state;
	assert_int_equal(filter("ls -l\r\003"), 7);
	assert_memory_equal(out, "ls -l\r\003", 7);
	assert_false(quit);
	assert_false(escape);
}

static void test_quit(void **state)
{
	(void)state;
	assert_int_equal(filter("ab\001xcd"), 2);	/* what follows the quit is dropped */
	assert_memory_equal(out, "ab", 2);
	assert_true(quit);
}

static void test_literal_escape(void **state)
{
	(void)state;
	assert_int_equal(filter("a\001\001b"), 3);
	assert_memory_equal(out, "a\001b", 3);
	assert_false(quit);
}

/* Ctrl-A and any other key: both reach the guest, nothing is swallowed. */
static void test_other_key(void **state)
{
	(void)state;
	assert_int_equal(filter("\001c\001X"), 4);
	assert_memory_equal(out, "\001c\001X", 4);
	assert_false(quit);
}

/* The escape may end one read and its key start the next. */
static void test_split(void **state)
{
	(void)state;
	assert_int_equal(filter("q\001"), 1);
	assert_true(escape);
	assert_int_equal(filter("z"), 2);
	assert_memory_equal(out, "\001z", 2);
	assert_false(escape);
	assert_int_equal(filter("\001"), 0);
	assert_int_equal(filter("x"), 0);
	assert_true(quit);
}

/* The worst case the caller sizes its buffer for: n + 1 bytes. */
static void test_bound(void **state)
{
	(void)state;
	escape = true;
	assert_int_equal(filter("a\001b"), 4);
	assert_memory_equal(out, "\001a\001b", 4);
}

/* The VMM's messages reach the operator's terminal with nothing that could steer it. */
static void test_sanitize(void **state)
{
	static const uint8_t in[] = "airlock-vmm: x\x1b[2J\x07\\\x9b\xff\r\tok\n";
	char safe[sizeof(in) * 4];
	size_t n;

	(void)state;
	n = console__sanitize(in, sizeof(in) - 1, safe);
	assert_int_equal(n, strlen("airlock-vmm: x\\x1b[2J\\x07\\x5c\\x9b\\xff\\x0d\tok\n"));
	assert_memory_equal(safe, "airlock-vmm: x\\x1b[2J\\x07\\x5c\\x9b\\xff\\x0d\tok\n", n);
	for (size_t i = 0; i < n; i++)
		assert_true((safe[i] >= 0x20 && safe[i] < 0x7f) || safe[i] == '\n' || safe[i] == '\t');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test_setup(test_plain, setup),
		cmocka_unit_test_setup(test_quit, setup),
		cmocka_unit_test_setup(test_literal_escape, setup),
		cmocka_unit_test_setup(test_other_key, setup),
		cmocka_unit_test_setup(test_split, setup),
		cmocka_unit_test_setup(test_bound, setup),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
