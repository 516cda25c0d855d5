/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_REGISTRY_H
#define AIRLOCK_REGISTRY_H
/*
 * The host's running VMs: one file a VM, RUN/airlock/vms/NAME, written
 * by its broker under a lock on the directory, so that names are unique
 * on the host and the guest RAM that one user's VMs pin for devices is
 * counted against the policy's user-memory. An entry whose broker is gone
 * (its pid dead, or reused by a process that started at another time), or
 * that says how its VM ended, is stale: it counts for nothing, and the
 * next broker to claim a name removes it. `airlock ps` and `airlock list`
 * read the entries; `airlock stop` signals the broker of one, and reads
 * how the VM ended from it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "console.h"
#include "host.h"
#include "pciaddr.h"
#include "proto.h"

#define REGISTRY_NAME_MAX	16	/* a VM's name and its NUL, as --name takes it */
#define REGISTRY_USER_MAX	33
#define REGISTRY_ENDED_MAX	24	/* an "ended" word of the audit log's teardown line, and its NUL */
#define REGISTRY_PTY_MAX	32	/* /dev/pts/N and its NUL */
#define REGISTRY_TEXT_MAX	2048	/* an entry's file */

struct registry_vm {
	char name[REGISTRY_NAME_MAX];
	pid_t broker;
	uint64_t broker_start;		/* when the broker started: clock ticks since boot, /proc/PID/stat */
	pid_t vmm;			/* 0 while no VMM runs */
	uid_t uid;			/* who asked for it */
	char user[REGISTRY_USER_MAX];
	uint64_t memory;		/* guest RAM, bytes */
	unsigned int vcpus;
	char devices[CONFIG_DEVICES_MAX][PCIADDR_LEN];
	unsigned int nr_devices;
	int64_t started;		/* seconds since the epoch */
	enum console_mode console;	/* where COM1 goes (--com1) */
	char pty[REGISTRY_PTY_MAX];	/* with --com1 pty, its path once made; "" before */
	unsigned int stop_timeout;	/* its --stop-timeout, seconds */
	char ended[REGISTRY_ENDED_MAX];	/* how the VM ended (mon__ended); "" while it runs */
};

/*
 * Enter vm (this broker's) in h's registry, its broker fields filled in
 * here. Refused after a line saying why: -EEXIST when a running VM has
 * the name, -EDQUOT when vm has devices and user_memory (0: no cap) is
 * less than the guest RAM of uid's running VMs with devices and vm's.
 */
int registry__claim(const struct host *h, struct registry_vm *vm, uint64_t user_memory);
/* This broker's entry now names vmm (0: none) as its VMM. */
int registry__set_vmm(pid_t vmm);
/* This broker's entry now names pty as its COM1; 0, or -errno after a line saying why. */
int registry__set_pty(const char *pty);
/*
 * This broker's entry, if it made one, says how its VM ended (ended: a
 * word of mon__ended): it is stale from now on, and stays for `airlock
 * stop` to read until the next claim removes it.
 */
void registry__release(const char *ended);
/* Whether vm's broker still runs (the very process that wrote it), and its VM has not ended. */
bool registry__live(const struct host *h, const struct registry_vm *vm);
/*
 * The entry of the VM name in h's registry, live or stale. 0; -EINVAL
 * when name is not a VM's name (1-15 letters, digits, '-' or '_');
 * -ENOENT when there is none; or another -errno.
 */
int registry__get(const struct host *h, const char *name, struct registry_vm *out);
/*
 * Calls fn with each running VM of h's registry, in name order, as long
 * as it returns 0; its return, 0, or -errno when the registry cannot be
 * read. No registry yet is no VM.
 */
int registry__each(const struct host *h, int (*fn)(const struct registry_vm *vm, void *arg), void *arg);

/* The entry's text, "key value" lines; its length, or -ENOSPC. */
int registry__format(const struct registry_vm *vm, char *buf, size_t len);
/* An entry's text: every key once, in order ("ended" last, once the VM has), nothing else; 0 or -EINVAL. */
int registry__parse(const char *text, size_t len, struct registry_vm *out);

#endif
