// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asuser.h"
#include "log.h"
#include "vm.h"

static bool vm__is_image(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size;
}

static int vm__open_image(const char *opt, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		int err = errno;

		pr_err("%s %s: %s; give the path of a readable file", opt, path, strerror(err));
		return -err;
	}
	if (!vm__is_image(fd)) {
		pr_err("%s %s: not a regular, non-empty file; give the path of an image file", opt, path);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* In the child that is the user: the kernel, and the initrd when there is one. */
static int vm__open_all(void *arg, int *fds)
{
	const struct cli *cli = arg;

	fds[0] = vm__open_image("--kernel", cli->kernel);
	if (fds[0] < 0)
		return -1;
	if (!cli->initrd)
		return 1;
	fds[1] = vm__open_image("--initrd", cli->initrd);
	return fds[1] < 0 ? -1 : 2;
}

/*
 * The guest reads whatever it boots, so the images are opened as the user
 * who asked (who) and handed back: exactly the images asked for, or none.
 */
int vm__open_images(struct vm *vm, const struct cli *cli, const struct policy_subject *who)
{
	int fds[ASUSER_FDS_MAX], n = asuser__call(who, "the images", vm__open_all, (void *)cli, fds);

	if (n < 0)
		return n;
	if (n != (cli->initrd ? 2 : 1) || !vm__is_image(fds[0]) || (n == 2 && !vm__is_image(fds[1]))) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		pr_err("the process opening the images sent no images; this is a bug in airlock");
		return -EPROTO;
	}
	vm->kernel_fd = fds[0];
	vm->initrd_fd = n == 2 ? fds[1] : -1;
	return 0;
}

/*
 * Guest RAM in the hugetlb pool, or in 4 KiB pages, is a memfd sealed
 * against resizing: the VMM maps it, and a VMM that could shrink it would
 * pull pages from under the broker's own mapping (and, with VFIO, from
 * under pinned DMA). In huge pages, every page is taken now: the VMM maps
 * RAM without a reservation, and a huge page missing later would be a
 * SIGBUS in the middle of the guest.
 */
static int vm__ram_memfd(uint64_t size, bool hugepages)
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

/*
 * Guest RAM in 2 MiB pages with no pool to reserve: a file on a tmpfs of
 * its own mounted huge=always, so that the host's shmem_enabled (Debian:
 * never) does not decide, and attached nowhere (fsmount), so that no path
 * leads to it. The tmpfs is as large as the file. Such a file cannot be
 * sealed: the VMM closes it before its seccomp filter goes on, and the
 * filter allows neither ftruncate nor fallocate.
 */
int vm__ram_thp(uint64_t size)
{
	autoclose int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	autoclose int mnt = -1;
	char bytes[24];
	int fd;

	if (fs < 0)
		return -errno;
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)size);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "huge", "always", 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", bytes, 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return -errno;
	fd = openat(mnt, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

int vm__create_ram(struct vm *vm, uint64_t size, bool hugepages)
{
	unsigned long long mib = (unsigned long long)(size >> 20);

	if (!hugepages) {
		vm->ram_fd = vm__ram_thp(size);
		if (vm->ram_fd >= 0)
			return 0;
		pr_err("warning: guest RAM in 4 KiB pages, slower to map for DMA and to touch: no tmpfs of 2 MiB pages (%s); --hugepages takes them from the hugetlb pool",
		       strerror(-vm->ram_fd));
	}
	vm->ram_fd = vm__ram_memfd(size, hugepages);
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
int vm__create_counters(struct vm *vm)
{
	const struct counters_page head = { .magic = COUNTERS_MAGIC, .version = COUNTERS_VERSION };
	void *page;
	int err;

	vm->counters_fd = memfd_create("airlock-counters", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (vm->counters_fd < 0 || ftruncate(vm->counters_fd, PAGE_SIZE) ||
	    pwrite(vm->counters_fd, &head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    fcntl(vm->counters_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto fail;
	page = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_SHARED, vm->counters_fd, 0);
	if (page == MAP_FAILED)
		goto fail;
	vm->counters = page;
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
	int *fds[] = { &vm->initrd_fd, &vm->kernel_fd, &vm->ram_fd, &vm->kvm_fd, &vm->counters_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (vm->counters)
		munmap((void *)vm->counters, PAGE_SIZE);
	vm->counters = NULL;
}

unsigned int vm__config(const struct vm *vm, const struct cli *cli, struct msg_config *cfg,
			int fds[MSG_MAX_FDS])
{
	*cfg = (struct msg_config){
		.mem_size = cli->mem_size,
		.vcpus = cli->vcpus,
		.vcpu_mmap_size = vm->vcpu_mmap_size,
		.flags = (cli->com1 != CONSOLE_NONE ? CONFIG_F_COM1_CONSOLE : 0) |
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
	fds[CONFIG_FD_COUNTERS] = vm->counters_fd;
	fds[CONFIG_FD_INITRD] = vm->initrd_fd;
	return vm->initrd_fd >= 0 ? CONFIG_FD_INITRD + 1 : CONFIG_FD_INITRD;
}
