/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VM_H
#define AIRLOCK_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "policy.h"
#include "proto.h"
#include "counters-page.h"

/* What the broker creates for one VM before the VMM exists. */
struct vm {
	int kvm_fd;		/* /dev/kvm, checked; the VMM creates its VM with it */
	int ram_fd;
	int kernel_fd;
	int initrd_fd;
	int counters_fd;		/* the VMM's counters, a new page for each boot */
	const struct counters_page *counters;	/* the broker's read-only mapping of it */
	uint32_t vcpu_mmap_size;
};

#define VM_INIT { .kvm_fd = -1, .ram_fd = -1, .kernel_fd = -1, .initrd_fd = -1, .counters_fd = -1 }

/* Each prints one line saying what failed and what to do, and returns -errno. */
/* The images, opened by a child that is the user who asked for them (who), and handed back. */
int vm__open_images(struct vm *vm, const struct cli *cli, const struct policy_subject *who);
/*
 * hugepages: in 2 MiB pages from the hugetlb pool, all taken at once.
 * Otherwise in 2 MiB transparent huge pages (vm__ram_thp), or, where the
 * host cannot, in 4 KiB pages with a warning.
 */
int vm__create_ram(struct vm *vm, uint64_t size, bool hugepages);
/* A file of size bytes on a private, unattached tmpfs of huge pages: its fd, or -errno. */
int vm__ram_thp(uint64_t size);
int vm__create_counters(struct vm *vm);
int vm__open_kvm(struct vm *vm, unsigned int vcpus);
void vm__close(struct vm *vm);

/* The VMM's configuration and the descriptors that go with it, in enum config_fd order. */
unsigned int vm__config(const struct vm *vm, const struct cli *cli, struct msg_config *cfg,
			int fds[MSG_MAX_FDS]);

#endif
