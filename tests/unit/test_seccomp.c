// SPDX-License-Identifier: MIT
/*
 * The VMM's seccomp filter, run for real: each call is made by a child that
 * installed the filter with seccomp__install(), the code build/airlock-vmm
 * runs, and the filter's verdict is whether the child died of SIGSYS. What
 * gets through must be exactly what policy/vmm-seccomp.allow lists, so a
 * wider filter fails here until the list, which is reviewed, says so.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "abi-probe.h"
#include "log.h"
#include "seccomp.h"

#define POLICY		"policy/vmm-seccomp.allow"
#define GOAL		40	/* syscalls at most in the allowlist */
#define NR_END		1024	/* well past the end of the x86_64 table */
#define TRAPPED		42	/* a child's exit status: SIGSYS was a trap the child caught, not a kill */
#define NO_FILTER	43	/* a child's exit status: seccomp__install() failed */

/* Every request linux/kvm.h and linux/vfio.h define that compiles on x86_64, and the terminal's. */
struct ioc {
	const char *name;
	unsigned long req;
};
#define IOC(r)	{ #r, r }
static const struct ioc iocs[] = {
	IOC(KVM_ARM_SET_DEVICE_ADDR), IOC(KVM_ARM_VCPU_FINALIZE), IOC(KVM_ASSIGN_DEV_IRQ),
	IOC(KVM_ASSIGN_PCI_DEVICE), IOC(KVM_ASSIGN_SET_INTX_MASK), IOC(KVM_ASSIGN_SET_MSIX_ENTRY),
	IOC(KVM_ASSIGN_SET_MSIX_NR), IOC(KVM_CHECK_EXTENSION), IOC(KVM_CLEAR_DIRTY_LOG),
	IOC(KVM_CREATE_DEVICE), IOC(KVM_CREATE_IRQCHIP), IOC(KVM_CREATE_PIT),
	IOC(KVM_CREATE_PIT2), IOC(KVM_CREATE_VCPU), IOC(KVM_CREATE_VM),
	IOC(KVM_DEASSIGN_DEV_IRQ), IOC(KVM_DEASSIGN_PCI_DEVICE), IOC(KVM_DIRTY_TLB),
	IOC(KVM_ENABLE_CAP), IOC(KVM_GET_API_VERSION), IOC(KVM_GET_CLOCK),
	IOC(KVM_GET_CPUID2), IOC(KVM_GET_DEBUGREGS), IOC(KVM_GET_DEVICE_ATTR),
	IOC(KVM_GET_DIRTY_LOG), IOC(KVM_GET_EMULATED_CPUID), IOC(KVM_GET_FPU),
	IOC(KVM_GET_IRQCHIP), IOC(KVM_GET_LAPIC), IOC(KVM_GET_MP_STATE),
	IOC(KVM_GET_MSRS), IOC(KVM_GET_MSR_FEATURE_INDEX_LIST), IOC(KVM_GET_MSR_INDEX_LIST),
	IOC(KVM_GET_NESTED_STATE), IOC(KVM_GET_NR_MMU_PAGES), IOC(KVM_GET_ONE_REG),
	IOC(KVM_GET_PIT), IOC(KVM_GET_PIT2), IOC(KVM_GET_REGS),
	IOC(KVM_GET_REG_LIST), IOC(KVM_GET_SREGS), IOC(KVM_GET_SREGS2),
	IOC(KVM_GET_STATS_FD), IOC(KVM_GET_SUPPORTED_CPUID), IOC(KVM_GET_SUPPORTED_HV_CPUID),
	IOC(KVM_GET_TSC_KHZ), IOC(KVM_GET_VCPU_EVENTS), IOC(KVM_GET_VCPU_MMAP_SIZE),
	IOC(KVM_GET_XCRS), IOC(KVM_GET_XSAVE), IOC(KVM_GET_XSAVE2),
	IOC(KVM_HAS_DEVICE_ATTR), IOC(KVM_HYPERV_EVENTFD), IOC(KVM_INTERRUPT),
	IOC(KVM_IOEVENTFD), IOC(KVM_IRQFD), IOC(KVM_IRQ_LINE),
	IOC(KVM_IRQ_LINE_STATUS), IOC(KVM_KVMCLOCK_CTRL), IOC(KVM_MEMORY_ENCRYPT_OP),
	IOC(KVM_MEMORY_ENCRYPT_REG_REGION), IOC(KVM_MEMORY_ENCRYPT_UNREG_REGION), IOC(KVM_NMI),
	IOC(KVM_PPC_ALLOCATE_HTAB), IOC(KVM_PPC_GET_PVINFO), IOC(KVM_PPC_GET_SMMU_INFO),
	IOC(KVM_PPC_RESIZE_HPT_COMMIT), IOC(KVM_PPC_RESIZE_HPT_PREPARE), IOC(KVM_PPC_SVM_OFF),
	IOC(KVM_REGISTER_COALESCED_MMIO), IOC(KVM_REINJECT_CONTROL), IOC(KVM_RESET_DIRTY_RINGS),
	IOC(KVM_RUN), IOC(KVM_S390_CLEAR_RESET), IOC(KVM_S390_ENABLE_SIE),
	IOC(KVM_S390_GET_CMMA_BITS), IOC(KVM_S390_GET_IRQ_STATE), IOC(KVM_S390_GET_SKEYS),
	IOC(KVM_S390_INITIAL_RESET), IOC(KVM_S390_INTERRUPT), IOC(KVM_S390_IRQ),
	IOC(KVM_S390_MEM_OP), IOC(KVM_S390_NORMAL_RESET), IOC(KVM_S390_PV_COMMAND),
	IOC(KVM_S390_PV_CPU_COMMAND), IOC(KVM_S390_SET_CMMA_BITS), IOC(KVM_S390_SET_INITIAL_PSW),
	IOC(KVM_S390_SET_IRQ_STATE), IOC(KVM_S390_SET_SKEYS), IOC(KVM_S390_STORE_STATUS),
	IOC(KVM_S390_UCAS_MAP), IOC(KVM_S390_UCAS_UNMAP), IOC(KVM_S390_VCPU_FAULT),
	IOC(KVM_S390_ZPCI_OP), IOC(KVM_SET_BOOT_CPU_ID), IOC(KVM_SET_CLOCK),
	IOC(KVM_SET_CPUID), IOC(KVM_SET_CPUID2), IOC(KVM_SET_DEBUGREGS),
	IOC(KVM_SET_DEVICE_ATTR), IOC(KVM_SET_FPU), IOC(KVM_SET_GSI_ROUTING),
	IOC(KVM_SET_GUEST_DEBUG), IOC(KVM_SET_IDENTITY_MAP_ADDR), IOC(KVM_SET_IRQCHIP),
	IOC(KVM_SET_LAPIC), IOC(KVM_SET_MEMORY_ALIAS), IOC(KVM_SET_MEMORY_REGION),
	IOC(KVM_SET_MP_STATE), IOC(KVM_SET_MSRS), IOC(KVM_SET_NESTED_STATE),
	IOC(KVM_SET_NR_MMU_PAGES), IOC(KVM_SET_ONE_REG), IOC(KVM_SET_PIT),
	IOC(KVM_SET_PIT2), IOC(KVM_SET_PMU_EVENT_FILTER), IOC(KVM_SET_REGS),
	IOC(KVM_SET_SIGNAL_MASK), IOC(KVM_SET_SREGS), IOC(KVM_SET_SREGS2),
	IOC(KVM_SET_TSC_KHZ), IOC(KVM_SET_TSS_ADDR), IOC(KVM_SET_USER_MEMORY_REGION),
	IOC(KVM_SET_VAPIC_ADDR), IOC(KVM_SET_VCPU_EVENTS), IOC(KVM_SET_XCRS),
	IOC(KVM_SET_XSAVE), IOC(KVM_SIGNAL_MSI), IOC(KVM_SMI),
	IOC(KVM_TPR_ACCESS_REPORTING), IOC(KVM_TRANSLATE), IOC(KVM_UNREGISTER_COALESCED_MMIO),
	IOC(KVM_X86_GET_MCE_CAP_SUPPORTED), IOC(KVM_X86_SETUP_MCE), IOC(KVM_X86_SET_MCE),
	IOC(KVM_X86_SET_MSR_FILTER), IOC(KVM_XEN_HVM_CONFIG), IOC(KVM_XEN_HVM_EVTCHN_SEND),
	IOC(KVM_XEN_HVM_GET_ATTR), IOC(KVM_XEN_HVM_SET_ATTR), IOC(KVM_XEN_VCPU_GET_ATTR),
	IOC(KVM_XEN_VCPU_SET_ATTR), IOC(VFIO_CHECK_EXTENSION), IOC(VFIO_DEVICE_FEATURE),
	IOC(VFIO_DEVICE_GET_GFX_DMABUF), IOC(VFIO_DEVICE_GET_INFO), IOC(VFIO_DEVICE_GET_IRQ_INFO),
	IOC(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO), IOC(VFIO_DEVICE_GET_REGION_INFO), IOC(VFIO_DEVICE_IOEVENTFD),
	IOC(VFIO_DEVICE_PCI_HOT_RESET), IOC(VFIO_DEVICE_QUERY_GFX_PLANE), IOC(VFIO_DEVICE_RESET),
	IOC(VFIO_DEVICE_SET_IRQS), IOC(VFIO_EEH_PE_OP), IOC(VFIO_GET_API_VERSION),
	IOC(VFIO_GROUP_GET_DEVICE_FD), IOC(VFIO_GROUP_GET_STATUS), IOC(VFIO_GROUP_SET_CONTAINER),
	IOC(VFIO_GROUP_UNSET_CONTAINER), IOC(VFIO_IOMMU_DIRTY_PAGES), IOC(VFIO_IOMMU_DISABLE),
	IOC(VFIO_IOMMU_ENABLE), IOC(VFIO_IOMMU_GET_INFO), IOC(VFIO_IOMMU_MAP_DMA),
	IOC(VFIO_IOMMU_SPAPR_REGISTER_MEMORY), IOC(VFIO_IOMMU_SPAPR_TCE_CREATE), IOC(VFIO_IOMMU_SPAPR_TCE_GET_INFO),
	IOC(VFIO_IOMMU_SPAPR_TCE_REMOVE), IOC(VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY), IOC(VFIO_IOMMU_UNMAP_DMA),
	IOC(VFIO_SET_IOMMU),
	IOC(TCGETS), IOC(TCSETS), IOC(TIOCSTI), IOC(TIOCSCTTY), IOC(TIOCSETD), IOC(TIOCLINUX),
	IOC(TIOCSWINSZ), IOC(FIONREAD), IOC(FIONBIO), IOC(FIOCLEX),
};

