// SPDX-License-Identifier: MIT
/*
 * The VMM's seccomp filters, run for real: each call is made by a child
 * that installed one thread's filter with syscall_filter__install(), the code
 * build/airlock-vmm runs, and the filter's verdict is whether the child
 * died of SIGSYS. What gets through must be exactly what
 * policy/vmm-seccomp.allow lists for that thread, on exactly the
 * descriptors of the classes it names, so a wider filter fails here until
 * the list, which is reviewed, says so. The tests at the end hold a few
 * rules fixed whatever the list says.
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "abi-probe.h"
#include "log.h"
#include "proto.h"
#include "syscall-filter.h"

#define POLICY		"policy/vmm-seccomp.allow"
#define GOAL		40	/* syscalls at most in the allowlist */
#define NR_END		1024	/* well past the end of the x86_64 table */
#define TRAPPED		42	/* a child's exit status: SIGSYS was a trap the child caught, not a kill */
#define NO_FILTER	43	/* a child's exit status: syscall_filter__install() failed */

/*
 * The test's VMM: fds 0-3 as the broker places them
 * (syscall_filter__fds_init()), the rest at numbers this process leaves
 * unopened, so that an allowed call fails with EBADF. Runs of eventfds with a hole (FD_NONE) in them
 * and blocks of several sizes check how the filter cuts them.
 */
#define FD_VM		40
#define FD_VCPU		41	/* the vCPU thread's own */
#define FD_OTHER_VCPU	42	/* another vCPU's: in no class of this thread */
#define FD_NONE		53	/* in no class */
static const int fd_devices[] = { 43, 44 };
static const int fd_eventfds[] = { 45, 46, 47, 48, 49, 50, 51, 52, 54, 55 };
#define FD_FIRST_FREE	40	/* the descriptors the test opens stay below */
#define FD_PAST		57

static struct syscall_filter_fds fds_console, fds_no_console;

static const char *const thread_names[] = {
	[SYSCALL_FILTER_THREAD_MAIN] = "main", [SYSCALL_FILTER_THREAD_INPUT] = "input",
	[SYSCALL_FILTER_THREAD_OUTPUT] = "output", [SYSCALL_FILTER_THREAD_VCPU] = "vcpu",
};
#define NR_THREADS	ARRAY_SIZE(thread_names)

static const char *const class_names[SYSCALL_FILTER_NR_FD_CLASSES] = {
	[SYSCALL_FILTER_FD_CONSOLE_IN] = "console-in", [SYSCALL_FILTER_FD_CONSOLE_OUT] = "console-out",
	[SYSCALL_FILTER_FD_LOG] = "log", [SYSCALL_FILTER_FD_BROKER] = "broker", [SYSCALL_FILTER_FD_VM] = "vm",
	[SYSCALL_FILTER_FD_VCPU] = "vcpu", [SYSCALL_FILTER_FD_DEVICE] = "device",
	[SYSCALL_FILTER_FD_EVENTFD] = "eventfd",
};

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

/* The list as the policy file states it, parsed apart from the build's vmm/seccomp-gen.awk. */
struct entry {
	bool ioctl;
	int call;		/* a syscall number, or an index into iocs */
	unsigned int threads;	/* bit t: thread t */
	unsigned int classes;	/* bit c: class c; 0: any argument */
};
static struct entry entries[64];
static unsigned int nr_entries, nr_sys, nr_ioc;
static bool listed_sys[NR_END], listed_ioc[ARRAY_SIZE(iocs)];

/*
 * Each request is tried on a descriptor of each kind the VMM may hold that
 * a test can make (a VFIO device fd needs a bound device: the test host's
 * scenarios cover it). All are below FD_FIRST_FREE, in no class but by
 * number fds 0-3, so even the allowed requests die on the KVM ones.
 */
static struct fd_kind {
	const char *name;
	int fd;
} fds[] = {
	{ "no descriptor (-1)", -1 }, { "/dev/null", -1 }, { "a pipe", -1 }, { "a socket", -1 },
	{ "an eventfd", -1 }, { "a terminal", -1 }, { "/dev/kvm", -1 }, { "a KVM VM", -1 }, { "a KVM vCPU", -1 },
};

