// SPDX-License-Identifier: MIT
/*
 * airlock bind / unbind: hand devices to vfio-pci and give them back.
 * The kernel's own way, driver_override, names the driver for this one
 * device (new_id would take every device with the same ids). The driver a
 * device had is kept under /run/airlock/drivers, so that unbind puts back
 * exactly that. A device the host is using (a mounted disk, an interface
 * that is up) is refused unless --force: taking it loses data.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "conffile.h"
#include "host.h"
#include "hostpci.h"
#include "log.h"

#define BIND_GROUP_MAX	64	/* devices of one group handed over at once */
#define BIND_DEPTH_MAX	16	/* sysfs directories below a PCI device: disks sit 4 to 7 deep */
#define BIND_LIST_MAX	400	/* a list of devices in a message */
#define BIND_ARGS_MAX	256	/* devices named at once, on the command line and in a bind list */
#define BIND_FILE_MAX	(16 * 1024)	/* bytes in a bind list */
#define BIND_BLK_MAX	256	/* block devices a device backs: disks, partitions, what stands on them */

static const char bind_usage[] =
	"usage: airlock bind [--group] [--force] [--root DIR] BDF...\n"
	"       airlock bind [--group] [--force] [--root DIR] --config FILE [BDF...]\n"
	"  hand each device to vfio-pci (driver_override), remembering its driver for airlock unbind\n"
	"  --config FILE  the devices FILE lists too, one a line: an address (dddd:bb:dd.f), or\n"
	"              vendor:device[:class] for every device of that kind (airlock-bind.service\n"
	"              binds those of /etc/airlock/bind.conf at boot)\n"
	"  --group     also hand over the other devices of its IOMMU group that a host driver holds\n"
	"              (a group is assigned whole); without it, such a group is refused\n"
	"  --force     take a device even though it backs a mounted filesystem, swap or an\n"
	"              interface that is up: the host loses it, with whatever data was in flight\n"
	"  --root DIR  act on DIR/sys, DIR/proc and DIR/run instead (a fake host tree, for tests)\n";

static const char unbind_usage[] =
	"usage: airlock unbind [--root DIR] BDF...\n"
	"  give each device back from vfio-pci to the driver it had before airlock bind\n"
	"  (without a record of it, to whichever driver the kernel picks)\n"
	"  --root DIR  act on DIR/sys and DIR/run instead (a fake host tree, for tests)\n";

struct bind_dev {
	char bdf[PCIADDR_LEN];
	char driver[SYSFS_DRIVER_MAX];	/* "" when none */
	bool in_use;			/* by the host, and taken with --force */
};

/* The devices of a group that must go to vfio-pci for bdf to be assigned. */
struct bind_set {
	const char *sys, *bdf;
	struct bind_dev dev[BIND_GROUP_MAX];
	unsigned int n;
};

