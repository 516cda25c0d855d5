// SPDX-License-Identifier: MIT
/*
 * The broker as monitor: a table of what the VMM may ask, in which state,
 * and how often. Anything else is a protocol violation, and a violation
 * ends the VM: a VMM that misbehaves is presumed compromised.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "log.h"
#include "monitor.h"

#define MON_ONCE	(1u << 0)

struct mon_req {
	uint32_t type;
	uint32_t states;	/* enum mon_state mask */
	uint32_t flags;		/* MON_ONCE */
	int (*handle)(struct mon *mon, const struct msg *msg);
};

static int mon__violation(struct mon *mon, const char *why)
{
	mon->why = why;
	return -EPROTO;
}

static int mon__answer(struct mon *mon, uint32_t type, const void *payload, size_t len,
		       const int *fds, unsigned int nfds)
{
	if (msg__send(mon->sock, type, mon->seq, payload, len, fds, nfds))
		return mon__violation(mon, "cannot answer: the VMM's end is gone");
	return 0;
}

static int mon__hello(struct mon *mon, const struct msg *msg)
{
	struct msg_hello hello;

	if (msg__read_hello(msg, &hello))
		return mon__violation(mon, "malformed HELLO");
	mon->state = MON_CONFIGURED;
	return mon__answer(mon, MSG_CONFIG, mon->config, sizeof(*mon->config), mon->fds, mon->nfds);
}

static int mon__device(struct mon *mon, const struct msg *msg)
{
	struct msg_device_req req;

	if (msg__read_device_req(msg, &req))
		return mon__violation(mon, "malformed DEVICE_REQ");
	if (req.index >= mon->nr_devices)
		return mon__violation(mon, "DEVICE_REQ for a device that was not assigned");
	if (mon->devices_given & (1u << req.index))
		return mon__violation(mon, "second DEVICE_REQ for the same device");
	mon->devices_given |= 1u << req.index;
	return mon__answer(mon, MSG_DEVICE, &mon->devices[req.index], sizeof(mon->devices[req.index]),
			   &mon->device_fds[req.index], 1);
}

/* A VMM that locks itself in without its devices would run a guest that lacks them. */
static bool mon__all_devices_given(const struct mon *mon)
{
	return mon->devices_given == (uint32_t)((1ull << mon->nr_devices) - 1);
}

static int mon__locked(struct mon *mon, const struct msg *msg)
{
	if (msg__read_empty(msg, MSG_LOCKED))
		return mon__violation(mon, "malformed LOCKED");
	if (!mon__all_devices_given(mon))
		return mon__violation(mon, "LOCKED before every assigned device was handed over");
	mon->state = MON_LOCKED;
	counters__mark(COUNTERS_T_LOCKED);
	if (mon__answer(mon, MSG_LOCKED_OK, NULL, 0, NULL, 0))
		return -EPROTO;
	counters__mark(COUNTERS_T_RELEASED);
	return 0;
}

static const struct mon_req mon_reqs[] = {
	{ MSG_HELLO,	MON_INIT,	MON_ONCE, mon__hello },
	{ MSG_DEVICE_REQ, MON_CONFIGURED, 0,	  mon__device },	/* once per device: mon->devices_given */
	{ MSG_LOCKED,	MON_CONFIGURED,	MON_ONCE, mon__locked },
};

int mon__dispatch(struct mon *mon, const struct msg *msg)
{
	const struct mon_req *req = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(mon_reqs); i++)
		if (mon_reqs[i].type == msg->hdr.type)
			req = &mon_reqs[i];
	if (!req)
		return mon__violation(mon, "unknown request type");
	if (msg->hdr.seq != mon->seq + 1)
		return mon__violation(mon, "out-of-sequence request (replayed or skipped)");
	if ((req->flags & MON_ONCE) && (mon->used & (1u << req->type)))
		return mon__violation(mon, "second use of a once-only request");
	if (!(req->states & mon->state))
		return mon__violation(mon, "request not allowed in the current state");
	mon->used |= 1u << req->type;
	mon->seq = msg->hdr.seq;
	return req->handle(mon, msg);
}

static int mon__exit_status(struct mon *mon, int status)
{
	int sig;

	mon->wait_status = status;
	/* Not another boot: the guest was asked to go, and a reset is how some go. */
	if (mon->stop == MON_STOP_BUTTON && WIFEXITED(status) && WEXITSTATUS(status) == VMM_EXIT_RESET) {
		pr_err("the guest reset the machine after the power button; it is not started again");
		return 0;
	}
	/* A VMM that exits has said why on stderr itself: one line, not two. */
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	sig = WTERMSIG(status);
	pr_err("the VMM was killed by signal SIG%s%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
	       sig == SIGSYS ? ": it made a system call outside its seccomp allowlist" : "");
	return 128 + sig;
}

/* A violation or a signal to the broker ends the VMM at once. */
static void mon__kill(struct mon *mon, pid_t vmm)
{
	kill(vmm, SIGKILL);
	while (waitpid(vmm, &mon->wait_status, 0) < 0 && errno == EINTR)
		;
}

int mon__receive(struct mon *mon, short revents)
{
	struct msg msg;
	int ret = msg__recv(mon->sock, &msg, 0);

	if (ret == -EPIPE)
		return (revents & POLLHUP) ? ret : mon__violation(mon, "empty message");
	if (ret)
		return mon__violation(mon, ret == -EBADMSG ? "malformed message, or descriptors sent to the broker"
					   : "receive failed");
	return mon__dispatch(mon, &msg);
}

