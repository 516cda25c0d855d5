/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CONSOLE_H
#define AIRLOCK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ctrl-A, as in QEMU: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A. */
#define CONSOLE_ESCAPE	0x01

/* The VMM's fds 0, 1 and 2 for a whole run (every boot): never a terminal. */
struct console_fds {
	int in;		/* /dev/null; with COM1 input, stdin or the terminal relay's pipe */
	int out;	/* guest console bytes, relayed to stdout as they are */
	int err;	/* the VMM's messages, relayed to stderr with control bytes as \xNN */
};

/*
 * Start the output relay and, with input, the terminal's: when stdin is a
 * terminal, put it in raw mode until airlock exits and give the VMM a pipe
 * that a relay fills from it, taking out the escapes; Ctrl-A x sends the
 * broker SIGINT. Anything else on stdin (a pipe, a file) goes to the VMM as
 * it is. Call it with SIGINT blocked and handled, before the VMM is spawned.
 * 0, or -1 after saying why.
 */
int console__start(bool input, struct console_fds *c);
/* After the last VMM: close the broker's ends and wait until the output is all out. */
void console__finish(struct console_fds *c);

/* The VMM's message bytes for a terminal: printable ASCII, \n and \t as they are, the rest \xNN; out has room for 4n. */
size_t console__sanitize(const uint8_t *in, size_t n, char *out);

/*
 * The escape filter: copies in[0..n) to out (room for n + 1 bytes), which
 * gets what the guest should see; *escape carries a pending Ctrl-A from one
 * call to the next. Returns the bytes in out, and sets *quit on Ctrl-A x
 * (the bytes after it are dropped).
 */
size_t console__filter(const uint8_t *in, size_t n, uint8_t *out, bool *escape, bool *quit);

#endif
