// SPDX-License-Identifier: MIT
/* The VMM's counters: the VMM's helpers, and the broker's snapshot, JSON line and start-up line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "../../vmm/count.h"

static struct counters_page s;
static struct msg_device devs[CONFIG_DEVICES_MAX];
static char buf[COUNTERS_LINE_MAX];

static int setup(void **state)
{
	(void)state;
	memset(&s, 0, sizeof(s));
	memset(devs, 0, sizeof(devs));
	memset(buf, 0, sizeof(buf));
	return 0;
}

static void format_is(unsigned int nr_devices, const char *want)
{
	int n = counters__format(&s, devs, nr_devices, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_empty(void **state)
{
	(void)state;
	format_is(0, "{\"vcpu_wakeups\":0,\"input_wakeups\":0,\"irq_wakeups\":0,\"console\":{\"bytes\":0,\"writes\":0,\"exits\":0},\"exits\":{},\"devices\":[]}");
}

/* Only non-zero reasons, in reason order; unnamed ones as reason_N, the last slot as other. */
static void test_exits(void **state)
{
	(void)state;
	s.vcpu_wakeups = 40;
	s.input_wakeups = 2;
	s.irq_wakeups = 1;
	s.console_bytes = 9;
	s.console_writes = 3;
	s.console_exits = 11;
	s.exits[KVM_EXIT_IO] = 12;
	s.exits[KVM_EXIT_HLT] = 1;
	s.exits[KVM_EXIT_MMIO] = 3;
	s.exits[KVM_EXIT_SHUTDOWN] = 1;
	s.exits[KVM_EXIT_INTR] = 2;
	s.exits[KVM_EXIT_S390_SIEIC] = 4;
	s.exits[50] = 5;
	s.exits[COUNTERS_EXIT_OTHER] = 6;
	format_is(0, "{\"vcpu_wakeups\":40,\"input_wakeups\":2,\"irq_wakeups\":1,"
		  "\"console\":{\"bytes\":9,\"writes\":3,\"exits\":11},\"exits\":{\"io\":12,\"hlt\":1,\"mmio\":3,\"shutdown\":1,\"intr\":2,"
		  "\"reason_13\":4,\"reason_50\":5,\"other\":6},\"devices\":[]}");
}

/* The broker's own device count and names decide what is shown, whatever the page holds. */
static void test_devices(void **state)
{
	(void)state;
	strcpy(devs[0].name, "0000:00:04.0");
	strcpy(devs[1].name, "0000:00:05.0");
	s.dev[0] = (struct counters_device){ .mmio = 7, .io = 0, .cfg = 300 };
	s.dev[1] = (struct counters_device){ .mmio = 0, .io = 9, .cfg = 1 };
	s.dev[2] = (struct counters_device){ .mmio = 99, .io = 99, .cfg = 99 };
	format_is(2, "{\"vcpu_wakeups\":0,\"input_wakeups\":0,\"irq_wakeups\":0,\"console\":{\"bytes\":0,\"writes\":0,\"exits\":0},\"exits\":{},\"devices\":["
		  "{\"name\":\"0000:00:04.0\",\"mmio\":7,\"io\":0,\"cfg\":300},"
		  "{\"name\":\"0000:00:05.0\",\"mmio\":0,\"io\":9,\"cfg\":1}]}");
}

/* Whatever the VMM wrote, the line fits: every counter at its largest, every device with a full name. */
static void test_largest(void **state)
{
	int n;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	for (unsigned int i = 0; i < CONFIG_DEVICES_MAX; i++)
		memset(devs[i].name, 'f', DEVICE_NAME_MAX);	/* and no NUL */
	n = counters__format(&s, devs, CONFIG_DEVICES_MAX, buf, sizeof(buf));
	assert_true(n > 0 && n < COUNTERS_LINE_MAX);
	assert_int_equal(strlen(buf), n);
	assert_non_null(strstr(buf, "\"vcpu_wakeups\":18446744073709551615,"));
	assert_non_null(strstr(buf, "\"reason_62\":18446744073709551615,\"other\":18446744073709551615}"));
	assert_non_null(strstr(buf, "{\"name\":\"ffffffffffffffff\",\"mmio\":18446744073709551615,"));
	assert_int_equal(buf[n - 1], '}');
}

