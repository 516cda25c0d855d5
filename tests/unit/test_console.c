// SPDX-License-Identifier: MIT
/*
 * COM1's relays: the escape filter (Ctrl-A x quits the terminal, Ctrl-A d
 * detaches a client, Ctrl-A Ctrl-A is one Ctrl-A), the ring of the guest's
 * latest output, and the output relay itself with --com1 file=, socket,
 * socket=PATH and pty, a pipe standing in for the VMM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "host.h"
#include "policy.h"
#include "registry.h"

static bool escape;
static char hit;
static uint8_t out[64];

static size_t filter(const char *in, const char *keys)
{
	return console__filter((const uint8_t *)in, strlen(in), out, keys, &escape, &hit);
}

static int setup(void **state)
{
	(void)state;
	escape = false;
	hit = 0;
	memset(out, 0, sizeof(out));
	return 0;
}

static void test_plain(void **state)
{
	(void)state;
	assert_int_equal(filter("ls -l\r\003", "x"), 7);
	assert_memory_equal(out, "ls -l\r\003", 7);
	assert_int_equal(hit, 0);
	assert_false(escape);
}

static void test_quit(void **state)
{
	(void)state;
	assert_int_equal(filter("ab\001xcd", "x"), 2);	/* what follows the quit is dropped */
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(hit, 'x');
}

/* A client's keys: d detaches; x is no escape there, and both bytes go to the guest. */
static void test_detach(void **state)
{
	(void)state;
	assert_int_equal(filter("a\001xb\001dc", "d"), 4);
	assert_memory_equal(out, "a\001xb", 4);
	assert_int_equal(hit, 'd');
	assert_false(escape);
}

static void test_literal_escape(void **state)
{
	(void)state;
	assert_int_equal(filter("a\001\001b", "d"), 3);
	assert_memory_equal(out, "a\001b", 3);
	assert_int_equal(hit, 0);
}

/* Ctrl-A and any other key: both reach the guest, nothing is swallowed; a NUL is no key. */
static void test_other_key(void **state)
{
	(void)state;
	assert_int_equal(filter("\001c\001X", "x"), 4);
	assert_memory_equal(out, "\001c\001X", 4);
	assert_int_equal(console__filter((const uint8_t *)"\001\0", 2, out, "d", &escape, &hit), 2);
	assert_memory_equal(out, "\001\0", 2);
	assert_int_equal(hit, 0);
}

/* The escape may end one read and its key start the next. */
static void test_split(void **state)
{
	(void)state;
	assert_int_equal(filter("q\001", "x"), 1);
	assert_true(escape);
	assert_int_equal(filter("z", "x"), 2);
	assert_memory_equal(out, "\001z", 2);
	assert_false(escape);
	assert_int_equal(filter("\001", "x"), 0);
	assert_int_equal(filter("x", "x"), 0);
	assert_int_equal(hit, 'x');
}

/* The worst case the caller sizes its buffer for: n + 1 bytes. */
static void test_bound(void **state)
{
	(void)state;
	escape = true;
	assert_int_equal(filter("a\001b", "x"), 4);
	assert_memory_equal(out, "\001a\001b", 4);
}

/* The VMM's messages reach the operator's terminal with nothing that could steer it. */
static void test_sanitize(void **state)
{
	static const uint8_t in[] = "airlock-vmm: x\x1b[2J\x07\\\x9b\xff\r\tok\n";
	char safe[sizeof(in) * 4];
	size_t n;

	(void)state;
	n = console__sanitize(in, sizeof(in) - 1, safe);
	assert_int_equal(n, strlen("airlock-vmm: x\\x1b[2J\\x07\\x5c\\x9b\\xff\\x0d\tok\n"));
	assert_memory_equal(safe, "airlock-vmm: x\\x1b[2J\\x07\\x5c\\x9b\\xff\\x0d\tok\n", n);
	for (size_t i = 0; i < n; i++)
		assert_true((safe[i] >= 0x20 && safe[i] < 0x7f) || safe[i] == '\n' || safe[i] == '\t');
}

/* All of what a reader at pos can take, piece by piece, into buf. */
static size_t ring_read(const struct console_ring *r, uint64_t *pos, uint8_t *buf)
{
	const uint8_t *p;
	size_t n, total = 0;

	while ((n = console__ring_peek(r, pos, &p))) {
		memcpy(buf + total, p, n);
		total += n;
		*pos += n;
	}
	return total;
}