static int bind__write(const char *bdf, const char *text, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write text to the attribute the format names; 0, or -errno after a line saying so. */
static int bind__write(const char *bdf, const char *text, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	ret = n < 0 || (size_t)n >= sizeof(path) ? -ENAMETOOLONG : sysfs__write(path, text);
	if (ret)
		pr_err("%s: cannot write %s: %s", bdf, path, strerror(-ret));
	return ret;
}

/*
 * The records of original drivers: <run>/airlock/drivers/<bdf>, root's
 * own. A record another user could have written would make unbind bind
 * the device to a driver of that user's choosing.
 */
static int bind__record_dir(const struct host *h, char *dir, size_t len)
{
	static const char *const parts[] = { "airlock", "airlock/drivers" };
	int ret = 0;

	for (unsigned int i = 0; !ret && i < ARRAY_SIZE(parts); i++)
		ret = sysfs__path(dir, len, "%s/%s", h->run, parts[i]) ?: host__make_dir(dir, 0700);
	return ret;
}

static int bind__record_path(const struct host *h, const char *bdf, char *path, size_t len)
{
	char dir[PATH_MAX];
	int ret = bind__record_dir(h, dir, sizeof(dir));

	return ret ? ret : sysfs__path(path, len, "%s/%s", dir, bdf);
}

/* Keep driver as bdf's original; -EEXIST when a record is there already: the first original wins. */
static int bind__record_save(const struct host *h, const char *bdf, const char *driver)
{
	char path[PATH_MAX], text[SYSFS_DRIVER_MAX + 1];
	autoclose int fd = -1;
	int ret = bind__record_path(h, bdf, path, sizeof(path));
	size_t len = (size_t)snprintf(text, sizeof(text), "%s\n", driver);

	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

/* bdf's original driver ("" for none); -ENOENT without a record, -EPERM for one not root's own, -EINVAL. */
static int bind__record_load(const struct host *h, const char *bdf, char driver[SYSFS_DRIVER_MAX])
{
	char path[PATH_MAX], text[SYSFS_DRIVER_MAX + 1];
	autoclose int fd = -1;
	struct stat st;
	ssize_t n;
	int ret = bind__record_path(h, bdf, path, sizeof(path));

	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	n = read(fd, text, sizeof(text));
	if (n <= 0 || text[n - 1] != '\n')
		return -EINVAL;
	text[n - 1] = '\0';
	if (text[0] && !sysfs__driver_name_ok(text))
		return -EINVAL;
	memcpy(driver, text, (size_t)n);
	return 0;
}

static void bind__record_drop(const struct host *h, const char *bdf)
{
	char path[PATH_MAX];

	if (!bind__record_path(h, bdf, path, sizeof(path)))
		unlink(path);
}

static void bind__audit(const char *event, const char *bdf, const char *from, const char *to, bool ok, bool forced)
{
	struct json *j = audit__begin(event);

	json__str(j, "device", bdf);
	json__str(j, "from", from[0] ? from : NULL);
	json__str(j, "to", to[0] ? to : NULL);
	json__bool(j, "ok", ok);
	if (forced)
		json__bool(j, "forced", true);
	audit__end(j);
}

/*
 * What the host uses a device for. Its block devices are gathered first:
 * the disks and partitions below it in sysfs, the NVMe multipath heads of
 * its controllers' subsystems, what stands on them (holders/: device-mapper,
 * RAID) and the other devices of a btrfs filesystem on them. Then the
 * mounts of every mount namespace, swap, and what is left of the holders.
 */
struct bind_blk {
	char name[32];		/* the kernel's name: nvme0n1p1, dm-0 */
	char dev[16];		/* "259:1"; "" when unknown */
	unsigned int base;	/* the entry of the device's own this one stands on (itself for those) */
	bool peer;		/* another device of a btrfs filesystem on base: known by its name alone */
};

struct bind_use {
	const struct host *h;
	struct bind_blk blk[BIND_BLK_MAX];
	unsigned int n;
	int base;		/* while walking what stands on an entry: that entry's base; -1 otherwise */
	int err;		/* -E2BIG: more block devices than can be looked at */
	char btrfs[NAME_MAX + 1];	/* a mounted btrfs filesystem on one of them (its UUID), "" for none */
	unsigned int btrfs_of;	/* and the entry of the device's own it is on */
	char what[512];		/* "" while nothing is found */
	char fix[PATH_MAX];	/* what the user can do about it */
};

static void __attribute__((format(printf, 3, 4))) bind__found(struct bind_use *u, const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->what, sizeof(u->what), fmt, ap);
	va_end(ap);
	snprintf(u->fix, sizeof(u->fix), "%s", fix);
}

/* The attribute name of the directory dirfd, NUL-terminated; its length or -errno. */
static ssize_t bind__attr(int dirfd, const char *name, char *buf, size_t max)
{
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, max - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* Whether a line of the file has field (1-based, blank-separated) equal to want. */
static bool bind__listed(const char *path, unsigned int field, const char *want)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *save, *tok;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		tok = strtok_r(line, " \t\n", &save);
		for (unsigned int i = 1; tok && i < field; i++)
			tok = strtok_r(NULL, " \t\n", &save);
		found = tok && !strcmp(tok, want);
	}
	free(line);
	fclose(f);
	return found;
}

/* The directory name in dirfd (AT_FDCWD: a path), never through a link at its end; NULL with errno. */
static DIR *bind__opendir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

	if (!dir && fd >= 0) {
		err = errno;
		close(fd);
		errno = err;
	}
	return dir;
}

static bool bind__dots(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/* The first entry of the directory name in dirfd into out; false when it is empty or cannot be read. */
static bool bind__first_entry(int dirfd, const char *name, char *out, size_t len)
{
	DIR *dir = bind__opendir(dirfd, name);
	struct dirent *de;
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir)))
		if ((found = !bind__dots(de->d_name)))
			snprintf(out, len, "%s", de->d_name);
	closedir(dir);
	return found;
}

/*
 * Calls fn with each process's /proc directory (under the host root) as
 * long as it returns 0, and returns what it returned; a process that is
 * gone by then is passed over.
 */
static int bind__each_pid(const struct host *h, int (*fn)(int piddir, const char *pid, void *arg), void *arg)
{
	DIR *dir = bind__opendir(AT_FDCWD, h->proc);
	struct dirent *de;
	int ret = 0;

	if (!dir)
		return -errno;
	while (!ret && (de = readdir(dir))) {
		autoclose int fd = -1;

		if (!de->d_name[0] || de->d_name[strspn(de->d_name, "0123456789")])
			continue;
		fd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			ret = fn(fd, de->d_name, arg);
	}
	closedir(dir);
	return ret;
}

/* Add block device name standing on u->base (or on itself); its index, or -1 when known already or too many. */
static int bind__blk_add(struct bind_use *u, const char *name, const char *dev, bool peer)
{
	struct bind_blk *b = &u->blk[u->n];

	for (unsigned int i = 0; i < u->n; i++)
		if (!strcmp(u->blk[i].name, name))
			return -1;
	if (u->n == BIND_BLK_MAX || strlen(name) >= sizeof(b->name)) {
		u->err = -E2BIG;
		return -1;
	}
	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->dev, sizeof(b->dev), "%.*s", (int)strcspn(dev, "\n"), dev);
	b->base = u->base < 0 ? u->n : (unsigned int)u->base;
	b->peer = peer;
	return (int)u->n++;
}