/* The x86_64 syscalls by number, from <asm/unistd_64.h> at build time (the Makefile). */
static const char *const names[] = {
#include "syscall-names.h"
};

static bool allowed_sys[NR_END], allowed_ioc[ARRAY_SIZE(iocs)];
static unsigned int nr_sys, nr_ioc;

/*
 * The filter sees an ioctl's request, not what its descriptor is, so each
 * request is tried on a descriptor of each kind the VMM may hold that a
 * test can make (a VFIO device fd needs a bound device: the test host's
 * scenarios cover it). Allowed requests skip the KVM fds, where they act.
 */
static struct fd_kind {
	const char *name;
	int fd;
	bool kvm;
} fds[] = {
	{ "no descriptor (-1)", -1, false }, { "/dev/null", -1, false }, { "a pipe", -1, false },
	{ "a socket", -1, false }, { "an eventfd", -1, false }, { "a terminal", -1, false },
	{ "/dev/kvm", -1, true }, { "a KVM VM", -1, true }, { "a KVM vCPU", -1, true },
};

struct call {
	bool i386;
	long nr;
	unsigned long a[6];
};

/* Past the filter, exit_group itself: a sanitizer's _exit() makes calls of its own. */
static void __attribute__((noreturn)) quit(int status)
{
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

static void caught(int sig)
{
	(void)sig;
	quit(TRAPPED);
}

/*
 * With a SIGSYS handler of its own installed first, a child that dies of
 * SIGSYS was killed by the filter (SECCOMP_RET_KILL_PROCESS), not trapped,
 * and seccomp__install() put no reporting handler in place: the default
 * build dies silently. The signals cmocka catches get their default action
 * back first: its handler's own calls would die of SIGSYS after a SIGSEGV.
 * A call that got through and blocks meets SIGALRM; no death leaves a core
 * file.
 */
static void __attribute__((noreturn)) child(const struct call *c)
{
	const struct rlimit no_core = { 0, 0 };
	const struct sigaction sa = { .sa_handler = caught };

	abi_default_signals();
	alarm(5);
	if (setrlimit(RLIMIT_CORE, &no_core) || sigaction(SIGSYS, &sa, NULL) || seccomp__install())
		_exit(NO_FILTER);
	if (c->i386)
		abi_int80(c->nr);
	else
		syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	quit(0);
}

static bool denied(const struct call *c)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (!pid)
		child(c);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == NO_FILTER)
		fail_msg("a child could not install the filter");
	if (WIFEXITED(status) && WEXITSTATUS(status) == TRAPPED)
		fail_msg("nr %ld: the filter trapped the call instead of killing the process", c->nr);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static bool ioctl_denied(int fd, unsigned long req)
{
	const struct call c = { .nr = SYS_ioctl, .a = { (unsigned long)fd, req } };

	return denied(&c);
}

