// SPDX-License-Identifier: MIT
/*
 * The broker's request table: states, once-only requests, sequence, malformed
 * input. And a stop: SIGTERM's power button and deadline, against a forked fake
 * VMM, and the word the audit log gets for how the VM ended.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

struct fixture {
	int sv[2];		/* [0] the broker's, [1] the fake VMM's */
	int pipe[2];
	int dev_fds[2];		/* stand-ins for two VFIO device fds */
	struct msg_config config;
	struct msg_device devices[2];
	struct mon mon;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f.sv) || pipe(f.pipe) || pipe(f.dev_fds))
		return -1;
	f.config = (struct msg_config){ .mem_size = 16 << 20, .vcpus = 1, .vcpu_mmap_size = 4096 };
	f.mon = (struct mon){ .sock = f.sv[0], .state = MON_INIT, .config = &f.config, .fds = f.pipe, .nfds = 2 };
	for (uint32_t i = 0; i < 2; i++)
		f.devices[i] = (struct msg_device){ .index = i, .port = (uint8_t)i, .name = "0000:00:04.0" };
	f.devices[1].regions[0] = (struct msg_region){
		.size = 0x4000, .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
		.nr_areas = 1, .areas = { { 0, 0x4000 } },
	};
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->sv[0]);
	close(f->sv[1]);
	close(f->pipe[0]);
	close(f->pipe[1]);
	close(f->dev_fds[0]);
	close(f->dev_fds[1]);
	return 0;
}

static struct msg request(uint32_t type, uint32_t seq, const void *payload, uint32_t len)
{
	struct msg m = { .hdr = { .type = type, .len = len, .seq = seq } };

	if (len)	/* memcpy from NULL is undefined even for 0 bytes */
		memcpy(m.payload, payload, len);
	return m;
}

static struct msg hello(uint32_t seq)
{
	struct msg_hello h = { .version = PROTO_VERSION };

	return request(MSG_HELLO, seq, &h, sizeof(h));
}

/* HELLO, and drop the CONFIG answer. */
static void configure(struct fixture *f)
{
	struct msg m = hello(1), answer;

	assert_int_equal(mon__dispatch(&f->mon, &m), 0);
	assert_int_equal(msg__recv(f->sv[1], &answer, MSG_MAX_FDS), 0);
	msg__close_fds(&answer);
}

static void test_hello_configures(void **state)
{
	struct fixture *f = *state;
	struct msg m = hello(1), answer;
	struct msg_config cfg;

	assert_int_equal(mon__dispatch(&f->mon, &m), 0);
	assert_int_equal(f->mon.state, MON_CONFIGURED);
	assert_int_equal(msg__recv(f->sv[1], &answer, MSG_MAX_FDS), 0);
	assert_int_equal(answer.hdr.seq, 1);
	assert_int_equal(msg__read_config(&answer, &cfg), -EBADMSG);	/* two fds, not four: fixture */
	assert_int_equal(answer.hdr.type, MSG_CONFIG);
	assert_int_equal(answer.nfds, 2);
	msg__close_fds(&answer);
}

static void test_full_sequence(void **state)
{
	struct fixture *f = *state;
	struct msg m, answer;

	configure(f);
	m = request(MSG_LOCKED, 2, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), 0);
	assert_int_equal(f->mon.state, MON_LOCKED);
	assert_int_equal(msg__recv(f->sv[1], &answer, 0), 0);
	assert_int_equal(msg__read_empty(&answer, MSG_LOCKED_OK), 0);
	assert_int_equal(answer.hdr.seq, 2);
}

static void test_wrong_state(void **state)
{
	struct fixture *f = *state;
	struct msg m = request(MSG_LOCKED, 1, NULL, 0);

	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "request not allowed in the current state");
	assert_int_equal(f->mon.state, MON_INIT);
}

static void test_once(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	configure(f);
	f->mon.state = MON_INIT;	/* even where its state would allow it */
	m = hello(2);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "second use of a once-only request");
}

static void test_replay(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	configure(f);
	m = request(MSG_LOCKED, 1, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "out-of-sequence request (replayed or skipped)");
	m = request(MSG_LOCKED, 3, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
}

static void test_unknown_and_answers(void **state)
{
	struct fixture *f = *state;
	uint32_t types[] = { 0, MSG_CONFIG, MSG_LOCKED_OK, 0x7f, 0xffffffff };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct msg m = request(types[i], 1, NULL, 0);

		assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
		assert_string_equal(f->mon.why, "unknown request type");
	}
}

