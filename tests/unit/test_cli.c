// SPDX-License-Identifier: MIT
/* "airlock run" argument parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 32

static char err[512];

/* Parse a NULL-terminated list of arguments after "run". */
static int parse(struct cli *cli, ...)
{
	char *argv[MAX_ARGS] = { "run" };
	int argc = 1;
	va_list ap;

	va_start(ap, cli);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err[0] = '\0';
	return cli__parse(cli, argc, argv, NULL, err, sizeof(err));
}

/* A rejected command line, and a word its one-line message must contain. */
struct reject {
	const char *args[8];
	const char *says;
};

static void test_defaults(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "--kernel", "k", NULL), 0);
	assert_string_equal(cli.kernel, "k");
	assert_int_equal(cli.mem_size, 256ull << 20);
	assert_int_equal(cli.vcpus, 1);
	assert_int_equal(cli.com1, CONSOLE_NONE);
	assert_null(cli.com1_path);
	assert_null(cli.initrd);
	assert_string_equal(cli.cmdline, "");
	assert_false(cli.sandbox_id_set);
	assert_int_equal(cli.stop_timeout, 30);
}

static void test_everything(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "--kernel", "vmlinux", "--initrd", "initrd", "--cmdline", "console=ttyS0",
			       "--com1", "console", "--memory", "1G", "--processors", "4",
			       "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:rp0",
			       "--pcie-root-port", "rc0:rp1", "--vfio", "rp1:0000:01:00.0",
			       "--vfio", "rp0:abcd:ff:1f.7", "--sandbox-id", "64000:64001", NULL), 0);
	assert_int_equal(cli.mem_size, 1ull << 30);
	assert_int_equal(cli.vcpus, 4);
	assert_int_equal(cli.com1, CONSOLE_TERMINAL);
	assert_string_equal(cli.initrd, "initrd");
	assert_string_equal(cli.cmdline, "console=ttyS0");
	assert_int_equal(cli.nr_rc, 1);
	assert_int_equal(cli.nr_port, 2);
	assert_string_equal(cli.port[1].name, "rp1");
	assert_int_equal(cli.nr_vfio, 2);
	assert_int_equal(cli.vfio[0].port, 1);
	assert_int_equal(cli.vfio[0].bdf.bus, 1);
	assert_int_equal(cli.vfio[1].bdf.domain, 0xabcd);
	assert_int_equal(cli.vfio[1].bdf.dev, 0x1f);
	assert_int_equal(cli.vfio[1].bdf.fn, 7);
	assert_int_equal(cli.sandbox_uid, 64000);
	assert_int_equal(cli.sandbox_gid, 64001);
}

/* Each --com1 form: its mode, and its path where it takes one; the last given wins. */
static void test_com1(void **state)
{
	static const struct {
		const char *arg;
		enum console_mode mode;
		const char *path;
	} forms[] = {
		{ "none", CONSOLE_NONE, NULL }, { "console", CONSOLE_TERMINAL, NULL },
		{ "file=vm.log", CONSOLE_FILE, "vm.log" }, { "file=/var/log/a=b", CONSOLE_FILE, "/var/log/a=b" },
		{ "socket", CONSOLE_SOCKET, NULL }, { "socket=/run/user/1000/vm.sock", CONSOLE_SOCKET, "/run/user/1000/vm.sock" },
		{ "listen=com1.sock", CONSOLE_SOCKET, "com1.sock" }, { "pty", CONSOLE_PTY, NULL },
	};
	struct cli cli;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(parse(&cli, "--kernel", "k", "--com1", "file=x", "--com1", forms[i].arg, NULL), 0);
		assert_int_equal(cli.com1, forms[i].mode);
		if (forms[i].path)
			assert_string_equal(cli.com1_path, forms[i].path);
		else
			assert_null(cli.com1_path);
	}
}

static void test_help(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "--help", NULL), CLI_HELP);
}