/* The first arguments tried on each call that takes a descriptor: every class, the holes, and beyond. */
static long probes[8 + FD_PAST - FD_FIRST_FREE];
static unsigned int nr_probes;

struct call {
	enum syscall_filter_thread thread;
	bool no_console;	/* without --com1 console */
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
 * and syscall_filter__install() put no reporting handler in place: the default
 * build dies silently. The signals cmocka catches get their default action
 * back first: its handler's own calls would die of SIGSYS after a SIGSEGV.
 * A call that got through and blocks meets SIGALRM; no death leaves a core
 * file. Its fd 0 reads /dev/null: a read allowed there returns at once.
 */
static void __attribute__((noreturn)) child(const struct call *c)
{
	const struct rlimit no_core = { 0, 0 };
	const struct sigaction sa = { .sa_handler = caught };

	abi_default_signals();
	alarm(5);
	if (setrlimit(RLIMIT_CORE, &no_core) || sigaction(SIGSYS, &sa, NULL) || dup2(fds[1].fd, 0) < 0 ||
	    syscall_filter__install(c->thread, c->no_console ? &fds_no_console : &fds_console,
				    c->thread == SYSCALL_FILTER_THREAD_VCPU ? FD_VCPU : -1))
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

/* nr in thread t with a0 and a1, the rest -1 so that a call that slipped through does nothing. */
static bool dies(enum syscall_filter_thread t, long nr, long a0, long a1)
{
	const struct call c = { .thread = t, .nr = nr, .a = { a0, a1, -1UL, -1UL, -1UL, -1UL } };

	return denied(&c);
}

static bool fd_in(const int *set, size_t n, long fd)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == fd)
			return true;
	return false;
}

/* The classes the test's VMM puts fd in, as thread t sees them (with --com1 console). */
static unsigned int classes_of(enum syscall_filter_thread t, long fd)
{
	unsigned int c = 0;

	c |= fd == 0 ? 1u << SYSCALL_FILTER_FD_CONSOLE_IN : 0;
	c |= fd == 1 ? 1u << SYSCALL_FILTER_FD_CONSOLE_OUT : 0;
	c |= fd == 2 ? 1u << SYSCALL_FILTER_FD_LOG : 0;
	c |= fd == 3 ? 1u << SYSCALL_FILTER_FD_BROKER : 0;
	c |= fd == FD_VM ? 1u << SYSCALL_FILTER_FD_VM : 0;
	c |= fd == FD_VCPU && t == SYSCALL_FILTER_THREAD_VCPU ? 1u << SYSCALL_FILTER_FD_VCPU : 0;
	c |= fd_in(fd_devices, ARRAY_SIZE(fd_devices), fd) ? 1u << SYSCALL_FILTER_FD_DEVICE : 0;
	c |= fd_in(fd_eventfds, ARRAY_SIZE(fd_eventfds), fd) ? 1u << SYSCALL_FILTER_FD_EVENTFD : 0;
	return c;
}

/* What the list allows thread t: the call (a syscall, or a request of iocs) with first argument a0. */
static bool allows(enum syscall_filter_thread t, bool ioctl, int call, long a0)
{
	for (unsigned int i = 0; i < nr_entries; i++) {
		const struct entry *e = &entries[i];

		if (e->ioctl == ioctl && e->call == call && (e->threads & 1u << t) &&
		    (!e->classes || (e->classes & classes_of(t, a0))))
			return true;
	}
	return false;
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

/* A comma-separated list of table's names as a bit mask; 0 when one is not there. */
static unsigned int policy__bits(char *list, const char *const *table, size_t n)
{
	unsigned int bits = 0;

	for (char *save, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < n && strcmp(table[i], w))
			i++;
		if (i == n)
			return 0;
		bits |= 1u << i;
	}
	return bits;
}

