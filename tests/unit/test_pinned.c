// SPDX-License-Identifier: MIT
/* The per-user count of pinned guest RAM (policy user-memory), in a directory of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pinned.h"

#define G	(1ull << 30)

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/airlock-pinned-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	pinned__release();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void entry(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pinned/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static bool exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/pinned/%s", dir, name);
	return !access(path, F_OK);
}

/* Another live process's entry: this test's parent, with its real start time. */
static void live_entry(unsigned int uid, unsigned long long bytes)
{
	char name[24], text[96], stat[1024], path[64], *p;
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getppid());
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(stat, sizeof(stat), f));
	fclose(f);
	p = strrchr(stat, ')');
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
				&start), 1);
	snprintf(name, sizeof(name), "%d", (int)getppid());
	snprintf(text, sizeof(text), "%u %llu %llu\n", uid, bytes, start);
	entry(name, text);
}

static void test_claim_and_release(void **state)
{
	char path[128], name[24];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/pinned", dir);
	assert_int_equal(pinned__claim(path, 1000, 4 * G, 8 * G), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(name, sizeof(name), "%d", (int)getpid());
	assert_true(exists(name));
	pinned__release();
	assert_false(exists(name));
}

/* A user's running VMs count together; another user's do not; the limit is inclusive. */
static void test_limit(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/pinned", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	live_entry(1000, 6 * G);
	assert_int_equal(pinned__claim(path, 1000, 4 * G, 8 * G), -EDQUOT);
	assert_int_equal(pinned__claim(path, 1000, 2 * G, 8 * G), 0);
	pinned__release();
	assert_int_equal(pinned__claim(path, 1001, 8 * G, 8 * G), 0);
	pinned__release();
	/* No limit: counted, never refused. */
	assert_int_equal(pinned__claim(path, 1000, 64 * G, 0), 0);
}

/* A broker that died (kill -9) leaves its file: it no longer counts, and goes. */
static void test_stale(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/pinned", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	entry("999999999", "1000 8589934592 1\n");
	/* A live pid whose start time differs: the pid was reused. */
	entry("1", "1000 8589934592 1\n");
	entry("junk", "1000 8589934592 1\n");	/* not a pid: not counted, left alone */
	assert_int_equal(pinned__claim(path, 1000, 8 * G, 8 * G), 0);
	assert_false(exists("999999999"));
	assert_false(exists("1"));
	assert_true(exists("junk"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
	};

	return cmocka_run_group_tests_name("pinned", tests, NULL, NULL);
}
