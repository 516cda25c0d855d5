/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PM_H
#define AIRLOCK_PM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * ACPI fixed-hardware PM1a event and control blocks, as the FADT describes
 * them: PM1_STS at PM_PM1A_EVT, PM1_EN at +2, PM1_CNT at PM_PM1A_CNT.
 * Writing SLP_EN with SLP_TYP = PM_SLP_TYP_S5 to PM1_CNT powers off. The
 * one event is the power button's (PWRBTN_STS, write-1-to-clear): the SCI
 * is asserted while its status and PWRBTN_EN are both set. PM1_EN keeps
 * GBL_EN as well, which Linux reads back; every other bit of PM1_STS and
 * PM1_EN reads 0.
 */
#define PM_PM1A_EVT	0x600
#define PM_PM1_EVT_LEN	4	/* PM1_STS and PM1_EN, 16 bits each */
#define PM_PM1A_CNT	(PM_PM1A_EVT + PM_PM1_EVT_LEN)
#define PM_PM1_CNT_LEN	2
#define PM_NR_PORTS	(PM_PM1_EVT_LEN + PM_PM1_CNT_LEN)
#define PM_SLP_TYP_S5	5
#define PM1_SCI_EN	(1u << 0)	/* always set: the guest runs in ACPI mode */
#define PM1_GBL_EN	(1u << 5)
#define PM1_PWRBTN	(1u << 8)	/* PWRBTN_STS in PM1_STS, PWRBTN_EN in PM1_EN */

/*
 * The reset control register at 0xcf9, the FADT's RESET_REG: writing it
 * with "reset CPU" set resets the machine. Linux uses it, and so do
 * firmware and other guests.
 */
#define PM_RCR		0xcf9
#define PM_RCR_SYS_RST	(1u << 1)	/* hard reset: remembered only */
#define PM_RCR_RST_CPU	(1u << 2)
#define PM_RCR_FULL_RST	(1u << 3)	/* remembered only */

struct pm {
	pthread_mutex_t lock;	/* PM1: vCPU threads, and the power button from the main thread */
	uint16_t sts, en, cnt;
	bool sci_level;		/* the SCI as last driven */
	uint8_t rcr;
	void (*poweroff)(void);
	void (*reset)(void);
	void (*set_sci)(bool level);
};

/* set_sci drives the SCI line (level-triggered, active high); it is called on every change. */
void pm__init(struct pm *pm, void (*poweroff)(void), void (*reset)(void), void (*set_sci)(bool level));
/* The power button, pressed and released: sets PWRBTN_STS, and raises the SCI if it is enabled. */
void pm__press_power_button(struct pm *pm);
/* Port handler for PM_NR_PORTS ports from PM_PM1A_EVT. */
void pm__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);
/* Port handler for the one port PM_RCR: byte accesses only, as chipsets decode it. */
void pm__rcr_io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

#endif
