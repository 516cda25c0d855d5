// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "log.h"

static int conffile__missing(const struct conffile_kind *k, const char *path, char *err, size_t errlen)
{
	return log__say(err, errlen, -ENOENT, "no %s file %s: %s", k->what, path, k->missing);
}

static int conffile__too_long(const struct conffile_kind *k, const char *path, char *err, size_t errlen)
{
	return log__say(err, errlen, -ENAMETOOLONG, "%s file name too long (%zu bytes)", k->what, strlen(path));
}

/*
 * Whoever can write the file or rename it away can put their own in its
 * place: every directory up to / must be root's alone, or sticky (where
 * only a file's owner may rename or remove it).
 */
static int conffile__check_dirs(const struct conffile_kind *k, const char *path, const char *real, char *err,
				size_t errlen)
{
	char dir[PATH_MAX];

	strcpy(dir, real);
	for (;;) {
		char *slash;
		struct stat st;

		if (stat(dir, &st))
			return log__say(err, errlen, -errno, "%s: cannot check directory %s: %s",
					   path, dir, strerror(errno));
		if (st.st_uid != 0)
			return log__say(err, errlen, -EPERM, "%s: directory %s belongs to uid %u, not root; "
					   "chown root %s (its owner could swap the %s)",
					   path, dir, (unsigned int)st.st_uid, dir, k->what);
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			return log__say(err, errlen, -EPERM, "%s: directory %s is writable by group or others (mode %04o); "
					   "chmod go-w %s (they could swap the %s)",
					   path, dir, (unsigned int)(st.st_mode & 07777), dir, k->what);
		if (!strcmp(dir, "/"))
			return 0;
		slash = strrchr(dir, '/');
		slash[slash == dir] = '\0';
	}
}

/* The real directory of path into dir, and the file's name in it. */
static int conffile__locate(const struct conffile_kind *k, const char *path, char dir[PATH_MAX], const char **base,
			    char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char parent[PATH_MAX];

	*base = slash ? slash + 1 : path;
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))
		return log__say(err, errlen, -EISDIR, "%s names a directory; name the %s file", path, k->what);
	if (!slash)
		strcpy(parent, ".");
	else if (slash == path)
		strcpy(parent, "/");
	else if ((size_t)(slash - path) < sizeof(parent))
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	else
		return conffile__too_long(k, path, err, errlen);
	if (realpath(parent, dir))
		return 0;
	if (errno == ENOENT)
		return conffile__missing(k, path, err, errlen);
	return log__say(err, errlen, -errno, "%s: cannot find its directory: %s", path, strerror(errno));
}

static int conffile__open(const struct conffile_kind *k, const char *path, const char *dir, const char *base,
			  char *err, size_t errlen)
{
	char file[PATH_MAX];
	int fd;

	if (snprintf(file, sizeof(file), "%s/%s", strcmp(dir, "/") ? dir : "", base) >= (int)sizeof(file))
		return conffile__too_long(k, path, err, errlen);
	/* O_NONBLOCK: a FIFO in its place must not hang the broker before fstat refuses it. */
	fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return conffile__missing(k, path, err, errlen);
	if (errno == ELOOP)
		return log__say(err, errlen, -ELOOP, "%s is a symbolic link; name the %s file itself", path, k->what);
	return log__say(err, errlen, -errno, "cannot read %s: %s", path, strerror(errno));
}

static int conffile__check_file(const struct conffile_kind *k, const char *path, int fd, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st))
		return log__say(err, errlen, -errno, "cannot read %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return log__say(err, errlen, -EINVAL, "%s is not a regular file; name the %s file itself", path, k->what);
	if (st.st_uid != 0)
		return log__say(err, errlen, -EPERM, "%s belongs to uid %u, not root; chown root %s (its owner could %s)",
				   path, (unsigned int)st.st_uid, path, k->owner_could);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return log__say(err, errlen, -EPERM, "%s is writable by group or others (mode %04o); chmod go-w %s",
				   path, (unsigned int)(st.st_mode & 07777), path);
	return 0;
}

int conffile__read(const struct conffile_kind *k, const char *path, char *text, size_t *len, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	autoclose int fd = -1;
	const char *base;
	ssize_t n;
	int ret;

	ret = conffile__locate(k, path, dir, &base, err, errlen);
	if (ret)
		return ret;
	ret = conffile__check_dirs(k, path, dir, err, errlen);
	if (ret)
		return ret;
	fd = conffile__open(k, path, dir, base, err, errlen);
	if (fd < 0)
		return fd;
	ret = conffile__check_file(k, path, fd, err, errlen);
	if (ret)
		return ret;
	/* One byte more than the file may have tells a file that is too large. */
	*len = 0;
	do {
		n = read(fd, text + *len, k->max + 1 - *len);
		if (n < 0)
			return log__say(err, errlen, -errno, "cannot read %s: %s", path, strerror(errno));
		*len += (size_t)n;
	} while (n && *len < k->max + 1);
	return 0;
}

/* A line's own faults: its length, and anything that is not plain text. */
static int conffile__check_line(const struct conffile_kind *k, const char *s, size_t len, char *err, size_t errlen)
{
	if (len > k->line_max)
		return log__say(err, errlen, -EINVAL, "line longer than %zu bytes; a %s line is a handful of words, "
				   "is this the right file?", k->line_max, k->what);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!c)
			return log__say(err, errlen, -EINVAL, "NUL byte; a %s is plain text, is this the right file?", k->what);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return log__say(err, errlen, -EINVAL, "control character 0x%02x; a %s is plain text "
					   "(from Windows? convert it with dos2unix)", c, k->what);
	}
	return 0;
}

int conffile__lines(const struct conffile_kind *k, const char *path, char *text, size_t len,
		    int (*fn)(char *line, unsigned int nr, void *arg), void *arg, char *err, size_t errlen)
{
	unsigned int nr = 0;
	size_t off = 0;

	if (len > k->max)
		return log__say(err, errlen, -EFBIG, "%s is larger than %zu KiB; a %s is a few lines, is this the right file?",
				   path, k->max / 1024, k->what);
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - text) - off : len - off;
		char said[512];
		int ret;

		nr++;
		ret = conffile__check_line(k, text + off, n, err, errlen);
		if (!ret) {
			text[off + n] = '\0';
			ret = fn(text + off, nr, arg);
		}
		if (ret) {
			snprintf(said, sizeof(said), "%s", err);
			return log__say(err, errlen, ret, "%s:%u: %s", path, nr, said);
		}
		off += n + 1;
	}
	return 0;
}

char *conffile__word(char **pos)
{
	char *s = *pos + strspn(*pos, " \t");
	char *end;

	*pos = s;
	if (!*s || *s == '#')
		return NULL;
	end = s + strcspn(s, " \t");
	if (*end)
		*end++ = '\0';
	*pos = end;
	return s;
}

char *conffile__rest(char **pos)
{
	char *s = *pos + strspn(*pos, " \t"), *end = s;

	for (char *c = s; *c && !(*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')); c++)
		if (*c != ' ' && *c != '\t')
			end = c + 1;
	*end = '\0';
	*pos = end;
	return *s ? s : NULL;
}
