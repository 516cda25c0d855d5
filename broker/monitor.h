/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_MONITOR_H
#define AIRLOCK_MONITOR_H

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"
#include "counters-page.h"

/* The VMM's life as the broker sees it; each request names the states it is allowed in. */
enum mon_state {
	MON_INIT	= 1u << 0,	/* started, has not asked for anything */
	MON_CONFIGURED	= 1u << 1,	/* holds its configuration and descriptors */
	MON_LOCKED	= 1u << 2,	/* reports its seccomp filter in force */
};

/* SIGTERM asks the guest to power off; airlock run --stop-timeout, in seconds. */
#define MON_STOP_TIMEOUT_DEFAULT	30
#define MON_STOP_TIMEOUT_MAX		3600

/* A stop the broker was asked for, and how it went. */
enum mon_stop {
	MON_STOP_NONE,		/* none: the VMM ran until it ended */
	MON_STOP_BUTTON,	/* the guest's power button pressed; waiting for it until the deadline */
	MON_STOP_TIMEOUT,	/* killed: the guest did not power off in time */
	MON_STOP_KILLED,	/* killed at once */
};

struct mon {
	int sock;
	enum mon_state state;
	uint32_t used;		/* request types already used, for MON_ONCE */
	uint32_t seq;		/* last sequence number accepted */
	const char *why;	/* the violation, once there is one */
	/* The broker's own record of what this VMM is given. */
	const struct msg_config *config;
	const int *fds;
	unsigned int nfds;
	/* Assigned devices: what the VMM is told of each and its VFIO device fd, each handed over once. */
	const struct msg_device *devices;
	const int *device_fds;
	unsigned int nr_devices;
	uint32_t devices_given;	/* bit i: device i was handed over */
	/* The VMM's counters, printed on SIGUSR1. */
	const struct counters_page *counters;
	unsigned int stop_timeout;	/* seconds the guest gets after a plain SIGTERM's power button */
	enum mon_stop stop;
	int64_t pressed, deadline;	/* MON_STOP_BUTTON: CLOCK_MONOTONIC, ns */
	int wait_status;	/* the VMM's, from waitpid, once mon__run returns */
};

/*
 * Check one received message against the table and the broker's records,
 * and answer it. 0, or -EPROTO with mon->why set: the caller must end the
 * conversation.
 */
int mon__dispatch(struct mon *mon, const struct msg *msg);

/*
 * Receive one message, given poll's revents for the socket, and dispatch
 * it. -EPIPE when the VMM has closed its end; -EPROTO as above.
 */
int mon__receive(struct mon *mon, short revents);

/*
 * Serve the VMM until it exits, and return the broker's exit status: the
 * VMM's own, or 128 + signal. sigfd is a signalfd for SIGCHLD, SIGINT,
 * SIGTERM, SIGHUP and SIGUSR1; SIGUSR1 prints the counters and goes on.
 * SIGINT and SIGHUP kill the VMM at once. SIGTERM presses the guest's
 * power button once it runs, and kills the VMM only when the guest has
 * not powered off by the deadline (mon__stop_timeout); before that, or
 * with no time to give, at once.
 */
int mon__run(struct mon *mon, pid_t vmm, int sigfd);

/*
 * The seconds a SIGTERM gives the guest: the value `airlock stop` queued
 * with it (ssi_code SI_QUEUE), held to 0..MON_STOP_TIMEOUT_MAX, or
 * otherwise (systemd, kill) plain, which is worth.
 */
unsigned int mon__stop_timeout(int32_t code, int32_t value, unsigned int plain);

/*
 * How the VM ended, for the audit log's teardown line: "poweroff",
 * "power-button", "killed-after-timeout", "killed", "signal", "violation"
 * or "failure" (docs/airlock.8, AUDIT LOG).
 */
const char *mon__ended(const struct mon *mon);

#endif