static void bind__walk(struct bind_use *u, int dirfd, const char *name, unsigned int depth);

/* Walk the sysfs directory at path, a link followed (/sys/class/...); 0 or -errno. */
static int bind__walk_path(struct bind_use *u, const char *path, const char *name)
{
	autoclose int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	bind__walk(u, fd, name, 0);
	return 0;
}

/* A block device (disk or partition) name, at dirfd, and what stands on it. */
static void bind__block(struct bind_use *u, int dirfd, const char *name)
{
	char dev[16], path[PATH_MAX];
	int i = bind__blk_add(u, name, bind__attr(dirfd, "dev", dev, sizeof(dev)) > 0 ? dev : "", false);
	int saved = u->base;
	struct dirent *de;
	DIR *dir;

	if (i < 0 || !(dir = bind__opendir(dirfd, "holders")))
		return;
	u->base = (int)u->blk[i].base;
	while ((de = readdir(dir))) {
		if (bind__dots(de->d_name))
			continue;
		/* A holder that cannot be walked is still known by its name. */
		if (sysfs__path(path, sizeof(path), "%s/class/block/%s", u->h->sys, de->d_name) ||
		    bind__walk_path(u, path, de->d_name))
			bind__blk_add(u, de->d_name, "", false);
	}
	u->base = saved;
	closedir(dir);
}

/*
 * An NVMe controller ctrl: with multipath, its namespaces are disks of
 * its subsystem (nvme0n1), over hidden path devices below the controller
 * (nvme0c0n1). The subsystem is the one that lists ctrl.
 */
static void bind__nvme(struct bind_use *u, const char *ctrl)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	if (sysfs__path(path, sizeof(path), "%s/class/nvme-subsystem", u->h->sys) || !(dir = bind__opendir(AT_FDCWD, path)))
		return;
	while ((de = readdir(dir))) {
		/* The class entry links to the subsystem's directory: followed. */
		autoclose int fd = bind__dots(de->d_name) ? -1 : openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat st;

		if (fd >= 0 && !fstatat(fd, ctrl, &st, AT_SYMLINK_NOFOLLOW))
			bind__walk(u, fd, de->d_name, 0);
	}
	closedir(dir);
}

static void bind__net(struct bind_use *u, int dirfd, const char *name)
{
	char state[32], flags[32], fix[64];
	unsigned long f = 0;

	if (bind__attr(dirfd, "flags", flags, sizeof(flags)) > 0)
		f = strtoul(flags, NULL, 16);
	if ((bind__attr(dirfd, "operstate", state, sizeof(state)) > 0 && !strcmp(state, "up\n")) || (f & IFF_UP)) {
		snprintf(fix, sizeof(fix), "ip link set %s down", name);
		bind__found(u, fix, "its network interface %s is up", name);
	}
}

/*
 * The directory dirfd (named name) and those below it, never through a
 * link: a sysfs device directory links to its driver, its subsystem and
 * more, where a walk would not end. The subsystem link says what each is.
 */
static void bind__walk(struct bind_use *u, int dirfd, const char *name, unsigned int depth)
{
	char subsystem[PATH_MAX];
	ssize_t n = readlinkat(dirfd, "subsystem", subsystem, sizeof(subsystem) - 1);
	const char *kind;
	struct dirent *de;
	DIR *dir;

	if (n > 0) {
		subsystem[n] = '\0';
		kind = strrchr(subsystem, '/');
		kind = kind ? kind + 1 : subsystem;
		if (!strcmp(kind, "block"))
			bind__block(u, dirfd, name);
		else if (!strcmp(kind, "net"))
			bind__net(u, dirfd, name);
		else if (!strcmp(kind, "nvme"))
			bind__nvme(u, name);
	}
	if (depth == BIND_DEPTH_MAX || !(dir = fdopendir(dup(dirfd))))
		return;
	while (!u->what[0] && (de = readdir(dir))) {
		autoclose int sub = -1;

		if (de->d_type != DT_DIR || bind__dots(de->d_name))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			bind__walk(u, sub, de->d_name, depth + 1);
	}
	closedir(dir);
}

/* The entry named name, not a btrfs peer; -1 for none. */
static int bind__blk_find(const struct bind_use *u, const char *name)
{
	for (unsigned int i = 0; i < u->n; i++)
		if (!u->blk[i].peer && !strcmp(u->blk[i].name, name))
			return (int)i;
	return -1;
}

/*
 * btrfs spans devices, and its mounts show an anonymous device number:
 * /sys/fs/btrfs/<uuid> is there while the filesystem is mounted, with its
 * devices in devices/. The others of one of ours are added as peers, for
 * a mount whose source names one of them.
 */
