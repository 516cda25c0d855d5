/* SPDX-License-Identifier: MIT */
/*
 * The broker <-> VMM protocol, whole.
 *
 * One SOCK_SEQPACKET socketpair: one datagram is one message, a fixed
 * header followed by exactly hdr.len payload bytes. The VMM asks, the
 * broker answers; an answer's type is its request's type | MSG_ANSWER and
 * carries the request's sequence number.
 *
 * File descriptors travel broker -> VMM only, as SCM_RIGHTS on answers.
 * The VMM sends with write(2), which cannot carry descriptors, and its
 * seccomp filter does not allow sendmsg(2); the broker still rejects any
 * control data it receives. A truncated message or control message is a
 * protocol violation, and a violation ends the conversation.
 */
#ifndef AIRLOCK_PROTO_H
#define AIRLOCK_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION	1

/*
 * How the VMM ends, as its exit status: the guest powered off, the VMM
 * failed, or the guest reset the machine (the broker then starts a fresh
 * VMM, and the devices from a clean reset).
 */
enum vmm_exit {
	VMM_EXIT_POWEROFF	= 0,
	VMM_EXIT_FAILURE	= 1,
	VMM_EXIT_RESET		= 64,
};
#define PROTO_VMM_FD	3	/* the VMM's end of the socketpair, placed by the broker */
#define MSG_MAX		4096	/* header + payload, hard limit */
#define MSG_MAX_FDS	8
#define PAGE_SIZE	4096ull	/* x86: the unit of mmap and of KVM memory slots */

struct msg_hdr {
	uint32_t type;
	uint32_t len;		/* payload bytes after the header */
	uint32_t seq;		/* VMM counts from 1; answers echo it */
};
_Static_assert(sizeof(struct msg_hdr) == 12, "wire header");

#define MSG_PAYLOAD_MAX	(MSG_MAX - sizeof(struct msg_hdr))

#define MSG_ANSWER	0x80u

enum msg_type {
	/* VMM -> broker: struct msg_hello. Answer: struct msg_config + fds. */
	MSG_HELLO	= 0x01,
	MSG_CONFIG	= MSG_HELLO | MSG_ANSWER,
	/* VMM -> broker: empty; its seccomp filter is in force. Answer: empty. */
	MSG_LOCKED	= 0x02,
	MSG_LOCKED_OK	= MSG_LOCKED | MSG_ANSWER,
	/*
	 * VMM -> broker: struct msg_device_req, once for each index below
	 * msg_config.nr_devices, before LOCKED. Answer: struct msg_device +
	 * that device's VFIO device fd (never a container or group fd).
	 */
	MSG_DEVICE_REQ	= 0x03,
	MSG_DEVICE	= MSG_DEVICE_REQ | MSG_ANSWER,
	/*
	 * Broker -> VMM, the one message the broker starts: empty, sequence
	 * number 0, only after LOCKED_OK, never answered. The VMM presses the
	 * guest's ACPI power button; the guest may shut down or ignore it,
	 * and the broker alone decides when to stop waiting.
	 */
	MSG_POWER_BUTTON = 0x40,
};

struct msg_hello {
	uint32_t version;	/* PROTO_VERSION */
	uint32_t reserved;	/* 0 */
};
_Static_assert(sizeof(struct msg_hello) == 8, "wire msg_hello");

#define CONFIG_CMDLINE_MAX	2048	/* including the NUL */
#define CONFIG_VCPUS_MAX	255	/* xAPIC IDs */
#define CONFIG_RC_MAX		4	/* PCIe root complexes */
#define CONFIG_RC_PORTS_MAX	31	/* root ports per complex: devices 1..31 of its bus 0 */
#define CONFIG_DEVICES_MAX	32	/* assigned devices, one per root port */

#define CONFIG_F_COM1_CONSOLE	(1u << 0)
#define CONFIG_F_INITRD		(1u << 1)
#define CONFIG_F_ALL		(CONFIG_F_COM1_CONSOLE | CONFIG_F_INITRD)

/* Descriptors that come with MSG_CONFIG, in this order. */
/*
 * KVM binds a VM to the address space that created it, so the VMM creates
 * its VM from this /dev/kvm descriptor and closes it before its seccomp
 * filter, which does not allow KVM_CREATE_VM, goes on.
 */
enum config_fd {
	CONFIG_FD_KVM,		/* /dev/kvm, checked by the broker */
	CONFIG_FD_RAM,		/* sealed memfd, mem_size bytes */
	CONFIG_FD_KERNEL,	/* boot image, read-only */
	CONFIG_FD_COUNTERS,	/* sealed memfd, one page: the VMM's counters (shared/counters-page.h) */
	CONFIG_FD_INITRD,	/* only with CONFIG_F_INITRD */
};

struct msg_config {
	uint64_t mem_size;	/* bytes, multiple of 2 MiB */
	uint32_t vcpus;		/* 1..CONFIG_VCPUS_MAX */
	uint32_t vcpu_mmap_size;	/* KVM_GET_VCPU_MMAP_SIZE */
	uint32_t flags;		/* CONFIG_F_* */
	uint32_t nr_rc;		/* 0..CONFIG_RC_MAX */
	uint8_t rc_ports[CONFIG_RC_MAX];	/* root ports of each; 0 past nr_rc */
	uint32_t nr_devices;	/* assigned devices: 0..CONFIG_DEVICES_MAX */
	char cmdline[CONFIG_CMDLINE_MAX];	/* NUL-terminated, NUL-padded */
};
_Static_assert(sizeof(struct msg_config) == 2080, "wire msg_config");
_Static_assert(sizeof(struct msg_config) <= MSG_PAYLOAD_MAX, "fits a message");

