/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SYSCALL_FILTER_H
#define AIRLOCK_SYSCALL_FILTER_H

#include <stdbool.h>
#include <stdint.h>

/* The VMM's threads, each with a filter of its own: THREADS in policy/vmm-seccomp.allow. */
enum syscall_filter_thread {
	SYSCALL_FILTER_THREAD_MAIN,	/* talks to the broker */
	SYSCALL_FILTER_THREAD_INPUT,	/* COM1's input, with --com1 console */
	SYSCALL_FILTER_THREAD_OUTPUT,	/* COM1's output, with --com1 console */
	SYSCALL_FILTER_THREAD_VCPU,	/* each vCPU: the guest's exits */
};

/* The descriptor classes a call's first argument may be in: FDS in policy/vmm-seccomp.allow. */
enum syscall_filter_fd_class {
	SYSCALL_FILTER_FD_CONSOLE_IN,	/* fd 0, with --com1 console */
	SYSCALL_FILTER_FD_CONSOLE_OUT,	/* fd 1, with --com1 console */
	SYSCALL_FILTER_FD_LOG,		/* fd 2 */
	SYSCALL_FILTER_FD_BROKER,	/* PROTO_VMM_FD */
	SYSCALL_FILTER_FD_VM,
	SYSCALL_FILTER_FD_VCPU,	/* the installing vCPU thread's own, given to syscall_filter__install() */
	SYSCALL_FILTER_FD_DEVICE,	/* VFIO device fds */
	SYSCALL_FILTER_FD_EVENTFD,	/* the devices' MSI and MSI-X vectors' eventfds */
	SYSCALL_FILTER_NR_FD_CLASSES
};

/* Which descriptors are in which classes: bit c of classes[fd] for class c. */
struct syscall_filter_fds {
	uint8_t *classes;
	unsigned int nr;	/* descriptors 0 .. nr - 1 described */
};

/* The descriptors the broker places: 0 and 1 only with COM1 as the console, 2, and PROTO_VMM_FD. */
int syscall_filter__fds_init(struct syscall_filter_fds *f, bool console);
int syscall_filter__fd(struct syscall_filter_fds *f, enum syscall_filter_fd_class c, int fd);

/*
 * Install on the calling thread alone thread t's filter: its calls of
 * policy/vmm-seccomp.allow, each on the descriptors of its classes in f,
 * and vcpu_fd as the class vcpu (-1 outside vCPU threads). -errno on failure.
 */
int syscall_filter__install(enum syscall_filter_thread t, const struct syscall_filter_fds *f, int vcpu_fd);

#endif
