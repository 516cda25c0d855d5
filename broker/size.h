/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SIZE_H
#define AIRLOCK_SIZE_H
/* Sizes as users write them, on the command line and in the policy: "256M", "1G", "4096". */
#include <stdint.h>

#define SIZE_TEXT_LEN	24	/* the longest size__name and its NUL */

/* Decimal, with an optional binary suffix K, M, G or T (and a B after it); 0, -EINVAL or -ERANGE. */
int size__parse(const char *s, uint64_t *out);
/* v with the largest suffix that divides it: 16G, 1536M, 4097. */
void size__name(uint64_t v, char out[SIZE_TEXT_LEN]);

#endif