static void bind__btrfs(struct bind_use *u)
{
	char path[PATH_MAX];
	struct dirent *fs, *de;
	DIR *all, *devs;

	if (sysfs__path(path, sizeof(path), "%s/fs/btrfs", u->h->sys) || !(all = bind__opendir(AT_FDCWD, path)))
		return;
	while ((fs = readdir(all))) {
		int i = -1;

		if (bind__dots(fs->d_name) || sysfs__path(path, sizeof(path), "%s/devices", fs->d_name) ||
		    !(devs = bind__opendir(dirfd(all), path)))
			continue;
		while (i < 0 && (de = readdir(devs)))
			i = bind__blk_find(u, de->d_name);
		if (i >= 0) {
			if (!u->btrfs[0]) {
				snprintf(u->btrfs, sizeof(u->btrfs), "%s", fs->d_name);
				u->btrfs_of = u->blk[i].base;
			}
			u->base = (int)u->blk[i].base;
			rewinddir(devs);
			while ((de = readdir(devs)))
				if (!bind__dots(de->d_name))
					bind__blk_add(u, de->d_name, "", true);
			u->base = -1;
		}
		closedir(devs);
	}
	closedir(all);
}

/* "its block device nvme0n1p1 (259:1)", or with what stands on it between. */
static void bind__subject(const struct bind_use *u, unsigned int i, char *out, size_t len)
{
	const struct bind_blk *b = &u->blk[i], *own = &u->blk[b->base];

	if (b == own)
		snprintf(out, len, "its block device %s (%s)", b->name, b->dev);
	else if (b->peer)
		snprintf(out, len, "its block device %s, in a btrfs filesystem with %s,", own->name, b->name);
	else
		snprintf(out, len, "its block device %s, through %s (%s),", own->name, b->name, b->dev[0] ? b->dev : "?");
}

/* The mount namespaces seen so far, by the inode of /proc/PID/ns/mnt: each one's mounts are read once. */
struct bind_ns {
	struct bind_use *u;
	unsigned long *seen;
	size_t n, cap;
};

/* One line of mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER". */
static bool bind__mount(struct bind_use *u, char *line, const char *pid)
{
	char *field[5], *save, *tok = strtok_r(line, " \n", &save), subject[160], fix[PATH_MAX];
	unsigned int n = 0;

	for (; tok && n < ARRAY_SIZE(field); tok = strtok_r(NULL, " \n", &save))
		field[n++] = tok;
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " \n", &save);
	if (tok)
		tok = strtok_r(NULL, " \n", &save);	/* the type */
	if (tok)
		tok = strtok_r(NULL, " \n", &save);	/* the source */
	if (!tok || n < ARRAY_SIZE(field))
		return false;
	for (unsigned int i = 0; i < u->n; i++) {
		const struct bind_blk *b = &u->blk[i];

		/* btrfs and the like show another device number; the source names the disk. */
		if ((b->peer || strcmp(b->dev, field[2])) && (strncmp(tok, "/dev/", 5) || strcmp(tok + 5, b->name)))
			continue;
		bind__subject(u, i, subject, sizeof(subject));
		snprintf(fix, sizeof(fix), "unmount it (nsenter -t %s -m umount %s)", pid, field[4]);
		bind__found(u, fix, "%s is mounted on %s in the mount namespace of pid %s", subject, field[4], pid);
		return true;
	}
	return false;
}

/* The mounts of pid's mount namespace, unless seen already; 1 when one is on our devices, 0, or -errno. */
static int bind__ns_mounts(int piddir, const char *pid, void *arg)
{
	struct bind_ns *ns = arg;
	char link[64], *line = NULL;
	unsigned long ino;
	size_t cap = 0;
	ssize_t n = readlinkat(piddir, "ns/mnt", link, sizeof(link) - 1);
	int fd, found = 0;
	FILE *f;

	if (n > 0)
		link[n] = '\0';
	/* Without a namespace to tell by, the mounts are read again: never skipped. */
	if (n > 0 && sscanf(link, "mnt:[%lu]", &ino) == 1) {
		for (size_t i = 0; i < ns->n; i++)
			if (ns->seen[i] == ino)
				return 0;
		if (ns->n == ns->cap) {
			unsigned long *more = reallocarray(ns->seen, ns->cap ? ns->cap * 2 : 64, sizeof(*more));

			if (!more)
				return -ENOMEM;
			ns->seen = more;
			ns->cap = ns->cap ? ns->cap * 2 : 64;
		}
		ns->seen[ns->n++] = ino;
	}
	fd = openat(piddir, "mountinfo", O_RDONLY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!found && getline(&line, &cap, f) > 0)
		found = bind__mount(ns->u, line, pid);
	free(line);
	fclose(f);
	return found;
}

static void bind__swap(struct bind_use *u)
{
	char path[PATH_MAX], name[sizeof(u->blk[0].name) + 8], subject[160], fix[64];

	if (sysfs__path(path, sizeof(path), "%s/swaps", u->h->proc))
		return;
	for (unsigned int i = 0; i < u->n; i++) {
		snprintf(name, sizeof(name), "/dev/%s", u->blk[i].name);
		if (u->blk[i].peer || !bind__listed(path, 1, name))
			continue;
		bind__subject(u, i, subject, sizeof(subject));
		snprintf(fix, sizeof(fix), "swapoff %s", name);
		bind__found(u, fix, "%s is a swap area in use", subject);
		return;
	}
}

