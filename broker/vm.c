// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vm.h"

static int vm__open_image(const char *opt, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		int err = errno;

		pr_err("%s %s: %s; give the path of a readable file", opt, path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		pr_err("%s %s: not a regular, non-empty file; give the path of an image file", opt, path);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

#define VM_OVERFLOW_GID	65534	/* "nogroup", as /proc/sys/kernel/overflowgid has it by default */

static int vm__open_all(struct vm *vm, const struct cli *cli)
{
	vm->kernel_fd = vm__open_image("--kernel", cli->kernel);
	if (vm->kernel_fd < 0)
		return vm->kernel_fd;
	if (cli->initrd) {
		vm->initrd_fd = vm__open_image("--initrd", cli->initrd);
		if (vm->initrd_fd < 0)
			return vm->initrd_fd;
	}
	return 0;
}

/*
 * The guest reads whatever it boots, so images are opened with the
 * invoking user's file-system identity: root's powers must not let a user
 * boot /etc/shadow as an initrd. setfsuid() to a non-zero uid also drops
 * the file capabilities (CAP_DAC_OVERRIDE...) until it is set back.
 */
int vm__open_images(struct vm *vm, const struct cli *cli, const struct policy_subject *who)
{
	/* A uid without a user entry has no groups: it gets the kernel's overflow gid, no one's group. */
	gid_t gid = who->nr_gids ? who->gids[0] : VM_OVERFLOW_GID;
	gid_t saved[POLICY_GIDS_MAX];
	int nsaved = getgroups(POLICY_GIDS_MAX, saved), ret;

	if (nsaved < 0 || setgroups(who->nr_gids, who->gids)) {
		pr_err("cannot take on the groups of uid %u to open the images: %s", (unsigned int)who->uid,
		       strerror(errno));
		return -EPERM;
	}
	setfsgid(gid);
	setfsuid(who->uid);
	if ((uid_t)setfsuid((uid_t)-1) != who->uid || (gid_t)setfsgid((gid_t)-1) != gid) {
		pr_err("cannot take on uid %u and gid %u to open the images", (unsigned int)who->uid, (unsigned int)gid);
		ret = -EPERM;
	} else {
		ret = vm__open_all(vm, cli);
	}
	setfsuid(0);
	setfsgid(0);
	if (setgroups((size_t)nsaved, saved))
		die("cannot restore the broker's groups: %s", strerror(errno));
	return ret;
}

/*
 * Guest RAM is a memfd sealed against resizing: the VMM maps it, and a
 * VMM that could shrink it would pull pages from under the broker's own
 * mapping (and, with VFIO, from under pinned DMA). In huge pages, every
 * page is taken now: the VMM maps RAM without a reservation, and a huge
 * page missing later would be a SIGBUS in the middle of the guest.
 */
static int vm__ram_fd(uint64_t size, bool hugepages)
{
	int fd = memfd_create("airlock-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING | (hugepages ? MFD_HUGETLB : 0));

	if (fd < 0 || ftruncate(fd, (off_t)size) || (hugepages && fallocate(fd, 0, 0, (off_t)size)) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

int vm__create_ram(struct vm *vm, uint64_t size, bool hugepages)
{
	unsigned long long mib = (unsigned long long)(size >> 20);

	vm->ram_fd = vm__ram_fd(size, hugepages);
	if (vm->ram_fd >= 0)
		return 0;
	if (hugepages && (vm->ram_fd == -ENOSPC || vm->ram_fd == -ENOMEM))
		pr_err("cannot take %llu MiB of guest RAM in 2 MiB huge pages: it needs %llu free (HugePages_Free in /proc/meminfo); reserve them with echo N > /proc/sys/vm/nr_hugepages, or leave out --hugepages",
		       mib, mib / 2);
	else
		pr_err("cannot create %llu MiB of guest RAM%s: %s; try a smaller --memory", mib,
		       hugepages ? " in huge pages" : "", strerror(-vm->ram_fd));
	return vm->ram_fd;
}

/*
 * The VMM's counters: sealed like guest RAM, so that the VMM cannot shrink
 * the page under the broker's mapping, and mapped read-only here, so that
 * nothing the VMM writes there is more to the broker than numbers.
 */
int vm__create_stats(struct vm *vm)
{
	const struct airlock_stats head = { .magic = STATS_MAGIC, .version = STATS_VERSION };
	void *page;
	int err;

	vm->stats_fd = memfd_create("airlock-stats", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->stats_fd < 0 || ftruncate(vm->stats_fd, STATS_PAGE_SIZE) ||
	    pwrite(vm->stats_fd, &head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    fcntl(vm->stats_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto fail;
	page = mmap(NULL, STATS_PAGE_SIZE, PROT_READ, MAP_SHARED, vm->stats_fd, 0);
	if (page == MAP_FAILED)
		goto fail;
	vm->stats = page;
	return 0;
fail:
	err = errno;
	pr_err("cannot create the page for the VMM's counters: %s; the host is short of memory or file descriptors",
	       strerror(err));
	return -err;
}

static int vm__open_dev_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	if (err == ENOENT)
		pr_err("/dev/kvm does not exist: enable virtualization in the firmware and load kvm_intel or kvm_amd");
	else
		pr_err("/dev/kvm: %s; airlock must run as root", strerror(err));
	return -err;
}

int vm__open_kvm(struct vm *vm, unsigned int vcpus)
{
	int max, size;

	vm->kvm_fd = vm__open_dev_kvm();
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		pr_err("/dev/kvm speaks an unknown KVM API version; this kernel is not supported");
		return -ENOTSUP;
	}
	max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && vcpus > (unsigned int)max) {
		pr_err("--processors %u: this host's KVM allows at most %d", vcpus, max);
		return -EINVAL;
	}
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		pr_err("/dev/kvm lacks an in-kernel irqchip or user memory slots; this host cannot run airlock");
		return -ENOTSUP;
	}
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		pr_err("/dev/kvm: KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		return -EIO;
	}
	vm->vcpu_mmap_size = (uint32_t)size;
	return 0;
}

void vm__close(struct vm *vm)
{
	int *fds[] = { &vm->initrd_fd, &vm->kernel_fd, &vm->ram_fd, &vm->kvm_fd, &vm->stats_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (vm->stats)
		munmap((void *)vm->stats, STATS_PAGE_SIZE);
	vm->stats = NULL;
}

unsigned int vm__config(const struct vm *vm, const struct cli *cli, struct msg_config *cfg,
			int fds[MSG_MAX_FDS])
{
	*cfg = (struct msg_config){
		.mem_size = cli->mem_size,
		.vcpus = cli->vcpus,
		.vcpu_mmap_size = vm->vcpu_mmap_size,
		.flags = (cli->com1_console ? CONFIG_F_COM1_CONSOLE : 0) |
			 (vm->initrd_fd >= 0 ? CONFIG_F_INITRD : 0),
		.nr_rc = cli->nr_rc,
		.nr_devices = cli->nr_vfio,
	};
	for (unsigned int i = 0; i < cli->nr_rc; i++)
		cfg->rc_ports[i] = (uint8_t)cli__ports_of(cli, i);
	memcpy(cfg->cmdline, cli->cmdline, strlen(cli->cmdline));
	fds[CONFIG_FD_KVM] = vm->kvm_fd;
	fds[CONFIG_FD_RAM] = vm->ram_fd;
	fds[CONFIG_FD_KERNEL] = vm->kernel_fd;
	fds[CONFIG_FD_STATS] = vm->stats_fd;
	fds[CONFIG_FD_INITRD] = vm->initrd_fd;
	return vm->initrd_fd >= 0 ? CONFIG_FD_INITRD + 1 : CONFIG_FD_INITRD;
}