static int policy__entry(const char *kind, const char *name, char *threads, char *classes)
{
	struct entry e = { .ioctl = !strcmp(kind, "ioctl") };

	e.call = e.ioctl ? ioc__find(name) : sys__find(name);
	e.threads = !strcmp(threads, "all") ? (1u << NR_THREADS) - 1 : policy__bits(threads, thread_names, NR_THREADS);
	e.classes = !strcmp(classes, "-") ? 0 : policy__bits(classes, class_names, SYSCALL_FILTER_NR_FD_CLASSES);
	if ((!e.ioctl && strcmp(kind, "syscall")) || e.call < 0 || !e.threads || (strcmp(classes, "-") && !e.classes) ||
	    nr_entries == ARRAY_SIZE(entries)) {
		print_error("%s: '%s %s': not a syscall, nor a request in this test's table, or with a thread or class "
			    "this test does not know\n", POLICY, kind, name);
		return -1;
	}
	if (e.ioctl) {
		nr_ioc += !listed_ioc[e.call];
		listed_ioc[e.call] = true;
	} else {
		nr_sys += !listed_sys[e.call];
		listed_sys[e.call] = true;
	}
	entries[nr_entries++] = e;
	return 0;
}

static int policy__load(void)
{
	FILE *f = fopen(POLICY, "r");
	char line[256], kind[16], name[64], threads[64], classes[128];
	int ret = 0;

	if (!f) {
		print_error("%s: cannot open it; run the test from the top of the tree\n", POLICY);
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#")] = '\0';
		if (sscanf(line, "%15s %63s %63s %127s", kind, name, threads, classes) == 4)
			ret = policy__entry(kind, name, threads, classes);
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
	for (size_t k = 0; k < ARRAY_SIZE(fds); k++)
		if (fds[k].fd >= FD_FIRST_FREE)
			return -1;
	return fds[1].fd < 0 || fds[4].fd < 0 ? -1 : 0;
}

/* The test's VMM's descriptors, with COM1 as the console and without. */
static int fill(struct syscall_filter_fds *f, bool console)
{
	int ret = syscall_filter__fds_init(f, console);

	if (!ret)
		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_VM, FD_VM);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(fd_devices); i++)
		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_DEVICE, fd_devices[i]);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(fd_eventfds); i++)
		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_EVENTFD, fd_eventfds[i]);
	return ret;
}

static int setup(void **state)
{
	(void)state;
	probes[nr_probes++] = -1;
	for (long fd = 0; fd <= 3; fd++)
		probes[nr_probes++] = fd;
	probes[nr_probes++] = FD_FIRST_FREE - 1;
	for (long fd = FD_FIRST_FREE; fd <= FD_PAST; fd++)
		probes[nr_probes++] = fd;
	/* The kernel reads a descriptor as 32 bits; the filter compares all 64. */
	probes[nr_probes++] = 2 | 1L << 32;
	probes[nr_probes++] = (long)(FD_VM | 0xffffffff00000000UL);
	return policy__load() || open_fds() || fill(&fds_console, true) || fill(&fds_no_console, false) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fds_console.classes);
	free(fds_no_console.classes);
	return 0;
}

/*
 * Every number the x86_64 table names, and every number past its end (this
 * kernel may know calls newer than the headers), in each thread's filter;
 * the unassigned gap within the table (335 to 423) is left out. With -1
 * as every argument, only the calls that take no descriptor get through.
 */
static void test_syscalls(void **state)
{
	unsigned int named = 0, past = 0, dead = 0, bad = 0;

	(void)state;
	for (unsigned int t = 0; t < NR_THREADS; t++) {
		for (long nr = 0; nr < NR_END; nr++) {
			const char *name = (size_t)nr < ARRAY_SIZE(names) ? names[nr] : "past the table";
			bool d;

			if (!name)
				continue;
			d = dies(t, nr, -1, -1);
			if (d == allows(t, false, (int)nr, -1)) {
				print_error("%s (%ld) in the %s thread: %s\n", name, nr, thread_names[t],
					    d ? "denied, but " POLICY " allows it" : "gets through, but " POLICY " does not allow it");
				bad++;
			}
			named += !t && (size_t)nr < ARRAY_SIZE(names);
			past += !t && (size_t)nr >= ARRAY_SIZE(names);
			dead += d;
		}
	}
	print_message("seccomp: %u syscall numbers (%u in the x86_64 table, %u past its end) in each of %zu threads' "
		      "filters: %u die with SIGSYS, %u get through\n", named + past, named, past, NR_THREADS, dead,
		      (unsigned int)NR_THREADS * (named + past) - dead);
	assert_int_equal(bad, 0);
}

