// SPDX-License-Identifier: MIT
#include <asm/kvm_para.h>
#include <linux/kvm.h>

#include "cpuid.h"

#define CPUID_1_ECX_TSC_DEADLINE	(1u << 24)
#define CPUID_1_ECX_HYPERVISOR		(1u << 31)

#define KVM_PV(f)	(1u << KVM_FEATURE_##f)

/*
 * kvm-clock, steal time, PV EOI, and the spinlock, IPI, TLB-flush and yield
 * hypercalls: KVM serves each in the kernel, on guest pages or hypercalls,
 * with nothing for the VMM to do. Left out: asynchronous page faults (guest
 * RAM is pinned whole while a device is assigned, and they add an event
 * channel into the guest), halt polling's control (no realtime hint is
 * given) and the extended MSI destination ID (no more than 255 vCPUs).
 */
#define CPUID_KVM_FEATURES	(KVM_PV(CLOCKSOURCE) | KVM_PV(CLOCKSOURCE2) | KVM_PV(CLOCKSOURCE_STABLE_BIT) | \
				 KVM_PV(NOP_IO_DELAY) | KVM_PV(STEAL_TIME) | KVM_PV(PV_EOI) | KVM_PV(PV_UNHALT) | \
				 KVM_PV(PV_TLB_FLUSH) | KVM_PV(PV_SEND_IPI) | KVM_PV(PV_SCHED_YIELD))
const uint32_t cpuid_kvm_features = CPUID_KVM_FEATURES;

void cpuid__vm(struct kvm_cpuid2 *c, bool tsc_deadline)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			if (tsc_deadline)
				e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		} else if (e->function == KVM_CPUID_FEATURES) {
			e->eax &= cpuid_kvm_features;
			e->edx = 0;
		}
	}
}

void cpuid__vcpu(struct kvm_cpuid2 *c, unsigned int apic_id)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | apic_id << 24;
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = apic_id;
	}
}