static int sys__find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
}

static int ioc__find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(iocs); i++)
		if (!strcmp(iocs[i].name, name))
			return (int)i;
	return -1;
}

/* The list as the policy file states it, parsed apart from the build's vmm/seccomp-gen.awk. */
static int policy__entry(const char *kind, const char *name)
{
	int i;

	if (!strcmp(kind, "syscall")) {
		i = sys__find(name);
		if (i >= 0) {
			allowed_sys[i] = true;
			nr_sys++;
			return 0;
		}
	}
	i = ioc__find(name);
	if (strcmp(kind, "ioctl") || i < 0) {
		print_error("%s: '%s %s': not a syscall, nor a request in this test's table\n", POLICY, kind, name);
		return -1;
	}
	allowed_ioc[i] = true;
	nr_ioc++;
	return 0;
}

static int policy__load(void)
{
	FILE *f = fopen(POLICY, "r");
	char line[256], kind[16], name[64];
	int ret = 0;

	if (!f) {
		print_error("%s: cannot open it; run the test from the top of the tree\n", POLICY);
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#")] = '\0';
		if (sscanf(line, "%15s %63s", kind, name) == 2)
			ret = policy__entry(kind, name);
	}
	fclose(f);
	return ret;
}

/* A terminal and KVM's descriptors where this machine has them; the rest always. */
static int open_fds(void)
{
	int p[2], s[2], pty = posix_openpt(O_RDWR | O_NOCTTY);

	if (pipe(p) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s))
		return -1;
	fds[1].fd = open("/dev/null", O_RDWR);
	fds[2].fd = p[0];
	fds[3].fd = s[0];
	fds[4].fd = eventfd(0, 0);
	if (pty >= 0 && !grantpt(pty) && !unlockpt(pty))
		fds[5].fd = open(ptsname(pty), O_RDWR | O_NOCTTY);
	fds[6].fd = open("/dev/kvm", O_RDWR);
	fds[7].fd = fds[6].fd < 0 ? -1 : ioctl(fds[6].fd, KVM_CREATE_VM, 0);
	fds[8].fd = fds[7].fd < 0 ? -1 : ioctl(fds[7].fd, KVM_CREATE_VCPU, 0);
	for (size_t k = 5; k < ARRAY_SIZE(fds); k++)
		if (fds[k].fd < 0)
			print_message("seccomp: cannot make %s here; requests are not tried on one\n", fds[k].name);
	return fds[1].fd < 0 || fds[4].fd < 0 ? -1 : 0;
}