/* Each listed call that takes a descriptor, on every probe, in each thread's filter. */
static void test_descriptors(void **state)
{
	unsigned int tried = 0, dead = 0, bad = 0;

	(void)state;
	for (unsigned int t = 0; t < NR_THREADS; t++) {
		for (long nr = 0; nr < NR_END; nr++) {
			if (!listed_sys[nr] || allows(t, false, (int)nr, -1))
				continue;
			for (unsigned int p = 0; p < nr_probes; p++, tried++) {
				bool d = dies(t, nr, probes[p], -1);

				if (d == allows(t, false, (int)nr, probes[p])) {
					print_error("%s on fd %#lx in the %s thread: %s\n", names[nr], probes[p], thread_names[t],
						    d ? "denied, but " POLICY " allows it" : "gets through, but " POLICY " does not allow it");
					bad++;
				}
				dead += d;
			}
		}
	}
	print_message("seccomp: %u of %u calls on %u descriptors, with and without their class, die with SIGSYS\n",
		      dead, tried, nr_probes);
	assert_int_equal(bad, 0);
}

static void ioctl_try(enum syscall_filter_thread t, size_t i, long fd, const char *what, unsigned int *dead,
		      unsigned int *bad)
{
	bool d = dies(t, SYS_ioctl, fd, (long)iocs[i].req);

	if (d == allows(t, true, (int)i, fd)) {
		print_error("ioctl %s on %s (fd %ld) in the %s thread: %s\n", iocs[i].name, what, fd, thread_names[t],
			    d ? "denied, but " POLICY " allows it" : "gets through, but " POLICY " does not allow it");
		(*bad)++;
	}
	*dead += d;
}

/*
 * Every request on every kind of descriptor the test can make, in each
 * thread's filter; each listed request on every probe too. The filter sees
 * numbers, not what a descriptor is: a request and a number decide.
 */
static void test_ioctls(void **state)
{
	unsigned int kinds = 0, tried = 0, dead = 0, bad = 0;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(fds); k++)
		kinds += !k || fds[k].fd >= 0;
	for (unsigned int t = 0; t < NR_THREADS; t++) {
		for (size_t i = 0; i < ARRAY_SIZE(iocs); i++) {
			for (size_t k = 0; k < ARRAY_SIZE(fds); k++, tried++)
				if (!k || fds[k].fd >= 0)
					ioctl_try(t, i, fds[k].fd, fds[k].name, &dead, &bad);
			for (unsigned int p = 0; listed_ioc[i] && p < nr_probes; p++, tried++)
				ioctl_try(t, i, probes[p], "a probe", &dead, &bad);
		}
	}
	print_message("seccomp: %zu ioctl requests on %u kinds of descriptor, and the %u listed ones on %u probes, "
		      "in each of %zu threads' filters: %u die with SIGSYS\n",
		      ARRAY_SIZE(iocs), kinds, nr_ioc, nr_probes, NR_THREADS, dead);
	assert_int_equal(bad, 0);
}

static bool allowed_req(enum syscall_filter_thread t, long fd, unsigned long req)
{
	for (size_t i = 0; i < ARRAY_SIZE(iocs); i++)
		if (iocs[i].req == req && allows(t, true, (int)i, fd))
			return true;
	return false;
}

/* A descriptor thread t may use request i on; -1 when there is none. */
static long ioctl_fd(enum syscall_filter_thread t, size_t i)
{
	for (unsigned int p = 0; p < nr_probes; p++)
		if (probes[p] >= 0 && allows(t, true, (int)i, probes[p]))
			return probes[p];
	return -1;
}

/*
 * The request must equal an allowed one, in all 64 bits. The kernel reads
 * it as 32 bits, so one with high bits set would act as the allowed
 * request; the filter refuses it all the same (libseccomp compares both
 * halves).
 */
