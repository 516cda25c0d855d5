// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "syscall-filter.h"

_Static_assert(SYSCALL_FILTER_NR_FD_CLASSES <= 8, "a class is a bit of struct syscall_filter_fds' bytes");

struct syscall_filter_allow {
	int nr;
	int is_ioctl;
	unsigned long request;
	unsigned int threads;	/* bit t: thread t gets the call */
	unsigned int classes;	/* bit c: allowed on class c's descriptors; 0: the call takes none */
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
static const char *const syscall_filter_names[] = {
#include "syscall-names.h"
};

static char *syscall_filter__str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *syscall_filter__num(char *p, unsigned long v, unsigned int base)
{
	char digits[24];
	int n = 0;

	if (base == 16)
		p = syscall_filter__str(p, "0x");
	do
		digits[n++] = "0123456789abcdef"[v % base];
	while (v /= base);
	while (n)
		*p++ = digits[--n];
	return p;
}

static void syscall_filter__report(int sig, siginfo_t *si, void *ctx)
{
	const greg_t *r = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	const int args[] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };
	unsigned int nr = (unsigned int)si->si_syscall;
	const char *name = NULL;
	char line[320], *p = line;

	(void)sig;
	if (si->si_arch == AUDIT_ARCH_X86_64 && nr < ARRAY_SIZE(syscall_filter_names))
		name = syscall_filter_names[nr];
	p = syscall_filter__str(p, log_prog);
	p = syscall_filter__str(p, ": seccomp denied ");
	if (name) {
		p = syscall_filter__num(syscall_filter__str(syscall_filter__str(p, name), " (nr "), nr, 10);
		p = syscall_filter__str(p, ", args");
		for (size_t i = 0; i < ARRAY_SIZE(args); i++)
			p = syscall_filter__num(syscall_filter__str(p, " "), (unsigned long)r[args[i]], 16);
	} else {
		p = syscall_filter__str(p, "a call outside the x86_64 table (arch ");
		p = syscall_filter__num(p, si->si_arch, 16);
		p = syscall_filter__num(syscall_filter__str(p, ", nr "), nr, 16);
	}
	p = syscall_filter__str(p, ")\n");
	/* Reported or not (stderr may be gone), the VMM ends as after any denied call. */
	if (write(STDERR_FILENO, line, p - line) < 0)
		_exit(128 + SIGSYS);
	_exit(128 + SIGSYS);
}

static int syscall_filter__deny_action(uint32_t *action)
{
	struct sigaction sa = { .sa_sigaction = syscall_filter__report, .sa_flags = SA_SIGINFO };

	*action = SCMP_ACT_TRAP;
	return sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
}
#else
static int syscall_filter__deny_action(uint32_t *action)
{
	*action = SCMP_ACT_KILL_PROCESS;
	return 0;
}
#endif

int syscall_filter__fd(struct syscall_filter_fds *f, enum syscall_filter_fd_class c, int fd)
{
	uint8_t *grown;
	unsigned int nr;

	if (fd < 0)
		return -EBADF;
	if ((unsigned int)fd >= f->nr) {
		nr = (unsigned int)fd + 1 > 2 * f->nr ? (unsigned int)fd + 1 : 2 * f->nr;
		grown = realloc(f->classes, nr);
		if (!grown)
			return -ENOMEM;
		memset(grown + f->nr, 0, nr - f->nr);
		f->classes = grown;
		f->nr = nr;
	}
	f->classes[fd] |= 1u << c;
	return 0;
}

int syscall_filter__fds_init(struct syscall_filter_fds *f, bool console)
{
	int ret;

	*f = (struct syscall_filter_fds){ 0 };
	ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_LOG, STDERR_FILENO);
	if (!ret)
		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_BROKER, PROTO_VMM_FD);
	if (!ret && console)
		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_CONSOLE_IN, STDIN_FILENO);
	if (!ret && console)
		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_CONSOLE_OUT, STDOUT_FILENO);
	return ret;
}