static int setup(void **state)
{
	(void)state;
	return policy__load() || open_fds() ? -1 : 0;
}

/*
 * Every number the x86_64 table names, and every number past its end (this
 * kernel may know calls newer than the headers); the unassigned gap within
 * the table (335 to 423) is left out.
 */
static void test_syscalls(void **state)
{
	unsigned int named = 0, past = 0, dead = 0, bad = 0;

	(void)state;
	for (long nr = 0; nr < NR_END; nr++) {
		/* Arguments of -1 make even a call that slipped through do nothing. */
		const struct call c = { .nr = nr, .a = { -1UL, -1UL, -1UL, -1UL, -1UL, -1UL } };
		const char *name = (size_t)nr < ARRAY_SIZE(names) ? names[nr] : "past the table";
		bool d;

		if (!name)
			continue;
		d = denied(&c);
		if (d == allowed_sys[nr]) {
			print_error("%s (%ld): %s\n", name, nr, d ? "denied, but " POLICY " allows it"
							       : "gets through, but " POLICY " does not list it");
			bad++;
		}
		named += (size_t)nr < ARRAY_SIZE(names);
		past += (size_t)nr >= ARRAY_SIZE(names);
		dead += d;
	}
	print_message("seccomp: %u of %u syscall numbers (%u in the x86_64 table, %u past its end) die with SIGSYS; "
		      "%u get through\n", dead, named + past, named, past, named + past - dead);
	assert_int_equal(bad, 0);
}

