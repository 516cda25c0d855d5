/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_TEST_PROC_STAT_H
#define AIRLOCK_TEST_PROC_STAT_H
/* A process's /proc/PID/stat, and its start time as the registry reads it (field 22). */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

static inline void proc_stat_line(pid_t pid, char *buf, int len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, len, f));
	fclose(f);
}

static inline unsigned long long proc_start_time(pid_t pid)
{
	char buf[1024];
	unsigned long long t = 0;

	proc_stat_line(pid, buf, sizeof(buf));
	/* The command name may hold blanks and parentheses: count from the last ')'. */
	assert_int_equal(sscanf(strrchr(buf, ')') + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &t), 1);
	return t;
}

#endif