static const struct reject rejects[] = {
	{ { NULL }, "no --kernel" },
	{ { "--kernel", "k", "--bogus", NULL }, "unknown option '--bogus'" },
	{ { "--kernel", "k", "-ab", NULL }, "unknown option '-a'" },	/* and the next parse starts afresh */
	{ { "--kernel", "k", "stray", NULL }, "unexpected argument 'stray'" },
	{ { "--kernel", "k", "--memory", NULL }, "needs a value" },
	{ { "--kernel", "k", "--memory", "12X", NULL }, "bad size" },
	{ { "--kernel", "k", "--memory", "-1G", NULL }, "bad size" },
	{ { "--kernel", "k", "--memory", "2M", NULL }, "too small" },
	{ { "--kernel", "k", "--memory", "2T", NULL }, "too large" },
	{ { "--kernel", "k", "--memory", "510G", NULL }, "too large" },
	{ { "--kernel", "k", "--memory", "5M", NULL }, "multiple of 2M" },
	{ { "--kernel", "k", "--processors", "0", NULL }, "from 1 to 255" },
	{ { "--kernel", "k", "--processors", "256", NULL }, "from 1 to 255" },
	{ { "--kernel", "k", "--processors", "two", NULL }, "from 1 to 255" },
	{ { "--kernel", "k", "--com1", "tty", NULL }, "--com1 'tty': expected console, none, file=PATH, socket" },
	{ { "--kernel", "k", "--com1", "console=x", NULL }, "console takes no path" },
	{ { "--kernel", "k", "--com1", "pty=/dev/pts/1", NULL }, "pty takes no path" },
	{ { "--kernel", "k", "--com1", "file", NULL }, "give a path, as in --com1 file=PATH" },
	{ { "--kernel", "k", "--com1", "file=", NULL }, "give a path, as in --com1 file=PATH" },
	{ { "--kernel", "k", "--com1", "listen", NULL }, "give a path, as in --com1 listen=PATH" },
	{ { "--kernel", "k", "--com1", "socket=", NULL }, "give a path" },
	{ { "--kernel", "k", "--com1", "sockets", NULL }, "expected console, none" },
	{ { "--kernel", "k", "--com1", "socket=/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    NULL }, "a socket's path is at most 107 bytes" },
	{ { "--kernel", "k", "--pcie-root-port", "rc0:rp0", NULL }, "no root complex 'rc0'" },
	{ { "--kernel", "k", "--pcie-root-complex", "rc 0", NULL }, "a name is" },
	{ { "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-complex", "rc0", NULL }, "twice" },
	{ { "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rp0", NULL }, "expected RC:NAME" },
	{ { "--kernel", "k", "--vfio", "rp0:0000:01:00.0", NULL }, "no root port 'rp0'" },
	{ { "--kernel", "k", "--vfio", "0000:01:00.0", NULL }, "dddd:bb:dd.f" },
	{ { "--kernel", "k", "--vfio", "rp0:01:00.0", NULL }, "dddd:bb:dd.f" },
	{ { "--kernel", "k", "--vfio", "rp0", NULL }, "expected PORT:BDF" },
	{ { "--kernel", "k", "--vfio", "rp0:0000:01:00.0,", NULL }, "unknown option ''" },
	{ { "--kernel", "k", "--vfio", "rp0:0000:01:00.0,trap,fast", NULL }, "unknown option 'fast'; the only option is 'trap'" },
	{ { "--kernel", "k", "--vfio", "rp0:0000:01:00.0,traps", NULL }, "unknown option 'traps'" },
	{ { "--kernel", "k", "--vfio", "rp0:0000:01:00.0trap", NULL }, "bad PCI address '0000:01:00.0trap'" },
	{ { "--kernel", "k", "--vfio", "rp0:,trap", NULL }, "bad PCI address ''" },
	{ { "--kernel", "k", "--vfio", "rp0:10de:*:0c033", NULL }, "bad device filter '10de:*:0c033'" },
	{ { "--kernel", "k", "--vfio", "rp0:10de", NULL }, "bad device filter '10de'" },
	{ { "--kernel", "k", "--vfio", "rp0:1:2:3:4", NULL }, "bad device filter" },
	{ { "--kernel", "k", "--name", "my vm", NULL }, "--name 'my vm': a name is" },
	{ { "--kernel", "k", "--name", "", NULL }, "--name '': a name is" },
	{ { "--kernel", "k", "--sandbox-id", "0:0", NULL }, "UID:GID" },
	{ { "--kernel", "k", "--sandbox-id", "1000", NULL }, "UID:GID" },
	{ { "--kernel", "k", "--sandbox-id", "4294967295:1", NULL }, "UID:GID" },
	{ { "--kernel", "k", "--stop-timeout", "3601", NULL }, "--stop-timeout '3601': expected seconds from 0 to 3600" },
	{ { "--kernel", "k", "--stop-timeout", "-1", NULL }, "--stop-timeout '-1': expected seconds" },
	{ { "--kernel", "k", "--stop-timeout", "", NULL }, "--stop-timeout '': expected seconds" },
	{ { "--kernel", "k", "--stop-timeout", "30s", NULL }, "--stop-timeout '30s': expected seconds" },
	{ { "--kernel", "k", "--stop-timeout", "99999999999999999999", NULL }, "expected seconds" },
	{ { "--kernel", "k", "--stop-timeout", NULL }, "needs a value" },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		const struct reject *r = &rejects[i];
		char *argv[MAX_ARGS] = { "run" };
		struct cli cli;
		int argc = 1;

		while (r->args[argc - 1])
			argv[argc] = (char *)r->args[argc - 1], argc++;
		err[0] = '\0';
		assert_int_equal(cli__parse(&cli, argc, argv, NULL, err, sizeof(err)), -EINVAL);
		if (!strstr(err, r->says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, r->says);
		assert_null(strchr(err, '\n'));
	}
}

/* --stop-timeout: seconds from the power button to a kill; 0, SIGTERM kills at once. */
static void test_stop_timeout(void **state)
{
	struct cli cli;
	unsigned int t;

	(void)state;
	assert_int_equal(parse(&cli, "--kernel", "k", "--stop-timeout", "0", NULL), 0);
	assert_int_equal(cli.stop_timeout, 0);
	assert_int_equal(parse(&cli, "--kernel", "k", "--stop-timeout", "3600", NULL), 0);
	assert_int_equal(cli.stop_timeout, 3600);
	assert_int_equal(parse(&cli, "--stop-timeout", "5", "--kernel", "k", NULL), 0);
	assert_int_equal(cli.stop_timeout, 5);
	assert_int_equal(cli__parse_timeout("12", &t), 0);
	assert_int_equal(t, 12);
	assert_int_equal(cli__parse_timeout("+1", &t), -EINVAL);
	assert_int_equal(cli__parse_timeout(" 1", &t), -EINVAL);
	assert_int_equal(cli__parse_timeout("1.5", &t), -EINVAL);
}

static void test_vfio_twice(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--pcie-root-port", "rc0:b", "--vfio", "a:0000:01:00.0", "--vfio", "b:0000:01:00.0",
			       NULL), -EINVAL);
	assert_non_null(strstr(err, "assigned twice"));
	assert_string_equal(err, "--vfio 'b:0000:01:00.0': device 0000:01:00.0 is assigned twice; a device can go behind one port only");
	/* The same device however it is spelt, with or without options. */
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--pcie-root-port", "rc0:b", "--vfio", "a:0000:0A:00.0", "--vfio", "b:0000:0a:00.0,trap",
			       NULL), -EINVAL);
	assert_non_null(strstr(err, "device 0000:0a:00.0 is assigned twice"));
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--vfio", "a:0000:01:00.0", "--vfio", "a:0000:02:00.0", NULL), -EINVAL);
	assert_string_equal(err, "--vfio 'a:0000:02:00.0': port 'a' already holds a device; add another --pcie-root-port");
	assert_non_null(strstr(err, "already holds a device"));
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--pcie-root-port", "rc0:a", NULL), -EINVAL);
	assert_non_null(strstr(err, "declared twice"));
}

