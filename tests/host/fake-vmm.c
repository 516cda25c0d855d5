// SPDX-License-Identifier: MIT
/*
 * A fake airlock-vmm that breaks the protocol on purpose, for the broker's
 * robustness tests (tests/host/run.sh). The real broker starts it in the
 * real sandbox, which gives it nothing but its socket and the console, so
 * it asks for its configuration like the real VMM and takes the scenario
 * from the kernel command line: "fake=SCENARIO". A VMM that misbehaves
 * before it has a configuration cannot read one: that scenario is chosen by
 * the sandbox gid instead (--sandbox-id UID:4201).
 *
 * Having misbehaved, the fake waits for the broker's SIGKILL: a fake that
 * exited would race its exit status against the message it sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"

#define FAKE_GID_EARLY	4201	/* LOCKED before HELLO */
#define FAKE_MANY_FDS	200	/* far more than MSG_MAX_FDS: the broker's control buffer truncates them */

struct fake {
	uint32_t seq;		/* of the last request sent */
	int kvm_fd;		/* from CONFIG: a descriptor to send back */
	const char *name;
};

struct scenario {
	const char *name;
	int (*act)(struct fake *f, const struct scenario *s);
	/* For fake__datagram: the header's type and len, and the datagram's real size. */
	uint32_t type, len;
	size_t size;
};

/* One datagram of s->size bytes that starts with a header claiming s->type and s->len. */
static int fake__datagram(struct fake *f, const struct scenario *s)
{
	static uint8_t buf[MSG_MAX + 1];
	struct msg_hdr hdr = { .type = s->type, .len = s->len, .seq = ++f->seq };

	memcpy(buf, &hdr, sizeof(hdr) < s->size ? sizeof(hdr) : s->size);
	return write(PROTO_VMM_FD, buf, s->size) == (ssize_t)s->size ? 0 : -errno;
}

/* A request and its answer, as the real VMM makes them. */
static int fake__ask(struct fake *f, uint32_t type, const void *payload, size_t len, struct msg *answer)
{
	int ret = msg__write(PROTO_VMM_FD, type, ++f->seq, payload, len);

	if (ret)
		return ret;
	ret = msg__recv(PROTO_VMM_FD, answer, MSG_MAX_FDS);
	if (ret)
		return ret;
	return answer->hdr.type == (type | MSG_ANSWER) && answer->hdr.seq == f->seq ? 0 : -EBADMSG;
}

static int fake__hello(uint32_t seq)
{
	struct msg_hello hello = { .version = PROTO_VERSION };

	return msg__write(PROTO_VMM_FD, MSG_HELLO, seq, &hello, sizeof(hello));
}

static int fake__hello_twice(struct fake *f, const struct scenario *s)
{
	(void)s;
	return fake__hello(++f->seq);
}

/* The very datagram HELLO was, sequence number and all. */
static int fake__replay(struct fake *f, const struct scenario *s)
{
	(void)f, (void)s;
	return fake__hello(1);
}

static int fake__device_after_locked(struct fake *f, const struct scenario *s)
{
	struct msg_device_req req = { .index = 0 };
	struct msg answer;
	int ret = fake__ask(f, MSG_LOCKED, NULL, 0, &answer);

	(void)s;
	if (ret)
		return ret;
	return msg__write(PROTO_VMM_FD, MSG_DEVICE_REQ, ++f->seq, &req, sizeof(req));
}

static int fake__device_unassigned(struct fake *f, const struct scenario *s)
{
	struct msg_device_req req = { .index = 0 };

	(void)s;
	return msg__write(PROTO_VMM_FD, MSG_DEVICE_REQ, ++f->seq, &req, sizeof(req));
}

/* s->len copies of the /dev/kvm descriptor, on a datagram of s->size bytes: a LOCKED, or nothing. */
static int fake__send_fds(struct fake *f, const struct scenario *s)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * FAKE_MANY_FDS)];
	} ctl;
	struct msg_hdr hdr = { .type = MSG_LOCKED, .seq = ++f->seq };
	struct iovec iov = { .iov_base = &hdr, .iov_len = s->size };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = CMSG_SPACE(sizeof(int) * s->len),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * s->len);
	for (uint32_t i = 0; i < s->len; i++)
		memcpy(CMSG_DATA(c) + i * sizeof(int), &f->kvm_fd, sizeof(int));
	return sendmsg(PROTO_VMM_FD, &mh, 0) == (ssize_t)s->size ? 0 : -errno;
}

