// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bzimage.h"
#include "ioport.h"
#include "acpi.h"
#include "kvm.h"
#include "layout.h"
#include "pcie.h"
#include "log.h"
#include "pm.h"
#include "proto.h"
#include "pvh.h"
#include "syscall-filter.h"
#include "serial.h"
#include "count.h"
#include "vfio-assign.h"
#ifdef AIRLOCK_TEST_HOOKS
#include "test-hooks.h"
#endif

/* The broker's topology limits are the guest layout's: the one checks what the other places. */
_Static_assert(CONFIG_RC_MAX == LAYOUT_RC_MAX, "root complexes");
_Static_assert(CONFIG_RC_PORTS_MAX == LAYOUT_PORTS_MAX, "root ports per complex");

static struct kvm kvm;
static struct serial com1;
static struct pm pm;
static uint32_t vmm_seq;
static struct syscall_filter_fds vmm_fds;

static void vmm__com1_irq(bool level)
{
	kvm__irq_line(&kvm, LAYOUT_COM1_IRQ, level);
}

static void vmm__sci(bool level)
{
	kvm__irq_line(&kvm, LAYOUT_SCI_IRQ, level);
}

static void vmm__poweroff(void)
{
	kvm__exit(VMM_EXIT_POWEROFF, "the guest powered off");
}

/* The guest's last words reach the console before the VMM ends. */
static void vmm__drain_console(void)
{
	serial__drain(&com1);
}

/*
 * Only the broker starts this program: as a non-root user with
 * no_new_privs, holding a SOCK_SEQPACKET socket as descriptor 3.
 */
static void vmm__check_started_by_broker(void)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(PROTO_VMM_FD, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 || getuid() == 0 || geteuid() == 0)
		die("this program is started by the airlock broker, not directly; run: airlock run --kernel IMAGE ...");
}

static void vmm__request(uint32_t type, const void *payload, size_t len, struct msg *answer,
			 unsigned int max_fds)
{
	int ret = msg__write(PROTO_VMM_FD, type, ++vmm_seq, payload, len);

	if (!ret)
		ret = msg__recv(PROTO_VMM_FD, answer, max_fds);
	if (ret)
		die("%s request to the broker failed: %s", msg__type_name(type), strerror(-ret));
	if (answer->hdr.seq != vmm_seq)
		die("the broker answered out of sequence");
}

static void vmm__get_config(struct msg_config *cfg, struct msg *m)
{
	struct msg_hello hello = { .version = PROTO_VERSION };

	vmm__request(MSG_HELLO, &hello, sizeof(hello), m, MSG_MAX_FDS);
	if (msg__read_config(m, cfg))
		die("malformed configuration from the broker");
}

/* The broker's page for the counters; mapped before any thread that counts exists. */
static void vmm__map_counters(int fd)
{
	struct counters_page *page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (page == MAP_FAILED)
		die("cannot map the counters page from the broker: %s", strerror(errno));
	if (page->magic != COUNTERS_MAGIC || page->version != COUNTERS_VERSION)
		die("the broker's counters page is of another version; install airlock and airlock-vmm from one build");
	vmm_counters = page;
	close(fd);
}

static int vmm__read_all(int fd, void *buf, uint64_t size)
{
	for (uint64_t done = 0; done < size;) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, size - done, (off_t)done);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

static uint64_t vmm__image_size(int fd, const char *what)
{
	struct stat st;

	if (fstat(fd, &st))
		die("%s: %s", what, strerror(errno));
	if ((uint64_t)st.st_size > kvm.low_size)
		die("%s is larger than guest RAM below 3 GiB; raise --memory", what);
	return (uint64_t)st.st_size;
}

/* A PVH ELF or a Linux bzImage, told apart by the ELF magic. */
static int vmm__boot_image(const uint8_t *img, uint64_t size, const char *cmdline, uint64_t initrd_size,
			   uint64_t *initrd_gpa, struct kvm_boot *boot, const char **why)
{
	struct pvh_image pi;
	struct bzimage bz;
	int ret;

	if (size >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG)) {
		ret = pvh__parse(img, size, kvm.low_size, &pi, why);
		if (ret)
			return ret;
		pvh__load(&kvm, img, &pi);
		*boot = (struct kvm_boot){ .entry = pi.entry, .arg = PVH_START_INFO };
		return pvh__boot_info(&kvm, &pi, cmdline, initrd_size, initrd_gpa, why);
	}
	ret = bzimage__parse(img, size, &kvm, &bz, why);
	if (ret)
		return ret;
	*boot = (struct kvm_boot){ .linux64 = true, .entry = BZ_LOAD + BZ_ENTRY64_OFFSET, .arg = BZ_BOOT_PARAMS };
	return bzimage__setup(&kvm, img, &bz, cmdline, initrd_size, initrd_gpa, LAYOUT_ACPI_BASE, why);
}