/* What the host uses bdf for, into u->what ("" for nothing found); 0 or -errno. */
static int bind__in_use(struct bind_use *u, const char *bdf)
{
	struct bind_ns ns = { .u = u };
	char path[PATH_MAX], fix[160];
	int ret;

	u->n = 0;
	u->base = -1;
	u->err = 0;
	u->btrfs[0] = u->what[0] = '\0';
	if (sysfs__path(path, sizeof(path), "%s/bus/pci/devices/%s", u->h->sys, bdf))
		return -ENAMETOOLONG;
	/* The bus entry is a link to the device's directory: followed. */
	ret = bind__walk_path(u, path, bdf);
	if (ret || u->what[0] || u->err)
		return ret ? ret : u->err;
	bind__btrfs(u);
	if (u->err)
		return u->err;
	if (u->n)
		ret = bind__each_pid(u->h, bind__ns_mounts, &ns);
	free(ns.seen);
	if (ret < 0)
		return ret;
	if (!u->what[0])
		bind__swap(u);
	if (!u->what[0] && u->btrfs[0])
		bind__found(u, "unmount it", "its block device %s is a device of the mounted btrfs filesystem %s",
			    u->blk[u->btrfs_of].name, u->btrfs);
	for (unsigned int i = 0; !u->what[0] && i < u->n; i++) {
		if (u->blk[i].peer || u->blk[i].base == i)
			continue;
		snprintf(fix, sizeof(fix), "take %s apart first (dmsetup remove, mdadm --stop)", u->blk[i].name);
		bind__found(u, fix, "its block device %s is held by %s (device-mapper, RAID or the like)",
			    u->blk[u->blk[i].base].name, u->blk[i].name);
	}
	return 0;
}

static int bind__collect(const char *member, void *arg)
{
	struct bind_set *s = arg;
	struct bind_dev *d;
	int ret;

	if (s->n == BIND_GROUP_MAX)
		return -E2BIG;
	d = &s->dev[s->n];
	ret = sysfs__driver(s->sys, member, d->driver);
	if (ret)
		return ret;
	if (!strcmp(d->driver, "vfio-pci") || (strcmp(member, s->bdf) && hostpci__member_driver_ok(d->driver)))
		return 0;
	snprintf(d->bdf, sizeof(d->bdf), "%s", member);
	s->n++;
	return 0;
}

/* "0000:00:04.1 (e1000e), ..." for the devices of s but bdf; how many. */
static unsigned int bind__others(const struct bind_set *s, char *out, size_t len)
{
	unsigned int count = 0;
	size_t used = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < s->n; i++) {
		if (!strcmp(s->dev[i].bdf, s->bdf))
			continue;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s (%s)", count ? ", " : "", s->dev[i].bdf,
						  s->dev[i].driver[0] ? s->dev[i].driver : "no driver");
		count++;
	}
	return count;
}

/* The hand-over of one device; 0 when it ends on vfio-pci. */
static int bind__device(const struct host *h, const struct bind_dev *d)
{
	char now[SYSFS_DRIVER_MAX];
	int ret = bind__record_save(h, d->bdf, d->driver);

	if (ret && ret != -EEXIST) {
		pr_err("%s: cannot keep a record of its driver under %s/airlock/drivers: %s; nothing was changed",
		       d->bdf, h->run, strerror(-ret));
		return ret;
	}
	ret = bind__write(d->bdf, "vfio-pci", "%s/bus/pci/devices/%s/driver_override", h->sys, d->bdf);
	if (!ret && d->driver[0])
		ret = bind__write(d->bdf, d->bdf, "%s/bus/pci/devices/%s/driver/unbind", h->sys, d->bdf);
	if (!ret)
		ret = bind__write(d->bdf, d->bdf, "%s/bus/pci/drivers_probe", h->sys);
	if (!ret)
		ret = sysfs__driver(h->sys, d->bdf, now);
	if (!ret && strcmp(now, "vfio-pci")) {
		pr_err("%s: after the hand-over it is bound to %s, not vfio-pci; is vfio-pci loaded (modprobe vfio-pci)? dmesg says why the probe failed; airlock unbind %s gives it back",
		       d->bdf, now[0] ? now : "no driver", d->bdf);
		ret = -EIO;
	}
	if (!ret)
		printf("bound %s to vfio-pci (was %s)\n", d->bdf, d->driver[0] ? d->driver : "without a driver");
	bind__audit("bind", d->bdf, d->driver, "vfio-pci", !ret, d->in_use);
	return ret;
}

/* What stands in the way of binding the devices of s: refuse unless forced. 0, or -EBUSY after saying why. */
static int bind__check_use(const struct host *h, struct bind_set *s, bool force)
{
	struct bind_use u = { .h = h };

	for (unsigned int i = 0; i < s->n; i++) {
		int ret = bind__in_use(&u, s->dev[i].bdf);

		if (ret) {
			pr_err("%s: cannot look at what the host uses it for: %s", s->dev[i].bdf, strerror(-ret));
			return ret;
		}
		if (!u.what[0])
			continue;
		if (!force) {
			pr_err("%s is in use by the host: %s; taking it loses data: %s, or pass --force", s->dev[i].bdf, u.what,
			       u.fix);
			return -EBUSY;
		}
		pr_err("warning: %s is in use by the host: %s; --force takes it anyway", s->dev[i].bdf, u.what);
		s->dev[i].in_use = true;
	}
	return 0;
}

