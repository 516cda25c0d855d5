// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpuid.h"
#include "kvm.h"
#include "log.h"
#include "proto.h"

/* Below 4 GiB, out of the RAM map, as x86 needs for the TSS of real-mode emulation. */
#define KVM_TSS_ADDR	0xfffbd000ul
#define KVM_CPUID_MAX	256

static int kvm__slot(const struct kvm *kvm, uint32_t slot, uint64_t gpa, void *hva, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

int kvm__map_mmio(const struct kvm *kvm, unsigned int slot, uint64_t gpa, void *hva, uint64_t size)
{
	if (slot >= KVM_MMIO_SLOTS)
		return -EINVAL;
	return kvm__slot(kvm, GUEST_RAM_REGIONS + slot, gpa, hva, size);
}

/* What KVM supports, as every vCPU will see it (cpuid.h). */
static int kvm__cpuid(struct kvm *kvm, int kvm_fd)
{
	int tsc_deadline = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER);

	kvm->cpuid = calloc(1, sizeof(*kvm->cpuid) + KVM_CPUID_MAX * sizeof(kvm->cpuid->entries[0]));
	if (!kvm->cpuid)
		return -ENOMEM;
	kvm->cpuid->nent = KVM_CPUID_MAX;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, kvm->cpuid))
		return -errno;
	cpuid__vm(kvm->cpuid, tsc_deadline > 0);
	kvm->enforce_pv = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ENFORCE_PV_FEATURE_CPUID) > 0;
	return 0;
}

/* The in-kernel PIT: Linux checks its timer interrupt through the IOAPIC at boot. */
static int kvm__pit(struct kvm *kvm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	return ioctl(kvm->vm_fd, KVM_CREATE_PIT2, &pit) ? -errno : 0;
}

int kvm__irq_line(const struct kvm *kvm, uint32_t irq, bool level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &l) ? -errno : 0;
}

int kvm__init(struct kvm *kvm, int kvm_fd, int ram_fd, uint64_t ram_size, uint32_t vcpu_mmap_size)
{
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	unsigned int nr;
	int ret;

	ret = kvm__cpuid(kvm, kvm_fd);
	if (ret)
		return ret;
	kvm->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0)
		return -errno;
	kvm->ram_size = ram_size;
	kvm->low_size = ram_size < GUEST_RAM_LOW_END ? ram_size : GUEST_RAM_LOW_END;
	kvm->vcpu_mmap_size = vcpu_mmap_size;
	kvm->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, ram_fd, 0);
	if (kvm->ram == MAP_FAILED)
		return -errno;
	nr = guest_ram__regions(ram_size, ram);
	for (unsigned int i = 0; i < nr; i++) {
		ret = kvm__slot(kvm, i, ram[i].gpa, kvm->ram + ram[i].offset, ram[i].size);
		if (ret)
			return ret;
	}
	if (ioctl(kvm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) || ioctl(kvm->vm_fd, KVM_CREATE_IRQCHIP, 0))
		return -errno;
	return kvm__pit(kvm);
}

static void (*kvm_at_exit)(void);

void kvm__at_exit(void (*fn)(void))
{
	kvm_at_exit = fn;
}

void kvm__exit(int status, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (kvm_at_exit)
		kvm_at_exit();
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("%s", why);
	_exit(status);
}

void kvm__reset(void)
{
	kvm__exit(VMM_EXIT_RESET, "the guest reset the machine; starting it again");
}