struct msg_device_req {
	uint32_t index;		/* < msg_config.nr_devices */
	uint32_t reserved;	/* 0 */
};
_Static_assert(sizeof(struct msg_device_req) == 8, "wire msg_device_req");

/*
 * An assigned device as the broker found it through VFIO. The VMM cannot
 * ask VFIO for region or interrupt information itself: its seccomp filter
 * does not allow those ioctls.
 */
#define DEVICE_REGIONS		9	/* VFIO_PCI_NUM_REGIONS: BAR0..5, ROM, config, VGA */
#define DEVICE_IRQS		5	/* VFIO_PCI_NUM_IRQS: INTx, MSI, MSI-X, error, request */
#define DEVICE_AREAS_MAX	8	/* mmappable areas per region */
#define DEVICE_NAME_MAX		16	/* "dddd:bb:dd.f" and its NUL */

#define DEVICE_O_TRAP		(1u << 0)	/* no mmap fast path: trap every BAR access */
#define DEVICE_O_ALL		DEVICE_O_TRAP

/* A page-aligned part of a region the VMM may mmap, relative to the region. */
struct msg_area {
	uint64_t offset;
	uint64_t size;
};

struct msg_region {
	uint64_t size;		/* 0: the device has no such region */
	uint64_t offset;	/* of the region in the device fd */
	uint32_t flags;		/* VFIO_REGION_INFO_FLAG_READ | _WRITE | _MMAP */
	uint32_t nr_areas;	/* mmappable areas, from the sparse-mmap capability or the whole region */
	struct msg_area areas[DEVICE_AREAS_MAX];
};

struct msg_irq {
	uint32_t count;		/* vectors; 0: none */
	uint32_t flags;		/* VFIO_IRQ_INFO_* */
};

struct msg_device {
	uint32_t index;		/* the request's */
	uint32_t flags;		/* VFIO_DEVICE_FLAGS_* */
	uint8_t rc;		/* behind root port 'port' (0-based, command-line order) of complex rc */
	uint8_t port;
	uint16_t opts;		/* DEVICE_O_* */
	uint32_t reserved;	/* 0 */
	char name[DEVICE_NAME_MAX];	/* the host's BDF, for messages; NUL-terminated */
	struct msg_region regions[DEVICE_REGIONS];
	struct msg_irq irqs[DEVICE_IRQS];
};
_Static_assert(sizeof(struct msg_area) == 16, "wire msg_area");
_Static_assert(sizeof(struct msg_region) == 24 + DEVICE_AREAS_MAX * 16, "wire msg_region");
_Static_assert(sizeof(struct msg_device) == 32 + DEVICE_REGIONS * sizeof(struct msg_region) +
	       DEVICE_IRQS * sizeof(struct msg_irq), "wire msg_device");
_Static_assert(sizeof(struct msg_device) <= MSG_PAYLOAD_MAX, "fits a message");

/* A received message. Descriptors are owned by it until taken. */
struct msg {
	struct msg_hdr hdr;
	uint8_t payload[MSG_PAYLOAD_MAX];
	int fds[MSG_MAX_FDS];
	unsigned int nfds;
};

/* Encode header + payload into buf (MSG_MAX bytes); returns the length or -EMSGSIZE. */
int msg__encode(void *buf, uint32_t type, uint32_t seq, const void *payload, size_t len);
/* Decode one datagram of n bytes into m's header and payload; -EBADMSG unless exact. */
int msg__decode(struct msg *m, const void *buf, size_t n);

/* Broker: send with descriptors. */
int msg__send(int sock, uint32_t type, uint32_t seq, const void *payload, size_t len,
	      const int *fds, unsigned int nfds);
/* One datagram of n bytes as it is, with up to MSG_MAX_FDS descriptors; tests forge messages with it. */
int msg__send_raw(int sock, const void *buf, size_t n, const int *fds, unsigned int nfds);
/* VMM: send with write(2), which cannot carry descriptors. */
int msg__write(int sock, uint32_t type, uint32_t seq, const void *payload, size_t len);
/*
 * Receive one message. Returns 0, -EPIPE for a zero-byte read (end of
 * stream, or an empty datagram: only poll's POLLHUP tells them apart), -EBADMSG for a
 * malformed or truncated message (control data included, on an empty datagram too), or another
 * -errno. With max_fds == 0 any received descriptor is a violation; they
 * are closed before returning.
 */
int msg__recv(int sock, struct msg *m, unsigned int max_fds);
void msg__close_fds(struct msg *m);

/*
 * Typed readers: check type, exact payload length and descriptor count,
 * then the fields. Each returns 0 or -EBADMSG.
 */
int msg__read_hello(const struct msg *m, struct msg_hello *out);
int msg__read_empty(const struct msg *m, uint32_t type);
int msg__read_config(const struct msg *m, struct msg_config *out);
int msg__read_device_req(const struct msg *m, struct msg_device_req *out);
/* index: the one asked for. Regions and areas must be consistent and page-aligned where mmappable. */
int msg__read_device(const struct msg *m, uint32_t index, struct msg_device *out);

const char *msg__type_name(uint32_t type);

/*
 * The descriptors the VMM holds for one assigned device: its own, an
 * eventfd per MSI or MSI-X vector (whichever kind has more; one is on at a
 * time), and INTx's trigger and resample eventfds. The broker sizes the
 * sandbox's RLIMIT_NOFILE from it; the VMM refuses to open more.
 */
#define DEVICE_FDS_INTX	2
unsigned int msg__device_fds(const struct msg_device *d);

#endif