static void test_malformed_payload(void **state)
{
	struct fixture *f = *state;
	struct msg_hello h = { .version = PROTO_VERSION };
	uint8_t longer[sizeof(h) + 1] = { 0 };
	struct msg m;

	memcpy(longer, &h, sizeof(h));
	m = request(MSG_HELLO, 1, longer, sizeof(longer));
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "malformed HELLO");
}

static void test_empty_vs_hangup(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(write(f->sv[1], "", 0), 0);
	assert_int_equal(mon__receive(&f->mon, POLLIN), -EPROTO);
	assert_string_equal(f->mon.why, "empty message");
	close(f->sv[1]);
	f->sv[1] = -1;
	assert_int_equal(mon__receive(&f->mon, POLLIN | POLLHUP), -EPIPE);
}

static void test_fd_from_vmm(void **state)
{
	struct fixture *f = *state;
	struct msg_hello h = { .version = PROTO_VERSION };

	assert_int_equal(msg__send(f->sv[1], MSG_HELLO, 1, &h, sizeof(h), f->pipe, 1), 0);
	assert_int_equal(mon__receive(&f->mon, POLLIN), -EPROTO);
	assert_string_equal(f->mon.why, "malformed message, or descriptors sent to the broker");
	assert_int_equal(f->mon.state, MON_INIT);
}

/* Descriptors on an empty datagram are refused and closed, though the VMM hangs up after it. */
static void test_fd_on_empty_datagram(void **state)
{
	struct fixture *f = *state;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct msghdr mh = { .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int next = dup(f->pipe[0]);	/* the lowest free descriptor: where the received one lands */

	close(next);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &f->pipe[0], sizeof(int));
	assert_int_equal(sendmsg(f->sv[1], &mh, 0), 0);
	close(f->sv[1]);
	f->sv[1] = -1;
	assert_int_equal(mon__receive(&f->mon, POLLIN | POLLHUP), -EPROTO);
	assert_string_equal(f->mon.why, "malformed message, or descriptors sent to the broker");
	assert_int_equal(fcntl(next, F_GETFD), -1);
}

/* A monitor that assigned both fixture devices. */
static void with_devices(struct fixture *f)
{
	f->config.nr_devices = 2;
	f->mon.devices = f->devices;
	f->mon.device_fds = f->dev_fds;
	f->mon.nr_devices = 2;
}

static struct msg device_req(uint32_t seq, uint32_t index)
{
	struct msg_device_req req = { .index = index };

	return request(MSG_DEVICE_REQ, seq, &req, sizeof(req));
}

/* DEVICE_REQ for index, and its answer: that device's description and exactly its fd. */
static void get_device(struct fixture *f, uint32_t seq, uint32_t index)
{
	struct msg m = device_req(seq, index), answer;
	struct msg_device d;
	struct stat got, want;

	assert_int_equal(mon__dispatch(&f->mon, &m), 0);
	assert_int_equal(msg__recv(f->sv[1], &answer, MSG_MAX_FDS), 0);
	assert_int_equal(answer.hdr.seq, seq);
	assert_int_equal(msg__read_device(&answer, index, &d), 0);
	assert_int_equal(d.port, index);
	/* Exactly that device's fd: the same open file (pipe end) the broker holds for it. */
	assert_int_equal(answer.nfds, 1);
	assert_int_equal(fstat(answer.fds[0], &got), 0);
	assert_int_equal(fstat(f->dev_fds[index], &want), 0);
	assert_int_equal(got.st_ino, want.st_ino);
	assert_int_equal(fcntl(answer.fds[0], F_GETFL) & O_ACCMODE, fcntl(f->dev_fds[index], F_GETFL) & O_ACCMODE);
	msg__close_fds(&answer);
}

static void test_devices_then_locked(void **state)
{
	struct fixture *f = *state;
	struct msg m, answer;

	with_devices(f);
	configure(f);
	get_device(f, 2, 1);	/* in any order */
	get_device(f, 3, 0);
	assert_int_equal(f->mon.devices_given, 3);
	m = request(MSG_LOCKED, 4, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), 0);
	assert_int_equal(msg__recv(f->sv[1], &answer, 0), 0);
	assert_int_equal(msg__read_empty(&answer, MSG_LOCKED_OK), 0);
	/* After LOCKED, no more devices. */
	m = device_req(5, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
}

