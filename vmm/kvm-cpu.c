// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bzimage.h"
#include "cpuid.h"
#include "ioport.h"
#include "kvm.h"
#include "layout.h"
#include "proto.h"
#include "log.h"
#include "pcie.h"
#include "serial.h"
#include "syscall-filter.h"
#include "thread.h"
#include "count.h"

#define CR0_PE		(1u << 0)
#define CR0_ET		(1u << 4)
#define CR0_NE		(1u << 5)
#define CR0_PG		(1u << 31)
#define CR4_PAE		(1u << 5)
#define EFER_LME	(1u << 8)
#define EFER_LMA	(1u << 10)

struct kvm_cpu {
	struct kvm *kvm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
};

/*
 * Each vCPU thread installs its own seccomp filter first, after its libc
 * set-up (rseq registration and the like, which the filter refuses), and
 * only then meets kvm_cpu_ready; no guest code runs before kvm_cpu_go.
 */
static pthread_barrier_t kvm_cpu_ready, kvm_cpu_go;
static const struct syscall_filter_fds *kvm_cpu_fds;

static void kvm_cpu__flat_segment(struct kvm_segment *s, uint8_t type, uint16_t selector)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

/*
 * The boot vCPU's entry state, flat segments either way. PVH: 32-bit
 * protected mode, paging off, %ebx = start_info. Linux 64-bit: long mode
 * on bzimage.c's identity map and GDT, %rsi = boot_params.
 */
static int kvm_cpu__boot_regs(struct kvm_cpu *cpu, const struct kvm_boot *boot)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = boot->entry, .rflags = 0x2 };

	if (ioctl(cpu->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	kvm_cpu__flat_segment(&sregs.cs, 0xb, LAYOUT_BOOT_CS);
	kvm_cpu__flat_segment(&sregs.ds, 0x3, LAYOUT_BOOT_DS);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	kvm_cpu__flat_segment(&sregs.tr, 0xb, 0x20);
	sregs.tr.s = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	sregs.cr0 = CR0_PE | CR0_ET;
	if (boot->linux64) {
		sregs.cs.l = 1;
		sregs.cs.db = 0;
		sregs.gdt = (struct kvm_dtable){ .base = BZ_GDT, .limit = 4 * 8 - 1 };
		sregs.cr3 = BZ_PML4;
		sregs.cr4 = CR4_PAE;
		sregs.cr0 |= CR0_NE | CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsi = boot->arg;
	} else {
		regs.rbx = boot->arg;
	}
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) || ioctl(cpu->fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

/*
 * Where KVM can, it holds the guest to the paravirtual features its CPUID
 * offers: an MSR or hypercall of any other is refused (#GP, -KVM_ENOSYS).
 */
static int kvm_cpu__cpuid(struct kvm_cpu *cpu)
{
	struct kvm_enable_cap enforce = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args[0] = 1 };

	cpuid__vcpu(cpu->kvm->cpuid, cpu->id);
	if (ioctl(cpu->fd, KVM_SET_CPUID2, cpu->kvm->cpuid))
		return -errno;
	if (cpu->kvm->enforce_pv && ioctl(cpu->fd, KVM_ENABLE_CAP, &enforce))
		return -errno;
	return 0;
}

static int kvm_cpu__create(struct kvm *kvm, struct kvm_cpu *cpu, unsigned int id)
{
	cpu->kvm = kvm;
	cpu->id = id;
	cpu->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, id);
	if (cpu->fd < 0)
		return -errno;
	cpu->run = mmap(NULL, kvm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED)
		return -errno;
	return kvm_cpu__cpuid(cpu);
}

int kvm_cpu__create_all(struct kvm *kvm, unsigned int nr, const struct kvm_boot *boot)
{
	int ret;

	kvm->cpus = calloc(nr, sizeof(*kvm->cpus));
	if (!kvm->cpus)
		return -ENOMEM;
	kvm->nr_cpus = nr;
	for (unsigned int i = 0; i < nr; i++) {
		ret = kvm_cpu__create(kvm, &kvm->cpus[i], i);
		if (ret)
			return ret;
	}
	/* Application processors wait for INIT/SIPI from the BSP in KVM's local APIC. */
	return kvm_cpu__boot_regs(&kvm->cpus[0], boot);
}

static void kvm_cpu__io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	if (run->io.port >= SERIAL_COM1_BASE && run->io.port < SERIAL_COM1_BASE + SERIAL_NR_REGS)
		count__inc(&vmm_counters->console_exits);
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		if (!ioport__access(run->io.port, data, run->io.size, write) &&
		    !pcie__io(run->io.port, data, run->io.size, write) && !write)
			memset(data, 0xff, run->io.size);
}

/* Unclaimed ports and addresses read as all ones and drop writes, as on a PCI bus with nothing there. */
static void kvm_cpu__mmio(struct kvm_run *run)
{
	uint32_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : sizeof(run->mmio.data);

	if (!pcie__mmio(run->mmio.phys_addr, run->mmio.data, len, run->mmio.is_write) && !run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
}

static void __attribute__((noreturn)) kvm_cpu__fatal(struct kvm_cpu *cpu, const char *what)
{
	kvm__exit(VMM_EXIT_FAILURE, "vCPU %u: %s (exit reason %u); stopping the VM", cpu->id, what,
		  cpu->run->exit_reason);
}

static void *kvm_cpu__thread(void *arg)
{
	struct kvm_cpu *cpu = arg;
	struct kvm_run *run = cpu->run;
	int ret = syscall_filter__install(SYSCALL_FILTER_THREAD_VCPU, kvm_cpu_fds, cpu->fd);

	if (ret)
		die("vCPU %u: cannot install its seccomp filter: %s", cpu->id, strerror(-ret));
	pthread_barrier_wait(&kvm_cpu_ready);
	pthread_barrier_wait(&kvm_cpu_go);
	for (;;) {
		ret = ioctl(cpu->fd, KVM_RUN, 0);
		count__inc(&vmm_counters->vcpu_wakeups);
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			kvm_cpu__fatal(cpu, strerror(errno));
		}
		count__exit(run->exit_reason);
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			kvm_cpu__io(run);
			break;
		case KVM_EXIT_MMIO:
			kvm_cpu__mmio(run);
			break;
		case KVM_EXIT_SHUTDOWN:
			/* A triple fault: how an x86 machine resets when nothing else worked. */
			kvm__reset();
		case KVM_EXIT_FAIL_ENTRY:
			kvm_cpu__fatal(cpu, "KVM could not enter the guest");
		case KVM_EXIT_INTERNAL_ERROR:
			kvm_cpu__fatal(cpu, "KVM internal error");
		default:
			kvm_cpu__fatal(cpu, "unexpected exit");
		}
	}
	return NULL;
}

int kvm_cpu__start_all(struct kvm *kvm, const struct syscall_filter_fds *fds)
{
	int ret = pthread_barrier_init(&kvm_cpu_ready, NULL, kvm->nr_cpus + 1);

	kvm_cpu_fds = fds;
	if (!ret)
		ret = pthread_barrier_init(&kvm_cpu_go, NULL, kvm->nr_cpus + 1);
	for (unsigned int i = 0; !ret && i < kvm->nr_cpus; i++)
		ret = thread__start(&kvm->cpus[i].thread, kvm_cpu__thread, &kvm->cpus[i]);
	if (!ret)
		pthread_barrier_wait(&kvm_cpu_ready);
	return -ret;
}

void kvm_cpu__release_all(void)
{
	pthread_barrier_wait(&kvm_cpu_go);
}