/* A filter leaves the device to the broker; two alike filters may pick two devices. */
static void test_vfio_filter(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--pcie-root-port", "rc0:b", "--pcie-root-port", "rc0:c", "--vfio", "a:10de:*,trap",
			       "--vfio", "b:10de:*", "--vfio", "c:8086::0c03", "--name", "gpu-1", "--policy", "/p", NULL), 0);
	assert_true(cli.vfio[0].by_filter);
	assert_int_equal(cli.vfio[0].filter.vendor, 0x10de);
	assert_int_equal(cli.vfio[0].filter.device, -1);
	assert_int_equal(cli.vfio[0].opts, DEVICE_O_TRAP);
	assert_true(cli.vfio[1].by_filter);
	assert_int_equal(cli.vfio[2].filter.class, 0x0c03);
	assert_string_equal(cli.name, "gpu-1");
	assert_string_equal(cli.policy, "/p");
	assert_false(cli.hugepages);
	assert_int_equal(parse(&cli, "--kernel", "k", "--hugepages", "--memory", "2G", NULL), 0);
	assert_true(cli.hugepages);
	/* The longest filter, every field given, is longer than an address. */
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--vfio", "a:1af4:1044:ff00,trap", NULL), 0);
	assert_true(cli.vfio[0].by_filter);
	assert_int_equal(cli.vfio[0].filter.device, 0x1044);
	assert_int_equal(cli.vfio[0].filter.class, 0xff00);
	assert_int_equal(parse(&cli, "--kernel", "k", NULL), 0);
	assert_int_equal(strncmp(cli.name, "vm-", 3), 0);
	assert_null(cli.policy);
}

