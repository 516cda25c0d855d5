/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_TEST_AS_ROOT_H
#define AIRLOCK_TEST_AS_ROOT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subject.h"

/* A group setup: tests that point airlock at a fake host tree (--root) must be root to airlock, not only to the kernel. */
static inline int as_root(void **state)
{
	char why[512] = "";

	(void)state;
	if (!subject__identify(why, sizeof(why)) && subject__self()->root)
		return 0;
	fprintf(stderr, "# these tests need root, as airlock decides it: %s\n", why[0] ? why : "not root");
	return -1;
}

/* A test of what is root's alone: as root, and known as root, or the test is skipped. */
static inline void need_root(void)
{
	char why[512];

	if (geteuid() || subject__identify(why, sizeof(why)) || !subject__self()->root)
		skip();
}

/*
 * Whether fn(arg) holds in a child that airlock takes for uid 65534, a user
 * like any other, as a setuid-root broker's caller is (the saved uid stays
 * root's). The test that asks must be root: need_root first.
 */
static inline bool as_user(bool (*fn)(const void *arg), const void *arg)
{
	char why[512];
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(setresuid(65534, 0, 0) || subject__identify(why, sizeof(why)) ? 3 : fn(arg) ? 0 : 4);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

#endif
