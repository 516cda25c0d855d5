/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PM_H
#define AIRLOCK_PM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * ACPI fixed-hardware PM1a control block at PM_PM1A_CNT (a FADT will point
 * there): writing SLP_EN with SLP_TYP = PM_SLP_TYP_S5 powers off.
 */
#define PM_PM1A_CNT	0x604
#define PM_SLP_TYP_S5	5
#define PM1_SCI_EN	(1u << 0)	/* always set: the guest runs in ACPI mode */

struct pm {
	uint16_t cnt;
	void (*poweroff)(void);
};

void pm__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

#endif
