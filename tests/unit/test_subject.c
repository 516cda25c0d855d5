// SPDX-License-Identifier: MIT
/*
 * Who is asking: the subject from the real uid, the login uid and the
 * witnesses sudo and doas leave in the environment. Uses the users every
 * Debian has: root (0) and nobody (65534); 3999999 has no entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "subject.h"

#define NOBODY	65534
#define NO_USER	3999999

static struct policy admins;
static char err[512];

static int decide(const struct subject_source *src, struct policy_subject *s)
{
	err[0] = '\0';
	return subject__decide(src, &admins, s, err, sizeof(err));
}

static int setup(void **state)
{
	char e[256];
	char text[] = "admin group 4242\n";

	(void)state;
	if (!getpwuid(NOBODY))
		return -1;
	return policy__parse(&admins, "P", text, strlen(text), e, sizeof(e));
}

static void make_admin(uid_t uid)
{
	admins.admins[1] = (struct policy_rule){ .line = 2, .id = uid };
	admins.nr_admins = 2;
}

static int reset_admins(void **state)
{
	(void)state;
	admins.nr_admins = 1;
	return 0;
}

/* A root process with no login session and no sudo or doas: a service, root's own console. */
static void test_root(void **state)
{
	struct subject_source src = { .ruid = 0, .euid = 0 };
	struct policy_subject s;

	(void)state;
	assert_int_equal(decide(&src, &s), 0);
	assert_int_equal(s.uid, 0);
	assert_string_equal(s.name, "root");
	assert_true(s.root);
	assert_string_equal(s.via, "root");
	assert_true(s.nr_gids >= 1 && s.gids[0] == 0);
}

/* A setuid-root install: the real uid, whatever the login uid and the environment say. */
static void test_setuid(void **state)
{
	struct subject_source src = { .ruid = NOBODY, .euid = 0, .login_set = true, .loginuid = 0,
				      .sudo_uid = "0", .doas_user = "root" };
	struct policy_subject s;

	(void)state;
	assert_int_equal(decide(&src, &s), 0);
	assert_int_equal(s.uid, NOBODY);
	assert_false(s.root);
	assert_string_equal(s.via, "setuid");
	/* An admin is root through sudo and doas only, where the login uid says who they are. */
	make_admin(NOBODY);
	assert_int_equal(decide(&src, &s), 0);
	assert_false(s.root);
	src.euid = NOBODY;
	assert_int_equal(decide(&src, &s), 0);
	assert_string_equal(s.via, "user");
}

/* sudo from a login: the login uid is the subject, SUDO_UID agrees. */
static void test_sudo(void **state)
{
	struct subject_source src = { .ruid = 0, .euid = 0, .login_set = true, .loginuid = NOBODY, .sudo_uid = "65534" };
	struct policy_subject s;

	(void)state;
	assert_int_equal(decide(&src, &s), 0);
	assert_int_equal(s.uid, NOBODY);
	assert_false(s.root);
	assert_string_equal(s.via, "sudo");
	/* The same, with the user an admin: root. */
	make_admin(NOBODY);
	assert_int_equal(decide(&src, &s), 0);
	assert_true(s.root);
	/* An admin's "sudo -i", then sudo again: SUDO_UID 0, both root. */
	src.sudo_uid = "0";
	assert_int_equal(decide(&src, &s), 0);
	assert_true(s.root);
	assert_int_equal(s.uid, NOBODY);
}

/* A witness may refuse, never choose: SETENV or keepenv lets the caller write it. */
static void test_witness_disagrees(void **state)
{
	struct subject_source src = { .ruid = 0, .euid = 0, .login_set = true, .loginuid = NOBODY, .sudo_uid = "0" };
	struct policy_subject s;

	(void)state;
	assert_int_equal(decide(&src, &s), -EPERM);
	assert_string_equal(err, "the login uid (nobody, uid 65534) and SUDO_UID (root, uid 0) name different users; "
			    "run airlock from a login session of the user it is for");
	/* A login uid of root with a user's SUDO_UID: a user who set their own login uid. */
	src.loginuid = 0;
	src.sudo_uid = "65534";
	assert_int_equal(decide(&src, &s), -EPERM);
	src.sudo_uid = NULL;
	src.doas_user = "nobody";
	assert_int_equal(decide(&src, &s), -EPERM);
	assert_non_null(strstr(err, "and DOAS_USER (nobody, uid 65534) name different users"));
	src.doas_user = "root";
	assert_int_equal(decide(&src, &s), 0);
	assert_true(s.root);
	assert_string_equal(s.via, "doas");
}

