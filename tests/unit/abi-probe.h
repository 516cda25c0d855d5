/* SPDX-License-Identifier: MIT */
/*
 * Whether this kernel offers a 64-bit process the other system call ABIs,
 * asked in a child without any seccomp filter: getpid through int $0x80
 * (i386, nr 20) and with the x32 bit (x32). Kernels differ: one without
 * IA32 emulation (CONFIG_IA32_EMULATION off, or off at boot) ends
 * int $0x80 with SIGSEGV before seccomp sees the call, so no filter can be
 * tested on it; x32 is mostly off, but seccomp sees an x32 call before
 * the kernel looks for x32 support, so a filter can be tested either way.
 *
 * Include after <cmocka.h>: abi_require_i386() skips the test (one line
 * "skipped: <why>", then cmocka's skip()) where the ABI is missing.
 */
#ifndef AIRLOCK_ABI_PROBE_H
#define AIRLOCK_ABI_PROBE_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ABI_X32_BIT		0x40000000L
#define ABI_I386_GETPID		20

enum abi_probe {
	ABI_OFFERED,		/* the call ran: getpid returned the pid */
	ABI_MISSING,		/* the kernel refused it by itself; why says how */
	ABI_PROBE_FAILED,	/* neither: why says what happened */
};

static inline long abi_int80(long nr)
{
	asm volatile("int $0x80" : "+a"(nr) : : "memory", "r8", "r9", "r10", "r11");
	return nr;
}

/*
 * cmocka catches these signals in the test process, and a forked child
 * inherits its handler, which jumps back into the test runner: a child
 * that may die of one gets the default action back, so that it dies of
 * that signal and of nothing its handler did after it.
 */
static inline void abi_default_signals(void)
{
	static const int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGSYS };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* A probe child's exit status: what getpid through the ABI returned. */
#define ABI_RET_PID	0
#define ABI_RET_ENOSYS	1
#define ABI_RET_OTHER	2

static inline enum abi_probe abi_probe(bool i386, const char *abi, const char *missing,
				       char *why, size_t size)
{
	const struct rlimit no_core = { 0, 0 };
	const char *sig;
	char name[24];
	int status;
	pid_t pid;
	long ret;

	pid = fork();
	if (pid < 0) {
		snprintf(why, size, "cannot fork to probe the %s ABI: %s", abi, strerror(errno));
		return ABI_PROBE_FAILED;
	}
	if (!pid) {
		abi_default_signals();
		alarm(5);
		if (setrlimit(RLIMIT_CORE, &no_core))
			_exit(ABI_RET_OTHER);
		/* int $0x80 returns in eax; syscall() returns -1 and sets errno. */
		ret = i386 ? (int)abi_int80(ABI_I386_GETPID) : syscall(ABI_X32_BIT | SYS_getpid);
		if (!i386 && ret == -1)
			ret = -errno;
		_exit(ret == getpid() ? ABI_RET_PID : ret == -ENOSYS ? ABI_RET_ENOSYS : ABI_RET_OTHER);
	}
	if (waitpid(pid, &status, 0) != pid) {
		snprintf(why, size, "cannot wait for the %s ABI's probe: %s", abi, strerror(errno));
		return ABI_PROBE_FAILED;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == ABI_RET_PID)
		return ABI_OFFERED;
	if (WIFEXITED(status) && WEXITSTATUS(status) == ABI_RET_ENOSYS) {
		snprintf(why, size, "%s (getpid through it fails with ENOSYS, without any filter)", missing);
		return ABI_MISSING;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGALRM) {
		sig = sigabbrev_np(WTERMSIG(status));
		if (sig)
			snprintf(name, sizeof(name), "SIG%s", sig);
		else
			snprintf(name, sizeof(name), "signal %d", WTERMSIG(status));
		snprintf(why, size, "%s (%s ends the process with %s%s)", missing,
			 i386 ? "int $0x80" : "getpid with the x32 bit", name,
			 i386 ? " before seccomp sees it" : ", without any filter");
		return ABI_MISSING;
	}
	snprintf(why, size, "the %s ABI's probe, getpid without any filter, neither returned the pid nor "
		 "ENOSYS nor died of a signal (wait status 0x%x)", abi, (unsigned int)status);
	return ABI_PROBE_FAILED;
}

/* getpid through int $0x80, in a child without any filter. */
static inline enum abi_probe abi_probe_i386(char *why, size_t size)
{
	return abi_probe(true, "i386", "this kernel has no IA32 syscall emulation", why, size);
}

/* getpid with the x32 bit, in a child without any filter. */
static inline enum abi_probe abi_probe_x32(char *why, size_t size)
{
	return abi_probe(false, "x32", "this kernel has no x32 syscall support", why, size);
}

/* Returns where the kernel offers the i386 ABI; skips the test where not, fails where the probe did. */
static inline void abi_require_i386(void)
{
	char why[256];

	switch (abi_probe_i386(why, sizeof(why))) {
	case ABI_OFFERED:
		return;
	case ABI_MISSING:
		print_message("skipped: %s\n", why);
		skip();
		break;
	case ABI_PROBE_FAILED:
		fail_msg("%s", why);
		break;
	}
}

#endif
