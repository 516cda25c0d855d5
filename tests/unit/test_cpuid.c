// SPDX-License-Identifier: MIT
/* The CPUID a vCPU gets: the hypervisor bit, TSC deadline where KVM has it, KVM's leaves with only the features airlock offers, its APIC ID. */
#include <asm/kvm_para.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "cpuid.h"

#define NENT 6

static _Alignas(struct kvm_cpuid2) unsigned char table[sizeof(struct kvm_cpuid2) + NENT * sizeof(struct kvm_cpuid_entry2)];
static struct kvm_cpuid2 *const c = (struct kvm_cpuid2 *)table;
static struct kvm_cpuid_entry2 *const e = c->entries;

/* What KVM_GET_SUPPORTED_CPUID gives, in the parts that matter here. */
static int setup(void **state)
{
	(void)state;
	memset(table, 0, sizeof(table));
	c->nent = NENT;
	e[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0x1f, .ebx = 0x68747541 };
	e[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x00a50f00, .ebx = 0x00020800, .ecx = 0x76f8320b,
					    .edx = 0x178bfbff };
	e[2] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 1, .eax = 1, .ebx = 2, .ecx = 0x201 };
	e[3] = (struct kvm_cpuid_entry2){ .function = 0x1f, .index = 0, .ecx = 0x100 };
	e[4] = (struct kvm_cpuid_entry2){ .function = KVM_CPUID_SIGNATURE, .eax = KVM_CPUID_FEATURES,
					    .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d };
	e[5] = (struct kvm_cpuid_entry2){ .function = KVM_CPUID_FEATURES, .eax = 0xffffffffu, .ebx = 0,
					    .ecx = 0, .edx = 1u << KVM_HINTS_REALTIME };
	return 0;
}

static void test_apic_id(void **state)
{
	(void)state;
	cpuid__vcpu(c, 3);
	assert_int_equal(e[1].ebx, 0x03020800);
	assert_int_equal(e[2].edx, 3);
	assert_int_equal(e[3].edx, 3);
	cpuid__vcpu(c, 0);	/* the table is shared: the next vCPU's ID replaces the last */
	assert_int_equal(e[1].ebx, 0x00020800);
	assert_int_equal(e[2].edx, 0);
}

static void test_hypervisor_bit(void **state)
{
	(void)state;
	cpuid__vm(c, false);
	assert_int_equal(e[1].ecx, 0x76f8320bu | 1u << 31);
	assert_int_equal(e[1].eax, 0x00a50f00);
	assert_int_equal(e[1].ebx, 0x00020800);
	assert_int_equal(e[1].edx, 0x178bfbff);
}

static void test_tsc_deadline(void **state)
{
	(void)state;
	cpuid__vm(c, true);
	assert_int_equal(e[1].ecx, 0x76f8320bu | 1u << 31 | 1u << 24);
}

/* Per vCPU, only the APIC ID changes: the VM-wide bits stay. */
static void test_vcpu_keeps_vm_bits(void **state)
{
	(void)state;
	cpuid__vm(c, true);
	cpuid__vcpu(c, 1);
	assert_int_equal(e[1].ecx, 0x76f8320bu | 1u << 31 | 1u << 24);
	assert_int_equal(e[5].eax, cpuid_kvm_features);
}

static void test_kvm_signature_kept(void **state)
{
	(void)state;
	cpuid__vm(c, true);
	assert_int_equal(e[4].eax, KVM_CPUID_FEATURES);
	assert_memory_equal(&e[4].ebx, "KVMKVMKVM\0\0\0", 12);
}

/* Only what airlock offers, and of that only what KVM supports; no hints (not a dedicated CPU). */
static void test_kvm_features(void **state)
{
	(void)state;
	cpuid__vm(c, false);
	assert_int_equal(e[5].eax, cpuid_kvm_features);
	assert_int_equal(e[5].edx, 0);
	e[5].eax = 1u << KVM_FEATURE_CLOCKSOURCE2 | 1u << KVM_FEATURE_MMU_OP;
	cpuid__vm(c, false);
	assert_int_equal(e[5].eax, 1u << KVM_FEATURE_CLOCKSOURCE2);
}

static void test_kvm_features_offered(void **state)
{
	(void)state;
	assert_true(cpuid_kvm_features & 1u << KVM_FEATURE_CLOCKSOURCE2);
	assert_true(cpuid_kvm_features & 1u << KVM_FEATURE_PV_EOI);
	assert_true(cpuid_kvm_features & 1u << KVM_FEATURE_PV_UNHALT);
	assert_true(cpuid_kvm_features & 1u << KVM_FEATURE_STEAL_TIME);
	assert_false(cpuid_kvm_features & 1u << KVM_FEATURE_MMU_OP);
	assert_false(cpuid_kvm_features & 1u << KVM_FEATURE_HC_MAP_GPA_RANGE);
	assert_false(cpuid_kvm_features & 1u << KVM_FEATURE_MIGRATION_CONTROL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_apic_id, setup),
		cmocka_unit_test_setup(test_hypervisor_bit, setup),
		cmocka_unit_test_setup(test_tsc_deadline, setup),
		cmocka_unit_test_setup(test_vcpu_keeps_vm_bits, setup),
		cmocka_unit_test_setup(test_kvm_signature_kept, setup),
		cmocka_unit_test_setup(test_kvm_features, setup),
		cmocka_unit_test_setup(test_kvm_features_offered, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