static void test_ioctls(void **state)
{
	unsigned int kinds = 0, dead = 0, bad = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(fds); k++) {
		if (fds[k].fd < 0 && k)
			continue;
		kinds++;
		for (size_t i = 0; i < ARRAY_SIZE(iocs); i++) {
			bool d;

			if (allowed_ioc[i] && fds[k].kvm)
				continue;
			d = ioctl_denied(fds[k].fd, iocs[i].req);
			if (d == allowed_ioc[i]) {
				print_error("ioctl %s on %s: %s\n", iocs[i].name, fds[k].name,
					    d ? "denied, but " POLICY " allows it" : "gets through, but " POLICY " does not list it");
				bad++;
			}
			dead += d;
		}
	}
	print_message("seccomp: %zu forbidden ioctl requests die with SIGSYS on each of %u kinds of descriptor (%u deaths)\n",
		      ARRAY_SIZE(iocs) - nr_ioc, kinds, dead);
	assert_int_equal(bad, 0);
}

static bool allowed_req(unsigned long req)
{
	for (size_t i = 0; i < ARRAY_SIZE(iocs); i++)
		if (allowed_ioc[i] && iocs[i].req == req)
			return true;
	return false;
}

/*
 * ioctl is the one call with an argument rule: its request must equal an
 * allowed one, in all 64 bits. The kernel reads the request as 32 bits, so
 * one with high bits set would act as the allowed request; the filter
 * refuses it all the same (libseccomp compares both halves).
 */
static void test_ioctl_mutations(void **state)
{
	unsigned int tried = 0, dead = 0, bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(iocs); i++) {
		unsigned long req = iocs[i].req, mutants[36];
		size_t n = 0;

		if (!allowed_ioc[i])
			continue;
		assert_true(ioctl_denied(-1, ~0UL) && !ioctl_denied(-1, req));
		for (int bit = 0; bit < 32; bit++)
			mutants[n++] = req ^ (1UL << bit);
		mutants[n++] = req - 1;
		mutants[n++] = req + 1;
		mutants[n++] = req | 1UL << 32;
		mutants[n++] = req | 0xffffffff00000000UL;	/* as a sign-extended int */
		for (size_t m = 0; m < n; m++, tried++) {
			bool d = ioctl_denied(-1, mutants[m]);

			if (d == allowed_req(mutants[m])) {
				print_error("ioctl %s mutated to %#lx: %s\n", iocs[i].name, mutants[m],
					    d ? "denied, but allowed" : "gets through");
				bad++;
			}
			dead += d;
		}
	}
	print_message("seccomp: %u of %u mutations of the %u allowed ioctl requests die with SIGSYS\n",
		      dead, tried, nr_ioc);
	assert_int_equal(bad, 0);
}

/*
 * getpid through the i386 ABI, where the kernel offers it (abi-probe.h):
 * one without IA32 emulation ends int $0x80 with SIGSEGV before seccomp
 * sees it, and the test is skipped there.
 */
static void test_i386_abi(void **state)
{
	const struct call c = { .i386 = true, .nr = ABI_I386_GETPID };

	(void)state;
	abi_require_i386();
	assert_true(denied(&c));
}

/*
 * getpid through the x32 ABI, on every kernel: seccomp sees the call (arch
 * x86_64, the x32 bit in its number) before the kernel looks for x32
 * support, and the filter denies such numbers as a bad arch. The probe
 * only says which case this machine tried.
 */
static void test_x32_abi(void **state)
{
	const struct call c = { .nr = ABI_X32_BIT | SYS_getpid };
	char why[256];

	(void)state;
	if (abi_probe_x32(why, sizeof(why)) == ABI_OFFERED)
		print_message("seccomp: this kernel runs x32 calls; the filter must kill them\n");
	else
		print_message("seccomp: %s; the filter must kill x32 calls all the same\n", why);
	assert_true(denied(&c));
}

static void test_allowlist_size(void **state)
{
	unsigned int syscalls = nr_sys + (nr_ioc && !allowed_sys[SYS_ioctl]);

	(void)state;
	print_message("seccomp: %u syscalls and %u ioctl requests allowed (goal: at most %d syscalls)\n",
		      syscalls, nr_ioc, GOAL);
	assert_in_range(syscalls, 1, GOAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist_size),
		cmocka_unit_test(test_syscalls),
		cmocka_unit_test(test_ioctls),
		cmocka_unit_test(test_ioctl_mutations),
		cmocka_unit_test(test_i386_abi),
		cmocka_unit_test(test_x32_abi),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
