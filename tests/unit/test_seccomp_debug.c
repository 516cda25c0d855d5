// SPDX-License-Identifier: MIT
/*
 * The debug build's filter (make debug): a denied call is named on stderr
 * by the SIGSYS handler, under the filter itself, and the process exits
 * 159 (128 + SIGSYS), the status the broker gives a VMM killed by SIGSYS.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <setjmp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "abi-probe.h"
#include "log.h"
#include "proto.h"
#include "syscall-filter.h"

enum abi { ABI_X86_64, ABI_I386, ABI_X32 };

/*
 * Without cmocka's handlers (abi-probe.h): a crash must not pass for a
 * report of the filter's. Thread t's filter, on the broker's fds alone.
 */
static void __attribute__((noreturn)) child(int err, enum syscall_filter_thread t, enum abi abi, long nr, long a0,
					    long a1)
{
	struct syscall_filter_fds fds;

	log_prog = "airlock-vmm";
	abi_default_signals();
	if (dup2(err, STDERR_FILENO) < 0 || syscall_filter__fds_init(&fds, true) ||
	    syscall_filter__install(t, &fds, -1))
		_exit(2);
	if (abi == ABI_I386)
		abi_int80(nr);
	else
		syscall(abi == ABI_X32 ? nr | ABI_X32_BIT : nr, a0, a1, 0L, 0L, 0L, 0L);
	syscall(SYS_exit_group, 0);	/* not _exit(): a sanitizer's makes calls of its own */
	__builtin_unreachable();
}

/* What the child wrote on stderr, and how it ended. */
static int run(char *out, size_t size, enum syscall_filter_thread t, enum abi abi, long nr, long a0, long a1)
{
	int p[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		child(p[1], t, abi, nr, a0, a1);
	close(p[1]);
	while ((n = read(p[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_report(const char *line, enum syscall_filter_thread t, enum abi abi, long nr, long a0, long a1)
{
	char out[512];
	int status = run(out, sizeof(out), t, abi, nr, a0, a1);

	assert_string_equal(out, line);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGSYS);
}

static void test_openat_named(void **state)
{
	(void)state;
	expect_report("airlock-vmm: seccomp denied openat (nr 257, args 0xffffffffffffff9c 0x1234 0x0 0x0 0x0 0x0)\n",
		      SYSCALL_FILTER_THREAD_MAIN, ABI_X86_64, SYS_openat, AT_FDCWD, 0x1234);
}

static void test_ioctl_request_shown(void **state)
{
	(void)state;
	expect_report("airlock-vmm: seccomp denied ioctl (nr 16, args 0x3 0xae01 0x0 0x0 0x0 0x0)\n",
		      SYSCALL_FILTER_THREAD_MAIN, ABI_X86_64, SYS_ioctl, 3, KVM_CREATE_VM);
}

/* An allowed call on a descriptor outside its classes: the descriptor shows. */
static void test_descriptor_shown(void **state)
{
	(void)state;
	expect_report("airlock-vmm: seccomp denied write (nr 1, args 0x3 0x0 0x0 0x0 0x0 0x0)\n",
		      SYSCALL_FILTER_THREAD_VCPU, ABI_X86_64, SYS_write, PROTO_VMM_FD, 0);
}

/* In COM1's output thread as well: the report needs no more than its write on the log, and exit_group. */
static void test_output_thread_reports(void **state)
{
	(void)state;
	expect_report("airlock-vmm: seccomp denied read (nr 0, args 0x0 0x0 0x0 0x0 0x0 0x0)\n",
		      SYSCALL_FILTER_THREAD_OUTPUT, ABI_X86_64, SYS_read, 0, 0);
}

/* Where the kernel offers the i386 ABI (abi-probe.h); skipped where it ends int $0x80 before seccomp. */
static void test_i386_abi(void **state)
{
	(void)state;
	abi_require_i386();
	expect_report("airlock-vmm: seccomp denied a call outside the x86_64 table (arch 0x40000003, nr 0x14)\n",
		      SYSCALL_FILTER_THREAD_MAIN, ABI_I386, ABI_I386_GETPID, 0, 0);
}

/* On every kernel: seccomp sees an x32 call before the kernel looks for x32 support. */
static void test_x32_abi(void **state)
{
	(void)state;
	expect_report("airlock-vmm: seccomp denied a call outside the x86_64 table (arch 0xc000003e, nr 0x40000027)\n",
		      SYSCALL_FILTER_THREAD_MAIN, ABI_X32, SYS_getpid, 0, 0);
}

static void test_allowed_is_silent(void **state)
{
	char out[64];
	int status;

	(void)state;
	status = run(out, sizeof(out), SYSCALL_FILTER_THREAD_MAIN, ABI_X86_64, SYS_write, PROTO_VMM_FD, 0);
	assert_string_equal(out, "");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat_named),
		cmocka_unit_test(test_ioctl_request_shown),
		cmocka_unit_test(test_descriptor_shown),
		cmocka_unit_test(test_output_thread_reports),
		cmocka_unit_test(test_i386_abi),
		cmocka_unit_test(test_x32_abi),
		cmocka_unit_test(test_allowed_is_silent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
