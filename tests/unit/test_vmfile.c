// SPDX-License-Identifier: MIT
/*
 * VM files: airlock run NAME and airlock run --config FILE. The file's
 * lines go through the same option handling as the command line, whose
 * options replace every line of their key; the file passes the checks of
 * root's configuration files (conffile__read) before it is read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as-root.h"
#include "cli.h"
#include "commands.h"
#include "fake-sysfs.h"
#include "log.h"
#include "source-file.h"
#include "subject.h"

#define MAX_ARGS 16

static struct cli cli;
static struct cli_file file;
static char text[CLI_FILE_MAX + 1], msg[512];

/*
 * airlock run with the arguments after "run" (NULL-terminated); the VM
 * file they name holds body, as the test's own text rather than a file.
 */
static int run_with(const char *body, ...)
{
	char *argv[MAX_ARGS] = { "run" };
	int argc = 1, ret;
	va_list ap;

	va_start(ap, body);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	msg[0] = '\0';
	ret = cli__file(&file, argc, argv, msg, sizeof(msg));
	if (ret)
		return ret;
	file.len = strlen(body);
	memcpy(text, body, file.len);
	file.text = text;
	return cli__parse(&cli, argc, argv, &file, msg, sizeof(msg));
}

static void test_name(void **state)
{
	(void)state;
	assert_int_equal(run_with("kernel /boot/vmlinuz\n", "t1", NULL), 0);
	assert_string_equal(file.path, CLI_VM_DIR "/t1.conf");
	assert_false(file.config);
	assert_string_equal(cli.name, "t1");
	assert_string_equal(cli.kernel, "/boot/vmlinuz");
	/* Options may come before the name, or after it. */
	assert_int_equal(run_with("kernel /k\n", "--memory", "64M", "t1", "-p", "2", NULL), 0);
	assert_int_equal(cli.mem_size, 64ull << 20);
	assert_int_equal(cli.vcpus, 2);
	assert_string_equal(cli.name, "t1");
	/* --name that says the same is no contradiction. */
	assert_int_equal(run_with("kernel /k\nname t1\n", "t1", "--name", "t1", NULL), 0);
}

static void test_good_file(void **state)
{
	(void)state;
	assert_int_equal(run_with("# the edu device and the tiny guest\n"
				  "kernel /opt/guest/hello.elf\n"
				  "  initrd\t/opt/guest/initrd.img   \n"
				  "\n"
				  "cmdline console=ttyS0 panic=-1\n"
				  "cmdline quiet   # joined with a blank, as --cmdline is\n"
				  "memory 1G\n"
				  "processors 2\n"
				  "com1 console\n"
				  "hugepages\n"
				  "stats\n"
				  "pcie-root-complex rc0\n"
				  "pcie-root-port rc0:rp0\n"
				  "pcie-root-port rc0:rp1\n"
				  "vfio rp0:0000:01:00.0\n"
				  "vfio rp1:1234:11e8,trap\n"
				  "name edu-vm\n"
				  "stop-timeout 5\n",
				  "--config", "/etc/airlock/edu.conf", NULL), 0);
	assert_true(file.config);
	assert_string_equal(file.path, "/etc/airlock/edu.conf");
	assert_string_equal(cli.kernel, "/opt/guest/hello.elf");
	assert_string_equal(cli.initrd, "/opt/guest/initrd.img");
	assert_string_equal(cli.cmdline, "console=ttyS0 panic=-1 quiet");
	assert_int_equal(cli.mem_size, 1ull << 30);
	assert_int_equal(cli.vcpus, 2);
	assert_int_equal(cli.com1, CONSOLE_TERMINAL);
	assert_true(cli.hugepages);
	assert_true(cli.stats);
	assert_int_equal(cli.nr_rc, 1);
	assert_int_equal(cli.nr_port, 2);
	assert_int_equal(cli.nr_vfio, 2);
	assert_false(cli.vfio[0].by_filter);
	assert_true(cli.vfio[1].by_filter);
	assert_int_equal(cli.vfio[1].opts, DEVICE_O_TRAP);
	assert_string_equal(cli.name, "edu-vm");
	assert_int_equal(cli.stop_timeout, 5);
	/* The last line needs no newline; comments and blank lines alone are no VM. */
	assert_int_equal(run_with("kernel /k", "--config", "/c", NULL), 0);
	assert_int_equal(run_with("# nothing\n\n", "--config", "/c", NULL), -EINVAL);
	assert_string_equal(msg, "/c has no kernel line, and no --kernel was given; add one, e.g. kernel /boot/vmlinuz");
}

