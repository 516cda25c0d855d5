// SPDX-License-Identifier: MIT
/* "airlock stop" and "airlock kill" argument parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "stop.h"

#define MAX_ARGS 8

static char err[512];

/* Parse a NULL-terminated argv, its command ("stop" or "kill") first. */
static int parse(struct stop_req *req, ...)
{
	char *argv[MAX_ARGS];
	int argc = 0;
	va_list ap;

	va_start(ap, req);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return stop__parse(argc, argv, req, err, sizeof(err));
}

static void test_stop(void **state)
{
	struct stop_req req;

	(void)state;
	assert_int_equal(parse(&req, "stop", "vm1", NULL), 0);
	assert_string_equal(req.name, "vm1");
	assert_false(req.force);
	assert_false(req.timeout_set);
	assert_int_equal(parse(&req, "stop", "vm1", "--timeout", "5", NULL), 0);
	assert_string_equal(req.name, "vm1");
	assert_true(req.timeout_set);
	assert_int_equal(req.timeout, 5);
	assert_int_equal(parse(&req, "stop", "--timeout=0", "vm1", NULL), 0);
	assert_true(req.timeout_set);
	assert_int_equal(req.timeout, 0);
	assert_int_equal(parse(&req, "stop", "--force", "vm1", NULL), 0);
	assert_true(req.force);
	assert_int_equal(parse(&req, "stop", "--help", NULL), STOP_HELP);
	assert_false(req.force);
}

/* kill is stop --force, and takes no option but --help. */
static void test_kill(void **state)
{
	struct stop_req req;

	(void)state;
	assert_int_equal(parse(&req, "kill", "vm1", NULL), 0);
	assert_string_equal(req.name, "vm1");
	assert_true(req.force);
	assert_false(req.timeout_set);
	assert_int_equal(parse(&req, "kill", "--help", NULL), STOP_HELP);
	assert_true(req.force);
}

/* A rejected command line, and a word its one-line message must contain. */
static const struct {
	const char *args[6];
	const char *says;
} rejects[] = {
	{ { "stop", NULL }, "stop: which VM? give its name" },
	{ { "kill", NULL }, "kill: which VM? give its name, e.g. airlock kill vm1" },
	{ { "stop", "a", "b", NULL }, "unexpected argument 'b'; airlock stop takes one VM's name" },
	{ { "stop", "--timeout", NULL }, "option '--timeout' needs a value" },
	{ { "stop", "--timeout", "3601", "a", NULL }, "--timeout '3601': expected seconds from 0 to 3600" },
	{ { "stop", "--timeout", "-1", "a", NULL }, "--timeout '-1'" },
	{ { "stop", "--timeout", "5s", "a", NULL }, "--timeout '5s'" },
	{ { "stop", "--force", "--timeout", "5", "a", NULL }, "give one of them" },
	{ { "stop", "--bogus", "a", NULL }, "stop: unknown option '--bogus'" },
	{ { "stop", "-ab", "a", NULL }, "stop: unknown option '-a'" },
	{ { "kill", "--force", "a", NULL }, "kill: unknown option '--force'; see airlock kill --help" },
	{ { "kill", "--timeout", "5", "a", NULL }, "kill: unknown option '--timeout'" },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		char *argv[MAX_ARGS];
		struct stop_req req;
		int argc = 0;

		while (rejects[i].args[argc])
			argv[argc] = (char *)rejects[i].args[argc], argc++;
		argv[argc] = NULL;
		err[0] = '\0';
		assert_int_equal(stop__parse(argc, argv, &req, err, sizeof(err)), -EINVAL);
		if (!strstr(err, rejects[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, rejects[i].says);
		assert_null(strchr(err, '\n'));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