static void test_too_small(void **state)
{
	char small[40];

	(void)state;
	assert_int_equal(counters__format(&s, devs, 0, small, sizeof(small)), -ENOSPC);
	assert_int_equal(counters__format(&s, devs, CONFIG_DEVICES_MAX + 1, buf, sizeof(buf)), -EINVAL);
}

static void test_snapshot(void **state)
{
	struct counters_page copy;

	(void)state;
	memset(&copy, 0xaa, sizeof(copy));
	s.magic = COUNTERS_MAGIC;
	s.version = COUNTERS_VERSION;
	s.exits[KVM_EXIT_IO] = 5;
	s.vcpu_wakeups = 6;
	s.input_wakeups = 7;
	s.irq_wakeups = 8;
	s.console_bytes = 11;
	s.console_writes = 12;
	s.console_exits = 13;
	s.dev[CONFIG_DEVICES_MAX - 1].cfg = 9;
	s.times[COUNTERS_VMM_TIMES - 1] = 10;
	counters__snapshot(&s, &copy);
	assert_memory_equal(&copy, &s, sizeof(s));
}

static void test_exit_slot(void **state)
{
	(void)state;
	assert_int_equal(counters__exit_slot(KVM_EXIT_IO), KVM_EXIT_IO);
	assert_int_equal(counters__exit_slot(COUNTERS_EXIT_OTHER - 1), COUNTERS_EXIT_OTHER - 1);
	assert_int_equal(counters__exit_slot(COUNTERS_EXIT_OTHER), COUNTERS_EXIT_OTHER);
	assert_int_equal(counters__exit_slot(0xffffffffu), COUNTERS_EXIT_OTHER);
}

/* What the VMM's helpers count is what the broker shows. */
static void test_vmm_counts(void **state)
{
	struct counters_page *unshared = vmm_counters;

	(void)state;
	vmm_counters = &s;
	count__inc(&vmm_counters->vcpu_wakeups);
	count__inc(&vmm_counters->vcpu_wakeups);
	count__exit(KVM_EXIT_IO);
	count__exit(1000);
	count__inc(&vmm_counters->dev[0].mmio);
	count__inc(&vmm_counters->console_bytes);
	count__inc(&vmm_counters->console_exits);
	count__inc(&vmm_counters->console_exits);
	vmm_counters = unshared;
	strcpy(devs[0].name, "0000:00:04.0");
	format_is(1, "{\"vcpu_wakeups\":2,\"input_wakeups\":0,\"irq_wakeups\":0,\"console\":{\"bytes\":1,\"writes\":0,\"exits\":2},"
		  "\"exits\":{\"io\":1,\"other\":1},"
		  "\"devices\":[{\"name\":\"0000:00:04.0\",\"mmio\":1,\"io\":0,\"cfg\":0}]}");
}

