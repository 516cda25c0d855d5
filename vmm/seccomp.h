/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SECCOMP_H
#define AIRLOCK_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>

/* The VMM's threads, each with a filter of its own: THREADS in policy/vmm-seccomp.allow. */
enum seccomp_thread {
	SECCOMP_THREAD_MAIN,	/* talks to the broker */
	SECCOMP_THREAD_INPUT,	/* COM1's input, with --com1 console */
	SECCOMP_THREAD_VCPU,	/* each vCPU: the guest's exits */
};

/* The descriptor classes a call's first argument may be in: FDS in policy/vmm-seccomp.allow. */
enum seccomp_fd_class {
	SECCOMP_FD_CONSOLE_IN,	/* fd 0, with --com1 console */
	SECCOMP_FD_CONSOLE_OUT,	/* fd 1, with --com1 console */
	SECCOMP_FD_LOG,		/* fd 2 */
	SECCOMP_FD_BROKER,	/* PROTO_VMM_FD */
	SECCOMP_FD_VM,
	SECCOMP_FD_VCPU,	/* the installing vCPU thread's own, given to seccomp__install() */
	SECCOMP_FD_DEVICE,	/* VFIO device fds */
	SECCOMP_FD_EVENTFD,	/* the devices' MSI and MSI-X vectors' eventfds */
	SECCOMP_NR_FD_CLASSES
};

/* Which descriptors are in which classes: bit c of classes[fd] for class c. */
struct seccomp_fds {
	uint8_t *classes;
	unsigned int nr;	/* descriptors 0 .. nr - 1 described */
};

/* The descriptors the broker places: 0 and 1 only with COM1 as the console, 2, and PROTO_VMM_FD. */
int seccomp__fds_init(struct seccomp_fds *f, bool console);
int seccomp__fd(struct seccomp_fds *f, enum seccomp_fd_class c, int fd);

/*
 * Install on the calling thread alone thread t's filter: its calls of
 * policy/vmm-seccomp.allow, each on the descriptors of its classes in f,
 * and vcpu_fd as the class vcpu (-1 outside vCPU threads). -errno on failure.
 */
int seccomp__install(enum seccomp_thread t, const struct seccomp_fds *f, int vcpu_fd);

#endif
