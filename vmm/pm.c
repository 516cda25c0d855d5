// SPDX-License-Identifier: MIT
#include <string.h>

#include "pm.h"

#define PM1_SLP_EN		(1u << 13)
#define PM1_SLP_TYP(v)		(((v) >> 10) & 7u)

void pm__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	struct pm *pm = dev;
	uint8_t reg[2];
	uint16_t v;

	memcpy(reg, &pm->cnt, sizeof(reg));
	if (!write) {
		for (uint32_t i = 0; i < size; i++)
			data[i] = off + i < sizeof(reg) ? reg[off + i] : 0xff;
		return;
	}
	for (uint32_t i = 0; i < size && off + i < sizeof(reg); i++)
		reg[off + i] = data[i];
	memcpy(&v, reg, sizeof(v));
	/* SLP_EN is write-only: it acts and never reads back. */
	pm->cnt = (uint16_t)((v & ~PM1_SLP_EN) | PM1_SCI_EN);
	if ((v & PM1_SLP_EN) && PM1_SLP_TYP(v) == PM_SLP_TYP_S5)
		pm->poweroff();
}
