// SPDX-License-Identifier: MIT
/* The JSON writer and the audit log's lines and file checks. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"

static char *buf;
static size_t len;

static struct json *start_max(struct json *j, size_t max)
{
	json__init(j, open_memstream(&buf, &len), max);
	return j;
}

static struct json *start(struct json *j)
{
	return start_max(j, 0);
}

static void done_is(struct json *j, int ret, const char *want)
{
	assert_int_equal(json__finish(j), ret);
	fclose(j->out);
	assert_string_equal(buf, want);
	free(buf);
}

static void test_json_nesting(void **state)
{
	struct json j;

	(void)state;
	start(&j);
	json__obj_begin(&j, NULL);
	json__u64(&j, "n", 18446744073709551615ull);
	json__i64(&j, "i", -3);
	json__bool(&j, "b", false);
	json__str(&j, "null", NULL);
	json__arr_begin(&j, "a");
	json__str(&j, NULL, "x");
	json__obj_begin(&j, NULL);
	json__obj_end(&j);
	json__arr_end(&j);
	json__obj_end(&j);
	done_is(&j, 0, "{\"n\":18446744073709551615,\"i\":-3,\"b\":false,\"null\":null,\"a\":[\"x\",{}]}");
}

/* Whatever a string holds (sysfs names, pci.ids text), it stays one JSON string on one line. */
static void test_json_escapes(void **state)
{
	struct json j;

	(void)state;
	start(&j);
	json__str(&j, NULL, "a\"b\\c\nd\te\x01\x7f\xc3\xa9");
	done_is(&j, 0, "\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001\\u007f\\u00c3\\u00a9\"");
}

/* Bytes outside printable ASCII, C1 controls and bytes that are not UTF-8 included: ASCII out, one line. */
static void test_json_high_bytes(void **state)
{
	char in[256], want[256 * 6 + 3], *w = want;
	struct json j;

	(void)state;
	for (int i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	*w++ = '"';
	for (int i = 1; i < 256; i++) {
		if (i == '"' || i == '\\')
			w += sprintf(w, "\\%c", i);
		else if (i < 0x20 || i >= 0x7f)
			w += sprintf(w, "\\u%04x", i);
		else
			*w++ = (char)i;
	}
	strcpy(w, "\"");
	start(&j);
	json__str(&j, NULL, in);
	assert_int_equal(json__finish(&j), 0);
	fclose(j.out);
	assert_string_equal(buf, want);
	for (size_t i = 0; i < len; i++)
		assert_true(buf[i] >= 0x20 && buf[i] < 0x7f);
	free(buf);
}

/* A string over the cap: cut, with its whole length and SHA-256; at the cap: whole. */
static void test_json_cap(void **state)
{
	char big[1001];
	struct json j;

	(void)state;
	memset(big, 'a', 1000);
	big[1000] = '\0';
	start_max(&j, 8);
	json__str(&j, "k", "12345678");
	json__str(&j, "kernel", big);
	/* sha256 of 1000 'a's: printf 'a%.0s' $(seq 1000) | sha256sum */
	done_is(&j, 0, "\"k\":\"12345678\",\"kernel\":\"aaaaaaaa...[cut: 1000 bytes, sha256 "
		"41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3]\"");
}

static void test_json_unbalanced(void **state)
{
	struct json j;

	(void)state;
	start(&j);
	json__obj_begin(&j, NULL);
	done_is(&j, -EINVAL, "{");
	start(&j);
	json__arr_end(&j);
	done_is(&j, -EINVAL, "");
	start(&j);
	for (int i = 0; i <= JSON_DEPTH; i++)
		json__arr_begin(&j, NULL);
	assert_true(j.bad);
	assert_int_equal(json__finish(&j), -EINVAL);
	fclose(j.out);
	free(buf);
}

static char dir[] = "/tmp/airlock-test-audit-XXXXXX";

static char *slurp(const char *path)
{
	static char text[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, text, sizeof(text) - 1);

	close(fd);
	assert_true(n >= 0);
	text[n] = '\0';
	return text;
}

static void test_audit_file(void **state)
{
	char path[128], vm[40];
	struct json *j;
	const char *text;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	assert_int_equal(audit__open("alice", 1000, "sudo", path), 0);
	assert_null(audit__vm());
	j = audit__begin("bind");
	json__str(j, "device", "0000:00:04.0");
	audit__end(j);
	audit__new_vm();
	assert_int_equal(strlen(audit__vm()), 32);
	snprintf(vm, sizeof(vm), "%s", audit__vm());
	j = audit__begin("vmm-exit");
	json__i64(j, "status", 0);
	audit__end(j);
	audit__close();

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = slurp(path);
	assert_non_null(strstr(text, "\"vm\":null,\"event\":\"bind\",\"user\":\"alice\",\"uid\":1000,\"via\":\"sudo\",\"device\":\"0000:00:04.0\"}\n"));
	assert_non_null(strstr(text, "\"event\":\"vmm-exit\""));
	assert_non_null(strstr(text, vm));
	assert_int_equal(strncmp(text, "{\"time\":\"", 9), 0);
	assert_int_equal(text[9 + 23], 'Z');	/* 2026-11-21T10:00:00.123Z */
	assert_int_equal(strchr(text, '\n') - text + 1 + (ptrdiff_t)strlen(strchr(text, '\n') + 1), strlen(text));
}

/* A log a user could rewrite, or a link to elsewhere, is refused before anything is written. */
static void test_audit_file_refused(void **state)
{
	char path[128], target[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/writable.log", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	chmod(path, 0666);
	assert_int_equal(audit__open("root", 0, "root", path), -EPERM);
	snprintf(path, sizeof(path), "%s/theirs.log", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(audit__open("root", 0, "root", path), -EPERM);
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link.log", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(audit__open("root", 0, "root", path), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	snprintf(path, sizeof(path), "%s/no/such/dir.log", dir);
	assert_int_equal(audit__open("root", 0, "root", path), -ENOENT);
}

/* A write the file does not take whole (RLIMIT_FSIZE, SIGXFSZ ignored) is a failure, said once. */
static void test_audit_short_write(void **state)
{
	char path[128];
	struct rlimit lim = { 300, RLIM_INFINITY };
	pid_t pid;
	int status;

	(void)state;
	snprintf(path, sizeof(path), "%s/short.log", dir);
	pid = fork();
	if (!pid) {
		struct json *j;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) || audit__open("alice", 1000, "sudo", path))
			_exit(3);
		for (int i = 0; i < 3; i++) {
			j = audit__begin("request");
			json__str(j, "kernel", "/boot/vmlinuz-a-long-enough-name-to-fill-the-file-fast");
			audit__end(j);
		}
		_exit(audit__failed() ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The next writer after a half line starts on a line of its own. */
static void test_audit_half_line(void **state)
{
	char path[128];
	struct json *j;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/half.log", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_int_equal(write(fd, "{\"time\":\"2026", 13), 13);
	close(fd);
	assert_int_equal(audit__open("alice", 1000, "sudo", path), 0);
	j = audit__begin("request");
	audit__end(j);
	audit__close();
	assert_false(audit__failed());
	assert_int_equal(strncmp(slurp(path), "{\"time\":\"2026\n{\"time\":", 22), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_high_bytes),
		cmocka_unit_test(test_json_cap),
		cmocka_unit_test(test_json_unbalanced),
		cmocka_unit_test(test_audit_file),
		cmocka_unit_test(test_audit_file_refused),
		cmocka_unit_test(test_audit_short_write),
		cmocka_unit_test(test_audit_half_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
