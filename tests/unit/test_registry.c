// SPDX-License-Identifier: MIT
/*
 * The host's registry of running VMs (RUN/airlock/vms): an entry's text,
 * names unique among live brokers, stale entries dropped, the guest RAM
 * one user's VMs with devices pin counted against user-memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc-stat.h"
#include "registry.h"

#define G	(1ull << 30)

static struct host host;
static char tmp[64];

/* The registry's files need root's ownership: as another user the test is skipped. */
static int setup(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/airlock-registry-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(host.run, sizeof(host.run), "%s", tmp);
	snprintf(host.proc, sizeof(host.proc), "/proc");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	registry__release("poweroff");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd);
}

static void need_root(void)
{
	if (geteuid())
		skip();
}

static struct registry_vm vm_of(const char *name, unsigned int uid, uint64_t memory, unsigned int nr_devices)
{
	struct registry_vm vm = {
		.uid = uid, .memory = memory, .vcpus = 2, .nr_devices = nr_devices, .started = 1764900000, .stop_timeout = 30,
	};

	snprintf(vm.name, sizeof(vm.name), "%s", name);
	snprintf(vm.user, sizeof(vm.user), "u%u", uid);
	for (unsigned int i = 0; i < nr_devices; i++)
		snprintf(vm.devices[i], sizeof(vm.devices[i]), "0000:00:%02x.0", 4 + i);
	return vm;
}

/* An entry another broker wrote: pid, with start time start. */
static void put_entry(struct registry_vm vm, pid_t pid, unsigned long long start)
{
	char path[128], text[REGISTRY_TEXT_MAX];
	int len, fd;

	vm.broker = pid;
	vm.broker_start = start;
	len = registry__format(&vm, text, sizeof(text));
	assert_true(len > 0);
	snprintf(path, sizeof(path), "%s/airlock", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/airlock/vms", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/airlock/vms/%s", tmp, vm.name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, (size_t)len), len);
	close(fd);
}

static bool exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/airlock/vms/%s", tmp, name);
	return !access(path, F_OK);
}

static void test_format_parse(void **state)
{
	struct registry_vm vm = vm_of("db-1", 1000, 4 * G, 2), back;
	char text[REGISTRY_TEXT_MAX];
	int len;

	(void)state;
	vm.broker = 812;
	vm.broker_start = 123456;
	vm.vmm = 815;
	len = registry__format(&vm, text, sizeof(text));
	assert_string_equal(text, "name db-1\nbroker 812 123456\nvmm 815\nuser 1000 u1000\nmemory 4294967296\n"
			    "processors 2\ndevices 0000:00:04.0 0000:00:05.0\nstarted 1764900000\nconsole none\n"
			    "stop-timeout 30\n");
	assert_int_equal(registry__parse(text, (size_t)len, &back), 0);
	assert_memory_equal(&back, &vm, sizeof(vm));
	/* A VM that has ended says how, last. */
	snprintf(vm.ended, sizeof(vm.ended), "killed-after-timeout");
	len = registry__format(&vm, text, sizeof(text));
	assert_non_null(strstr(text, "\nstop-timeout 30\nended killed-after-timeout\n"));
	assert_int_equal(registry__parse(text, (size_t)len, &back), 0);
	assert_string_equal(back.ended, "killed-after-timeout");
	vm.ended[0] = '\0';
	vm.nr_devices = 0;
	vm.console = CONSOLE_TERMINAL;
	len = registry__format(&vm, text, sizeof(text));
	assert_non_null(strstr(text, "\ndevices\nstarted 1764900000\nconsole terminal\n"));
	assert_int_equal(registry__parse(text, (size_t)len, &back), 0);
	assert_int_equal(back.console, CONSOLE_TERMINAL);
	assert_int_equal(back.nr_devices, 0);
	/* Each --com1 mode has its word; a pty, once made, its path after it. */
	for (vm.console = CONSOLE_NONE; vm.console < CONSOLE_MODES; vm.console++) {
		len = registry__format(&vm, text, sizeof(text));
		assert_int_equal(registry__parse(text, (size_t)len, &back), 0);
		assert_int_equal(back.console, vm.console);
	}
	vm.console = CONSOLE_PTY;
	snprintf(vm.pty, sizeof(vm.pty), "/dev/pts/7");
	len = registry__format(&vm, text, sizeof(text));
	assert_non_null(strstr(text, "\nconsole pty /dev/pts/7\n"));
	assert_int_equal(registry__parse(text, (size_t)len, &back), 0);
	assert_string_equal(back.pty, "/dev/pts/7");
	assert_int_equal(registry__format(&vm, text, 40), -ENOSPC);
}

