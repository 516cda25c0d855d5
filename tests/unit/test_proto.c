// SPDX-License-Identifier: MIT
/* The IPC codec: framing, typed readers, descriptor passing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_roundtrip(void **state)
{
	struct msg_hello in = { .version = PROTO_VERSION }, out;
	struct msg m;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(msg__write(sv[0], MSG_HELLO, 7, &in, sizeof(in)), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), 0);
	assert_int_equal(m.hdr.type, MSG_HELLO);
	assert_int_equal(m.hdr.seq, 7);
	assert_int_equal(msg__read_hello(&m, &out), 0);
	assert_int_equal(out.version, PROTO_VERSION);
	close(sv[0]);
	close(sv[1]);
}

static void test_zero_length(void **state)
{
	struct msg m;
	int sv[2];

	(void)state;
	assert_int_equal(msg__decode(&m, "", 0), -EBADMSG);
	pair(sv);
	/* An empty datagram reads like end of stream; the monitor tells them apart by POLLHUP. */
	assert_int_equal(write(sv[0], "", 0), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), -EPIPE);
	close(sv[0]);
	assert_int_equal(msg__recv(sv[1], &m, 0), -EPIPE);
	close(sv[1]);
}

static void test_short(void **state)
{
	uint8_t buf[MSG_MAX];
	struct msg m;
	int n = msg__encode(buf, MSG_HELLO, 1, "12345678", 8);

	(void)state;
	for (int i = 1; i < n; i++)
		assert_int_equal(msg__decode(&m, buf, (size_t)i), -EBADMSG);
	assert_int_equal(msg__decode(&m, buf, (size_t)n), 0);
}

static void test_trailing(void **state)
{
	uint8_t buf[MSG_MAX];
	struct msg_hello h;
	struct msg m;
	int n = msg__encode(buf, MSG_HELLO, 1, "12345678", 8);

	(void)state;
	assert_int_equal(msg__decode(&m, buf, (size_t)n + 1), -EBADMSG);
	/* Framing intact but the payload is longer than the type's struct. */
	n = msg__encode(buf, MSG_HELLO, 1, "123456789", 9);
	assert_int_equal(msg__decode(&m, buf, (size_t)n), 0);
	assert_int_equal(msg__read_hello(&m, &h), -EBADMSG);
	n = msg__encode(buf, MSG_LOCKED, 1, "x", 1);
	assert_int_equal(msg__decode(&m, buf, (size_t)n), 0);
	assert_int_equal(msg__read_empty(&m, MSG_LOCKED), -EBADMSG);
}