static void test_ioctl_mutations(void **state)
{
	unsigned int tried = 0, dead = 0, bad = 0;

	(void)state;
	for (unsigned int t = 0; t < NR_THREADS; t++) {
		for (size_t i = 0; i < ARRAY_SIZE(iocs); i++) {
			unsigned long req = iocs[i].req, mutants[36];
			long fd = ioctl_fd(t, i);
			size_t n = 0;

			if (fd < 0)
				continue;
			assert_false(dies(t, SYS_ioctl, fd, (long)req));
			for (int bit = 0; bit < 32; bit++)
				mutants[n++] = req ^ (1UL << bit);
			mutants[n++] = req - 1;
			mutants[n++] = req + 1;
			mutants[n++] = req | 1UL << 32;
			mutants[n++] = req | 0xffffffff00000000UL;	/* as a sign-extended int */
			for (size_t m = 0; m < n; m++, tried++) {
				bool d = dies(t, SYS_ioctl, fd, (long)mutants[m]);

				if (d == allowed_req(t, fd, mutants[m])) {
					print_error("ioctl %s mutated to %#lx in the %s thread: %s\n", iocs[i].name, mutants[m],
						    thread_names[t], d ? "denied, but allowed" : "gets through");
					bad++;
				}
				dead += d;
			}
		}
	}
	print_message("seccomp: %u of %u mutations of the allowed ioctl requests die with SIGSYS\n", dead, tried);
	assert_int_equal(bad, 0);
}

/*
 * getpid through the i386 ABI, where the kernel offers it (abi-probe.h):
 * one without IA32 emulation ends int $0x80 with SIGSEGV before seccomp
 * sees it, and the test is skipped there.
 */
static void test_i386_abi(void **state)
{
	(void)state;
	abi_require_i386();
	for (unsigned int t = 0; t < NR_THREADS; t++) {
		const struct call c = { .thread = t, .i386 = true, .nr = ABI_I386_GETPID };

		assert_true(denied(&c));
	}
}

/*
 * getpid through the x32 ABI, on every kernel: seccomp sees the call (arch
 * x86_64, the x32 bit in its number) before the kernel looks for x32
 * support, and the filter denies such numbers as a bad arch. The probe
 * only says which case this machine tried.
 */
static void test_x32_abi(void **state)
{
	char why[256];

	(void)state;
	if (abi_probe_x32(why, sizeof(why)) == ABI_OFFERED)
		print_message("seccomp: this kernel runs x32 calls; the filter must kill them\n");
	else
		print_message("seccomp: %s; the filter must kill x32 calls all the same\n", why);
	for (unsigned int t = 0; t < NR_THREADS; t++)
		assert_true(dies(t, ABI_X32_BIT | SYS_getpid, -1, -1));
}

static void test_allowlist_size(void **state)
{
	unsigned int syscalls = nr_sys + (nr_ioc && !listed_sys[SYS_ioctl]);

	(void)state;
	print_message("seccomp: %u syscalls and %u ioctl requests allowed (goal: at most %d syscalls)\n",
		      syscalls, nr_ioc, GOAL);
	assert_in_range(syscalls, 1, GOAL);
}

/*
 * The rules below hold whatever the list says: a wider list fails them,
 * where the tests above would follow it.
 */

/* write(2) reaches only the descriptors of the writer's classes. */
static void test_write_outside_class(void **state)
{
	(void)state;
	assert_false(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, 2, -1));
	assert_false(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, fd_eventfds[0], -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, 1, -1));	/* the console is the output thread's */
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, PROTO_VMM_FD, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, 0, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, FD_VM, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, FD_VCPU, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, fd_devices[0], -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, FD_NONE, -1));
	assert_false(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_write, PROTO_VMM_FD, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_write, 1, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_write, fd_eventfds[0], -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_INPUT, SYS_write, 1, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_INPUT, SYS_write, PROTO_VMM_FD, -1));
}

/*
 * COM1's output thread writes the console and its messages, and waits on
 * futexes (and has exit_group, as every thread): nothing else, however
 * its calls are aimed; no clock, no sleep but the futex's.
 */
