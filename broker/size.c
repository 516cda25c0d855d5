// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

static const char size_suffix[] = "KMGT";

int size__parse(const char *s, uint64_t *out)
{
	unsigned long long v;
	const char *p;
	char *end;
	unsigned int shift = 0;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		p = strchr(size_suffix, toupper((unsigned char)*end));
		/* "1GB", as OpenVMM writes sizes, is 1G. */
		if (!p || (end[1] && (toupper((unsigned char)end[1]) != 'B' || end[2])))
			return -EINVAL;
		shift = 10 * (unsigned int)(p - size_suffix + 1);
	}
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

void size__name(uint64_t v, char out[SIZE_TEXT_LEN])
{
	unsigned int i = 0;

	while (i < 4 && v && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	if (i)
		snprintf(out, SIZE_TEXT_LEN, "%llu%c", (unsigned long long)v, size_suffix[i - 1]);
	else
		snprintf(out, SIZE_TEXT_LEN, "%llu", (unsigned long long)v);
}