static void test_device_before_config(void **state)
{
	struct fixture *f = *state;
	struct msg m = device_req(1, 0);

	with_devices(f);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "request not allowed in the current state");
}

static void test_device_after_locked(void **state)
{
	struct fixture *f = *state;
	struct msg m, answer;

	configure(f);
	m = request(MSG_LOCKED, 2, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), 0);
	assert_int_equal(msg__recv(f->sv[1], &answer, 0), 0);
	with_devices(f);
	m = device_req(3, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "request not allowed in the current state");
}

static void test_device_twice(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	with_devices(f);
	configure(f);
	get_device(f, 2, 0);
	m = device_req(3, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "second DEVICE_REQ for the same device");
}

static void test_device_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	with_devices(f);
	configure(f);
	m = device_req(2, 2);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "DEVICE_REQ for a device that was not assigned");
}

static void test_device_none_assigned(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	configure(f);
	m = device_req(2, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "DEVICE_REQ for a device that was not assigned");
}

static void test_device_malformed(void **state)
{
	struct fixture *f = *state;
	struct msg_device_req req = { .index = 0, .reserved = 1 };
	uint8_t longer[sizeof(req) + 1] = { 0 };
	struct msg m;

	with_devices(f);
	configure(f);
	m = request(MSG_DEVICE_REQ, 2, &req, sizeof(req));
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "malformed DEVICE_REQ");
	f->mon.seq = 1;
	m = request(MSG_DEVICE_REQ, 2, longer, sizeof(longer));
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "malformed DEVICE_REQ");
	f->mon.seq = 1;
	m = request(MSG_DEVICE_REQ, 2, longer, 4);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "malformed DEVICE_REQ");
	assert_int_equal(f->mon.devices_given, 0);
}

static void test_locked_before_devices(void **state)
{
	struct fixture *f = *state;
	struct msg m;

	with_devices(f);
	configure(f);
	m = request(MSG_LOCKED, 2, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "LOCKED before every assigned device was handed over");
	assert_int_equal(f->mon.state, MON_CONFIGURED);
	f->mon.seq = 1;
	f->mon.used &= ~(1u << MSG_LOCKED);
	get_device(f, 2, 0);
	m = request(MSG_LOCKED, 3, NULL, 0);
	assert_int_equal(mon__dispatch(&f->mon, &m), -EPROTO);
	assert_string_equal(f->mon.why, "LOCKED before every assigned device was handed over");
}

/* A plain SIGTERM's timeout is the run's; a queued one's its value, held to 0..MON_STOP_TIMEOUT_MAX. */
static void test_stop_timeout(void **state)
{
	(void)state;
	assert_int_equal(mon__stop_timeout(SI_USER, 5, 30), 30);
	assert_int_equal(mon__stop_timeout(SI_TKILL, 5, 30), 30);
	assert_int_equal(mon__stop_timeout(SI_KERNEL, 5, 30), 30);
	assert_int_equal(mon__stop_timeout(SI_QUEUE, 5, 30), 5);
	assert_int_equal(mon__stop_timeout(SI_QUEUE, 0, 30), 0);
	assert_int_equal(mon__stop_timeout(SI_QUEUE, -1, 30), 0);
	assert_int_equal(mon__stop_timeout(SI_QUEUE, INT32_MIN, 30), 0);
	assert_int_equal(mon__stop_timeout(SI_QUEUE, MON_STOP_TIMEOUT_MAX + 1, 30), MON_STOP_TIMEOUT_MAX);
	assert_int_equal(mon__stop_timeout(SI_QUEUE, INT32_MAX, 30), MON_STOP_TIMEOUT_MAX);
}

#define EXITED(code)	((code) << 8)	/* a wait status, as waitpid gives it */