static bool syscall_filter__in(const struct syscall_filter_fds *f, int vcpu_fd, unsigned int classes, unsigned int fd)
{
	if ((classes & 1u << SYSCALL_FILTER_FD_VCPU) && vcpu_fd >= 0 && fd == (unsigned int)vcpu_fd)
		return true;
	return fd < f->nr && (f->classes[fd] & classes);
}

static bool syscall_filter__block_in(const struct syscall_filter_fds *f, int vcpu_fd, unsigned int classes,
				     unsigned int base, unsigned int size)
{
	for (unsigned int fd = base; fd - base < size; fd++)
		if (!syscall_filter__in(f, vcpu_fd, classes, fd))
			return false;
	return true;
}

/*
 * One rule: a's call with its first argument in [base, base + size), a
 * block aligned to its power-of-two size, or with any (size 0). All 64 bits
 * are compared, as SCMP_A1(SCMP_CMP_EQ, request) would for the request.
 */
static int syscall_filter__rule(scmp_filter_ctx ctx, const struct syscall_filter_allow *a, unsigned int base,
				unsigned int size)
{
	struct scmp_arg_cmp cmp[2];
	unsigned int n = 0;

	if (size)
		cmp[n++] = (struct scmp_arg_cmp){
			.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = ~(uint64_t)(size - 1), .datum_b = base,
		};
	if (a->is_ioctl)
		cmp[n++] = (struct scmp_arg_cmp){ .arg = 1, .op = SCMP_CMP_EQ, .datum_a = a->request };
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, a->nr, n, cmp);
}

/*
 * a's rules on the descriptors of its classes. libseccomp takes one
 * comparison per argument in a rule, so no "lo <= fd <= hi": each run of
 * descriptors is cut into aligned power-of-two blocks, a masked compare each.
 */
static int syscall_filter__rules(scmp_filter_ctx ctx, const struct syscall_filter_allow *a,
				 const struct syscall_filter_fds *f, int vcpu_fd)
{
	unsigned int end = vcpu_fd >= (int)f->nr ? (unsigned int)vcpu_fd + 1 : f->nr;
	int ret = 0;

	if (!a->classes)
		return syscall_filter__rule(ctx, a, 0, 0);
	for (unsigned int fd = 0; !ret && fd < end;) {
		unsigned int size = fd ? fd & -fd : 1u << 31;	/* the largest block aligned at fd */

		while (size && !syscall_filter__block_in(f, vcpu_fd, a->classes, fd, size))
			size >>= 1;
		if (!size) {
			fd++;
			continue;
		}
		ret = syscall_filter__rule(ctx, a, fd, size);
		fd += size;
	}
	return ret;
}

/* libseccomp keeps what it learnt of the kernel in globals of its own: one filter at a time. */
static pthread_mutex_t syscall_filter_lock = PTHREAD_MUTEX_INITIALIZER;

static int syscall_filter__build(enum syscall_filter_thread t, const struct syscall_filter_fds *f, int vcpu_fd)
{
	scmp_filter_ctx ctx;
	uint32_t deny;
	int ret = syscall_filter__deny_action(&deny);

	if (ret)
		return ret;
	ctx = seccomp_init(deny);
	if (!ctx)
		return -ENOMEM;
	/* Only the native ABI is admitted; i386 and x32 calls are a "bad arch" and denied too. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, deny);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(syscall_filter_allowlist); i++) {
		if (!(syscall_filter_allowlist[i].threads & 1u << t))
			continue;
		ret = syscall_filter__rules(ctx, &syscall_filter_allowlist[i], f, vcpu_fd);
		if (ret)
			pr_err("seccomp: cannot allow %s: %d", syscall_filter_allowlist[i].name, ret);
	}
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

int syscall_filter__install(enum syscall_filter_thread t, const struct syscall_filter_fds *f, int vcpu_fd)
{
	int ret;

	pthread_mutex_lock(&syscall_filter_lock);
	ret = syscall_filter__build(t, f, vcpu_fd);
	pthread_mutex_unlock(&syscall_filter_lock);
	return ret;
}
