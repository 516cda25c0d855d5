/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CPUID_H
#define AIRLOCK_CPUID_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_cpuid2;

/*
 * The KVM paravirtual features airlock offers a guest, a mask of
 * 1 << KVM_FEATURE_* (CPUID 0x40000001 EAX): each is served by KVM itself.
 */
extern const uint32_t cpuid_kvm_features;

/*
 * Turn KVM_GET_SUPPORTED_CPUID's table into the VM's: the hypervisor bit;
 * the TSC-deadline timer where KVM emulates it (KVM_CAP_TSC_DEADLINE_TIMER,
 * which the supported table leaves out); of KVM's own leaves only the
 * features in cpuid_kvm_features, and no hints.
 */
void cpuid__vm(struct kvm_cpuid2 *c, bool tsc_deadline);

/* The VM's table for vCPU apic_id: its APIC ID wherever CPUID reports one. */
void cpuid__vcpu(struct kvm_cpuid2 *c, unsigned int apic_id);

#endif
