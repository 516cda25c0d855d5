/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_KVM_H
#define AIRLOCK_KVM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest-ram.h"

struct kvm_cpu;
struct kvm_cpuid2;
struct syscall_filter_fds;

/* How the boot vCPU starts: PVH's 32-bit entry, or Linux's 64-bit one. */
struct kvm_boot {
	bool linux64;
	uint64_t entry;
	uint64_t arg;		/* %rbx for PVH, %rsi for Linux: the boot information */
};

struct kvm {
	int vm_fd;
	uint8_t *ram;		/* the RAM memfd, mapped whole */
	uint64_t ram_size;
	uint64_t low_size;	/* RAM below GUEST_RAM_LOW_END */
	uint32_t vcpu_mmap_size;
	unsigned int nr_cpus;
	struct kvm_cpu *cpus;
	struct kvm_cpuid2 *cpuid;	/* what KVM supports, as the guest sees it (cpuid.h) */
	bool enforce_pv;	/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID: each vCPU turns it on */
};

/* Host pointer for [gpa, gpa + len) in guest RAM, or NULL if any of it is not RAM. */
static inline void *kvm__gpa(const struct kvm *kvm, uint64_t gpa, uint64_t len)
{
	uint64_t high_size = kvm->ram_size - kvm->low_size;

	if (gpa <= kvm->low_size && len <= kvm->low_size - gpa)
		return kvm->ram + gpa;
	if (gpa >= GUEST_RAM_HIGH_START && gpa - GUEST_RAM_HIGH_START <= high_size &&
	    len <= high_size - (gpa - GUEST_RAM_HIGH_START))
		return kvm->ram + kvm->low_size + (gpa - GUEST_RAM_HIGH_START);
	return NULL;
}

/*
 * Device memory in guest physical space: the slot'th mapping of device
 * memory (after the RAM slots) maps [gpa, gpa + size) to hva, page-aligned;
 * size 0 removes it. Accesses then reach the device without an exit.
 */
#define KVM_MMIO_SLOTS	1024
int kvm__map_mmio(const struct kvm *kvm, unsigned int slot, uint64_t gpa, void *hva, uint64_t size);

/* Drive an interrupt line of the in-kernel PIC and IOAPIC. */
int kvm__irq_line(const struct kvm *kvm, uint32_t irq, bool level);

int kvm__init(struct kvm *kvm, int kvm_fd, int ram_fd, uint64_t ram_size, uint32_t vcpu_mmap_size);

/*
 * The VMM ends in order (the guest powered off or reset, a vCPU cannot go
 * on): fn, registered with kvm__at_exit, runs first (COM1 writes out what
 * it holds), then one line says why, and the VMM exits with status.
 */
void kvm__at_exit(void (*fn)(void));
void __attribute__((noreturn, format(printf, 2, 3))) kvm__exit(int status, const char *fmt, ...);

/* The guest reset the machine: the VMM ends, and the broker starts the VM afresh. */
void __attribute__((noreturn)) kvm__reset(void);

/*
 * vCPUs: created before the seccomp filters; started, each thread under its
 * own filter (fds: the descriptors' classes) when start returns; released
 * to run guest code once every other thread is under its filter too.
 */
int kvm_cpu__create_all(struct kvm *kvm, unsigned int nr, const struct kvm_boot *boot);
int kvm_cpu__start_all(struct kvm *kvm, const struct syscall_filter_fds *fds);
void kvm_cpu__release_all(void);

#endif
