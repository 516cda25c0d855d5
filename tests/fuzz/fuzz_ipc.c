// SPDX-License-Identifier: MIT
/*
 * The broker's receive path, whole: datagrams from a hostile VMM go through
 * msg__recv's decoder into mon__dispatch's table and state machine, as
 * mon__run would feed them, until the first violation.
 *
 * Input: records of [u8 fds][u16 len, little-endian][len bytes]; each is one
 * datagram, sent with (fds % 9) descriptors attached, which the broker must
 * refuse and close. A fresh conversation per input.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor.h"

#define NR_DEVICES	3
#define FDS_CHECKED	32	/* more than one input can have open at a time */

static struct msg_config config = {
	.mem_size = 64 << 20, .vcpus = 2, .vcpu_mmap_size = 4096, .cmdline = "console=ttyS0",
};
static struct msg_device devices[NR_DEVICES];
static int stand_in[2];		/* a pipe: every descriptor the broker hands out, or is sent */
static int sent_fds[MSG_MAX_FDS];
static int config_fds[CONFIG_FD_INITRD];
static int device_fds[NR_DEVICES];
static int free_fds[FDS_CHECKED];	/* the lowest descriptors free between inputs */

static void setup(void)
{
	if (pipe(stand_in))
		abort();
	for (unsigned int i = 0; i < CONFIG_FD_INITRD; i++)
		config_fds[i] = stand_in[0];
	for (uint32_t i = 0; i < NR_DEVICES; i++) {
		devices[i] = (struct msg_device){ .index = i, .port = (uint8_t)i, .name = "0000:00:04.0" };
		devices[i].regions[0] = (struct msg_region){
			.size = 0x4000, .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
			.nr_areas = 1, .areas = { { 0, 0x4000 } },
		};
		device_fds[i] = stand_in[1];
	}
	for (unsigned int i = 0; i < MSG_MAX_FDS; i++)
		sent_fds[i] = stand_in[0];
	for (int fd = 0, n = 0; n < FDS_CHECKED; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			free_fds[n++] = fd;
}

/*
 * What the broker must never do, whatever it is sent: answer other than
 * once per accepted request, with its type and sequence number; hand over
 * the configuration or a device twice; let the VMM lock itself in before
 * every device was handed over.
 */
struct given {
	bool config;
	uint32_t devices;
};

static void check_answer(int sock, const struct msg_hdr *req, struct given *g)
{
	struct msg answer;
	uint32_t index;

	if (msg__recv(sock, &answer, MSG_MAX_FDS) || answer.hdr.seq != req->seq ||
	    answer.hdr.type != (req->type | MSG_ANSWER))
		abort();
	msg__close_fds(&answer);
	switch (answer.hdr.type) {
	case MSG_CONFIG:
		if (g->config)
			abort();
		g->config = true;
		break;
	case MSG_DEVICE:
		memcpy(&index, answer.payload, sizeof(index));
		if (index >= NR_DEVICES || g->devices & (1u << index))
			abort();
		g->devices |= 1u << index;
		break;
	case MSG_LOCKED_OK:
		if (g->devices != (1u << NR_DEVICES) - 1)
			abort();
		break;
	}
	if (msg__recv(sock, &answer, MSG_MAX_FDS) != -EAGAIN)
		abort();
}

/* A descriptor the broker received and kept would be a leak: crash on it. */
static void check_no_leak(void)
{
	for (int i = 0; i < FDS_CHECKED; i++)
		if (fcntl(free_fds[i], F_GETFD) >= 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mon mon = {
		.state = MON_INIT, .config = &config, .fds = config_fds, .nfds = CONFIG_FD_INITRD,
		.devices = devices, .device_fds = device_fds, .nr_devices = NR_DEVICES,
	};
	struct given given = { 0 };
	struct msg_hdr hdr;
	static bool ready;
	int sv[2];

	if (!ready)
		setup();
	ready = true;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv))
		abort();
	mon.sock = sv[0];
	while (size >= 3) {
		unsigned int nfds = data[0] % (MSG_MAX_FDS + 1);
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (msg__send_raw(sv[1], data, len, sent_fds, nfds))
			break;
		data += len;
		size -= len;
		if (mon__receive(&mon, POLLIN))
			break;
		memcpy(&hdr, data - len, sizeof(hdr));	/* accepted: a whole header was there */
		check_answer(sv[1], &hdr, &given);
	}
	close(sv[0]);
	close(sv[1]);
	check_no_leak();
	return 0;
}