static void vmm__load(const struct msg_config *cfg, const int *fds, struct kvm_boot *boot)
{
	uint64_t size = vmm__image_size(fds[CONFIG_FD_KERNEL], "--kernel");
	uint64_t initrd_size = 0, initrd_gpa = 0;
	uint8_t *img = malloc(size);
	const char *why;
	int ret;

	if (!img)
		die("--kernel: out of memory reading the image");
	ret = vmm__read_all(fds[CONFIG_FD_KERNEL], img, size);
	if (ret)
		die("--kernel: cannot read the image: %s", strerror(-ret));
	if (cfg->flags & CONFIG_F_INITRD)
		initrd_size = vmm__image_size(fds[CONFIG_FD_INITRD], "--initrd");
	if (vmm__boot_image(img, size, cfg->cmdline, initrd_size, &initrd_gpa, boot, &why))
		die("--kernel: %s", why);
	free(img);
	if (initrd_size) {
		ret = vmm__read_all(fds[CONFIG_FD_INITRD], kvm__gpa(&kvm, initrd_gpa, initrd_size), initrd_size);
		if (ret)
			die("--initrd: cannot read it: %s", strerror(-ret));
	}
}

/* ACPI tables in the legacy region, where Linux also finds them by scanning. */
static void vmm__acpi(const struct msg_config *cfg)
{
	struct acpi_config ac = { .nr_cpus = cfg->vcpus, .nr_rc = cfg->nr_rc, .com1 = true };
	int ret;

	for (unsigned int i = 0; i < cfg->nr_rc; i++)
		ac.rc[i].nr_ports = cfg->rc_ports[i];
	ret = acpi__build(kvm__gpa(&kvm, LAYOUT_ACPI_BASE, LAYOUT_ACPI_SIZE), LAYOUT_ACPI_SIZE,
			  LAYOUT_ACPI_BASE, &ac);
	if (ret < 0)
		die("cannot build the ACPI tables: %s", strerror(-ret));
}

static void vmm__devices(const struct msg_config *cfg)
{
	unsigned int ports[CONFIG_RC_MAX];

	for (unsigned int i = 0; i < CONFIG_RC_MAX; i++)
		ports[i] = cfg->rc_ports[i];
	serial__init(&com1, vmm__com1_irq);
	kvm__at_exit(vmm__drain_console);
	pm__init(&pm, vmm__poweroff, kvm__reset, vmm__sci);
	if (pcie__init(cfg->nr_rc, ports, cfg->mem_size))
		die("cannot build the PCIe topology");
	if (ioport__register(SERIAL_COM1_BASE, SERIAL_NR_REGS, serial__io, &com1) ||
	    ioport__register(PM_PM1A_EVT, PM_NR_PORTS, pm__io, &pm) ||
	    ioport__register(PM_RCR, 1, pm__rcr_io, &pm) ||
	    ioport__register(PCIE_CF8_BASE, PCIE_CF8_LEN, pcie__cf8_io, NULL) ||
	    ioport__register(PCIE_CFC_BASE, PCIE_CFC_LEN, pcie__cfc_io, NULL))
		die("cannot register the legacy devices");
#ifdef AIRLOCK_TEST_HOOKS
	if (test_hooks__init())
		die("cannot register the test hooks");
#endif
}

/* Each assigned device, as the broker opened it, plugged in behind its root port. */
static void vmm__assign_devices(const struct msg_config *cfg)
{
	for (uint32_t i = 0; i < cfg->nr_devices; i++) {
		struct msg_device_req req = { .index = i };
		struct msg_device info;
		struct msg m;

		vmm__request(MSG_DEVICE_REQ, &req, sizeof(req), &m, 1);
		if (msg__read_device(&m, i, &info))
			die("malformed device description from the broker");
		if (vfio_assign__device(&kvm, &info, m.fds[0]))
			exit(VMM_EXIT_FAILURE);	/* it said why */
	}
}

/*
 * The descriptors' classes in policy/vmm-seccomp.allow: the broker's fds
 * 0-3, the VM, and each device's fd and vectors' eventfds. All are open
 * now, and none is opened later.
 */
static void vmm__filter_fds(const struct msg_config *cfg)
{
	int ret = syscall_filter__fds_init(&vmm_fds, cfg->flags & CONFIG_F_COM1_CONSOLE);

	if (!ret)
		ret = syscall_filter__fd(&vmm_fds, SYSCALL_FILTER_FD_VM, kvm.vm_fd);
	if (!ret)
		ret = vfio_assign__filter_fds(&vmm_fds);
	if (ret)
		die("cannot sort the descriptors for the seccomp filters: %s", strerror(-ret));
}