/* Without a login uid, sudo and doas cannot say who asked: refused. */
static void test_no_login(void **state)
{
	struct subject_source src = { .ruid = 0, .euid = 0, .sudo_uid = "65534" };
	struct policy_subject s;

	(void)state;
	assert_int_equal(decide(&src, &s), -EPERM);
	assert_string_equal(err, "airlock was started through sudo by a process outside any login session "
			    "(no login uid), so who asks cannot be told; run it from a login (pam_loginuid), "
			    "or as root without sudo");
	src.sudo_uid = NULL;
	src.doas_user = "root";
	assert_int_equal(decide(&src, &s), -EPERM);
	assert_non_null(strstr(err, "started through doas"));
}

/* su, or a login as root: the login uid, and root only for root and admins. */
static void test_login(void **state)
{
	struct subject_source src = { .ruid = 0, .euid = 0, .login_set = true, .loginuid = NOBODY };
	struct policy_subject s;

	(void)state;
	assert_int_equal(decide(&src, &s), 0);
	assert_false(s.root);
	assert_string_equal(s.via, "login");
	src.loginuid = 0;
	assert_int_equal(decide(&src, &s), 0);
	assert_true(s.root);
}

static void test_bad_witness(void **state)
{
	static const char *const bad[] = { "", "abc", "-1", "+1", " 1", "1 ", "0100", "4294967295", "99999999999" };
	struct subject_source src = { .ruid = 0, .euid = 0, .login_set = true, .loginuid = NOBODY };
	struct policy_subject s;
	char want[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		src.sudo_uid = bad[i];
		assert_int_equal(decide(&src, &s), -EINVAL);
		snprintf(want, sizeof(want), "SUDO_UID '%s' is not a uid; run airlock through sudo, or unset SUDO_UID",
			 bad[i]);
		assert_string_equal(err, want);
	}
	src.sudo_uid = NULL;
	src.doas_user = "no-such-user-here";
	assert_int_equal(decide(&src, &s), -EINVAL);
	assert_string_equal(err, "DOAS_USER 'no-such-user-here' is not a user here; run airlock through doas, "
			    "or unset DOAS_USER");
}

/* Fails closed: a uid the user database does not know has unknown groups. */
static void test_unknown_uid(void **state)
{
	struct subject_source src = { .ruid = NO_USER, .euid = 0 };
	struct policy_subject s;

	(void)state;
	assert_null(getpwuid(NO_USER));
	assert_int_equal(decide(&src, &s), -ENOENT);
	assert_string_equal(err, "uid 3999999 has no entry in the user database, so its groups are unknown; "
			    "airlock serves only users that getent passwd 3999999 finds");
	src = (struct subject_source){ .ruid = 0, .euid = 0, .login_set = true, .loginuid = NO_USER };
	assert_int_equal(decide(&src, &s), -ENOENT);
}

/* An admin group makes its members root; other groups do not. */
static void test_admin_group(void **state)
{
	struct subject_source src = { .ruid = 0, .euid = 0, .login_set = true, .loginuid = NOBODY };
	struct policy_subject s;
	struct passwd *pw = getpwuid(NOBODY);

	(void)state;
	assert_int_equal(decide(&src, &s), 0);
	assert_false(s.root);
	admins.admins[1] = (struct policy_rule){ .line = 2, .group = true, .id = pw->pw_gid };
	admins.nr_admins = 2;
	assert_int_equal(decide(&src, &s), 0);
	assert_true(s.root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_root, reset_admins),
		cmocka_unit_test_teardown(test_setuid, reset_admins),
		cmocka_unit_test_teardown(test_sudo, reset_admins),
		cmocka_unit_test_teardown(test_witness_disagrees, reset_admins),
		cmocka_unit_test_teardown(test_no_login, reset_admins),
		cmocka_unit_test_teardown(test_login, reset_admins),
		cmocka_unit_test_teardown(test_bad_witness, reset_admins),
		cmocka_unit_test_teardown(test_unknown_uid, reset_admins),
		cmocka_unit_test_teardown(test_admin_group, reset_admins),
	};

	return cmocka_run_group_tests_name("subject", tests, setup, NULL);
}