unsigned int mon__stop_timeout(int32_t code, int32_t value, unsigned int plain)
{
	if (code != SI_QUEUE)
		return plain;
	if (value < 0)
		return 0;
	return value > MON_STOP_TIMEOUT_MAX ? MON_STOP_TIMEOUT_MAX : (unsigned int)value;
}

const char *mon__ended(const struct mon *mon)
{
	int st = mon->wait_status;

	if (mon->why)
		return "violation";
	if (mon->stop == MON_STOP_TIMEOUT)
		return "killed-after-timeout";
	if (mon->stop == MON_STOP_KILLED)
		return "killed";
	if (WIFSIGNALED(st))
		return "signal";
	if (mon->stop == MON_STOP_BUTTON && (WEXITSTATUS(st) == VMM_EXIT_POWEROFF || WEXITSTATUS(st) == VMM_EXIT_RESET))
		return "power-button";
	return WEXITSTATUS(st) == VMM_EXIT_POWEROFF ? "poweroff" : "failure";
}

static int64_t mon__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* poll's timeout: none, or the milliseconds left until the deadline (0: it has passed). */
static int mon__wait_ms(const struct mon *mon)
{
	int64_t left;

	if (mon->stop != MON_STOP_BUTTON)
		return -1;
	left = mon->deadline - mon__now();
	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

static int mon__stop_now(struct mon *mon, pid_t vmm, int sig)
{
	pr_err("received SIG%s; stopping the VM", sigabbrev_np(sig));
	mon->stop = MON_STOP_KILLED;
	mon__kill(mon, vmm);
	return 128 + sig;
}

static int mon__time_out(struct mon *mon, pid_t vmm)
{
	pr_err("the guest did not power off within %lld s of the power button; killing it",
	       (long long)((mon->deadline - mon->pressed + 500000000) / 1000000000));
	mon->stop = MON_STOP_TIMEOUT;
	mon__kill(mon, vmm);
	return 128 + SIGTERM;
}

/*
 * SIGTERM: the guest's power button, and a deadline. A SIGTERM during the
 * wait brings the deadline nearer (a plain one: to now); one before the
 * guest runs, or that gives it no time, stops the VM at once.
 */
static int mon__on_term(struct mon *mon, pid_t vmm, const struct signalfd_siginfo *si)
{
	bool waiting = mon->stop == MON_STOP_BUTTON;
	unsigned int secs = mon__stop_timeout(si->ssi_code, si->ssi_int, waiting ? 0 : mon->stop_timeout);
	int64_t deadline = mon__now() + (int64_t)secs * 1000000000;

	if (!secs || mon->state != MON_LOCKED)
		return mon__stop_now(mon, vmm, SIGTERM);
	if (waiting) {
		if (deadline < mon->deadline)
			mon->deadline = deadline;
		return -1;
	}
	/* MSG_NOSIGNAL: a VMM that closed its end must not kill the broker with SIGPIPE. */
	if (msg__send(mon->sock, MSG_POWER_BUTTON, 0, NULL, 0, NULL, 0))
		return mon__stop_now(mon, vmm, SIGTERM);
	pr_err("received SIGTERM; pressed the guest's power button, and it has %u s to power off", secs);
	mon->stop = MON_STOP_BUTTON;
	mon->pressed = mon__now();
	mon->deadline = deadline;
	return -1;
}

/* Returns -1 to go on, or the broker's exit status. */
static int mon__on_signal(struct mon *mon, pid_t vmm, int sigfd)
{
	struct signalfd_siginfo si;
	int status;

	if (read(sigfd, &si, sizeof(si)) != sizeof(si))
		return -1;
	if (si.ssi_signo == SIGCHLD) {
		if (waitpid(vmm, &status, WNOHANG) != vmm)
			return -1;
		return mon__exit_status(mon, status);
	}
	if (si.ssi_signo == SIGUSR1) {
		counters__print(mon->counters, mon->devices, mon->nr_devices);
		return -1;
	}
	if (si.ssi_signo == SIGTERM)
		return mon__on_term(mon, vmm, &si);
	return mon__stop_now(mon, vmm, (int)si.ssi_signo);
}

int mon__run(struct mon *mon, pid_t vmm, int sigfd)
{
	struct pollfd pfd[2] = { { .fd = sigfd, .events = POLLIN }, { .fd = mon->sock, .events = POLLIN } };
	int ret, timeout_ms;

	for (;;) {
		timeout_ms = mon__wait_ms(mon);
		if (!timeout_ms)
			return mon__time_out(mon, vmm);
		if (poll(pfd, ARRAY_SIZE(pfd), timeout_ms) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			ret = mon__on_signal(mon, vmm, sigfd);
			if (ret >= 0)
				return ret;
		}
		if (!pfd[1].revents)
			continue;
		ret = mon__receive(mon, pfd[1].revents);
		if (ret == -EPIPE) {
			pfd[1].fd = -1;	/* the VMM is exiting; its status follows */
		} else if (ret) {
			pr_err("protocol violation by the VMM: %s; stopping it", mon->why);
			mon__kill(mon, vmm);
			return 1;
		}
	}
	pr_err("poll: %s; stopping the VM", strerror(errno));
	mon->stop = MON_STOP_KILLED;
	mon__kill(mon, vmm);
	return 1;
}
