/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CONSOLE_H
#define AIRLOCK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ctrl-A, as in QEMU: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A. */
#define CONSOLE_ESCAPE	0x01

/*
 * When stdin is a terminal, put it in raw mode until airlock exits, and give
 * the VMM as its stdin a pipe that a relay process fills from the terminal,
 * taking out the escapes; Ctrl-A x sends the broker SIGINT. Anything else
 * on stdin (a pipe, a file) is left to the VMM as it is. Call it with SIGINT
 * blocked and handled, before the VMM is spawned. 0, or -1 after saying why.
 */
int console__start(void);

/*
 * The escape filter: copies in[0..n) to out (room for n + 1 bytes), which
 * gets what the guest should see; *escape carries a pending Ctrl-A from one
 * call to the next. Returns the bytes in out, and sets *quit on Ctrl-A x
 * (the bytes after it are dropped).
 */
size_t console__filter(const uint8_t *in, size_t n, uint8_t *out, bool *escape, bool *quit);

#endif
