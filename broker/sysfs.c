// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "sysfs.h"

static int __attribute__((format(printf, 3, 4))) sysfs__path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Names the kernel gives drivers and groups: nothing that could smuggle a path or escape. */
static bool sysfs__name_ok(const char *s, size_t len, size_t max)
{
	if (!len || len >= max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return strcmp(s, ".") && strcmp(s, "..");
}

/*
 * The last component of the link at path, which must sit in a directory
 * named parent: ".../drivers/vfio-pci", ".../iommu_groups/7".
 */
static int sysfs__link_name(const char *path, const char *parent, char *out, size_t outlen)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target));
	const char *name, *dir;
	size_t parent_len = strlen(parent);

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	name = strrchr(target, '/');
	if (!name || (size_t)(name - target) < parent_len)
		return -EINVAL;
	dir = name - parent_len;
	if (memcmp(dir, parent, parent_len) || (dir > target && dir[-1] != '/'))
		return -EINVAL;
	name++;
	if (!sysfs__name_ok(name, strlen(name), outlen))
		return -EINVAL;
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

int sysfs__device_exists(const char *root, const char *bdf)
{
	char path[PATH_MAX];
	struct stat st;
	int ret = sysfs__path(path, sizeof(path), "%s/bus/pci/devices/%s", root, bdf);

	if (ret)
		return ret;
	if (stat(path, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOENT;
}

int sysfs__driver(const char *root, const char *bdf, char name[SYSFS_DRIVER_MAX])
{
	char path[PATH_MAX];
	int ret = sysfs__path(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root, bdf);

	if (ret)
		return ret;
	ret = sysfs__link_name(path, "drivers", name, SYSFS_DRIVER_MAX);
	if (ret == -ENOENT) {
		name[0] = '\0';
		return 0;
	}
	return ret;
}

int sysfs__driver_loaded(const char *root, const char *name)
{
	char path[PATH_MAX];
	int ret = sysfs__path(path, sizeof(path), "%s/bus/pci/drivers/%s", root, name);

	if (ret)
		return ret;
	return access(path, F_OK) ? -errno : 0;
}

int sysfs__parse_group(const char *s, unsigned int *out)
{
	size_t len = strlen(s);
	unsigned long v = 0;

	if (!len || len > 9 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = (unsigned int)v;
	return 0;
}

int sysfs__iommu_group(const char *root, const char *bdf, unsigned int *group)
{
	char path[PATH_MAX], name[16];
	int ret = sysfs__path(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group", root, bdf);

	if (!ret)
		ret = sysfs__link_name(path, "iommu_groups", name, sizeof(name));
	if (!ret)
		ret = sysfs__parse_group(name, group);
	return ret;
}

int sysfs__group_devices(const char *root, unsigned int group,
			 int (*fn)(const char *bdf, void *arg), void *arg)
{
	char path[PATH_MAX];
	struct cli_bdf bdf;
	struct dirent *de;
	DIR *dir;
	int ret = sysfs__path(path, sizeof(path), "%s/kernel/iommu_groups/%u/devices", root, group);

	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!ret && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ret = cli__parse_bdf(de->d_name, &bdf) ? -EINVAL : fn(de->d_name, arg);
	}
	closedir(dir);
	return ret;
}

/* "0x" and 1 to 16 hex digits, then the separator sep. */
static const char *sysfs__hex(const char *p, const char *end, char sep, uint64_t *out)
{
	const char *start;
	uint64_t v = 0;

	if (end - p < 2 || p[0] != '0' || p[1] != 'x')
		return NULL;
	p += 2;
	start = p;
	for (; p < end && isxdigit((unsigned char)*p); p++) {
		if (p - start == 16)
			return NULL;
		v = v << 4 | (uint64_t)(isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
	}
	if (p == start || p == end || *p != sep)
		return NULL;
	*out = v;
	return p + 1;
}

int sysfs__parse_reserved(const char *text, size_t len, struct sysfs_resv *out, unsigned int max)
{
	const char *p = text, *end = text + len;
	unsigned int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct sysfs_resv r;
		size_t type_len;

		if (!nl || n == max)
			return -EINVAL;
		p = sysfs__hex(p, nl, ' ', &r.start);
		if (p)
			p = sysfs__hex(p, nl, ' ', &r.end);
		if (!p || r.end < r.start)
			return -EINVAL;
		type_len = (size_t)(nl - p);
		if (!type_len || type_len >= sizeof(r.type))
			return -EINVAL;
		for (size_t i = 0; i < type_len; i++)
			if (!islower((unsigned char)p[i]) && p[i] != '-')
				return -EINVAL;
		memcpy(r.type, p, type_len);
		r.type[type_len] = '\0';
		out[n++] = r;
		p = nl + 1;
	}
	return (int)n;
}

int sysfs__reserved_regions(const char *root, unsigned int group, struct sysfs_resv *out, unsigned int max)
{
	char path[PATH_MAX], text[SYSFS_TEXT_MAX + 1];
	autoclose int fd = -1;
	size_t len = 0;
	ssize_t n;
	int ret = sysfs__path(path, sizeof(path), "%s/kernel/iommu_groups/%u/reserved_regions", root, group);

	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* One spare byte: a file that fills it is too long to be what the kernel writes. */
	while (len < sizeof(text) && (n = read(fd, text + len, sizeof(text) - len)) != 0) {
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			len += (size_t)n;
	}
	if (len == sizeof(text))
		return -EFBIG;
	return sysfs__parse_reserved(text, len, out, max);
}
