/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_IOPORT_H
#define AIRLOCK_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

/* One access of 1, 2 or 4 bytes at 'off' from the device's base port; data is little-endian. */
typedef void (*ioport_fn)(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

/* Registration happens before the vCPUs run; the table is read-only afterwards. */
int ioport__register(uint16_t base, uint16_t len, ioport_fn fn, void *dev);
/* False if no legacy device claims the port: the caller tries the PCI devices. */
bool ioport__access(uint16_t port, uint8_t *data, uint32_t size, bool write);

#endif