static int bind__one(const struct host *h, const char *bdf, bool group, bool force)
{
	struct bind_set s = { .sys = h->sys, .bdf = bdf };
	struct hostpci_why why;
	char others[BIND_LIST_MAX];
	unsigned int nr_others;
	int ret = hostpci__check_device(h->sys, bdf, &why);

	if (ret) {
		pr_err("%s%s%s", why.reason, why.fix[0] ? "; " : "", why.fix);
		return ret;
	}
	if (sysfs__driver_loaded(h->sys, "vfio-pci")) {
		pr_err("vfio-pci is not loaded; modprobe vfio-pci, then airlock bind %s again", bdf);
		return -ENOENT;
	}
	ret = sysfs__group_devices(h->sys, (unsigned int)why.group, bind__collect, &s);
	if (ret) {
		pr_err("%s: cannot read the devices of IOMMU group %d and their drivers: %s", bdf, why.group, strerror(-ret));
		return ret;
	}
	if (!s.n) {
		printf("%s is bound to vfio-pci already\n", bdf);
		return 0;
	}
	nr_others = bind__others(&s, others, sizeof(others));
	if (nr_others && !group) {
		pr_err("%s shares IOMMU group %d with %s, which the host holds; a group is assigned whole: airlock bind --group %s hands them all to vfio-pci",
		       bdf, why.group, others, bdf);
		return -EBUSY;
	}
	if (nr_others)
		pr_err("warning: binding IOMMU group %d whole: %s go%s to vfio-pci too", why.group, others,
		       nr_others == 1 ? "es" : "");
	ret = bind__check_use(h, &s, force);
	for (unsigned int i = 0; !ret && i < s.n; i++)
		ret = bind__device(h, &s.dev[i]);
	return ret;
}

/* Who has a device's VFIO files open: its group (the container model), or its own cdev (iommufd). */
struct unbind_open {
	char file[2][NAME_MAX + 32];
	char pid[16], comm[32];
	const char *held;
};

