// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pinned.h"

static char pinned_entry[4096];	/* this broker's file, "" when none */

/* Field 22 of /proc/PID/stat: when pid started, in clock ticks since boot; 0 when it is gone. */
static uint64_t pinned__starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	autoclose int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold blanks and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &t) != 1)
		return 0;
	return t;
}

/* The bytes entry name in dir pins for uid; 0 for another user's, and for a stale entry (removed). */
static uint64_t pinned__entry(int dirfd, const char *name, uid_t uid)
{
	unsigned long long bytes, start;
	unsigned int owner;
	char buf[96], *end;
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	long pid = strtol(name, &end, 10);

	if (n <= 0 || *end || pid <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%u %llu %llu", &owner, &bytes, &start) != 3 || pinned__starttime((pid_t)pid) != start) {
		unlinkat(dirfd, name, 0);
		return 0;
	}
	return owner == uid ? bytes : 0;
}

static uint64_t pinned__sum(int dirfd, uid_t uid)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *e;
	uint64_t sum = 0;

	if (!d)
		return UINT64_MAX;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			sum += pinned__entry(dirfd, e->d_name, uid);
	closedir(d);
	return sum;
}

static int pinned__write(int dirfd, const char *dir, uid_t uid, uint64_t bytes)
{
	char name[24], line[96];
	autoclose int fd = -1;
	int len;

	snprintf(name, sizeof(name), "%d", (int)getpid());
	len = snprintf(line, sizeof(line), "%u %" PRIu64 " %" PRIu64 "\n", (unsigned int)uid, bytes,
		       pinned__starttime(getpid()));
	unlinkat(dirfd, name, 0);	/* a reused pid's leftover */
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, (size_t)len) != len) {
		pr_err("cannot record pinned memory in %s: %s", dir, strerror(errno));
		return -EIO;
	}
	snprintf(pinned_entry, sizeof(pinned_entry), "%s/%s", dir, name);
	return 0;
}

/* dir and its parent, root's alone: /run/airlock/pinned. */
static int pinned__mkdirs(const char *dir)
{
	char parent[4096];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) && errno != EEXIST)
			return -1;
	}
	return mkdir(dir, 0700) && errno != EEXIST ? -1 : 0;
}

int pinned__claim(const char *dir, uid_t uid, uint64_t bytes, uint64_t limit)
{
	autoclose int dirfd = -1;
	uint64_t others;

	if (pinned__mkdirs(dir)) {
		pr_err("cannot create %s to count pinned memory: %s", dir, strerror(errno));
		return -errno;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0 || flock(dirfd, LOCK_EX)) {
		pr_err("cannot lock %s to count pinned memory: %s", dir, strerror(errno));
		return -EIO;
	}
	others = pinned__sum(dirfd, uid);
	if (limit && (others > limit || bytes > limit - others)) {
		pr_err("your running VMs with devices pin %" PRIu64 " MiB of guest RAM, and this one's %" PRIu64
		       " MiB would pass the policy's user-memory of %" PRIu64 " MiB; stop one, or ask for less --memory",
		       others >> 20, bytes >> 20, limit >> 20);
		return -EDQUOT;
	}
	return pinned__write(dirfd, dir, uid, bytes);
}

void pinned__release(void)
{
	if (pinned_entry[0])
		unlink(pinned_entry);
	pinned_entry[0] = '\0';
}