static void console_is(const char *want)
{
	int n = counters__format_console(&s, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* COM1's line: exits per byte to a tenth, rounded, whatever the VMM wrote. */
static void test_console(void **state)
{
	char small[16];

	(void)state;
	console_is("0 bytes in 0 writes, 0 exits");
	s.console_exits = 7;
	s.console_writes = 1;
	console_is("0 bytes in 1 write, 7 exits");
	s.console_bytes = 21034;
	s.console_writes = 118;
	s.console_exits = 44171;		/* 2.09999 */
	console_is("21034 bytes in 118 writes, 2.1 exits per byte");
	s.console_exits = 2 * 21034 - 1;	/* 1.99995: rounds up to the next whole */
	console_is("21034 bytes in 118 writes, 2.0 exits per byte");
	s.console_bytes = 3;
	s.console_exits = 1;
	console_is("3 bytes in 118 writes, 0.3 exits per byte");
	s.console_bytes = 1;
	s.console_writes = UINT64_MAX;
	s.console_exits = UINT64_MAX;
	console_is("1 byte in 18446744073709551615 writes, 18446744073709551615.0 exits per byte");
	s.console_bytes = UINT64_MAX;
	s.console_exits = UINT64_MAX - 1;
	console_is("18446744073709551615 bytes in 18446744073709551615 writes, 1.0 exits per byte");
	assert_int_equal(counters__format_console(&s, small, sizeof(small)), -ENOSPC);
}

static uint64_t marks[COUNTERS_MARKS];

static void startup_is(uint64_t dma_bytes, const char *want)
{
	int n = counters__format_startup(marks, &s, dma_bytes, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* Every step as nanoseconds since the start, the broker's and the VMM's interleaved in boot order. */
static void test_startup(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < COUNTERS_MARKS; i++)
		marks[i] = 1000000 + i * 10;
	marks[COUNTERS_T_LOCKED] = 1000500;
	marks[COUNTERS_T_RELEASED] = 1000600;
	for (unsigned int i = 0; i < COUNTERS_VMM_TIMES; i++)
		s.times[i] = 1000100 + i * 100;
	startup_is(256 << 20, "{\"start_ns\":1000000,\"ns\":{\"authorized\":10,\"boot\":20,\"checked\":30,"
		   "\"ram\":40,\"dma_begin\":50,\"dma_end\":60,\"prepared\":70,\"spawned\":80,"
		   "\"vmm_exec\":100,\"vmm_config\":200,\"vmm_built\":300,\"vmm_filter\":400,"
		   "\"locked\":500,\"released\":600},\"dma_bytes\":268435456}");
}

/* No assigned device: no DMA steps; a step not reached (0) is left out, whoever keeps it. */
static void test_startup_partial(void **state)
{
	(void)state;
	memset(marks, 0, sizeof(marks));
	marks[COUNTERS_T_START] = 5000;
	marks[COUNTERS_T_AUTHORIZED] = 5001;
	marks[COUNTERS_T_DMA_BEGIN] = 5002;
	marks[COUNTERS_T_DMA_END] = 5003;
	s.times[COUNTERS_VMM_EXEC] = 5004;
	startup_is(0, "{\"start_ns\":5000,\"ns\":{\"authorized\":1,\"vmm_exec\":4}}");
}

/* The VMM's times are its own to write: before the start they show negative, and any value fits. */
static void test_startup_untrusted(void **state)
{
	char small[40];
	int n;

	(void)state;
	memset(marks, 0, sizeof(marks));
	marks[COUNTERS_T_START] = 5000;
	s.times[COUNTERS_VMM_EXEC] = 4000;
	s.times[COUNTERS_VMM_CONFIG] = UINT64_MAX;
	startup_is(0, "{\"start_ns\":5000,\"ns\":{\"vmm_exec\":-1000,\"vmm_config\":-5001}}");
	memset(marks, 0xff, sizeof(marks));
	memset(s.times, 0xff, sizeof(s.times));
	n = counters__format_startup(marks, &s, UINT64_MAX, buf, sizeof(buf));
	assert_true(n > 0 && n < COUNTERS_LINE_MAX);
	assert_int_equal(counters__format_startup(marks, &s, 0, small, sizeof(small)), -ENOSPC);
}

/* What the VMM's helper stamps is what the broker shows. */
static void test_vmm_times(void **state)
{
	struct counters_page *unshared = vmm_counters;

	(void)state;
	memset(marks, 0, sizeof(marks));
	marks[COUNTERS_T_START] = 1;
	vmm_counters = &s;
	count__time(COUNTERS_VMM_FILTER, 43);
	vmm_counters = unshared;
	startup_is(0, "{\"start_ns\":1,\"ns\":{\"vmm_filter\":42}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_exits, setup),
		cmocka_unit_test_setup(test_devices, setup),
		cmocka_unit_test_setup(test_largest, setup),
		cmocka_unit_test_setup(test_too_small, setup),
		cmocka_unit_test_setup(test_snapshot, setup),
		cmocka_unit_test_setup(test_exit_slot, setup),
		cmocka_unit_test_setup(test_vmm_counts, setup),
		cmocka_unit_test_setup(test_console, setup),
		cmocka_unit_test_setup(test_startup, setup),
		cmocka_unit_test_setup(test_startup_partial, setup),
		cmocka_unit_test_setup(test_startup_untrusted, setup),
		cmocka_unit_test_setup(test_vmm_times, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
