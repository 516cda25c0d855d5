// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "subject.h"

#define SUBJECT_NO_LOGIN	((uid_t)-1)	/* /proc/self/loginuid of a process outside any login session */

static struct policy_subject subject_self;
static bool subject_known;

/*
 * Name and groups of uid. Fails closed: a user database that cannot
 * answer, or a uid it does not know, would leave the subject without the
 * groups that "deny group" rules and "admin group" lines are about.
 */
static int subject__lookup(uid_t uid, struct policy_subject *s, char *err, size_t errlen)
{
	int n = POLICY_GIDS_MAX;
	struct passwd *pw;

	errno = 0;
	pw = getpwuid(uid);
	if (!pw && errno && errno != ENOENT && errno != ESRCH)
		return log__say(err, errlen, -EIO, "cannot look up uid %u in the user database: %s; "
				    "check /etc/nsswitch.conf and its services (getent passwd %u)",
				    (unsigned int)uid, strerror(errno), (unsigned int)uid);
	if (!pw)
		return log__say(err, errlen, -ENOENT, "uid %u has no entry in the user database, so its groups "
				    "are unknown; airlock serves only users that getent passwd %u finds",
				    (unsigned int)uid, (unsigned int)uid);
	if (strlen(pw->pw_name) >= sizeof(s->name))
		return log__say(err, errlen, -ENAMETOOLONG, "user name of uid %u is longer than %zu characters",
				    (unsigned int)uid, sizeof(s->name) - 1);
	s->uid = uid;
	strcpy(s->name, pw->pw_name);
	if (getgrouplist(s->name, pw->pw_gid, s->gids, &n) < 0)
		return log__say(err, errlen, -E2BIG, "user %s is in more than %d groups; "
				    "airlock cannot tell which group rules apply", s->name, POLICY_GIDS_MAX);
	s->nr_gids = (unsigned int)n;
	return 0;
}

static bool subject__is_admin(const struct policy *p, const struct policy_subject *s)
{
	if (s->uid == 0)
		return true;
	for (unsigned int i = 0; p && i < p->nr_admins; i++) {
		const struct policy_rule *a = &p->admins[i];

		if (!a->group && a->id == s->uid)
			return true;
		for (unsigned int g = 0; a->group && g < s->nr_gids; g++)
			if (s->gids[g] == a->id)
				return true;
	}
	return false;
}

/* The uid a witness names: SUDO_UID as sudo writes it, DOAS_USER a user name. */
static int subject__witness_uid(const char *var, const char *val, uid_t *uid, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	if (!strcmp(var, "DOAS_USER")) {
		struct passwd *pw;

		errno = 0;
		pw = getpwnam(val);
		if (!pw)
			return log__say(err, errlen, -EINVAL, "DOAS_USER '%.32s' is not a user here%s%s; "
					    "run airlock through doas, or unset DOAS_USER", val,
					    errno ? ": " : "", errno ? strerror(errno) : "");
		*uid = pw->pw_uid;
		return 0;
	}
	errno = 0;
	v = strtoul(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || (val[0] == '0' && val[1]) || *end || errno || v >= UINT32_MAX)
		return log__say(err, errlen, -EINVAL, "SUDO_UID '%.32s' is not a uid; run airlock through sudo, "
				    "or unset SUDO_UID", val);
	*uid = (uid_t)v;
	return 0;
}

/*
 * sudo and doas say whom they ran for, in the environment: a caller with
 * sudo's SETENV or doas's keepenv writes what it likes there, so a witness
 * may only refuse. It agrees when it names the login uid, or when both
 * count as root (an admin's "sudo -i", then airlock).
 */
static int subject__check_witness(const struct policy *p, const struct policy_subject *s, const char *var,
				  const char *val, char *err, size_t errlen)
{
	struct policy_subject w = { 0 };
	int ret;

	ret = subject__witness_uid(var, val, &w.uid, err, errlen);
	if (ret || w.uid == s->uid)
		return ret;
	ret = subject__lookup(w.uid, &w, err, errlen);
	if (ret)
		return ret;
	if (s->root && subject__is_admin(p, &w))
		return 0;
	return log__say(err, errlen, -EPERM, "the login uid (%s, uid %u) and %s (%s, uid %u) name different users; "
			    "run airlock from a login session of the user it is for", s->name, (unsigned int)s->uid,
			    var, w.name, (unsigned int)w.uid);
}