static void vmm__confine(enum syscall_filter_thread t, const char *thread)
{
	int ret = syscall_filter__install(t, &vmm_fds, -1);

	if (ret)
		die("%s: cannot install its thread's seccomp filter: %s", thread, strerror(-ret));
}

static void vmm__confine_input(void)
{
	vmm__confine(SYSCALL_FILTER_THREAD_INPUT, "COM1 input");
}

static void vmm__confine_output(void)
{
	vmm__confine(SYSCALL_FILTER_THREAD_OUTPUT, "COM1 output");
}

/* With --com1 console, COM1's two threads, each under its own filter when this returns. */
static void vmm__start_com1(const struct msg_config *cfg)
{
	int ret;

	if (!(cfg->flags & CONFIG_F_COM1_CONSOLE))
		return;
	com1.confine_output = vmm__confine_output;
	com1.confine_input = vmm__confine_input;
	ret = serial__start_output(&com1, STDOUT_FILENO);
	if (ret)
		die("cannot start the COM1 output thread: %s", strerror(-ret));
	ret = serial__start_input(&com1, STDIN_FILENO);
	if (ret)
		die("cannot start the COM1 input thread: %s", strerror(-ret));
}

/*
 * Every other thread is under its filter already; this one, last, because
 * it made them. From here on the guest runs; this thread only presses the
 * power button when the broker asks, and notices the broker going away.
 */
static void __attribute__((noreturn)) vmm__lock_and_run(void)
{
	struct msg m;
	int ret;

	ret = syscall_filter__install(SYSCALL_FILTER_THREAD_MAIN, &vmm_fds, -1);
	if (ret)
		die("cannot install the seccomp filter: %s", strerror(-ret));
	vmm__request(MSG_LOCKED, NULL, 0, &m, 0);
	if (msg__read_empty(&m, MSG_LOCKED_OK))
		die("malformed answer to LOCKED from the broker");
	kvm_cpu__release_all();
	for (;;) {
		ret = msg__recv(PROTO_VMM_FD, &m, 0);
		if (ret == -EPIPE)
			die("the broker has gone away; stopping");
		if (ret || msg__read_empty(&m, MSG_POWER_BUTTON) || m.hdr.seq)
			die("unexpected message from the broker; stopping");
		pm__press_power_button(&pm);
	}
}

int main(void)
{
	uint64_t exec_ns = counters__now_ns(), config_ns;
	struct msg_config cfg;
	struct kvm_boot boot;
	struct msg m;
	int ret;

	log_prog = "airlock-vmm";
	vmm__check_started_by_broker();
	/* exec made this process dumpable again; a core or ptrace would expose guest memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		die("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
	vmm__get_config(&cfg, &m);
	config_ns = counters__now_ns();
	ret = kvm__init(&kvm, m.fds[CONFIG_FD_KVM], m.fds[CONFIG_FD_RAM], cfg.mem_size, cfg.vcpu_mmap_size);
	if (ret)
		die("cannot create the VM, its memory and interrupt controllers: %s", strerror(-ret));
	close(m.fds[CONFIG_FD_KVM]);
	vmm__map_counters(m.fds[CONFIG_FD_COUNTERS]);
	count__time(COUNTERS_VMM_EXEC, exec_ns);
	count__time(COUNTERS_VMM_CONFIG, config_ns);
	vmm__acpi(&cfg);
	vmm__load(&cfg, m.fds, &boot);
	close(m.fds[CONFIG_FD_RAM]);	/* the mapping stays */
	close(m.fds[CONFIG_FD_KERNEL]);
	if (cfg.flags & CONFIG_F_INITRD)
		close(m.fds[CONFIG_FD_INITRD]);
	vmm__devices(&cfg);
	vmm__assign_devices(&cfg);
	ret = kvm_cpu__create_all(&kvm, cfg.vcpus, &boot);
	if (ret)
		die("cannot create %u vCPUs: %s", cfg.vcpus, strerror(-ret));
	count__time(COUNTERS_VMM_BUILT, counters__now_ns());
	vmm__filter_fds(&cfg);
	count__time(COUNTERS_VMM_FILTER, counters__now_ns());
	/* Each thread installs its own filter as it starts, the vCPUs' and COM1's. */
	ret = kvm_cpu__start_all(&kvm, &vmm_fds);
	if (ret)
		die("cannot start %u vCPUs: %s", cfg.vcpus, strerror(-ret));
	vmm__start_com1(&cfg);
	vmm__lock_and_run();
}
