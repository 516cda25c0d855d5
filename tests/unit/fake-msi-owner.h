/* SPDX-License-Identifier: MIT */
/*
 * A fake owner for an MSI or MSI-X register block: it records every call
 * it gets. The includer defines FAKE_BLOCK (the block, the ops' ctx),
 * FAKE_VECTOR_MAX (bound of vector() indices) and FAKE_PENDING_MAX (bound
 * of pending() indices); fired[i] answers pending(i).
 */
#ifndef AIRLOCK_FAKE_MSI_OWNER_H
#define AIRLOCK_FAKE_MSI_OWNER_H

#include "msix.h"

/* A call to the owner: 'e'nable(n), 'v'ector(n, msg, live) or 'p'ending(n). */
struct call {
	char op;
	unsigned int n;
	struct msi_msg msg;
	bool live;
};

static struct call calls[4096];
static unsigned int ncalls;
static bool fired[MSIX_VECTORS_MAX];

/* Past the end of calls[], calls are still counted; the last slot holds the newest. */
static struct call *record(void *ctx, char op, unsigned int n)
{
	struct call *c = &calls[ncalls < ARRAY_SIZE(calls) ? ncalls : ARRAY_SIZE(calls) - 1];

	assert_ptr_equal(ctx, &FAKE_BLOCK);
	ncalls++;
	*c = (struct call){ .op = op, .n = n };
	return c;
}

static int fake_enable(void *ctx, unsigned int nr)
{
	record(ctx, 'e', nr);
	return 0;
}

static void fake_vector(void *ctx, unsigned int i, const struct msi_msg *msg, bool live)
{
	struct call *c = record(ctx, 'v', i);

	assert_true(i < FAKE_VECTOR_MAX);
	c->msg = *msg;
	c->live = live;
}

static bool fake_pending(void *ctx, unsigned int i)
{
	record(ctx, 'p', i);
	assert_true(i < FAKE_PENDING_MAX);
	return fired[i];
}

static const struct msi_ops ops = {
	.enable = fake_enable, .vector = fake_vector, .pending = fake_pending, .ctx = &FAKE_BLOCK,
};

static void reset_log(void)
{
	ncalls = 0;
	memset(calls, 0, sizeof(calls));
}

#endif
