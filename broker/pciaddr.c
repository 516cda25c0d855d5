// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pciaddr.h"

static int pciaddr__hex(const char *s, size_t digits, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	for (size_t i = 0; i < digits; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 16 + (unsigned int)(isdigit((unsigned char)s[i]) ? s[i] - '0'
							: tolower((unsigned char)s[i]) - 'a' + 10);
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pciaddr__parse(const char *s, struct pciaddr *out)
{
	unsigned int domain, bus, dev, fn;

	if (strlen(s) != PCIADDR_LEN - 1 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return -EINVAL;
	if (pciaddr__hex(s, 4, 0xffff, &domain) || pciaddr__hex(s + 5, 2, 0xff, &bus) ||
	    pciaddr__hex(s + 8, 2, 0x1f, &dev) || pciaddr__hex(s + 11, 1, 7, &fn))
		return -EINVAL;
	*out = (struct pciaddr){ .domain = (uint16_t)domain, .bus = (uint8_t)bus, .dev = (uint8_t)dev, .fn = (uint8_t)fn };
	return 0;
}

void pciaddr__name(const struct pciaddr *a, char out[PCIADDR_LEN])
{
	snprintf(out, PCIADDR_LEN, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev & 0x1f, a->fn & 7);
}

int pciaddr__canonical(const char *s, char out[PCIADDR_LEN])
{
	struct pciaddr a;

	if (pciaddr__parse(s, &a))
		return -EINVAL;
	pciaddr__name(&a, out);
	return 0;
}