/* The command line's options replace the file's: a value, or every line of a key that repeats. */
static void test_overrides(void **state)
{
	static const char body[] = "kernel /k\nmemory 1G\ncmdline a\ncmdline b\n"
				   "pcie-root-complex rc0\npcie-root-port rc0:rp0\npcie-root-port rc0:rp1\n"
				   "vfio rp0:0000:01:00.0\nvfio rp1:0000:02:00.0\n";

	(void)state;
	assert_int_equal(run_with(body, "t1", "--memory", "64M", "--cmdline", "c", "--vfio", "rp1:0000:03:00.0", NULL), 0);
	assert_int_equal(cli.mem_size, 64ull << 20);
	assert_string_equal(cli.cmdline, "c");
	/* The file's ports stay, for the command line's --vfio to name. */
	assert_int_equal(cli.nr_port, 2);
	assert_int_equal(cli.nr_vfio, 1);
	assert_int_equal(cli.vfio[0].port, 1);
	assert_int_equal(cli.vfio[0].bdf.bus, 3);
	/* A flag only the command line gives, and the kernel. */
	assert_int_equal(run_with(body, "t1", "--hugepages", "-k", "/other", NULL), 0);
	assert_true(cli.hugepages);
	assert_string_equal(cli.kernel, "/other");
	assert_int_equal(cli.nr_vfio, 2);
	/* The command line's own checks still apply to what it gives. */
	assert_int_equal(run_with(body, "t1", "--vfio", "rp9:0000:03:00.0", NULL), -EINVAL);
	assert_string_equal(msg, "--vfio 'rp9:0000:03:00.0': no root port 'rp9'; declare it with --pcie-root-port RC:rp9");
}

struct reject {
	const char *body;
	const char *says;	/* the whole line */
};

static void test_rejects(void **state)
{
	static const struct reject rejects[] = {
		{ "kernel /k\nmemroy 1G\n", "F:2: unknown key 'memroy'; a line is an option of airlock run without its --, "
					    "e.g. memory 1G (see airlock run --help)" },
		{ "kernel /k\n--memory 1G\n", "F:2: unknown key '--memory'; a line is an option of airlock run without its --, "
					      "e.g. memory 1G (see airlock run --help)" },
		{ "config /etc/airlock/other.conf\n", "F:1: unknown key 'config'; a line is an option of airlock run without "
						      "its --, e.g. memory 1G (see airlock run --help)" },
		{ "kernel /k\nmemory\n", "F:2: memory needs a value: write memory VALUE, as --memory VALUE takes it" },
		{ "kernel /k\nmemory # a comment is no value\n",
		  "F:2: memory needs a value: write memory VALUE, as --memory VALUE takes it" },
		{ "kernel /k\nhugepages yes\n", "F:2: hugepages takes no value; write it alone on its line" },
		{ "kernel /k\nmemory 1G\n\nmemory 2G\n", "F:4: memory is given again (first at line 2); keep one" },
		{ "kernel /k\nkernel /j\n", "F:2: kernel is given again (first at line 1); keep one" },
		{ "stats\nkernel /k\nstats\n", "F:3: stats is given again (first at line 1); keep one" },
		{ "kernel /k\n\n\nmemory 5X\n", "F:4: --memory '5X': bad size; use a number with an optional K, M, G or T suffix, e.g. 256M" },
		{ "kernel /k\nprocessors 0\n", "F:2: --processors '0': expected a number from 1 to 255" },
		{ "kernel /k\nvfio rp0:0000:01:00.0\n",
		  "F:2: --vfio 'rp0:0000:01:00.0': no root port 'rp0'; declare it with --pcie-root-port RC:rp0" },
		{ "kernel vmlinuz\n", "F:1: kernel 'vmlinuz' is not an absolute path; write it from /" },
		{ "kernel /k\ninitrd ./initrd\n", "F:2: initrd './initrd' is not an absolute path; write it from /" },
		{ "kernel /k\ncom1 file=t1.log\n", "F:2: com1 'file=t1.log': the path 't1.log' is not absolute; write it from /" },
		{ "kernel /k\nhypervisor kvm\n", "F:2: --hypervisor is an OpenVMM option that airlock does not support: "
						 "airlock runs on KVM alone; drop it" },
		{ "kernel /k\r\n", "F:1: control character 0x0d; a VM configuration is plain text (from Windows? convert it with dos2unix)" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rejects); i++) {
		assert_int_equal(run_with(rejects[i].body, "--config", "F", NULL), -EINVAL);
		if (strcmp(msg, rejects[i].says))
			fail_msg("case %zu: '%s', not '%s'", i, msg, rejects[i].says);
	}
}

