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

#ifdef AIRLOCK_SECCOMP_DEBUG
#include <linux/audit.h>
#include <signal.h>
#include <ucontext.h>

/*
 * The debug build (make debug) traps instead of killing and names the call
 * on stderr. The handler runs inside the sandbox, under the filter: it may
 * only write(2) and exit_group(2), and takes names from a table made at
 * build time from <asm/unistd_64.h> (libseccomp's resolver allocates).
 */
static const char *const seccomp_names[] = {
#include "syscall-names.h"
};

static char *seccomp__str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *seccomp__num(char *p, unsigned long v, unsigned int base)
{
	char digits[24];
	int n = 0;

	if (base == 16)
		p = seccomp__str(p, "0x");
	do
		digits[n++] = "0123456789abcdef"[v % base];
	while (v /= base);
	while (n)
		*p++ = digits[--n];
	return p;
}

static void seccomp__report(int sig, siginfo_t *si, void *ctx)
{
	const greg_t *r = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	const int args[] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };
	unsigned int nr = (unsigned int)si->si_syscall;
	const char *name = NULL;
	char line[320], *p = line;

	(void)sig;
	if (si->si_arch == AUDIT_ARCH_X86_64 && nr < ARRAY_SIZE(seccomp_names))
		name = seccomp_names[nr];
	p = seccomp__str(p, log_prog);
	p = seccomp__str(p, ": seccomp denied ");
	if (name) {
		p = seccomp__num(seccomp__str(seccomp__str(p, name), " (nr "), nr, 10);
		p = seccomp__str(p, ", args");
		for (size_t i = 0; i < ARRAY_SIZE(args); i++)
			p = seccomp__num(seccomp__str(p, " "), (unsigned long)r[args[i]], 16);
	} else {
		p = seccomp__num(seccomp__str(p, "a call outside the x86_64 table (arch "), si->si_arch, 16);
		p = seccomp__num(seccomp__str(p, ", nr "), nr, 16);
	}
	p = seccomp__str(p, ")\n");
	/* Reported or not (stderr may be gone), the VMM ends as after any denied call. */
	if (write(STDERR_FILENO, line, p - line) < 0)
		_exit(128 + SIGSYS);
	_exit(128 + SIGSYS);
}

static int seccomp__deny_action(uint32_t *action)
{
	struct sigaction sa = { .sa_sigaction = seccomp__report, .sa_flags = SA_SIGINFO };

	*action = SCMP_ACT_TRAP;
	return sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
}
#else
static int seccomp__deny_action(uint32_t *action)
{
	*action = SCMP_ACT_KILL_PROCESS;
	return 0;
}
#endif

static int seccomp__rule(scmp_filter_ctx ctx, const struct seccomp_allow *a)
{
	/* What SCMP_A1(SCMP_CMP_EQ, request) makes: all 64 bits of the request, argument 1. */
	const struct scmp_arg_cmp cmp = {
		.arg = 1, .op = SCMP_CMP_EQ, .datum_a = a->request, .datum_b = 0,
	};

	if (!a->is_ioctl)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 1, cmp);
}

int seccomp__install(void)
{
	scmp_filter_ctx ctx;
	uint32_t deny;
	int ret = seccomp__deny_action(&deny);

	if (ret)
		return ret;
	ctx = seccomp_init(deny);
	if (!ctx)
		return -ENOMEM;
	/* Only the native ABI is admitted; i386 and x32 calls are a "bad arch" and denied too. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, deny);
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