/* A reader keeps its place; the ring wraps; one left behind skips to the oldest byte kept. */
static void test_ring(void **state)
{
	static struct console_ring r;
	static uint8_t big[CONSOLE_RING_SIZE + 100], got[CONSOLE_RING_SIZE];
	uint64_t pos = 0;

	(void)state;
	assert_int_equal(ring_read(&r, &pos, got), 0);
	console__ring_put(&r, (const uint8_t *)"hello", 5);
	assert_int_equal(ring_read(&r, &pos, got), 5);
	assert_memory_equal(got, "hello", 5);
	assert_int_equal(ring_read(&r, &pos, got), 0);
	/* Across the end of the buffer: two pieces, in order. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	console__ring_put(&r, big, CONSOLE_RING_SIZE - 10);
	pos = r.head;
	console__ring_put(&r, big, 30);
	assert_int_equal(ring_read(&r, &pos, got), 30);
	assert_memory_equal(got, big, 30);
	/* More than the ring holds at once: its last CONSOLE_RING_SIZE bytes, the reader moved up to them. */
	console__ring_put(&r, big, sizeof(big));
	assert_int_equal(ring_read(&r, &pos, got), CONSOLE_RING_SIZE);
	assert_memory_equal(got, big + 100, CONSOLE_RING_SIZE);
	assert_int_equal(pos, r.head);
	/* A reader from the start, long overtaken. */
	pos = 0;
	console__ring_put(&r, (const uint8_t *)"tail", 4);
	assert_int_equal(ring_read(&r, &pos, got), CONSOLE_RING_SIZE);
	assert_memory_equal(got + CONSOLE_RING_SIZE - 4, "tail", 4);
}

/* ---- the relays, with a pipe for the VMM and a host tree of our own under /tmp ---- */

static struct host host;
static char tmp[64];
static struct console_fds fds;
static const struct policy_subject root = { .uid = 0, .name = "root", .gids = { 0 }, .nr_gids = 1, .root = true };
static const struct policy_subject nobody = { .uid = 65534, .name = "nobody", .gids = { 65534 }, .nr_gids = 1 };

static int relay_setup(void **state)
{
	char dir[128];

	(void)state;
	strcpy(tmp, "/tmp/airlock-console-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	chmod(tmp, 0755);
	snprintf(host.run, sizeof(host.run), "%s", tmp);
	snprintf(host.proc, sizeof(host.proc), "/proc");
	snprintf(dir, sizeof(dir), "%s/airlock", tmp);
	fds = (struct console_fds){ .in = -1, .out = -1, .err = -1 };
	return mkdir(dir, 0755);
}

static int relay_teardown(void **state)
{
	char cmd[128];

	(void)state;
	registry__release("poweroff");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd);
}

/* The relays run as root, and hand files and sockets to other users: as another user the test is skipped. */
static void need_root(void)
{
	if (geteuid())
		skip();
}

static struct cli cli_of(enum console_mode mode, const char *path)
{
	struct cli cli = { .com1 = mode, .com1_path = path };

	snprintf(cli.name, sizeof(cli.name), "t1");
	return cli;
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Exactly want from fd, within a few seconds. */
static void expect(int fd, const char *want)
{
	char got[256] = "";
	size_t n = 0, len = strlen(want);

	while (n < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		assert_int_equal(poll(&p, 1, 5000), 1);
		r = read(fd, got + n, len - n);
		assert_true(r > 0);
		n += (size_t)r;
	}
	assert_string_equal(got, want);
}

static int attach_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Guest output to the user's file, appended, as the user: never through a symlink, never where the user may not write. */
static void test_file(void **state)
{
	struct cli cli;
	char path[128], link[128], text[64] = "";
	struct stat st;
	int fd;

	(void)state;
	need_root();
	snprintf(path, sizeof(path), "%s/vm.log", tmp);
	cli = cli_of(CONSOLE_FILE, path);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), -1);	/* nobody may not write in tmp */
	assert_int_equal(access(path, F_OK), -1);
	chmod(tmp, 01777);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, 65534, 65534), 0);
	put(fd, "before\n");
	close(fd);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), 0);
	put(fds.out, "guest says hi\n");
	console__finish(&fds);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, text, sizeof(text) - 1), strlen("before\nguest says hi\n"));
	close(fd);
	assert_string_equal(text, "before\nguest says hi\n");
	/* A new file is the user's, 0600. */
	unlink(path);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), 0);
	console__finish(&fds);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A symlink, even to a file the user owns, and a directory are refused. */
	snprintf(link, sizeof(link), "%s/link", tmp);
	assert_int_equal(symlink(path, link), 0);
	cli = cli_of(CONSOLE_FILE, link);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), -1);
	cli = cli_of(CONSOLE_FILE, tmp);
	assert_int_equal(console__start(&cli, &host, &root, &fds), -1);
}