static void test_limits(void **state)
{
	static char body[CONFIG_CMDLINE_MAX + 64] = "cmdline ";

	(void)state;
	/* The longest command line fits on a line; a longer line is refused before it is looked at. */
	memset(body + 8, 'x', CONFIG_CMDLINE_MAX - 1);
	assert_int_equal(run_with(body, "t1", "-k", "/k", NULL), 0);
	assert_int_equal(strlen(cli.cmdline), CONFIG_CMDLINE_MAX - 1);
	memset(body + 8, 'x', sizeof(body) - 9);
	assert_int_equal(run_with(body, "--config", "F", NULL), -EINVAL);
	assert_string_equal(msg, "F:1: line longer than 2064 bytes; a VM configuration line is a handful of words, "
				 "is this the right file?");
	/* Too large a file: refused before any line is read. */
	file.len = CLI_FILE_MAX + 1;
	assert_int_equal(cli__parse(&cli, 3, (char *[]){ "run", "--config", "F", NULL }, &file, msg, sizeof(msg)), -EFBIG);
	assert_string_equal(msg, "F is larger than 16 KiB; a VM configuration is a few lines, is this the right file?");
}

/* The file's name is the VM's: a name line or --name that says otherwise is refused. */
static void test_name_is_the_files(void **state)
{
	(void)state;
	assert_int_equal(run_with("kernel /k\nname other\n", "t1", NULL), -EINVAL);
	assert_string_equal(msg, CLI_VM_DIR "/t1.conf:2: name other differs from the file's name, t1.conf; "
				 "drop the line or make it name t1");
	assert_int_equal(run_with("kernel /k\n", "t1", "--name", "other", NULL), -EINVAL);
	assert_string_equal(msg, "--name other: airlock run t1 runs the VM named t1; drop --name");
	/* With --config the name is the file's, or the command line's. */
	assert_int_equal(run_with("kernel /k\nname a\n", "--config", "/c", NULL), 0);
	assert_string_equal(cli.name, "a");
	assert_int_equal(run_with("kernel /k\nname a\n", "--config", "/c", "--name", "b", NULL), 0);
	assert_string_equal(cli.name, "b");
}

