// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"

#define AUDIT_VM_LEN	33	/* 128 random bits in hex, and the NUL */
#define AUDIT_USER_MAX	33
#define AUDIT_STR_MAX	256	/* a user's path or name: longer ones are logged cut, with length and hash */

static struct {
	int fd;			/* the file besides syslog, or -1 */
	char file[PATH_MAX];	/* its path, for messages */
	bool file_failed;	/* said once, not on every line */
	char user[AUDIT_USER_MAX];
	uid_t uid;
	const char *via;
	char vm[AUDIT_VM_LEN];
	struct json json;
	char *line;
	size_t len;
} audit = { .fd = -1 };

/*
 * A writer cut short (a full disk) leaves half a line: the next line must
 * not be glued to it, so a file that does not end in a newline gets one.
 */
static int audit__line_start(int fd, const char *file, off_t size)
{
	char last = '\n';

	if (size > 0 && pread(fd, &last, 1, size - 1) != 1)
		last = '\n';
	if (last == '\n' || write(fd, "\n", 1) == 1)
		return fd;
	pr_err("cannot write the audit log %s: %s; no audit, no device: free space for it, or change audit-log in the policy",
	       file, strerror(errno));
	close(fd);
	return -EIO;
}

/*
 * The file is appended to by root and read by whoever reviews it: it must
 * be root's own regular file, not one a user placed or can rewrite.
 */
static int audit__open_file(const char *file)
{
	struct stat st;
	int fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

	int err = errno;

	if (fd < 0 && err == ELOOP)
		pr_err("the audit log %s is a symbolic link; name the file itself in audit-log", file);
	else if (fd < 0)
		pr_err("cannot open the audit log %s: %s; create its directory, or change audit-log in the policy",
		       file, strerror(err));
	if (fd < 0)
		return -err;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		pr_err("the audit log %s must be a regular file owned by root and writable by root alone; fix it with chown root: %s; chmod 600 %s",
		       file, file, file);
		close(fd);
		return -EPERM;
	}
	return audit__line_start(fd, file, st.st_size);
}

int audit__open(const char *user, uid_t uid, const char *via, const char *file)
{
	snprintf(audit.user, sizeof(audit.user), "%s", user);
	audit.uid = uid;
	audit.via = via;
	if (file && file[0]) {
		int fd = audit__open_file(file);

		if (fd < 0)
			return fd;
		audit.fd = fd;
		snprintf(audit.file, sizeof(audit.file), "%s", file);
	}
	openlog("airlock", LOG_PID, LOG_AUTHPRIV);
	return 0;
}

void audit__new_vm(void)
{
	unsigned char id[(AUDIT_VM_LEN - 1) / 2];

	/* Only ties lines together; a short read still gives a usable id. */
	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id))
		memset(id, 0, sizeof(id));
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(audit.vm + 2 * i, 3, "%02x", id[i]);
}

const char *audit__vm(void)
{
	return audit.vm[0] ? audit.vm : NULL;
}

static void audit__time(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

struct json *audit__begin(const char *event)
{
	FILE *f = open_memstream(&audit.line, &audit.len);
	char now[32];

	if (!f)
		die("out of memory for an audit line");
	audit__time(now);
	json__init(&audit.json, f, AUDIT_STR_MAX);
	json__obj_begin(&audit.json, NULL);
	json__str(&audit.json, "time", now);
	json__str(&audit.json, "vm", audit__vm());
	json__str(&audit.json, "event", event);
	json__str(&audit.json, "user", audit.user);
	json__u64(&audit.json, "uid", audit.uid);
	json__str(&audit.json, "via", audit.via);
	return &audit.json;
}

static void audit__write_file(const char *line, size_t len)
{
	ssize_t n;

	if (audit.fd < 0)
		return;
	/* One write of the whole line: O_APPEND keeps concurrent brokers' lines whole. */
	n = write(audit.fd, line, len);
	if (n == (ssize_t)len || audit.file_failed)
		return;
	audit.file_failed = true;
	pr_err("cannot write the audit log %s: %s; no audit, no device: airlock stops (the rest goes to syslog)",
	       audit.file, n < 0 ? strerror(errno) : "short write");
}

bool audit__failed(void)
{
	return audit.file_failed;
}

void audit__end(struct json *j)
{
	FILE *f = j->out;

	json__obj_end(j);
	fputc('\n', f);
	if (json__finish(j) || fclose(f))
		die("cannot format an audit line");
	syslog(LOG_INFO, "%.*s", (int)audit.len - 1, audit.line);
	audit__write_file(audit.line, audit.len);
	free(audit.line);
	audit.line = NULL;
}

void audit__close(void)
{
	if (audit.fd >= 0)
		close(audit.fd);
	audit.fd = -1;
	closelog();
}
