/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_THREAD_H
#define AIRLOCK_THREAD_H

#include <pthread.h>

/*
 * The VMM's threads (vCPUs, COM1's) run device models with small frames:
 * 256 KiB of stack each, not glibc's 8 MiB, whose top a host with
 * transparent huge pages always on backs with a 2 MiB page at first touch.
 */
#define THREAD_STACK_SIZE	(256u << 10)

int thread__start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