static int unbind__fds(int piddir, const char *pid, void *arg)
{
	struct unbind_open *o = arg;
	DIR *dir = bind__opendir(piddir, "fd");
	struct dirent *de;
	char target[sizeof(o->file[0]) + 1];	/* longer than any file: a cut target matches none */
	ssize_t n;

	if (!dir)
		return 0;
	while (!o->held && (de = readdir(dir))) {
		n = readlinkat(dirfd(dir), de->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		for (unsigned int i = 0; i < ARRAY_SIZE(o->file); i++)
			if (o->file[i][0] && !strcmp(target, o->file[i]))
				o->held = o->file[i];
	}
	closedir(dir);
	if (!o->held)
		return 0;
	snprintf(o->pid, sizeof(o->pid), "%s", pid);
	if (bind__attr(piddir, "comm", o->comm, sizeof(o->comm)) <= 0)
		snprintf(o->comm, sizeof(o->comm), "?");
	o->comm[strcspn(o->comm, "\n")] = '\0';
	return 1;
}

/*
 * vfio-pci lets go of a device only once every file of it is closed: an
 * unbind while a VM holds it would hang until the VM ends. 0, or -EBUSY or
 * -errno after a line saying why.
 */
static int unbind__check_open(const struct host *h, const char *bdf)
{
	struct unbind_open o = { .held = NULL };
	char path[PATH_MAX], cdev[NAME_MAX + 1];
	unsigned int group;
	bool vm;
	int ret = sysfs__iommu_group(h->sys, bdf, &group);

	if (!ret)
		snprintf(o.file[0], sizeof(o.file[0]), "/dev/vfio/%u", group);
	if (!sysfs__path(path, sizeof(path), "%s/bus/pci/devices/%s/vfio-dev", h->sys, bdf) &&
	    bind__first_entry(AT_FDCWD, path, cdev, sizeof(cdev)))
		snprintf(o.file[1], sizeof(o.file[1]), "/dev/vfio/devices/%s", cdev);
	ret = bind__each_pid(h, unbind__fds, &o);
	if (ret < 0) {
		pr_err("%s: cannot look at which processes have it open: %s", bdf, strerror(-ret));
		return ret;
	}
	if (!ret)
		return 0;
	vm = !strcmp(o.comm, "airlock") || !strcmp(o.comm, "airlock-vmm");
	pr_err("%s is in use: pid %s (%s%s) has %s open, and vfio-pci lets go of it only once that is closed: stop %s first, then airlock unbind %s again",
	       bdf, o.pid, o.comm, vm ? ", an airlock VM" : "", o.held, vm ? "the VM" : "that process", bdf);
	return -EBUSY;
}

/*
 * Back from vfio-pci: to the recorded driver, or without a record to
 * whichever the kernel picks. 0 when the device ends where it should.
 */
static int unbind__one(const struct host *h, const char *bdf)
{
	char now[SYSFS_DRIVER_MAX], orig[SYSFS_DRIVER_MAX] = "", after[SYSFS_DRIVER_MAX];
	int rec, ret = sysfs__device_exists(h->sys, bdf);

	if (ret == -ENOENT) {
		pr_err("there is no PCI device %s on this host; see lspci -D for the addresses", bdf);
		return ret;
	}
	if (!ret)
		ret = sysfs__driver(h->sys, bdf, now);
	if (ret) {
		pr_err("%s: cannot read which driver it is bound to: %s", bdf, strerror(-ret));
		return ret;
	}
	rec = bind__record_load(h, bdf, orig);
	if (rec && rec != -ENOENT) {
		pr_err("%s: the record of its driver in %s/airlock/drivers/%s is not root's own regular file with one driver name; remove it, then airlock unbind %s again",
		       bdf, h->run, bdf, bdf);
		return rec;
	}
	if (now[0] && strcmp(now, "vfio-pci")) {
		printf("%s is bound to %s, not vfio-pci: nothing to give back\n", bdf, now);
		if (!rec)
			bind__record_drop(h, bdf);
		return 0;
	}
	if (now[0] && (ret = unbind__check_open(h, bdf)))
		return ret;
	if (orig[0] && sysfs__driver_loaded(h->sys, orig)) {
		pr_err("%s: its driver %s is not loaded; modprobe %s, then airlock unbind %s again", bdf, orig, orig, bdf);
		return -ENOENT;
	}
	/* A newline clears the override: the device's own drivers may claim it again. */
	ret = bind__write(bdf, "\n", "%s/bus/pci/devices/%s/driver_override", h->sys, bdf);
	if (!ret && now[0])
		ret = bind__write(bdf, bdf, "%s/bus/pci/devices/%s/driver/unbind", h->sys, bdf);
	if (!ret && orig[0])
		ret = bind__write(bdf, bdf, "%s/bus/pci/drivers/%s/bind", h->sys, orig);
	else if (!ret)
		ret = bind__write(bdf, bdf, "%s/bus/pci/drivers_probe", h->sys);
	if (!ret)
		ret = sysfs__driver(h->sys, bdf, after);
	if (!ret && (orig[0] ? strcmp(after, orig) : !strcmp(after, "vfio-pci"))) {
		if (orig[0])
			pr_err("%s: after giving it back it is bound to %s, not %s; dmesg says why, then airlock unbind %s again",
			       bdf, after[0] ? after : "no driver", orig, bdf);
		else
			pr_err("%s: vfio-pci took it again: its vendor:device is in vfio-pci's ids (new_id or vfio-pci.ids=); take them out with echo VENDOR DEVICE > /sys/bus/pci/drivers/vfio-pci/remove_id",
			       bdf);
		ret = -EIO;
	}
	if (!ret && orig[0])
		printf("bound %s back to %s (was %s)\n", bdf, orig, now[0] ? now : "without a driver");
	else if (!ret)
		printf("unbound %s from vfio-pci; %s; the kernel picked %s\n", bdf,
		       rec ? "no record of its original driver" : "it had no driver before",
		       after[0] ? after : "no driver");
	if (!ret)
		bind__record_drop(h, bdf);
	bind__audit("unbind", bdf, now, ret ? "" : after, !ret, false);
	return ret;
}

struct bind_args {
	bool group, force;
	const char *root, *config;
	char bdf[BIND_ARGS_MAX][PCIADDR_LEN];
	unsigned int n;
};

/* bdf (canonical) to the devices to bind, once: 0, or -E2BIG when there are too many. */
static int bind__add(struct bind_args *a, const char *bdf)
{
	for (unsigned int i = 0; i < a->n; i++)
		if (!strcmp(a->bdf[i], bdf))
			return 0;
	if (a->n == BIND_ARGS_MAX)
		return -E2BIG;
	memcpy(a->bdf[a->n++], bdf, PCIADDR_LEN);
	return 0;
}

static const struct conffile_kind bind_list_file = {
	.what = "bind list",
	.missing = "write it (see BIND LISTS in airlock(8)), or name another with --config",
	.owner_could = "hand any device to vfio-pci",
	.max = BIND_FILE_MAX,
	.line_max = 256,
};

/* A bind list being read: its devices go to a, its filters are matched against the host's devices. */
struct bind_list {
	struct bind_args *a;
	const struct host *h;
	struct pcifilter filter;	/* the line's */
	unsigned int matched;
	char *err;
	size_t errlen;
};

static int bind__list_match(const struct hostpci_dev *d, void *arg)
{
	struct bind_list *l = arg;

	if (!pcifilter__match(&l->filter, &d->ids))
		return 0;
	l->matched++;
	return bind__add(l->a, d->bdf);
}

/* A line of a bind list: one device, by address or by a filter that names its vendor and device. */
static int bind__list_line(char *line, unsigned int nr, void *arg)
{
	struct bind_list *l = arg;
	char *pos = line, *word = conffile__word(&pos), bdf[PCIADDR_LEN], name[PCIFILTER_LEN];
	int ret;

	(void)nr;
	if (!word)
		return 0;
	if (conffile__word(&pos))
		return log__say(l->err, l->errlen, -EINVAL, "one device a line, an address or a vendor:device filter, "
				   "and after it nothing but a # comment");
	if (!pcifilter__is_filter(word)) {
		if (pciaddr__canonical(word, bdf))
			return log__say(l->err, l->errlen, -EINVAL, "bad PCI address '%.64s'; write dddd:bb:dd.f as lspci -D "
					   "shows it, e.g. 0000:01:00.0, or a filter vendor:device", word);
		ret = bind__add(l->a, bdf);
	} else {
		if (pcifilter__parse(word, &l->filter))
			return log__say(l->err, l->errlen, -EINVAL, "bad device filter '%.64s'; write vendor:device[:class] "
					   "in hex as lspci -d takes it, e.g. 1234:11e8", word);
		pcifilter__name(&l->filter, name);
		/* A wider one (10de:*) could take devices the host needs: its display, its disks. */
		if (l->filter.vendor < 0 || l->filter.device < 0)
			return log__say(l->err, l->errlen, -EINVAL, "filter %s names no vendor and device; a bind list "
					   "takes vendor:device[:class], e.g. 1234:11e8, or addresses", name);
		l->matched = 0;
		ret = hostpci__each(l->h->sys, bind__list_match, l);
		if (ret < 0 && ret != -E2BIG)
			return log__say(l->err, l->errlen, ret, "cannot list the host's PCI devices: %s", strerror(-ret));
		if (ret >= 0 && !l->matched)
			return log__say(l->err, l->errlen, -ENOENT, "no device on this host matches %s (lspci -d %s lists "
					   "none); take the line out, or correct it", name, name);
	}
	if (ret == -E2BIG)
		return log__say(l->err, l->errlen, ret, "more than %d devices to bind; split the list", BIND_ARGS_MAX);
	return 0;
}

/* Options and addresses of bind (or unbind, which has only --root); 0, 1 for --help, or 2. */
static int bind__args(int argc, char **argv, bool is_bind, struct bind_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "group", no_argument, NULL, 'g' },
		{ "force", no_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd = is_bind ? "bind" : "unbind";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", is_bind ? opts : opts + 3, NULL)) != -1) {
		if (c == 'c')
			a->config = optarg;
		else if (c == 'g')
			a->group = true;
		else if (c == 'f')
			a->force = true;
		else if (c == 'r')
			a->root = optarg;
		else if (c == 'h')
			return 1;
		else {
			pr_err("%s: unknown option or missing value; see airlock %s --help", cmd, cmd);
			return 2;
		}
	}
	if (optind == argc && !a->config) {
		pr_err("%s: which device? airlock %s BDF..., with addresses as lspci -D shows them%s", cmd, cmd,
		       is_bind ? ", or airlock bind --config FILE" : "");
		return 2;
	}
	for (; optind < argc; optind++) {
		char bdf[PCIADDR_LEN];

		if (pciaddr__canonical(argv[optind], bdf)) {
			pr_err("%s: bad PCI address '%s'; expected the form dddd:bb:dd.f, e.g. 0000:01:00.0 (see lspci -D)",
			       cmd, argv[optind]);
			return 2;
		}
		if (bind__add(a, bdf)) {
			pr_err("%s: at most %u devices at a time", cmd, BIND_ARGS_MAX);
			return 2;
		}
	}
	return 0;
}

