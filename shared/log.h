/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <stddef.h>
#include <unistd.h>

/* Set once by main(): "airlock" or "airlock-vmm"; every message is one line prefixed by it. */
extern const char *log_prog;

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/*
 * A module that reports through a caller's buffer: one line into buf
 * (cut to len), for the caller to print or quote; returns ret.
 */
int log__say(char *buf, size_t len, int ret, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static inline void close_fdp(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define autoclose __attribute__((cleanup(close_fdp)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