/*
 * The broker's socket: root's alone, in a 0700 directory; the greeting,
 * output both ways, one client at a time, and what the guest wrote while
 * nobody was attached replayed to the next; gone when the run ends.
 */
static void test_socket(void **state)
{
	struct cli cli = cli_of(CONSOLE_SOCKET, NULL);
	char path[128], dir[128];
	struct stat st;
	uint8_t c;
	int a, b;

	(void)state;
	need_root();
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), 0);
	assert_int_equal(console__socket_path(&host, "t1", path, sizeof(path)), 0);
	snprintf(dir, sizeof(dir), "%s/airlock/console", tmp);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_uid, 0);
	put(fds.out, "boot messages\n");
	a = attach_to(path);
	expect(a, CONSOLE_HELLO "boot messages\n");
	put(fds.out, "login: ");
	expect(a, "login: ");
	put(a, "root\n");
	expect(fds.in, "root\n");
	/* A second client is refused while the first is attached. */
	b = attach_to(path);
	expect(b, CONSOLE_BUSY);
	assert_int_equal(read(b, &c, 1), 0);
	close(b);
	/* Detached: output waits for the next client. */
	close(a);
	usleep(100000);
	put(fds.out, "while away\n");
	b = attach_to(path);
	expect(b, CONSOLE_HELLO "while away\n");
	console__finish(&fds);
	assert_int_equal(read(b, &c, 1), 0);
	close(b);
	assert_int_equal(access(path, F_OK), -1);
}

/* socket=PATH: made as the user (the user's alone), never over something there; removed as the user. */
static void test_user_socket(void **state)
{
	struct cli cli;
	char path[128];
	struct stat st;
	int a, fd;

	(void)state;
	need_root();
	chmod(tmp, 01777);
	snprintf(path, sizeof(path), "%s/com1.sock", tmp);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	cli = cli_of(CONSOLE_SOCKET, path);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), -1);
	unlink(path);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_mode & 077, 0);
	a = attach_to(path);
	expect(a, CONSOLE_HELLO);
	put(fds.out, "hi\n");
	expect(a, "hi\n");
	put(a, "typed\n");
	expect(fds.in, "typed\n");
	console__finish(&fds);
	close(a);
	assert_int_equal(access(path, F_OK), -1);
}

/* pty: the user's alone (0600), raw, its path in the registry entry; output and input both ways. */
static void test_pty(void **state)
{
	struct registry_vm vm = { .uid = 65534, .memory = 1 << 20, .vcpus = 1, .console = CONSOLE_PTY }, back;
	struct cli cli = cli_of(CONSOLE_PTY, NULL);
	struct stat st;
	int pty;

	(void)state;
	need_root();
	snprintf(vm.name, sizeof(vm.name), "t1");
	snprintf(vm.user, sizeof(vm.user), "nobody");
	assert_int_equal(registry__claim(&host, &vm, 0), 0);
	assert_int_equal(console__start(&cli, &host, &nobody, &fds), 0);
	assert_int_equal(registry__get(&host, "t1", &back), 0);
	assert_int_equal(back.console, CONSOLE_PTY);
	assert_int_equal(strncmp(back.pty, "/dev/pts/", 9), 0);
	assert_int_equal(stat(back.pty, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_mode & 0777, 0600);
	pty = open(back.pty, O_RDWR | O_NOCTTY);
	assert_true(pty >= 0);
	put(fds.out, "guest\n");
	expect(pty, "guest\n");	/* raw: no \r added */
	put(pty, "keys\r");
	expect(fds.in, "keys\r");
	console__finish(&fds);
	close(pty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test_setup(test_plain, setup),
		cmocka_unit_test_setup(test_quit, setup),
		cmocka_unit_test_setup(test_detach, setup),
		cmocka_unit_test_setup(test_literal_escape, setup),
		cmocka_unit_test_setup(test_other_key, setup),
		cmocka_unit_test_setup(test_split, setup),
		cmocka_unit_test_setup(test_bound, setup),
		cmocka_unit_test(test_ring),
		cmocka_unit_test_setup_teardown(test_file, relay_setup, relay_teardown),
		cmocka_unit_test_setup_teardown(test_socket, relay_setup, relay_teardown),
		cmocka_unit_test_setup_teardown(test_user_socket, relay_setup, relay_teardown),
		cmocka_unit_test_setup_teardown(test_pty, relay_setup, relay_teardown),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
