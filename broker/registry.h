/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_REGISTRY_H
#define AIRLOCK_REGISTRY_H
/*
 * The host's running VMs: one file a VM, RUN/airlock/vms/NAME, written
 * by its broker under a lock on the directory, so that names are unique
 * on the host and the guest RAM that one user's VMs pin for devices is
 * counted against the policy's user-memory. An entry whose broker is gone
 * (its pid dead, or reused by a process that started at another time) is
 * stale: it counts for nothing, and the next broker to claim a name
 * removes it. `airlock ps` and `airlock list` read the entries.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "host.h"
#include "pciaddr.h"
#include "proto.h"

#define REGISTRY_NAME_MAX	16	/* a VM's name and its NUL, as --name takes it */
#define REGISTRY_USER_MAX	33
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
	bool console;			/* COM1 on the broker's terminal */
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
/* Remove this broker's entry, if it made one. */
void registry__release(void);
/*
 * Calls fn with each running VM of h's registry, in name order, as long
 * as it returns 0; its return, 0, or -errno when the registry cannot be
 * read. No registry yet is no VM.
 */
int registry__each(const struct host *h, int (*fn)(const struct registry_vm *vm, void *arg), void *arg);

/* The entry's text, "key value" lines; its length, or -ENOSPC. */
int registry__format(const struct registry_vm *vm, char *buf, size_t len);
/* An entry's text: every key once, in order, nothing else; 0 or -EINVAL. */
int registry__parse(const char *text, size_t len, struct registry_vm *out);

#endif
