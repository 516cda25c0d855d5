/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_TEST_SOURCE_FILE_H
#define AIRLOCK_TEST_SOURCE_FILE_H
/*
 * A file of the source tree, as make install ships it ("policy/vm.conf.example"),
 * found from the test's own binary (build/tests/test_x, build/san/tests/test_x)
 * wherever the test runs from. The includer has cmocka included.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* rel's path into path, its first len - 1 bytes into text with a NUL after them; how many. */
static inline size_t source_file(const char *rel, char path[PATH_MAX + 64], char *text, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t got;
	FILE *f;

	assert_true(n > 0);
	exe[n] = '\0';
	do {
		slash = strrchr(exe, '/');
		assert_non_null(slash);
		*slash = '\0';
		snprintf(path, PATH_MAX + 64, "%s/%s", exe, rel);
	} while (access(path, F_OK));
	f = fopen(path, "r");
	assert_non_null(f);
	got = fread(text, 1, len - 1, f);
	fclose(f);
	text[got] = '\0';
	return got;
}

#endif