static void test_output_thread(void **state)
{
	const enum syscall_filter_thread t = SYSCALL_FILTER_THREAD_OUTPUT;

	(void)state;
	assert_false(dies(t, SYS_write, 1, -1));
	assert_false(dies(t, SYS_write, 2, -1));
	assert_false(dies(t, SYS_futex, -1, -1));
	assert_true(dies(t, SYS_write, 0, -1));
	assert_true(dies(t, SYS_write, PROTO_VMM_FD, -1));
	assert_true(dies(t, SYS_write, FD_VM, -1));
	assert_true(dies(t, SYS_write, fd_eventfds[0], -1));
	assert_true(dies(t, SYS_write, fd_devices[0], -1));
	assert_true(dies(t, SYS_read, 0, -1));
	assert_true(dies(t, SYS_recvmsg, PROTO_VMM_FD, -1));
	assert_true(dies(t, SYS_ioctl, FD_VM, KVM_IRQ_LINE));
	assert_true(dies(t, SYS_ioctl, FD_VCPU, KVM_RUN));
	assert_true(dies(t, SYS_pwrite64, fd_devices[0], -1));
	assert_true(dies(t, SYS_exit, 0, -1));
	assert_true(dies(t, SYS_clock_gettime, CLOCK_MONOTONIC, -1));
	assert_true(dies(t, SYS_nanosleep, -1, -1));
}

/* KVM_RUN only on the vCPU thread's own vCPU fd. */
static void test_kvm_run_outside_own_vcpu(void **state)
{
	(void)state;
	assert_false(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, FD_VCPU, KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, FD_OTHER_VCPU, KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, FD_VM, KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, fd_devices[0], KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, fd_eventfds[0], KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, PROTO_VMM_FD, KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, FD_VCPU, KVM_RUN));
	assert_true(dies(SYSCALL_FILTER_THREAD_INPUT, SYS_ioctl, FD_VCPU, KVM_RUN));
	/* And the VM's requests only on the VM fd. */
	assert_false(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, FD_VM, KVM_IRQ_LINE));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, FD_VCPU, KVM_IRQ_LINE));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_ioctl, fd_devices[0], KVM_SET_USER_MEMORY_REGION));
}

/* Without --com1 console, fd 0 is /dev/null and fd 1 unused: no thread reads the one or writes the other. */
static void test_console_input_off(void **state)
{
	const struct call on = { .thread = SYSCALL_FILTER_THREAD_INPUT, .nr = SYS_read, .a = { 0, -1UL, -1UL } };
	struct call off = on;

	(void)state;
	off.no_console = true;
	assert_false(denied(&on));
	assert_true(denied(&off));
	off.nr = SYS_write;
	off.a[0] = 1;
	for (unsigned int t = 0; t < NR_THREADS; t++) {
		off.thread = t;
		assert_true(denied(&off));
	}
}

/*
 * A vCPU thread, which handles what the guest does, cannot talk to the
 * broker nor read COM1's input; the other threads reach no device, and
 * the main thread of the VM only its interrupt lines (the SCI).
 */
static void test_vcpu_lacks_main_and_input(void **state)
{
	(void)state;
	assert_false(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_recvmsg, PROTO_VMM_FD, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_recvmsg, PROTO_VMM_FD, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_write, PROTO_VMM_FD, -1));
	assert_false(dies(SYSCALL_FILTER_THREAD_INPUT, SYS_read, 0, -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_VCPU, SYS_read, 0, -1));
	/* Nor do the others reach the devices. */
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_pread64, fd_devices[0], -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_INPUT, SYS_read, fd_eventfds[0], -1));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, fd_devices[0], VFIO_DEVICE_SET_IRQS));
	/* The main thread drives the SCI on the VM, and changes nothing else of it. */
	assert_false(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, FD_VM, KVM_IRQ_LINE));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, FD_VM, KVM_SET_USER_MEMORY_REGION));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, FD_VM, KVM_SET_GSI_ROUTING));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, FD_VM, KVM_IRQFD));
	assert_true(dies(SYSCALL_FILTER_THREAD_MAIN, SYS_ioctl, PROTO_VMM_FD, KVM_IRQ_LINE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist_size),
		cmocka_unit_test(test_syscalls),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_ioctls),
		cmocka_unit_test(test_ioctl_mutations),
		cmocka_unit_test(test_i386_abi),
		cmocka_unit_test(test_x32_abi),
		cmocka_unit_test(test_write_outside_class),
		cmocka_unit_test(test_output_thread),
		cmocka_unit_test(test_kvm_run_outside_own_vcpu),
		cmocka_unit_test(test_console_input_off),
		cmocka_unit_test(test_vcpu_lacks_main_and_input),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