static int subject__by_login(const struct subject_source *src, const struct policy *p, struct policy_subject *s,
			     char *err, size_t errlen)
{
	const char *tool = src->sudo_uid ? "sudo" : "doas";
	int ret;

	if (!src->login_set)
		return log__say(err, errlen, -EPERM, "airlock was started through %s by a process outside any "
				    "login session (no login uid), so who asks cannot be told; run it from a login "
				    "(pam_loginuid), or as root without %s", tool, tool);
	ret = subject__lookup(src->loginuid, s, err, errlen);
	if (ret)
		return ret;
	s->root = subject__is_admin(p, s);
	s->via = src->sudo_uid ? "sudo" : src->doas_user ? "doas" : "login";
	if (src->sudo_uid)
		ret = subject__check_witness(p, s, "SUDO_UID", src->sudo_uid, err, errlen);
	if (!ret && src->doas_user)
		ret = subject__check_witness(p, s, "DOAS_USER", src->doas_user, err, errlen);
	return ret;
}

int subject__decide(const struct subject_source *src, const struct policy *p, struct policy_subject *s,
		    char *err, size_t errlen)
{
	*s = (struct policy_subject){ .uid = 0 };
	if (src->ruid != 0) {
		/* The kernel's real uid: whoever exec'd a setuid-root airlock, whatever the environment says. */
		s->via = src->euid == 0 ? "setuid" : "user";
		return subject__lookup(src->ruid, s, err, errlen);
	}
	if (!src->login_set && !src->sudo_uid && !src->doas_user) {
		s->root = true;
		s->via = "root";
		return subject__lookup(0, s, err, errlen);
	}
	return subject__by_login(src, p, s, err, errlen);
}

/*
 * The kernel's login uid: set by pam_loginuid at login, inherited, and
 * changed after that only with CAP_AUDIT_CONTROL. A process outside any
 * login session (or a kernel without audit) has none.
 */
static void subject__loginuid(struct subject_source *src)
{
	char buf[16];
	autoclose int fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	unsigned long v;
	char *end;

	src->login_set = false;
	if (n <= 0)
		return;
	buf[n] = '\0';
	v = strtoul(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v >= SUBJECT_NO_LOGIN)
		return;
	src->login_set = true;
	src->loginuid = (uid_t)v;
}

int subject__identify(char *err, size_t errlen)
{
	struct subject_source src = {
		.ruid = getuid(), .euid = geteuid(),
		.sudo_uid = getenv("SUDO_UID"), .doas_user = getenv("DOAS_USER"),
	};
	static struct policy admins;
	char ignored[512];
	int ret;

	subject__loginuid(&src);
	/* Admins come from the default policy only: --policy is for root, and root is what they make. */
	if (policy__load(&admins, POLICY_DEFAULT, ignored, sizeof(ignored)))
		admins.nr_admins = 0;
	ret = subject__decide(&src, &admins, &subject_self, err, errlen);
	subject_known = !ret;
	return ret;
}

const struct policy_subject *subject__self(void)
{
	if (!subject_known)
		die("who is asking was not decided; this is a bug in airlock");
	return &subject_self;
}

const char *subject__not_root(const char *what, char *buf, size_t len)
{
	const struct policy_subject *s = subject__self();

	if (s->root)
		return NULL;
	snprintf(buf, len, "%s is for root, and you are %s (uid %u, through %s); an admin line in %s makes a user count as root",
		 what, s->name, (unsigned int)s->uid, s->via, POLICY_DEFAULT);
	return buf;
}

int subject__need_root(const char *what)
{
	char buf[512];
	const char *why = subject__not_root(what, buf, sizeof(buf));

	if (!why)
		return 0;
	pr_err("%s", why);
	return -EPERM;
}