/* It stops listening, then asks: the broker's answer has nowhere to go. */
static int fake__hangup(struct fake *f, const struct scenario *s)
{
	(void)s;
	if (shutdown(PROTO_VMM_FD, SHUT_RD))
		return -errno;
	return msg__write(PROTO_VMM_FD, MSG_LOCKED, ++f->seq, NULL, 0);
}

/* It hangs up mid-conversation and exits, as a VMM that failed would: the broker ends with its status. */
static int fake__vanish(struct fake *f, const struct scenario *s)
{
	(void)f, (void)s;
	close(PROTO_VMM_FD);
	pr_err("hung up before LOCKED; exiting 1");
	exit(VMM_EXIT_FAILURE);
}

#define HDR	sizeof(struct msg_hdr)
static const struct scenario scenarios[] = {
	{ "bad-type",	   fake__datagram, 0x7f,	   0, HDR },
	{ "oversized",	   fake__datagram, MSG_LOCKED,	   MSG_PAYLOAD_MAX + 1, MSG_MAX + 1 },
	{ "short-header",  fake__datagram, MSG_LOCKED,	   0, HDR - 1 },
	{ "truncated",	   fake__datagram, MSG_DEVICE_REQ, sizeof(struct msg_device_req), HDR + 4 },
	{ "trailing",	   fake__datagram, MSG_LOCKED,	   0, HDR + 4 },
	{ "short-payload", fake__datagram, MSG_DEVICE_REQ, 4, HDR + 4 },
	{ "long-payload",  fake__datagram, MSG_LOCKED,	   4, HDR + 4 },
	{ "empty",	   fake__datagram, 0,		   0, 0 },
	{ "hello-twice",   fake__hello_twice, 0, 0, 0 },
	{ "device-after-locked", fake__device_after_locked, 0, 0, 0 },
	{ "device-unassigned", fake__device_unassigned, 0, 0, 0 },
	{ "replay",	   fake__replay, 0, 0, 0 },
	{ "fd",		   fake__send_fds, 0, 1, HDR },
	{ "many-fds",	   fake__send_fds, 0, FAKE_MANY_FDS, HDR },
	{ "empty-fd",	   fake__send_fds, 0, 1, 0 },
	{ "hangup",	   fake__hangup, 0, 0, 0 },
	{ "vanish",	   fake__vanish, 0, 0, 0 },
};

static const struct scenario *fake__scenario(const char *cmdline)
{
	const char *name = strstr(cmdline, "fake=");
	size_t len;

	if (!name)
		return NULL;
	name += strlen("fake=");
	len = strcspn(name, " ");
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (strlen(scenarios[i].name) == len && !strncmp(scenarios[i].name, name, len))
			return &scenarios[i];
	return NULL;
}

static int fake__configure(struct fake *f, struct msg_config *config)
{
	struct msg_hello hello = { .version = PROTO_VERSION };
	struct msg answer;
	int ret = fake__ask(f, MSG_HELLO, &hello, sizeof(hello), &answer);

	if (ret || (ret = msg__read_config(&answer, config)))
		return ret;
	f->kvm_fd = answer.fds[CONFIG_FD_KVM];
	return 0;
}

int main(void)
{
	static struct msg_config config;
	const struct scenario *s;
	struct fake f = { 0 };
	int ret;

	log_prog = "fake-vmm";
	if (getgid() == FAKE_GID_EARLY) {
		ret = msg__write(PROTO_VMM_FD, MSG_LOCKED, ++f.seq, NULL, 0);
	} else {
		ret = fake__configure(&f, &config);
		if (ret)
			die("no configuration from the broker: %s", strerror(-ret));
		s = fake__scenario(config.cmdline);
		if (!s)
			die("no fake=SCENARIO I know on the kernel command line '%s'", config.cmdline);
		ret = s->act(&f, s);
	}
	if (ret)
		die("could not misbehave: %s", strerror(-ret));
	for (;;)
		pause();
}
