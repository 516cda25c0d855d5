// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"

int msg__encode(void *buf, uint32_t type, uint32_t seq, const void *payload, size_t len)
{
	struct msg_hdr hdr = { .type = type, .len = (uint32_t)len, .seq = seq };

	if (len > MSG_PAYLOAD_MAX)
		return -EMSGSIZE;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy((uint8_t *)buf + sizeof(hdr), payload, len);
	return (int)(sizeof(hdr) + len);
}

int msg__decode(struct msg *m, const void *buf, size_t n)
{
	if (n < sizeof(m->hdr) || n > MSG_MAX)
		return -EBADMSG;
	memcpy(&m->hdr, buf, sizeof(m->hdr));
	if (m->hdr.len != n - sizeof(m->hdr))
		return -EBADMSG;
	memcpy(m->payload, (const uint8_t *)buf + sizeof(m->hdr), m->hdr.len);
	return 0;
}

/* A datagram goes whole or not at all; anything else is an I/O error. */
static int msg__sent(ssize_t ret, size_t len)
{
	if (ret < 0)
		return -errno;
	return (size_t)ret == len ? 0 : -EIO;
}

int msg__send(int sock, uint32_t type, uint32_t seq, const void *payload, size_t len,
	      const int *fds, unsigned int nfds)
{
	uint8_t buf[MSG_MAX];
	int n = msg__encode(buf, type, seq, payload, len);

	if (n < 0)
		return n;
	return msg__send_raw(sock, buf, (size_t)n, fds, nfds);
}

int msg__send_raw(int sock, const void *buf, size_t n, const int *fds, unsigned int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > MSG_MAX_FDS)
		return -EMSGSIZE;
	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return msg__sent(sendmsg(sock, &mh, MSG_NOSIGNAL), n);
}

int msg__write(int sock, uint32_t type, uint32_t seq, const void *payload, size_t len)
{
	uint8_t buf[MSG_MAX];
	int n = msg__encode(buf, type, seq, payload, len);

	if (n < 0)
		return n;
	return msg__sent(write(sock, buf, (size_t)n), (size_t)n);
}

void msg__close_fds(struct msg *m)
{
	for (unsigned int i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
}

/* Takes every SCM_RIGHTS descriptor into m, so none leaks on an error path. */
static int msg__take_fds(struct msg *m, struct msghdr *mh)
{
	int ret = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			ret = -EBADMSG;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (m->nfds < MSG_MAX_FDS)
				m->fds[m->nfds++] = fd;
			else {
				close(fd);
				ret = -EBADMSG;
			}
		}
	}
	return ret;
}

int msg__recv(int sock, struct msg *m, unsigned int max_fds)
{
	uint8_t buf[MSG_MAX + 1];	/* one spare byte: an oversized datagram shows as MSG_TRUNC */
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int ret;

	m->nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* An empty datagram can carry descriptors too: they are taken, and refused, first. */
	ret = msg__take_fds(m, &mh);
	if (!ret && ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || m->nfds > max_fds))
		ret = -EBADMSG;
	if (!ret && n == 0)
		ret = -EPIPE;
	if (!ret)
		ret = msg__decode(m, buf, (size_t)n);
	if (ret)
		msg__close_fds(m);
	return ret;
}

static int msg__check(const struct msg *m, uint32_t type, size_t len, unsigned int nfds)
{
	if (m->hdr.type != type || m->hdr.len != len || m->nfds != nfds)
		return -EBADMSG;
	return 0;
}

int msg__read_hello(const struct msg *m, struct msg_hello *out)
{
	if (msg__check(m, MSG_HELLO, sizeof(*out), 0))
		return -EBADMSG;
	memcpy(out, m->payload, sizeof(*out));
	if (out->version != PROTO_VERSION || out->reserved)
		return -EBADMSG;
	return 0;
}

int msg__read_empty(const struct msg *m, uint32_t type)
{
	return msg__check(m, type, 0, 0);
}