/* Anything but the exact text is refused: an entry is root's word, read as it was written. */
static void test_parse_rejects(void **state)
{
	static const char good[] = "name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n";
	static const char *const bad[] = {
		"",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\nx",
		"name a\nvmm 0\nbroker 1 2\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a b\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name ../x\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 0 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 01 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker -1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 ro\001t\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 256\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices 0000:00:04.0 \nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices 0000:00:4.0\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices 0000:00:0A.0\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole tty\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole pty /etc/passwd\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole socket /dev/pts/1\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole pty \nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 18446744073709551616\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 3601\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\nended\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\nended killed\nended killed\n",
		"name a\nbroker 1 2\nvmm 0\nuser 0 root\nmemory 1\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\nended an-ending-word-that-is-too-long\n",
	};
	struct registry_vm vm;

	(void)state;
	assert_int_equal(registry__parse(good, strlen(good), &vm), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (registry__parse(bad[i], strlen(bad[i]), &vm) != -EINVAL)
			fail_msg("bad entry %zu accepted", i);
}

static void test_claim_and_release(void **state)
{
	struct registry_vm vm = vm_of("web", 1000, 1 * G, 1), back;
	char path[128];
	struct stat st;

	(void)state;
	need_root();
	assert_int_equal(registry__claim(&host, &vm, 8 * G), 0);
	assert_int_equal(vm.broker, getpid());
	assert_int_equal(vm.broker_start, proc_start_time(getpid()));
	snprintf(path, sizeof(path), "%s/airlock/vms/web", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(registry__set_vmm(4242), 0);
	assert_int_equal(registry__get(&host, "web", &back), 0);
	assert_true(registry__live(&host, &back));
	assert_int_equal(back.vmm, 4242);
	/* Ended: the entry stays, stale, saying how, until the next claim. */
	registry__release("power-button");
	assert_int_equal(registry__get(&host, "web", &back), 0);
	assert_false(registry__live(&host, &back));
	assert_string_equal(back.ended, "power-button");
	vm = vm_of("other", 1000, 1 * G, 0);
	assert_int_equal(registry__claim(&host, &vm, 0), 0);
	assert_false(exists("web"));
}

/* A name is looked up only when it is one: never a path. */
static void test_get(void **state)
{
	struct registry_vm vm;

	(void)state;
	need_root();
	assert_int_equal(registry__get(&host, "web", &vm), -ENOENT);	/* no registry yet */
	put_entry(vm_of("web", 1000, G, 0), 999999, 1);
	assert_int_equal(registry__get(&host, "web", &vm), 0);
	assert_false(registry__live(&host, &vm));
	assert_int_equal(registry__get(&host, "nosuch", &vm), -ENOENT);
	assert_int_equal(registry__get(&host, "../vms/web", &vm), -EINVAL);
	assert_int_equal(registry__get(&host, ".web", &vm), -EINVAL);
	assert_int_equal(registry__get(&host, "", &vm), -EINVAL);
	assert_int_equal(registry__get(&host, "a-name-too-long", &vm), -ENOENT);
	assert_int_equal(registry__get(&host, "a-name-too-long1", &vm), -EINVAL);
}

/* A name a live broker holds is refused; a dead broker's, or a reused pid's, is taken over. */
static void test_names_unique(void **state)
{
	struct registry_vm vm = vm_of("web", 1000, 1 * G, 0);

	(void)state;
	need_root();
	put_entry(vm_of("web", 1001, 1 * G, 0), getppid(), proc_start_time(getppid()));
	assert_int_equal(registry__claim(&host, &vm, 0), -EEXIST);
	/* The same pid, started at another time: another process now. */
	put_entry(vm_of("web", 1001, 1 * G, 0), getppid(), proc_start_time(getppid()) + 1);
	assert_int_equal(registry__claim(&host, &vm, 0), 0);
	registry__release("poweroff");
	put_entry(vm_of("web", 1001, 1 * G, 0), 999999, 1);
	put_entry(vm_of("old", 1001, 1 * G, 0), 999999, 1);
	assert_int_equal(registry__claim(&host, &vm, 0), 0);
	assert_false(exists("old"));
}

/* A broker that has exited, though its parent has not reaped it yet, runs no VM. */
static void test_zombie_broker(void **state)
{
	struct registry_vm vm;
	char stat[1024];
	pid_t pid;

	(void)state;
	need_root();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	put_entry(vm_of("web", 1000, G, 0), pid, proc_start_time(pid));
	assert_int_equal(registry__get(&host, "web", &vm), 0);
	assert_true(registry__live(&host, &vm));
	kill(pid, SIGKILL);
	do
		proc_stat_line(pid, stat, sizeof(stat));
	while (strstr(stat, ") Z ") == NULL && !usleep(10000));
	assert_false(registry__live(&host, &vm));
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* One user's live VMs with devices count together; without devices, or another user's, they do not. */
static void test_user_memory(void **state)
{
	struct registry_vm vm = vm_of("new", 1000, 4 * G, 1);

	(void)state;
	need_root();
	put_entry(vm_of("a", 1000, 6 * G, 1), getppid(), proc_start_time(getppid()));
	put_entry(vm_of("b", 1000, 16 * G, 0), getppid(), proc_start_time(getppid()));
	put_entry(vm_of("c", 1001, 16 * G, 1), getppid(), proc_start_time(getppid()));
	assert_int_equal(registry__claim(&host, &vm, 8 * G), -EDQUOT);
	vm.memory = 2 * G;
	assert_int_equal(registry__claim(&host, &vm, 8 * G), 0);
	registry__release("poweroff");
	/* No cap: counted, never refused. A VM without devices pins nothing. */
	vm.memory = 64 * G;
	assert_int_equal(registry__claim(&host, &vm, 0), 0);
	registry__release("poweroff");
	vm.nr_devices = 0;
	assert_int_equal(registry__claim(&host, &vm, 8 * G), 0);
}

static int collect(const struct registry_vm *vm, void *arg)
{
	char *names = arg;

	strcat(names, vm->name);
	strcat(names, " ");
	return 0;
}

/* Live entries in name order; stale, malformed and half-written ones passed over. */
static void test_each(void **state)
{
	char names[128] = "", path[128];
	int fd;

	(void)state;
	need_root();
	assert_int_equal(registry__each(&host, collect, names), 0);	/* no registry yet */
	put_entry(vm_of("zeta", 1000, G, 0), getppid(), proc_start_time(getppid()));
	put_entry(vm_of("alpha", 1000, G, 0), getppid(), proc_start_time(getppid()));
	put_entry(vm_of("dead", 1000, G, 0), 999999, 1);
	snprintf(path, sizeof(path), "%s/airlock/vms/junk", tmp);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "name junk\n", 10), 10);
	close(fd);
	snprintf(path, sizeof(path), "%s/airlock/vms/.alpha", tmp);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	close(fd);
	assert_int_equal(registry__each(&host, collect, names), 0);
	assert_string_equal(names, "alpha zeta ");
}

/* A registry directory others may write is no registry: refused, not used. */
static void test_dir_checked(void **state)
{
	struct registry_vm vm = vm_of("web", 1000, G, 0);
	char path[128];

	(void)state;
	need_root();
	snprintf(path, sizeof(path), "%s/airlock", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/airlock/vms", tmp);
	assert_int_equal(mkdir(path, 0777), 0);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(registry__claim(&host, &vm, 0), -EPERM);
	assert_false(exists("web"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test_setup_teardown(test_claim_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zombie_broker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_checked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
