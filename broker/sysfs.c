// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pciaddr.h"
#include "log.h"
#include "sysfs.h"

int sysfs__path(char *buf, size_t len, const char *fmt, ...)
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

bool sysfs__driver_name_ok(const char *name)
{
	return sysfs__name_ok(name, strlen(name), SYSFS_DRIVER_MAX);
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

/* The value of a hex digit the caller has checked with isxdigit. */
static unsigned int sysfs__xdigit(char c)
{
	return isdigit((unsigned char)c) ? (unsigned int)(c - '0') : (unsigned int)(tolower((unsigned char)c) - 'a' + 10);
}

static int sysfs__not_dot(const struct dirent *de)
{
	return strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
}

static int sysfs__bdf_entry(const char *path, const char *name, bool skip_bad,
			    int (*fn)(const char *bdf, void *arg), void *arg)
{
	struct pciaddr bdf;

	if (!pciaddr__parse(name, &bdf))
		return fn(name, arg);
	if (!skip_bad)
		return -EINVAL;
	pr_err("skipping '%s' in %s: not a PCI address", name, path);
	return 0;
}

/*
 * Calls fn for each entry of the directory at path, in BDF order, as long
 * as it returns 0. A name that is not a PCI address ends the walk with
 * -EINVAL, or with skip_bad is passed over after a line saying so.
 */
static int sysfs__each_bdf(const char *path, bool skip_bad, int (*fn)(const char *bdf, void *arg), void *arg)
{
	struct dirent **names;
	int n = scandir(path, &names, sysfs__not_dot, alphasort), ret = 0;

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (!ret)
			ret = sysfs__bdf_entry(path, names[i]->d_name, skip_bad, fn, arg);
		free(names[i]);
	}
	free(names);
	return ret;
}

int sysfs__group_devices(const char *root, unsigned int group,
			 int (*fn)(const char *bdf, void *arg), void *arg)
{
	char path[PATH_MAX];
	int ret = sysfs__path(path, sizeof(path), "%s/kernel/iommu_groups/%u/devices", root, group);

	return ret ? ret : sysfs__each_bdf(path, false, fn, arg);
}

int sysfs__pci_devices(const char *root, int (*fn)(const char *bdf, void *arg), void *arg)
{
	char path[PATH_MAX];
	int ret = sysfs__path(path, sizeof(path), "%s/bus/pci/devices", root);

	return ret ? ret : sysfs__each_bdf(path, true, fn, arg);
}

ssize_t sysfs__read(const char *path, char *buf, size_t max)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	/* One byte to spare: a file that fills it is too long to be what the kernel writes. */
	while (len < max && (n = read(fd, buf + len, max - len)) != 0) {
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			len += (size_t)n;
	}
	if (len == max)
		return -EFBIG;
	buf[len] = '\0';
	return (ssize_t)len;
}

int sysfs__write(const char *path, const char *text)
{
	autoclose int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	/* An attribute takes one write whole: a second would be a second command. */
	n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int sysfs__pci_id(const char *root, const char *bdf, const char *attr, unsigned int digits, uint32_t *out)
{
	char path[PATH_MAX], text[16];
	uint32_t v = 0;
	ssize_t n;
	int ret = sysfs__path(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root, bdf, attr);

	if (ret)
		return ret;
	n = sysfs__read(path, text, sizeof(text));
	if (n < 0)
		return n == -EFBIG ? -EINVAL : (int)n;
	if ((size_t)n != digits + 3 || text[0] != '0' || text[1] != 'x' || text[n - 1] != '\n')
		return -EINVAL;
	for (unsigned int i = 2; i < digits + 2; i++) {
		if (!isxdigit((unsigned char)text[i]))
			return -EINVAL;
		v = v << 4 | sysfs__xdigit(text[i]);
	}
	*out = v;
	return 0;
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
		v = v << 4 | sysfs__xdigit(*p);
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
	ssize_t n;
	int ret = sysfs__path(path, sizeof(path), "%s/kernel/iommu_groups/%u/reserved_regions", root, group);

	if (ret)
		return ret;
	n = sysfs__read(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	return sysfs__parse_reserved(text, (size_t)n, out, max);
}