static void test_vfio_trap(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--pcie-root-port", "rc0:b", "--vfio", "a:0000:01:00.0,trap", "--vfio", "b:0000:02:00.0",
			       NULL), 0);
	assert_int_equal(cli.nr_vfio, 2);
	assert_int_equal(cli.vfio[0].opts, DEVICE_O_TRAP);
	assert_int_equal(cli.vfio[0].bdf.bus, 1);
	assert_int_equal(cli.vfio[1].opts, 0);
	assert_int_equal(parse(&cli, "--kernel", "k", "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:a",
			       "--vfio", "a:0000:01:00.0,trap,trap", NULL), 0);
	assert_int_equal(cli.vfio[0].opts, DEVICE_O_TRAP);
	assert_non_null(strstr(cli_usage, "--vfio PORT:BDF[,trap]"));
}

static void test_cmdline_limit(void **state)
{
	static char longer[4096];
	struct cli cli;

	(void)state;
	memset(longer, 'x', 2047);
	assert_int_equal(parse(&cli, "--kernel", "k", "--cmdline", longer, NULL), 0);
	longer[2047] = 'x';
	assert_int_equal(parse(&cli, "--kernel", "k", "--cmdline", longer, NULL), -EINVAL);
	assert_non_null(strstr(err, "too long"));
}

/* OpenVMM's command lines, as its guide and users write them. */
static void test_openvmm_spellings(void **state)
{
	struct cli cli;

	(void)state;
	assert_int_equal(parse(&cli, "-k", "vmlinux", "-r", "initrd", "-c", "console=ttyS0", "-m", "1GB", "-p", "2",
			       "--cmdline", "quiet", "-c", "", "--cmdline", "panic=-1", NULL), 0);
	assert_string_equal(cli.kernel, "vmlinux");
	assert_string_equal(cli.initrd, "initrd");
	assert_int_equal(cli.mem_size, 1ull << 30);
	assert_int_equal(cli.vcpus, 2);
	/* Every --cmdline, joined by one blank; an empty one adds nothing. */
	assert_string_equal(cli.cmdline, "console=ttyS0 quiet panic=-1");
	assert_int_equal(parse(&cli, "-kvmlinux", "-m256MB", NULL), 0);
	assert_string_equal(cli.kernel, "vmlinux");
	assert_int_equal(cli.mem_size, 256ull << 20);
}

/* What OpenVMM has and airlock does not: said so, in one line naming it. */
static void test_openvmm_unsupported(void **state)
{
	const struct reject cases[] = {
		{ { "--hypervisor", "mshv" }, "--hypervisor is an OpenVMM option that airlock does not support: airlock runs on KVM alone" },
		{ { "--pcie-switch", "rc0:sw0" }, "--pcie-switch is an OpenVMM option that airlock does not support" },
		{ { "--pcie-root-complex", "rc0", "--pcie-root-port", "rc0:rp0,hotplug" },
		  "--pcie-root-port 'rc0:rp0,hotplug': hot-plug is not supported (OpenVMM's ,hotplug)" },
		{ { "-x" }, "unknown option '-x'" },
		{ { "-m" }, "option '-m' needs a value" },
	};
	struct cli cli;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[12] = { "run", "--kernel", "k" };
		int argc = 3;

		for (unsigned int a = 0; a < 8 && cases[i].args[a]; a++)
			argv[argc++] = (char *)cases[i].args[a];
		assert_int_equal(cli__parse(&cli, argc, argv, NULL, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].says);
		assert_null(strchr(err, '\n'));
	}
}

/* The joined command line has the VMM's limit, however it is split. */
static void test_cmdline_joined_limit(void **state)
{
	static char half[CONFIG_CMDLINE_MAX];
	struct cli cli;

	(void)state;
	memset(half, 'x', CONFIG_CMDLINE_MAX / 2 - 1);
	assert_int_equal(parse(&cli, "-k", "k", "-c", half, "-c", half, NULL), 0);
	assert_int_equal(strlen(cli.cmdline), CONFIG_CMDLINE_MAX - 1);
	assert_int_equal(parse(&cli, "-k", "k", "-c", half, "-c", half, "-c", "x", NULL), -EINVAL);
	assert_non_null(strstr(err, "with the earlier --cmdline"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_com1),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_stop_timeout),
		cmocka_unit_test(test_vfio_twice),
		cmocka_unit_test(test_vfio_trap),
		cmocka_unit_test(test_vfio_filter),
		cmocka_unit_test(test_cmdline_limit),
		cmocka_unit_test(test_openvmm_spellings),
		cmocka_unit_test(test_openvmm_unsupported),
		cmocka_unit_test(test_cmdline_joined_limit),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
