/* SPDX-License-Identifier: MIT */
/*
 * A fake host tree for the broker's tests: sys/, dev/, proc/ and run/
 * under a temporary root, built with the kernel's shapes (device
 * directories, driver and iommu_group links, group directories). The
 * includer has cmocka included.
 */
#ifndef AIRLOCK_FAKE_SYSFS_H
#define AIRLOCK_FAKE_SYSFS_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];

static inline void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Create the file at root/<path> (and its directories) with optional contents after a '='. */
static inline void put(const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX * 2];
	const char *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	text = strchr(rel, '=');
	snprintf(path, sizeof(path), "%s/%.*s", root, text ? (int)(text - rel) : (int)strlen(rel), rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (text) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(text + 1, f);
		fclose(f);
	} else {
		mkdir(path, 0755);
	}
}

static inline void link_to(const char *target, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void link_to(const char *target, const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

/* What root/<path> holds now, or "(none)". */
static inline const char *contents(const char *rel)
{
	static char text[4096];
	char path[PATH_MAX * 2];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return "(none)";
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/*
 * A device at bdf in group (or none: -1), bound to driver ("" for none),
 * with the attributes the broker writes to, and its group's /dev node.
 * As in sysfs, the bus entry links to the device's directory, from where
 * the driver and group links lead to the right places when followed.
 */
static inline void device(const char *bdf, int group, const char *driver)
{
	char target[256];

	put("sys/devices/pci0000:00/%s/driver_override=(null)\n", bdf);
	put("sys/bus/pci/devices");
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	link_to(target, "sys/bus/pci/devices/%s", bdf);
	if (driver[0]) {
		put("sys/bus/pci/drivers/%s/bind=", driver);
		put("sys/bus/pci/drivers/%s/unbind=", driver);
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
		link_to(target, "sys/bus/pci/devices/%s/driver", bdf);
	}
	if (group >= 0) {
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
		link_to(target, "sys/bus/pci/devices/%s/iommu_group", bdf);
		put("sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
		put("dev/vfio/%d=", group);
	}
}

/* The attributes lspci reads, as the kernel formats them. */
static inline void device_ids(const char *bdf, unsigned int vendor, unsigned int dev, unsigned int class)
{
	put("sys/bus/pci/devices/%s/vendor=0x%04x\n", bdf, vendor);
	put("sys/bus/pci/devices/%s/device=0x%04x\n", bdf, dev);
	put("sys/bus/pci/devices/%s/class=0x%06x\n", bdf, class);
}

/* A character device at root/<rel>: a link to /dev/null, which is one. */
static inline void chardev(const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	put("%s", rel);
	rmdir(path);
	assert_int_equal(symlink("/dev/null", path), 0);
}

/*
 * A process at proc/<pid>: its command name, its mount namespace (the
 * ns/mnt link, "mnt:[ns]" as the kernel shows it), the mounts it sees
 * (mountinfo lines) and an empty fd/ for fake_open.
 */
static inline void fake_process(int pid, const char *comm, unsigned long ns, const char *mountinfo)
{
	char target[32];

	put("proc/%d/comm=%s\n", pid, comm);
	put("proc/%d/mountinfo=%s", pid, mountinfo);
	put("proc/%d/fd", pid);
	put("proc/%d/ns", pid);
	snprintf(target, sizeof(target), "mnt:[%lu]", ns);
	link_to(target, "proc/%d/ns/mnt", pid);
}

/* Process pid has file open as fd: its proc/<pid>/fd/<fd> link names it, as the kernel's does. */
static inline void fake_open(int pid, int fd, const char *file)
{
	link_to(file, "proc/%d/fd/%d", pid, fd);
}

/* What the last run_cmd printed. */
static char out[16384] __attribute__((unused)), err[4096] __attribute__((unused));

static inline void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/*
 * Run a command entry point (cmd_list, ...) on the words of the formatted
 * line, with stdout and stderr captured into out and err; its exit status.
 */
static inline int run_cmd(int (*cmd)(int argc, char **argv), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline int run_cmd(int (*cmd)(int argc, char **argv), const char *fmt, ...)
{
	static char line[PATH_MAX * 2];
	char *argv[32];
	int argc = 0, status;
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	int fd_out = memfd_create("out", 0), fd_err = memfd_create("err", 0);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *tok = strtok(line, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	fflush(stdout);
	dup2(fd_out, STDOUT_FILENO);
	dup2(fd_err, STDERR_FILENO);
	status = cmd(argc, argv);
	fflush(stdout);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	slurp(fd_out, out, sizeof(out));
	slurp(fd_err, err, sizeof(err));
	return status;
}

/* text holds want, or the test fails showing both. */
static inline void holds(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("'%s' does not say '%s'", text, want);
}

/* A fresh root; 0 or -1 (for a cmocka setup). */
static inline int fake_create(void)
{
	snprintf(root, sizeof(root), "/tmp/airlock-test-host.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static inline int fake_remove(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

#endif
