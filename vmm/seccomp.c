// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <seccomp.h>

#include "log.h"
#include "seccomp.h"

struct seccomp_allow {
	int nr;
	int is_ioctl;
	unsigned long request;
	const char *name;
};

#include "seccomp-allowlist.h"

static int seccomp__rule(scmp_filter_ctx ctx, const struct seccomp_allow *a)
{
	if (!a->is_ioctl)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 1, SCMP_A1(SCMP_CMP_EQ, a->request));
}

int seccomp__install(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int ret;

	if (!ctx)
		return -ENOMEM;
	/* Only the native ABI is admitted; i386 and x32 calls are a "bad arch" and fatal too. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!ret)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(seccomp_allowlist); i++) {
		ret = seccomp__rule(ctx, &seccomp_allowlist[i]);
		if (ret)
			pr_err("seccomp: cannot allow %s: %d", seccomp_allowlist[i].name, ret);
	}
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}