static void test_ended(void **state)
{
	static const struct {
		enum mon_stop stop;
		int status;
		const char *why, *ended;
	} cases[] = {
		{ MON_STOP_NONE, EXITED(VMM_EXIT_POWEROFF), NULL, "poweroff" },
		{ MON_STOP_BUTTON, EXITED(VMM_EXIT_POWEROFF), NULL, "power-button" },
		{ MON_STOP_BUTTON, EXITED(VMM_EXIT_RESET), NULL, "power-button" },
		{ MON_STOP_BUTTON, EXITED(VMM_EXIT_FAILURE), NULL, "failure" },
		{ MON_STOP_BUTTON, SIGSEGV, NULL, "signal" },
		{ MON_STOP_TIMEOUT, SIGKILL, NULL, "killed-after-timeout" },
		{ MON_STOP_KILLED, SIGKILL, NULL, "killed" },
		{ MON_STOP_NONE, SIGKILL, "unknown request type", "violation" },
		{ MON_STOP_BUTTON, SIGKILL, "unknown request type", "violation" },
		{ MON_STOP_NONE, SIGSYS, NULL, "signal" },
		{ MON_STOP_NONE, EXITED(VMM_EXIT_FAILURE), NULL, "failure" },
		{ MON_STOP_NONE, EXITED(VMM_EXIT_RESET), NULL, "failure" },	/* a reset the broker did not start again */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mon mon = { .stop = cases[i].stop, .wait_status = cases[i].status, .why = cases[i].why };

		if (strcmp(mon__ended(&mon), cases[i].ended))
			fail_msg("case %zu: '%s', want '%s'", i, mon__ended(&mon), cases[i].ended);
	}
}

/* What the fake VMM does with the power button. */
enum fake {
	FAKE_POWEROFF,		/* exits 0 */
	FAKE_RESET,		/* exits VMM_EXIT_RESET */
	FAKE_IGNORE,		/* reads on */
	FAKE_TERM_AGAIN,	/* a plain SIGTERM to the broker, then reads on */
	FAKE_SHORTEN,		/* a SIGTERM queued with 1 s, then reads on */
	FAKE_DEAF,		/* never reads its socket */
};

/* A VMM for mon__run that is past LOCKED, on the fixture's socket; 9: something else came. */
static pid_t fake_vmm(struct fixture *f, enum fake what)
{
	pid_t pid = fork();
	struct msg m;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	while (what != FAKE_DEAF || pause()) {
		if (msg__recv(f->sv[1], &m, 0) || msg__read_empty(&m, MSG_POWER_BUTTON) || m.hdr.seq)
			_exit(9);
		if (what == FAKE_POWEROFF)
			_exit(VMM_EXIT_POWEROFF);
		if (what == FAKE_RESET)
			_exit(VMM_EXIT_RESET);
		if (what == FAKE_TERM_AGAIN)
			kill(getppid(), SIGTERM);
		if (what == FAKE_SHORTEN)
			sigqueue(getppid(), SIGTERM, (union sigval){ .sival_int = 1 });
	}
	_exit(9);
}

static int sigfd = -1;
static sigset_t sigs_before;

/* The broker's signals, as run.c blocks them, read from a signalfd. */
static int setup_signals(void **state)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, &sigs_before))
		return -1;
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return sigfd < 0 ? -1 : setup(state);
}

static int teardown_signals(void **state)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si))
		;
	close(sigfd);
	sigprocmask(SIG_SETMASK, &sigs_before, NULL);
	return teardown(state);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mon__run with a fake VMM, given sig (queued with value, when it is not -1); its status and seconds. */
static int run_fake(struct fixture *f, enum fake what, int sig, int value, double *secs)
{
	pid_t vmm = fake_vmm(f, what);
	double start = now();
	int status;

	if (value < 0)
		assert_int_equal(kill(getpid(), sig), 0);
	else
		assert_int_equal(sigqueue(getpid(), sig, (union sigval){ .sival_int = value }), 0);
	status = mon__run(&f->mon, vmm, sigfd);
	*secs = now() - start;
	assert_int_equal(waitpid(vmm, NULL, WNOHANG), -1);	/* reaped */
	return status;
}

