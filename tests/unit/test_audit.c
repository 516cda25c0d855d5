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
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"

static char *buf;
static size_t len;

static struct json *start(struct json *j)
{
	json__init(j, open_memstream(&buf, &len));
	return j;
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
	done_is(&j, 0, "\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001\\u007f\xc3\xa9\"");
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
	assert_int_equal(audit__open("alice", 1000, path), 0);
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
	assert_non_null(strstr(text, "\"vm\":null,\"event\":\"bind\",\"user\":\"alice\",\"uid\":1000,\"device\":\"0000:00:04.0\"}\n"));
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
	assert_int_equal(audit__open("root", 0, path), -EPERM);
	snprintf(path, sizeof(path), "%s/theirs.log", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(audit__open("root", 0, path), -EPERM);
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link.log", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(audit__open("root", 0, path), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	snprintf(path, sizeof(path), "%s/no/such/dir.log", dir);
	assert_int_equal(audit__open("root", 0, path), -ENOENT);
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
		cmocka_unit_test(test_json_unbalanced),
		cmocka_unit_test(test_audit_file),
		cmocka_unit_test(test_audit_file_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