static void test_which_file(void **state)
{
	(void)state;
	assert_int_equal(run_with("", "../../etc/shadow", NULL), -EINVAL);
	assert_string_equal(msg, "'../../etc/shadow' is no VM name: airlock run NAME reads " CLI_VM_DIR "/NAME.conf, "
				 "and a name is 1-15 letters, digits, '-' or '_'");
	assert_int_equal(run_with("", "t1", "t2", NULL), -EINVAL);
	assert_string_equal(msg, "unexpected argument 't2' after the VM's name t1; see 'airlock run --help'");
	assert_int_equal(run_with("", "t1", "--config", "/c", NULL), -EINVAL);
	assert_string_equal(msg, "airlock run t1 reads " CLI_VM_DIR "/t1.conf, and --config names another file; "
				 "give one of them");
	assert_int_equal(run_with("", "t1", "--bogus", NULL), -EINVAL);
	assert_string_equal(msg, "unknown option '--bogus'; see 'airlock run --help'");
	assert_int_equal(run_with("", "t1", "--help", NULL), CLI_HELP);
	/* No file at all: the command line alone, as before. */
	assert_int_equal(run_with("", "--kernel", "k", NULL), 0);
	assert_string_equal(file.path, "");
	assert_string_equal(cli.kernel, "k");
	/* Without a file read, a word is no option. */
	assert_int_equal(cli__parse(&cli, 4, (char *[]){ "run", "-k", "k", "t1", NULL }, NULL, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "unexpected argument 't1'; see 'airlock run --help'");
}

/* The example make install ships is a VM, as airlock run reads it. */
static void test_example(void **state)
{
	char path[PATH_MAX + 64], *argv[] = { "run", "--config", path, NULL };
	size_t len = source_file("policy/vm.conf.example", path, text, sizeof(text));

	(void)state;
	assert_int_equal(cli__file(&file, 3, argv, msg, sizeof(msg)), 0);
	file.text = text;
	file.len = len;
	if (cli__parse(&cli, 3, argv, &file, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_string_equal(cli.kernel, "/var/lib/airlock/images/vmlinuz");
	assert_int_equal(cli.nr_vfio, 1);
	assert_int_equal(cli.stop_timeout, 30);
}

/* ---- the file itself: root's, as the policy is ---- */

static int setup(void **state)
{
	(void)state;
	return fake_create() || chmod(root, 0755) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return fake_remove();
}

/* Read root/rel as airlock run reads a VM file. */
static int read_file(const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	msg[0] = '\0';
	return conffile__read(&cli_vm_file, path, text, &file.len, msg, sizeof(msg));
}

static void test_file_checks(void **state)
{
	char path[PATH_MAX * 2], want[PATH_MAX * 5];

	(void)state;
	need_root();
	put("vms/t1.conf=kernel /k\n");
	assert_int_equal(read_file("vms/t1.conf"), 0);
	assert_int_equal(file.len, 10);
	snprintf(path, sizeof(path), "%s/vms/t1.conf", root);
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_int_equal(read_file("vms/t1.conf"), -EPERM);
	snprintf(want, sizeof(want), "%s belongs to uid 65534, not root; chown root %s (its owner could choose the "
		 "images root opens and the devices it assigns)", path, path);
	assert_string_equal(msg, want);
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(read_file("vms/t1.conf"), -EPERM);
	snprintf(want, sizeof(want), "%s is writable by group or others (mode 0666); chmod go-w %s", path, path);
	assert_string_equal(msg, want);
	assert_int_equal(read_file("vms/t2.conf"), -ENOENT);
	snprintf(want, sizeof(want), "no VM configuration file %s/vms/t2.conf: write it (see VM FILES in airlock(8)), "
		 "or name another", root);
	assert_string_equal(msg, want);
}

static bool config_refused(const void *arg)
{
	(void)arg;
	return run_cmd(cmd_run, "run --config %s/secret.conf", root) == 1 && !strstr(err, "a-secret-word") &&
	       strstr(err, "--config FILE is for root");
}

/* As a setuid-root broker's caller: --config would read any file as root. */
static void test_config_not_root(void **state)
{
	(void)state;
	need_root();
	put("secret.conf=a-secret-word\n");
	assert_true(as_user(config_refused, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_name_is_the_files),
		cmocka_unit_test(test_which_file),
		cmocka_unit_test(test_example),
		cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_not_root, setup, teardown),
	};

	return cmocka_run_group_tests_name("vmfile", tests, NULL, NULL);
}
