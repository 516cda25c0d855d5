// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "ioport.h"
#include "log.h"

#define IOPORT_MAX	16

struct ioport {
	uint16_t base, len;
	ioport_fn fn;
	void *dev;
};

static struct ioport ioports[IOPORT_MAX];
static unsigned int nr_ioports;

int ioport__register(uint16_t base, uint16_t len, ioport_fn fn, void *dev)
{
	if (nr_ioports == IOPORT_MAX)
		return -ENOSPC;
	for (unsigned int i = 0; i < nr_ioports; i++)
		if (base < ioports[i].base + ioports[i].len && ioports[i].base < base + len)
			return -EBUSY;
	ioports[nr_ioports++] = (struct ioport){ base, len, fn, dev };
	return 0;
}

bool ioport__access(uint16_t port, uint8_t *data, uint32_t size, bool write)
{
	for (unsigned int i = 0; i < nr_ioports; i++) {
		const struct ioport *p = &ioports[i];

		if (port >= p->base && port - p->base < p->len) {
			p->fn(p->dev, (uint16_t)(port - p->base), data, size, write);
			return true;
		}
	}
	return false;
}