int msg__read_config(const struct msg *m, struct msg_config *out)
{
	unsigned int nfds;

	if (m->hdr.type != MSG_CONFIG || m->hdr.len != sizeof(*out))
		return -EBADMSG;
	memcpy(out, m->payload, sizeof(*out));
	nfds = (out->flags & CONFIG_F_INITRD) ? CONFIG_FD_INITRD + 1 : CONFIG_FD_INITRD;
	if (m->nfds != nfds || out->flags & ~CONFIG_F_ALL || out->nr_devices > CONFIG_DEVICES_MAX)
		return -EBADMSG;
	if (!out->vcpus || out->vcpus > CONFIG_VCPUS_MAX || !out->vcpu_mmap_size)
		return -EBADMSG;
	if (!out->mem_size || out->mem_size % (2u << 20))
		return -EBADMSG;
	if (!memchr(out->cmdline, '\0', sizeof(out->cmdline)) || out->nr_rc > CONFIG_RC_MAX)
		return -EBADMSG;
	for (unsigned int i = 0; i < CONFIG_RC_MAX; i++)
		if (out->rc_ports[i] > (i < out->nr_rc ? CONFIG_RC_PORTS_MAX : 0))
			return -EBADMSG;
	return 0;
}

int msg__read_device_req(const struct msg *m, struct msg_device_req *out)
{
	if (msg__check(m, MSG_DEVICE_REQ, sizeof(*out), 0))
		return -EBADMSG;
	memcpy(out, m->payload, sizeof(*out));
	return out->reserved || out->index >= CONFIG_DEVICES_MAX ? -EBADMSG : 0;
}

static bool msg__page_aligned(uint64_t v)
{
	return !(v & (PAGE_SIZE - 1));
}

static int msg__check_region(const struct msg_region *r)
{
	if (r->flags & ~(uint32_t)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				   VFIO_REGION_INFO_FLAG_MMAP))
		return -EBADMSG;
	if (r->nr_areas > DEVICE_AREAS_MAX || (r->nr_areas && !(r->flags & VFIO_REGION_INFO_FLAG_MMAP)))
		return -EBADMSG;
	if (r->offset + r->size < r->offset)
		return -EBADMSG;
	for (unsigned int i = 0; i < DEVICE_AREAS_MAX; i++) {
		const struct msg_area *a = &r->areas[i];

		if (i >= r->nr_areas) {
			if (a->offset || a->size)
				return -EBADMSG;
			continue;
		}
		if (!a->size || !msg__page_aligned(a->offset) || !msg__page_aligned(a->size) ||
		    !msg__page_aligned(r->offset) || a->offset > r->size || a->size > r->size - a->offset)
			return -EBADMSG;
	}
	return 0;
}

int msg__read_device(const struct msg *m, uint32_t index, struct msg_device *out)
{
	if (msg__check(m, MSG_DEVICE, sizeof(*out), 1))
		return -EBADMSG;
	memcpy(out, m->payload, sizeof(*out));
	if (out->index != index || out->reserved || out->opts & ~DEVICE_O_ALL)
		return -EBADMSG;
	if (out->rc >= CONFIG_RC_MAX || out->port >= CONFIG_RC_PORTS_MAX)
		return -EBADMSG;
	if (!memchr(out->name, '\0', sizeof(out->name)))
		return -EBADMSG;
	for (unsigned int i = 0; i < DEVICE_REGIONS; i++)
		if (msg__check_region(&out->regions[i]))
			return -EBADMSG;
	return 0;
}

const char *msg__type_name(uint32_t type)
{
	switch (type) {
	case MSG_HELLO:		return "HELLO";
	case MSG_CONFIG:	return "CONFIG";
	case MSG_LOCKED:	return "LOCKED";
	case MSG_LOCKED_OK:	return "LOCKED_OK";
	case MSG_DEVICE_REQ:	return "DEVICE_REQ";
	case MSG_DEVICE:	return "DEVICE";
	case MSG_POWER_BUTTON:	return "POWER_BUTTON";
	}
	return "unknown";
}

unsigned int msg__device_fds(const struct msg_device *d)
{
	uint32_t msi = d->irqs[VFIO_PCI_MSI_IRQ_INDEX].count, msix = d->irqs[VFIO_PCI_MSIX_IRQ_INDEX].count;

	return 1 + (msi > msix ? msi : msix) + DEVICE_FDS_INTX;
}
