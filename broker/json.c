// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <string.h>

#include "json.h"

void json__init(struct json *j, FILE *out, size_t max)
{
	*j = (struct json){ .out = out, .max = max };
	j->first[0] = true;
}

/*
 * Printable ASCII goes as it is; every other byte as \u00XX of its value.
 * The output is ASCII, valid JSON whatever the input (C0 and C1 controls,
 * bytes that are not UTF-8), and a reader gets each byte back as the code
 * point of the same number: what a path held, not what a terminal shows.
 */
static void json__bytes(FILE *out, const unsigned char *p, size_t n)
{
	for (; n--; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
}

/* "...[cut: N bytes, sha256 HEX]": a long string stays told apart from others without filling the log. */
static void json__cut(FILE *out, const char *s, size_t len)
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)s);
	sha256_digest(&ctx, sizeof(digest), digest);
	fprintf(out, "...[cut: %zu bytes, sha256 ", len);
	for (size_t i = 0; i < sizeof(digest); i++)
		fprintf(out, "%02x", digest[i]);
	fputc(']', out);
}

static void json__string(const struct json *j, const char *s)
{
	size_t len = strlen(s);
	bool cut = j->max && len > j->max;

	fputc('"', j->out);
	json__bytes(j->out, (const unsigned char *)s, cut ? j->max : len);
	if (cut)
		json__cut(j->out, s, len);
	fputc('"', j->out);
}

static void json__key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (key) {
		json__string(j, key);
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
		json__string(j, v);
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
