// SPDX-License-Identifier: MIT
#include <string.h>

#include "le.h"
#include "pm.h"

#define PM1_SLP_EN		(1u << 13)
#define PM1_SLP_TYP(v)		(((v) >> 10) & 7u)

enum { PM1_STS = 0, PM1_EN = 2, PM1_CNT = PM_PM1A_CNT - PM_PM1A_EVT };

void pm__init(struct pm *pm, void (*poweroff)(void), void (*reset)(void), void (*set_sci)(bool level))
{
	*pm = (struct pm){ .cnt = PM1_SCI_EN, .poweroff = poweroff, .reset = reset, .set_sci = set_sci };
	pthread_mutex_init(&pm->lock, NULL);
}

/* The SCI is level-triggered: it stays up until the guest clears the status or the enable. */
static void pm__update_sci(struct pm *pm)
{
	bool level = pm->sts & pm->en & PM1_PWRBTN;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		pm->set_sci(level);
	}
}

void pm__press_power_button(struct pm *pm)
{
	pthread_mutex_lock(&pm->lock);
	pm->sts |= PM1_PWRBTN;
	pm__update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
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
	uint8_t reg[PM_NR_PORTS];
	uint16_t cnt;

	pthread_mutex_lock(&pm->lock);
	/* PM1_STS is write-1-to-clear: a write starts from 0, so a byte it leaves out clears nothing. */
	le__put16(reg + PM1_STS, write ? 0 : pm->sts);
	le__put16(reg + PM1_EN, pm->en);
	le__put16(reg + PM1_CNT, pm->cnt);
	if (!write) {
		for (uint32_t i = 0; i < size; i++)
			data[i] = off + i < sizeof(reg) ? reg[off + i] : 0xff;
		pthread_mutex_unlock(&pm->lock);
		return;
	}
	for (uint32_t i = 0; i < size && off + i < sizeof(reg); i++)
		reg[off + i] = data[i];
	pm->sts &= (uint16_t)~le__get16(reg + PM1_STS);
	pm->en = le__get16(reg + PM1_EN) & (PM1_GBL_EN | PM1_PWRBTN);
	cnt = le__get16(reg + PM1_CNT);
	/* SLP_EN is write-only: it acts and never reads back. */
	pm->cnt = (uint16_t)((cnt & ~PM1_SLP_EN) | PM1_SCI_EN);
	pm__update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	if (off + size > PM1_CNT && (cnt & PM1_SLP_EN) && PM1_SLP_TYP(cnt) == PM_SLP_TYP_S5)
		pm->poweroff();
}
