/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_LE_H
#define AIRLOCK_LE_H

/*
 * Little-endian values at any byte address: configuration space, guest
 * memory accesses, the boot protocol and ACPI tables are little-endian
 * and need not be aligned.
 */
#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t le__get16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t le__get32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t le__get64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void le__put16(void *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void le__put32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void le__put64(void *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

/* A value of len bytes (at most 8): an access of 1, 2, 4 or 8 bytes, or a field of any width. */
static inline uint64_t le__get(const void *p, unsigned int len)
{
	uint64_t v = 0;

	memcpy(&v, p, len);
	return le64toh(v);
}

/* The low len bytes (at most 8) of v. */
static inline void le__put(void *p, unsigned int len, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, len);
}

#endif
