// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcifilter.h"

static int pcifilter__digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One field of len bytes: empty or "*" for any, else min to 4 hex digits. */
static int pcifilter__field(const char *s, size_t len, size_t min, int32_t *out)
{
	int32_t v = 0;

	if (!len || (len == 1 && s[0] == '*')) {
		*out = -1;
		return 0;
	}
	if (len < min || len > 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = pcifilter__digit(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

int pcifilter__parse(const char *s, struct pcifilter *out)
{
	const char *c1 = strchr(s, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *end = s + strlen(s);
	struct pcifilter f = { .class = -1 };

	if (!c1 || (c2 && strchr(c2 + 1, ':')))
		return -EINVAL;
	if (pcifilter__field(s, (size_t)(c1 - s), 1, &f.vendor) ||
	    pcifilter__field(c1 + 1, (size_t)((c2 ? c2 : end) - c1 - 1), 1, &f.device) ||
	    (c2 && pcifilter__field(c2 + 1, (size_t)(end - c2 - 1), 4, &f.class)))
		return -EINVAL;
	*out = f;
	return 0;
}

bool pcifilter__match(const struct pcifilter *f, const struct pci_ids *ids)
{
	return (f->vendor < 0 || f->vendor == ids->vendor) &&
	       (f->device < 0 || f->device == ids->device) &&
	       (f->class < 0 || (uint32_t)f->class == ids->class >> 8);
}

bool pcifilter__equal(const struct pcifilter *a, const struct pcifilter *b)
{
	return a->vendor == b->vendor && a->device == b->device && a->class == b->class;
}

static char *pcifilter__put(char *p, int32_t v)
{
	if (v < 0)
		return p + sprintf(p, "*");
	return p + sprintf(p, "%04x", (unsigned int)v);
}

void pcifilter__name(const struct pcifilter *f, char out[PCIFILTER_LEN])
{
	char *p = pcifilter__put(out, f->vendor);

	*p++ = ':';
	p = pcifilter__put(p, f->device);
	if (f->class >= 0) {
		*p++ = ':';
		pcifilter__put(p, f->class);
	}
}

bool pcifilter__is_filter(const char *s)
{
	return !strchr(s, '.');
}
