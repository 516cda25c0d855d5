/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PM_H
#define AIRLOCK_PM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * ACPI fixed-hardware PM1a event and control blocks, as the FADT describes
 * them: PM1_STS at PM_PM1A_EVT, PM1_EN at +2, PM1_CNT at PM_PM1A_CNT.
 * Writing SLP_EN with SLP_TYP = PM_SLP_TYP_S5 to PM1_CNT powers off. No
 * event is ever raised: the status register stays clear.
 */
#define PM_PM1A_EVT	0x600
#define PM_PM1A_CNT	0x604
#define PM_NR_PORTS	6
#define PM_SLP_TYP_S5	5
#define PM1_SCI_EN	(1u << 0)	/* always set: the guest runs in ACPI mode */

struct pm {
	uint16_t en;
	uint16_t cnt;
	void (*poweroff)(void);
};

void pm__init(struct pm *pm, void (*poweroff)(void));
/* Port handler for PM_NR_PORTS ports from PM_PM1A_EVT. */
void pm__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

#endif
