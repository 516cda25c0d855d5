// SPDX-License-Identifier: MIT
#include <string.h>

#include "pm.h"

#define PM1_SLP_EN		(1u << 13)
#define PM1_SLP_TYP(v)		(((v) >> 10) & 7u)

enum { PM1_STS = 0, PM1_EN = 2, PM1_CNT = PM_PM1A_CNT - PM_PM1A_EVT };

void pm__init(struct pm *pm, void (*poweroff)(void), void (*reset)(void))
{
	*pm = (struct pm){ .cnt = PM1_SCI_EN, .poweroff = poweroff, .reset = reset };
}

void pm__rcr_io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	struct pm *pm = dev;

	if (off || size != 1) {
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	if (!write) {
		data[0] = pm->rcr;
		return;
	}
	pm->rcr = data[0] & (PM_RCR_SYS_RST | PM_RCR_FULL_RST);
	if (data[0] & PM_RCR_RST_CPU)
		pm->reset();
}

void pm__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	struct pm *pm = dev;
	uint8_t reg[PM_NR_PORTS] = { 0 };	/* PM1_STS reads 0: no events */
	uint16_t cnt;

	memcpy(reg + PM1_EN, &pm->en, 2);
	memcpy(reg + PM1_CNT, &pm->cnt, 2);
	if (!write) {
		for (uint32_t i = 0; i < size; i++)
			data[i] = off + i < sizeof(reg) ? reg[off + i] : 0xff;
		return;
	}
	for (uint32_t i = 0; i < size && off + i < sizeof(reg); i++)
		reg[off + i] = data[i];
	memcpy(&pm->en, reg + PM1_EN, 2);
	memcpy(&cnt, reg + PM1_CNT, 2);
	/* SLP_EN is write-only: it acts and never reads back. */
	pm->cnt = (uint16_t)((cnt & ~PM1_SLP_EN) | PM1_SCI_EN);
	if (off + size > PM1_CNT && (cnt & PM1_SLP_EN) && PM1_SLP_TYP(cnt) == PM_SLP_TYP_S5)
		pm->poweroff();
}