/* Whether anything reached the fake VMM's end that it did not read. */
static bool button_sent(struct fixture *f)
{
	char buf[MSG_MAX];

	return recv(f->sv[1], buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN;
}

static void locked(struct fixture *f)
{
	f->mon.state = MON_LOCKED;
	f->mon.stop_timeout = 30;
}

/* A plain SIGTERM: the power button, and a guest that powers off is a VM that stopped. */
static void test_run_power_button(void **state)
{
	struct fixture *f = *state;
	double secs;

	locked(f);
	assert_int_equal(run_fake(f, FAKE_POWEROFF, SIGTERM, -1, &secs), 0);
	assert_int_equal(f->mon.stop, MON_STOP_BUTTON);
	assert_string_equal(mon__ended(&f->mon), "power-button");
	assert_true(secs < 5);
}

/* A reset after the button ends the VM too: status 0, not another boot. */
static void test_run_reset_after_button(void **state)
{
	struct fixture *f = *state;
	double secs;

	locked(f);
	assert_int_equal(run_fake(f, FAKE_RESET, SIGTERM, -1, &secs), 0);
	assert_string_equal(mon__ended(&f->mon), "power-button");
}

/* A guest that ignores the button is killed at the deadline that airlock stop queued. */
static void test_run_timeout(void **state)
{
	struct fixture *f = *state;
	double secs;

	locked(f);
	assert_int_equal(run_fake(f, FAKE_IGNORE, SIGTERM, 1, &secs), 128 + SIGTERM);
	assert_string_equal(mon__ended(&f->mon), "killed-after-timeout");
	assert_true(secs >= 0.9 && secs < 5);
}

/* A queued 0 (airlock kill, stop --force) kills at once. */
static void test_run_queued_now(void **state)
{
	struct fixture *f = *state;
	double secs;

	locked(f);
	assert_int_equal(run_fake(f, FAKE_IGNORE, SIGTERM, 0, &secs), 128 + SIGTERM);
	assert_string_equal(mon__ended(&f->mon), "killed");
	assert_true(secs < 5);
}

/* During the wait, a plain SIGTERM kills at once; a queued one brings the deadline nearer. */
static void test_run_term_during_wait(void **state)
{
	struct fixture *f = *state;
	double secs;

	locked(f);
	assert_int_equal(run_fake(f, FAKE_TERM_AGAIN, SIGTERM, -1, &secs), 128 + SIGTERM);
	assert_string_equal(mon__ended(&f->mon), "killed");
	assert_true(secs < 5);
	teardown_signals(state);
	setup_signals(state);
	f = *state;
	locked(f);
	assert_int_equal(run_fake(f, FAKE_SHORTEN, SIGTERM, -1, &secs), 128 + SIGTERM);
	assert_string_equal(mon__ended(&f->mon), "killed-after-timeout");
	assert_true(secs >= 0.9 && secs < 5);
}

/* Before LOCKED the guest does not run: SIGTERM kills at once, and no button is sent. */
static void test_run_term_before_locked(void **state)
{
	struct fixture *f = *state;
	double secs;

	f->mon.state = MON_CONFIGURED;
	f->mon.stop_timeout = 30;
	assert_int_equal(run_fake(f, FAKE_DEAF, SIGTERM, -1, &secs), 128 + SIGTERM);
	assert_string_equal(mon__ended(&f->mon), "killed");
	assert_false(button_sent(f));
}

/* SIGINT and SIGHUP never wait; nor does a SIGTERM of a run with --stop-timeout 0. */
static void test_run_no_wait(void **state)
{
	struct fixture *f = *state;
	double secs;

	locked(f);
	assert_int_equal(run_fake(f, FAKE_DEAF, SIGINT, -1, &secs), 128 + SIGINT);
	assert_string_equal(mon__ended(&f->mon), "killed");
	f->mon.stop = MON_STOP_NONE;
	assert_int_equal(run_fake(f, FAKE_DEAF, SIGHUP, -1, &secs), 128 + SIGHUP);
	f->mon.stop = MON_STOP_NONE;
	f->mon.stop_timeout = 0;
	assert_int_equal(run_fake(f, FAKE_DEAF, SIGTERM, -1, &secs), 128 + SIGTERM);
	assert_string_equal(mon__ended(&f->mon), "killed");
	assert_false(button_sent(f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_configures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_payload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_vs_hangup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_from_vmm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_on_empty_datagram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_then_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_before_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_after_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_none_assigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_before_devices, setup, teardown),
		cmocka_unit_test(test_stop_timeout),
		cmocka_unit_test(test_ended),
		cmocka_unit_test_setup_teardown(test_run_power_button, setup_signals, teardown_signals),
		cmocka_unit_test_setup_teardown(test_run_reset_after_button, setup_signals, teardown_signals),
		cmocka_unit_test_setup_teardown(test_run_timeout, setup_signals, teardown_signals),
		cmocka_unit_test_setup_teardown(test_run_queued_now, setup_signals, teardown_signals),
		cmocka_unit_test_setup_teardown(test_run_term_during_wait, setup_signals, teardown_signals),
		cmocka_unit_test_setup_teardown(test_run_term_before_locked, setup_signals, teardown_signals),
		cmocka_unit_test_setup_teardown(test_run_no_wait, setup_signals, teardown_signals),
	};

	return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