/* The devices of the bind list a->config to a too; 0, or the exit status after a line saying why. */
static int bind__read_list(struct bind_args *a, const struct host *h)
{
	static char text[BIND_FILE_MAX + 1];
	char err[512];
	struct bind_list l = { .a = a, .h = h, .err = err, .errlen = sizeof(err) };
	size_t len;
	int ret = conffile__read(&bind_list_file, a->config, text, &len, err, sizeof(err));

	if (!ret)
		ret = conffile__lines(&bind_list_file, a->config, text, len, bind__list_line, &l, err, sizeof(err));
	if (ret)
		pr_err("%s", err);
	return ret ? 1 : 0;
}

static int bind__main(int argc, char **argv, bool is_bind)
{
	struct bind_args a = { 0 };
	struct host h;
	int ret = bind__args(argc, argv, is_bind, &a), failed = 0;

	if (ret == 1)
		fputs(is_bind ? bind_usage : unbind_usage, stdout);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (host__init(&h, a.root))
		return 2;
	/* Every device is known before anything is done: a list that is wrong binds none. */
	if (a.config && bind__read_list(&a, &h))
		return 1;
	for (unsigned int i = 0; i < a.n; i++)
		failed |= is_bind ? bind__one(&h, a.bdf[i], a.group, a.force) : unbind__one(&h, a.bdf[i]);
	return failed ? 1 : 0;
}

int cmd_bind(int argc, char **argv)
{
	return bind__main(argc, argv, true);
}

int cmd_unbind(int argc, char **argv)
{
	return bind__main(argc, argv, false);
}
