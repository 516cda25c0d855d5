/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_JSON_H
#define AIRLOCK_JSON_H

/*
 * A JSON writer for what the broker prints for machines: the audit log,
 * `airlock list --json`. Strings are escaped whatever they hold (sysfs
 * names, pci.ids text, user names), so no input can break a line apart.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH	8

struct json {
	FILE *out;
	size_t max;			/* longest string written whole; 0: no limit */
	unsigned int depth;
	bool first[JSON_DEPTH + 1];	/* nothing written yet at this depth */
	bool bad;			/* nested too deep or closed too often */
};

/*
 * Strings longer than max bytes (0: no limit) are written cut, with their
 * length and SHA-256; bytes outside printable ASCII are written \u00XX.
 */
void json__init(struct json *j, FILE *out, size_t max);
/* key is NULL for the top level and for array elements. */
void json__obj_begin(struct json *j, const char *key);
void json__obj_end(struct json *j);
void json__arr_begin(struct json *j, const char *key);
void json__arr_end(struct json *j);
/* A NULL value is written as null. */
void json__str(struct json *j, const char *key, const char *v);
void json__u64(struct json *j, const char *key, uint64_t v);
void json__i64(struct json *j, const char *key, int64_t v);
void json__bool(struct json *j, const char *key, bool v);
/* 0 when every begin was ended and the stream took it all; -EINVAL or -EIO. */
int json__finish(struct json *j);

#endif
