// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>

#include "json.h"

void json__init(struct json *j, FILE *out)
{
	*j = (struct json){ .out = out };
	j->first[0] = true;
}

static void json__string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void json__key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (key) {
		json__string(j->out, key);
		fputc(':', j->out);
	}
}

static void json__open(struct json *j, const char *key, char c)
{
	if (j->depth == JSON_DEPTH) {
		j->bad = true;
		return;
	}
	json__key(j, key);
	fputc(c, j->out);
	j->first[++j->depth] = true;
}

static void json__close(struct json *j, char c)
{
	if (!j->depth) {
		j->bad = true;
		return;
	}
	j->depth--;
	fputc(c, j->out);
}

void json__obj_begin(struct json *j, const char *key) { json__open(j, key, '{'); }
void json__obj_end(struct json *j) { json__close(j, '}'); }
void json__arr_begin(struct json *j, const char *key) { json__open(j, key, '['); }
void json__arr_end(struct json *j) { json__close(j, ']'); }

void json__str(struct json *j, const char *key, const char *v)
{
	json__key(j, key);
	if (v)
		json__string(j->out, v);
	else
		fputs("null", j->out);
}

void json__u64(struct json *j, const char *key, uint64_t v)
{
	json__key(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

void json__i64(struct json *j, const char *key, int64_t v)
{
	json__key(j, key);
	fprintf(j->out, "%" PRId64, v);
}

void json__bool(struct json *j, const char *key, bool v)
{
	json__key(j, key);
	fputs(v ? "true" : "false", j->out);
}

int json__finish(struct json *j)
{
	if (j->bad || j->depth)
		return -EINVAL;
	return fflush(j->out) || ferror(j->out) ? -EIO : 0;
}
