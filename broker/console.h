/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CONSOLE_H
#define AIRLOCK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ctrl-A, as in QEMU: Ctrl-A x quits, Ctrl-A d detaches, Ctrl-A Ctrl-A sends one Ctrl-A. */
#define CONSOLE_ESCAPE	0x01

/* Where COM1 goes (--com1), in the order the registry's words are in. */
enum console_mode {
	CONSOLE_NONE,
	CONSOLE_TERMINAL,	/* console: airlock's own terminal */
	CONSOLE_FILE,		/* file=PATH: output appended to the user's file */
	CONSOLE_SOCKET,		/* socket[=PATH], listen=PATH: `airlock console NAME` attaches */
	CONSOLE_PTY,		/* pty: a pseudo-terminal of the user's */
	CONSOLE_MODES
};

/* What `airlock console` reads first from the broker's socket: attached, or refused. */
#define CONSOLE_HELLO	"airlock: attached to COM1\r\n"
#define CONSOLE_BUSY	"airlock: refused: another client is attached to COM1\r\n"
#define CONSOLE_DENIED	"airlock: refused: this uid may not attach to COM1\r\n"

/* The VMM's fds 0, 1 and 2 for a whole run (every boot): never a terminal. */
struct console_fds {
	int in;		/* /dev/null, stdin, or a pipe a relay fills (the terminal, a client, a pty) */
	int out;	/* guest console bytes, relayed to where --com1 says, as they are */
	int err;	/* the VMM's messages, relayed to stderr with control bytes as \xNN */
};

struct cli;
struct host;
struct policy_subject;

/*
 * Start the relays for cli's --com1, for who (the VM's owner), with the
 * VM's name claimed in h's registry. console: when stdin is a terminal,
 * raw mode until airlock exits and a relay that takes out the escapes
 * (Ctrl-A x sends the broker SIGINT). file: the file opened as who. socket:
 * the broker's own socket for `airlock console`, and with a PATH another
 * one made there as who. pty: one of who's, its name printed and entered
 * in the registry. Call it with SIGINT blocked and handled, before the VMM
 * is spawned. 0, or -1 after saying why.
 */
int console__start(const struct cli *cli, const struct host *h, const struct policy_subject *who,
		   struct console_fds *c);
/* After the last VMM: close the broker's ends, wait until the output is all out, remove the sockets. */
void console__finish(struct console_fds *c);

/* The word for mode in the registry and `airlock ps --json`. */
const char *console__mode_name(enum console_mode mode);
/* The path of the broker's socket for the VM name under h; 0 or -ENAMETOOLONG. */
int console__socket_path(const struct host *h, const char *name, char *buf, size_t len);

/* All of buf to fd, however many writes it takes; 0 or -errno. */
int console__write_all(int fd, const uint8_t *buf, size_t len);

/* Raw mode on the terminal that is stdin until the process exits or a signal kills it; 0, or -1 after saying why. */
int console__raw_stdin(void);

/* The VMM's message bytes for a terminal: printable ASCII, \n and \t as they are, the rest \xNN; out has room for 4n. */
size_t console__sanitize(const uint8_t *in, size_t n, char *out);

/*
 * The escape filter: copies in[0..n) to out (room for n + 1 bytes), which
 * gets what the guest should see; *escape carries a pending Ctrl-A from one
 * call to the next. Returns the bytes in out; on Ctrl-A and one of keys,
 * sets *hit to that key (the bytes after it are dropped).
 */
size_t console__filter(const uint8_t *in, size_t n, uint8_t *out, const char *keys, bool *escape, char *hit);

/*
 * The guest's latest output, for a client that attaches later or reads
 * slower than the guest writes: a reader keeps its position, and one left
 * more than CONSOLE_RING_SIZE behind loses what was overwritten.
 */
#define CONSOLE_RING_SIZE	(64 * 1024)
struct console_ring {
	uint64_t head;		/* bytes ever put */
	uint8_t buf[CONSOLE_RING_SIZE];
};
void console__ring_put(struct console_ring *r, const uint8_t *p, size_t n);
/* The bytes from *pos on that lie in one piece (*pos first moved up to the oldest kept), at *p; 0 when none. */
size_t console__ring_peek(const struct console_ring *r, uint64_t *pos, const uint8_t **p);

#endif