static void test_oversized(void **state)
{
	static uint8_t big[MSG_MAX + 64];
	uint8_t buf[MSG_MAX];
	struct msg m;
	int sv[2];

	(void)state;
	assert_int_equal(msg__encode(buf, MSG_HELLO, 1, big, MSG_PAYLOAD_MAX + 1), -EMSGSIZE);
	assert_int_equal(msg__encode(buf, MSG_HELLO, 1, big, MSG_PAYLOAD_MAX), MSG_MAX);
	pair(sv);
	assert_int_equal(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
	assert_int_equal(msg__recv(sv[1], &m, 0), -EBADMSG);
	assert_int_equal(write(sv[0], big, MSG_MAX + 1), MSG_MAX + 1);
	assert_int_equal(msg__recv(sv[1], &m, 0), -EBADMSG);
	close(sv[0]);
	close(sv[1]);
}

static void test_all_ff(void **state)
{
	uint8_t buf[MSG_MAX];
	struct msg m;
	size_t sizes[] = { 1, 11, 12, 13, 20, 100, MSG_MAX };

	(void)state;
	memset(buf, 0xff, sizeof(buf));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		assert_int_equal(msg__decode(&m, buf, sizes[i]), -EBADMSG);
}

static void test_fds_refused(void **state)
{
	int sv[2], before, fds[2] = { 0, 1 };
	struct msg m;

	(void)state;
	pair(sv);
	before = open_fds();
	assert_int_equal(msg__send(sv[0], MSG_LOCKED, 1, NULL, 0, fds, 2), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), -EBADMSG);
	assert_int_equal(m.nfds, 0);
	assert_int_equal(open_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void test_fds_passed(void **state)
{
	int sv[2], p[2];
	struct msg m;
	char c = 0;

	(void)state;
	pair(sv);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(msg__send(sv[0], MSG_LOCKED_OK, 3, NULL, 0, p, 2), 0);
	assert_int_equal(msg__recv(sv[1], &m, 2), 0);
	assert_int_equal(m.nfds, 2);
	assert_int_equal(msg__read_empty(&m, MSG_LOCKED_OK), -EBADMSG);	/* LOCKED_OK carries none */
	assert_int_equal(write(m.fds[1], "z", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	assert_true(fcntl(m.fds[0], F_GETFD) & FD_CLOEXEC);
	msg__close_fds(&m);
	assert_int_equal(msg__send(sv[0], MSG_LOCKED_OK, 3, NULL, 0, p, 2), 0);
	assert_int_equal(msg__recv(sv[1], &m, 1), -EBADMSG);	/* more than allowed */
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_hello_fields(void **state)
{
	struct msg m = { .hdr = { .type = MSG_HELLO, .len = sizeof(struct msg_hello) } };
	struct msg_hello h = { .version = PROTO_VERSION + 1 }, out;

	(void)state;
	memcpy(m.payload, &h, sizeof(h));
	assert_int_equal(msg__read_hello(&m, &out), -EBADMSG);
	h = (struct msg_hello){ .version = PROTO_VERSION, .reserved = 1 };
	memcpy(m.payload, &h, sizeof(h));
	assert_int_equal(msg__read_hello(&m, &out), -EBADMSG);
	m.hdr.type = MSG_LOCKED;
	h.reserved = 0;
	memcpy(m.payload, &h, sizeof(h));
	assert_int_equal(msg__read_hello(&m, &out), -EBADMSG);
	m.hdr.type = MSG_HELLO;
	assert_int_equal(msg__read_hello(&m, &out), 0);
}

static struct msg config_msg(const struct msg_config *c, unsigned int nfds)
{
	struct msg m = { .hdr = { .type = MSG_CONFIG, .len = sizeof(*c) }, .nfds = nfds };

	memcpy(m.payload, c, sizeof(*c));
	return m;
}

static void test_config_fields(void **state)
{
	const struct msg_config good = { .mem_size = 16 << 20, .vcpus = 1, .vcpu_mmap_size = 4096 };
	struct msg_config c, out;
	struct msg m;

	(void)state;
	m = config_msg(&good, 4);				/* /dev/kvm, RAM, kernel, counters */
	assert_int_equal(msg__read_config(&m, &out), 0);
	m = config_msg(&good, 3);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);	/* no counters page */
	m = config_msg(&good, 5);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);	/* initrd fd without the flag */
	c = good;
	c.flags = CONFIG_F_INITRD;
	m = config_msg(&c, 5);
	assert_int_equal(msg__read_config(&m, &out), 0);
	c.flags = 1u << 7;
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
	c = good;
	c.vcpus = 0;
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
	c = good;
	c.mem_size = (16 << 20) + 4096;
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
	c = good;
	c.nr_rc = 1;
	c.rc_ports[0] = 31;
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), 0);
	c.rc_ports[0] = 32;
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
	c.rc_ports[0] = 1;
	c.rc_ports[1] = 1;				/* a port on a complex that does not exist */
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
	c = good;
	c.nr_rc = 5;
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
	c = good;
	memset(c.cmdline, 'a', sizeof(c.cmdline));	/* no NUL */
	m = config_msg(&c, 4);
	assert_int_equal(msg__read_config(&m, &out), -EBADMSG);
}

static void test_device_req_fields(void **state)
{
	struct msg_device_req req = { .index = CONFIG_DEVICES_MAX - 1 }, out;
	struct msg m = { .hdr = { .type = MSG_DEVICE_REQ, .len = sizeof(req) } };

	(void)state;
	memcpy(m.payload, &req, sizeof(req));
	assert_int_equal(msg__read_device_req(&m, &out), 0);
	assert_int_equal(out.index, CONFIG_DEVICES_MAX - 1);
	req.index = CONFIG_DEVICES_MAX;
	memcpy(m.payload, &req, sizeof(req));
	assert_int_equal(msg__read_device_req(&m, &out), -EBADMSG);
	req = (struct msg_device_req){ .reserved = 1 };
	memcpy(m.payload, &req, sizeof(req));
	assert_int_equal(msg__read_device_req(&m, &out), -EBADMSG);
	req.reserved = 0;
	memcpy(m.payload, &req, sizeof(req));
	assert_int_equal(msg__read_device_req(&m, &out), 0);
	m.hdr.len = sizeof(req) + 1;
	assert_int_equal(msg__read_device_req(&m, &out), -EBADMSG);
	m.hdr.len = sizeof(req) - 1;
	assert_int_equal(msg__read_device_req(&m, &out), -EBADMSG);
	m.hdr.len = sizeof(req);
	m.hdr.type = MSG_LOCKED;
	assert_int_equal(msg__read_device_req(&m, &out), -EBADMSG);
	m.hdr.type = MSG_DEVICE_REQ;
	m.nfds = 1;
	assert_int_equal(msg__read_device_req(&m, &out), -EBADMSG);
}

/* A device as the broker describes an NVMe controller: BAR0 with the MSI-X page left out. */
static struct msg_device good_device(void)
{
	struct msg_device d = { .index = 1, .rc = CONFIG_RC_MAX - 1, .port = CONFIG_RC_PORTS_MAX - 1,
				.opts = DEVICE_O_TRAP, .name = "0000:00:05.0",
				.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET };

	d.regions[0] = (struct msg_region){
		.size = 0x4000, .offset = 0,
		.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP,
		.nr_areas = 2, .areas = { { 0, 0x2000 }, { 0x3000, 0x1000 } },
	};
	d.regions[7] = (struct msg_region){ .size = 0x1000, .offset = 7ull << 40,
					    .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE };
	d.irqs[2] = (struct msg_irq){ .count = 65, .flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE };
	return d;
}

static int read_device(const struct msg_device *d, unsigned int nfds)
{
	struct msg m = { .hdr = { .type = MSG_DEVICE, .len = sizeof(*d) }, .nfds = nfds };
	struct msg_device out;

	memcpy(m.payload, d, sizeof(*d));
	return msg__read_device(&m, 1, &out);
}

static void test_device_fields(void **state)
{
	struct msg_device d = good_device();
	struct msg m = { .hdr = { .type = MSG_DEVICE, .len = sizeof(d) - 1 }, .nfds = 1 };
	struct msg_device out;

	(void)state;
	assert_int_equal(read_device(&d, 1), 0);
	assert_int_equal(read_device(&d, 0), -EBADMSG);	/* exactly one fd: the device's */
	assert_int_equal(read_device(&d, 2), -EBADMSG);
	memcpy(m.payload, &d, sizeof(d));
	assert_int_equal(msg__read_device(&m, 1, &out), -EBADMSG);	/* short */
	m.hdr.len = sizeof(d);
	assert_int_equal(msg__read_device(&m, 0, &out), -EBADMSG);	/* not the one asked for */
	assert_int_equal(msg__read_device(&m, 1, &out), 0);
	assert_int_equal(out.regions[0].areas[1].offset, 0x3000);
	m.hdr.type = MSG_CONFIG;
	assert_int_equal(msg__read_device(&m, 1, &out), -EBADMSG);

#define BAD(field_change) do { d = good_device(); field_change; \
	if (read_device(&d, 1) != -EBADMSG) fail_msg("accepted: %s", #field_change); } while (0)
	BAD(d.reserved = 1);
	BAD(d.opts = 1u << 1);
	BAD(d.rc = CONFIG_RC_MAX);
	BAD(d.port = CONFIG_RC_PORTS_MAX);
	BAD(memset(d.name, 'a', sizeof(d.name)));
	BAD(d.regions[0].flags |= VFIO_REGION_INFO_FLAG_CAPS);
	BAD(d.regions[0].nr_areas = DEVICE_AREAS_MAX + 1);
	BAD(d.regions[0].flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP);	/* areas without MMAP */
	BAD(d.regions[7].offset = UINT64_MAX);					/* offset + size wraps */
	BAD(d.regions[0].areas[1].size = 0);
	BAD(d.regions[0].areas[1].offset = 0x3800);
	BAD(d.regions[0].areas[1].size = 0x800);
	BAD(d.regions[0].offset = 0x800);					/* mmap offset unaligned */
	BAD(d.regions[0].areas[1].offset = 0x4000);				/* past the region */
	BAD(d.regions[0].areas[1].size = 0x2000);				/* runs past its end */
	BAD(d.regions[0].areas[1].offset = UINT64_MAX & ~0xfffull);
	BAD(d.regions[0].areas[2].size = 0x1000);				/* beyond nr_areas */
#undef BAD
}

/* The VMM's descriptors for a device: its own, the larger of MSI and MSI-X, INTx's two. */
static void test_device_fds(void **state)
{
	struct msg_device d = { .index = 0 };

	(void)state;
	assert_int_equal(msg__device_fds(&d), 3);
	d.irqs[VFIO_PCI_MSI_IRQ_INDEX].count = 32;
	d.irqs[VFIO_PCI_MSIX_IRQ_INDEX].count = 65;
	assert_int_equal(msg__device_fds(&d), 68);
	d.irqs[VFIO_PCI_MSI_IRQ_INDEX].count = 2048;
	assert_int_equal(msg__device_fds(&d), 2051);
}

/* POWER_BUTTON as the broker sends it and the VMM reads it: empty, sequence 0, no descriptor. */
static void test_power_button(void **state)
{
	int sv[2], fd = 0;
	struct msg m;

	(void)state;
	assert_string_equal(msg__type_name(MSG_POWER_BUTTON), "POWER_BUTTON");
	pair(sv);
	assert_int_equal(msg__send(sv[0], MSG_POWER_BUTTON, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), 0);
	assert_int_equal(msg__read_empty(&m, MSG_POWER_BUTTON), 0);
	assert_int_equal(m.hdr.seq, 0);
	assert_int_equal(msg__send(sv[0], MSG_POWER_BUTTON, 0, "x", 1, NULL, 0), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), 0);
	assert_int_equal(msg__read_empty(&m, MSG_POWER_BUTTON), -EBADMSG);
	assert_int_equal(msg__send(sv[0], MSG_POWER_BUTTON, 0, NULL, 0, &fd, 1), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), -EBADMSG);
	assert_int_equal(msg__send(sv[0], MSG_LOCKED_OK, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(msg__recv(sv[1], &m, 0), 0);
	assert_int_equal(msg__read_empty(&m, MSG_POWER_BUTTON), -EBADMSG);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_all_ff),
		cmocka_unit_test(test_fds_refused),
		cmocka_unit_test(test_fds_passed),
		cmocka_unit_test(test_hello_fields),
		cmocka_unit_test(test_config_fields),
		cmocka_unit_test(test_device_req_fields),
		cmocka_unit_test(test_device_fields),
		cmocka_unit_test(test_device_fds),
		cmocka_unit_test(test_power_button),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
