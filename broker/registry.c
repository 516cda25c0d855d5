// SPDX-License-Identifier: MIT
#include <ctype.h>
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
#include "monitor.h"
#include "registry.h"
#include "sysfs.h"

/* This broker's entry, once claimed: where it is and what it says. */
static struct {
	char dir[PATH_MAX];
	struct registry_vm vm;
	bool claimed;
} registry_self;

/*
 * Field 22 of PROC/PID/stat: when pid started, in clock ticks since boot;
 * 0 when it is gone, or has exited and waits for its parent to reap it.
 */
static uint64_t registry__starttime(const char *proc, pid_t pid)
{
	char path[PATH_MAX], buf[1024], *p, state;
	unsigned long long t = 0;
	autoclose int fd = -1;
	ssize_t n;

	if (sysfs__path(path, sizeof(path), "%s/%d/stat", proc, (int)pid))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold blanks and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &state, &t) != 2)
		return 0;
	return state == 'Z' ? 0 : t;
}

int registry__format(const struct registry_vm *vm, char *buf, size_t len)
{
	size_t pos;
	int n;

	n = snprintf(buf, len, "name %s\nbroker %d %" PRIu64 "\nvmm %d\nuser %u %s\nmemory %" PRIu64
		     "\nprocessors %u\ndevices", vm->name, (int)vm->broker, vm->broker_start, (int)vm->vmm,
		     (unsigned int)vm->uid, vm->user, vm->memory, vm->vcpus);
	for (unsigned int i = 0; n >= 0 && (size_t)n < len && i < vm->nr_devices; i++) {
		pos = (size_t)n;
		n += snprintf(buf + pos, len - pos, " %s", vm->devices[i]);
	}
	if (n >= 0 && (size_t)n < len) {
		pos = (size_t)n;
		n += snprintf(buf + pos, len - pos, "\nstarted %" PRId64 "\nconsole %s%s%s\nstop-timeout %u\n", vm->started,
			      console__mode_name(vm->console), vm->pty[0] ? " " : "", vm->pty, vm->stop_timeout);
	}
	if (n >= 0 && (size_t)n < len && vm->ended[0]) {
		pos = (size_t)n;
		n += snprintf(buf + pos, len - pos, "ended %s\n", vm->ended);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* A parse position: the text left, and whether all of it was good so far. */
struct registry_in {
	const char *p, *end;
	bool bad;
};

/* The word up to the next blank or newline, into out (len with its NUL); "" and bad when none fits. */
static void registry__word(struct registry_in *in, char *out, size_t len)
{
	size_t n = 0;

	while (in->p + n < in->end && in->p[n] != ' ' && in->p[n] != '\n' && isgraph((unsigned char)in->p[n]))
		n++;
	if (!n || n >= len || (in->p + n < in->end && in->p[n] != ' ' && in->p[n] != '\n')) {
		in->bad = true;
		out[0] = '\0';
		return;
	}
	memcpy(out, in->p, n);
	out[n] = '\0';
	in->p += n;
}

/* The next character must be c. */
static void registry__expect(struct registry_in *in, char c)
{
	if (in->p < in->end && *in->p == c)
		in->p++;
	else
		in->bad = true;
}

/* "KEY " at the start of a line. */
static void registry__key(struct registry_in *in, const char *key)
{
	size_t n = strlen(key);

	if (!in->bad && (size_t)(in->end - in->p) > n && !memcmp(in->p, key, n))
		in->p += n;
	else
		in->bad = true;
}

/* Decimal, no sign, no leading zero, at most max. */
static uint64_t registry__number(struct registry_in *in, uint64_t max)
{
	char word[24], *end;
	unsigned long long v;

	registry__expect(in, ' ');
	registry__word(in, word, sizeof(word));
	if (in->bad || !isdigit((unsigned char)word[0]) || (word[0] == '0' && word[1]))
		goto bad;
	errno = 0;
	v = strtoull(word, &end, 10);
	if (errno || *end || v > max)
		goto bad;
	return v;
bad:
	in->bad = true;
	return 0;
}

static bool registry__name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

	return n && !s[n];
}

static void registry__devices(struct registry_in *in, struct registry_vm *out)
{
	char bdf[PCIADDR_LEN];

	registry__key(in, "devices");
	while (!in->bad && in->p < in->end && *in->p == ' ') {
		in->p++;
		registry__word(in, out->devices[out->nr_devices], PCIADDR_LEN);
		if (in->bad || out->nr_devices == CONFIG_DEVICES_MAX ||
		    pciaddr__canonical(out->devices[out->nr_devices], bdf) || strcmp(bdf, out->devices[out->nr_devices]))
			in->bad = true;
		else
			out->nr_devices++;
	}
	registry__expect(in, '\n');
}

/* "console MODE", and for a pty that has one, its path after it. */
static void registry__console(struct registry_in *in, struct registry_vm *out)
{
	char word[16];

	registry__key(in, "console ");
	registry__word(in, word, sizeof(word));
	for (out->console = 0; out->console < CONSOLE_MODES; out->console++)
		if (!strcmp(word, console__mode_name(out->console)))
			break;
	if (out->console == CONSOLE_MODES)
		in->bad = true;
	if (out->console == CONSOLE_PTY && in->p < in->end && *in->p == ' ') {
		in->p++;
		registry__word(in, out->pty, sizeof(out->pty));
		if (strncmp(out->pty, "/dev/pts/", 9))
			in->bad = true;
	}
	registry__expect(in, '\n');
}

int registry__parse(const char *text, size_t len, struct registry_vm *out)
{
	struct registry_in in = { text, text + len, false };

	*out = (struct registry_vm){ .broker = 0 };
	registry__key(&in, "name ");
	registry__word(&in, out->name, sizeof(out->name));
	registry__expect(&in, '\n');
	registry__key(&in, "broker");
	out->broker = (pid_t)registry__number(&in, INT32_MAX);
	out->broker_start = registry__number(&in, UINT64_MAX);
	registry__expect(&in, '\n');
	registry__key(&in, "vmm");
	out->vmm = (pid_t)registry__number(&in, INT32_MAX);
	registry__expect(&in, '\n');
	registry__key(&in, "user");
	out->uid = (uid_t)registry__number(&in, UINT32_MAX - 1);
	registry__expect(&in, ' ');
	registry__word(&in, out->user, sizeof(out->user));
	registry__expect(&in, '\n');
	registry__key(&in, "memory");
	out->memory = registry__number(&in, UINT64_MAX);
	registry__expect(&in, '\n');
	registry__key(&in, "processors");
	out->vcpus = (unsigned int)registry__number(&in, 255);
	registry__expect(&in, '\n');
	registry__devices(&in, out);
	registry__key(&in, "started");
	out->started = (int64_t)registry__number(&in, INT64_MAX);
	registry__expect(&in, '\n');
	registry__console(&in, out);
	registry__key(&in, "stop-timeout");
	out->stop_timeout = (unsigned int)registry__number(&in, MON_STOP_TIMEOUT_MAX);
	registry__expect(&in, '\n');
	if (!in.bad && in.p < in.end) {
		registry__key(&in, "ended ");
		registry__word(&in, out->ended, sizeof(out->ended));
		registry__expect(&in, '\n');
	}
	if (in.bad || in.p != in.end || !out->broker || !registry__name_ok(out->name))
		return -EINVAL;
	return 0;
}

/* RUN/airlock/vms, made and checked; -errno after a line saying why. */
static int registry__dir(const struct host *h, char *dir, size_t len)
{
	char parent[PATH_MAX];
	int ret = sysfs__path(parent, sizeof(parent), "%s/airlock", h->run);

	if (!ret)
		ret = sysfs__path(dir, len, "%s/airlock/vms", h->run);
	if (!ret)
		ret = host__make_dir(parent, 0755);
	if (!ret)
		ret = host__make_dir(dir, 0755);
	if (ret == -EPERM)
		pr_err("%s or its parent is not a directory of root's that only root may write; remove what is there "
		       "(the next VM makes it again)", dir);
	else if (ret)
		pr_err("cannot make the registry of running VMs %s: %s", dir, strerror(-ret));
	return ret;
}

/* The entry name in dirfd, if it is root's and well-formed and says so; 0 or -errno. */
static int registry__load(int dirfd, const char *name, struct registry_vm *out)
{
	char text[REGISTRY_TEXT_MAX];
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0)
		return -EPERM;
	n = read(fd, text, sizeof(text));
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(text) || registry__parse(text, (size_t)n, out) || strcmp(out->name, name))
		return -EINVAL;
	return 0;
}

bool registry__live(const struct host *h, const struct registry_vm *vm)
{
	return !vm->ended[0] && vm->broker_start && registry__starttime(h->proc, vm->broker) == vm->broker_start;
}

/* Entry files, in name order: not the ones being written (".NAME"). */
static int registry__entry(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Write vm's entry: all of it appears at once, by rename. 0 or -errno. */
static int registry__write(int dirfd, const struct registry_vm *vm)
{
	char text[REGISTRY_TEXT_MAX], tmp[REGISTRY_NAME_MAX + 1];
	int len = registry__format(vm, text, sizeof(text)), ret = 0;
	autoclose int fd = -1;

	if (len < 0)
		return len;
	snprintf(tmp, sizeof(tmp), ".%s", vm->name);
	unlinkat(dirfd, tmp, 0);	/* left by a broker that died while writing */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)len) != len || renameat(dirfd, tmp, dirfd, vm->name))
		ret = errno ? -errno : -EIO;
	if (ret)
		unlinkat(dirfd, tmp, 0);
	return ret;
}

/* The running VMs' entries under the lock: stale ones removed; a clash with vm's name; uid's pinned RAM. */
struct registry_scan {
	const struct registry_vm *vm;
	struct registry_vm clash;
	bool clashed;
	uint64_t pinned;
};

static void registry__scan(const struct host *h, int dirfd, struct registry_scan *s)
{
	struct dirent **list;
	int n = scandirat(dirfd, ".", &list, registry__entry, alphasort);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		struct registry_vm e;

		if (registry__load(dirfd, list[i]->d_name, &e) || !registry__live(h, &e)) {
			unlinkat(dirfd, list[i]->d_name, 0);
		} else {
			if (!strcmp(e.name, s->vm->name)) {
				s->clash = e;
				s->clashed = true;
			}
			if (e.uid == s->vm->uid && e.nr_devices)
				s->pinned += e.memory;
		}
		free(list[i]);
	}
	free(list);
}

static int registry__open_locked(const char *dir, int how)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && flock(fd, how)) {
		close(fd);
		return -1;
	}
	return fd;
}

int registry__claim(const struct host *h, struct registry_vm *vm, uint64_t user_memory)
{
	struct registry_scan s = { .vm = vm };
	autoclose int dirfd = -1;
	int ret = registry__dir(h, registry_self.dir, sizeof(registry_self.dir));

	if (ret)
		return ret;
	dirfd = registry__open_locked(registry_self.dir, LOCK_EX);
	if (dirfd < 0) {
		pr_err("cannot lock the registry of running VMs %s: %s", registry_self.dir, strerror(errno));
		return -EIO;
	}
	vm->broker = getpid();
	vm->broker_start = registry__starttime(h->proc, vm->broker);
	registry__scan(h, dirfd, &s);
	if (s.clashed) {
		pr_err("a VM named %s is running already (broker pid %d, started by %s); choose another --name, or stop it first",
		       vm->name, (int)s.clash.broker, s.clash.user);
		return -EEXIST;
	}
	if (vm->nr_devices && user_memory && (s.pinned > user_memory || vm->memory > user_memory - s.pinned)) {
		pr_err("your running VMs with devices pin %" PRIu64 " MiB of guest RAM, and this one's %" PRIu64
		       " MiB would pass the policy's user-memory of %" PRIu64 " MiB; stop one, or ask for less --memory",
		       s.pinned >> 20, vm->memory >> 20, user_memory >> 20);
		return -EDQUOT;
	}
	ret = registry__write(dirfd, vm);
	if (ret) {
		pr_err("cannot enter the VM in %s: %s", registry_self.dir, strerror(-ret));
		return ret;
	}
	registry_self.vm = *vm;
	registry_self.claimed = true;
	return 0;
}

/* This broker's entry written again, as registry_self has it now. */
static int registry__update(void)
{
	autoclose int dirfd = -1;
	int ret;

	if (!registry_self.claimed)
		return 0;
	dirfd = registry__open_locked(registry_self.dir, LOCK_EX);
	if (dirfd < 0) {
		pr_err("cannot lock the registry of running VMs %s: %s", registry_self.dir, strerror(errno));
		return -EIO;
	}
	ret = registry__write(dirfd, &registry_self.vm);
	if (ret)
		pr_err("cannot update the VM's entry in %s: %s", registry_self.dir, strerror(-ret));
	return ret;
}

int registry__set_vmm(pid_t vmm)
{
	registry_self.vm.vmm = vmm;
	return registry__update();
}

int registry__set_pty(const char *pty)
{
	snprintf(registry_self.vm.pty, sizeof(registry_self.vm.pty), "%s", pty);
	return registry__update();
}

void registry__release(const char *ended)
{
	autoclose int dirfd = -1;

	if (!registry_self.claimed)
		return;
	registry_self.claimed = false;
	snprintf(registry_self.vm.ended, sizeof(registry_self.vm.ended), "%s", ended);
	dirfd = registry__open_locked(registry_self.dir, LOCK_EX);
	/* Unwritten, it must not stand for a VM that runs. */
	if (dirfd >= 0 && registry__write(dirfd, &registry_self.vm))
		unlinkat(dirfd, registry_self.vm.name, 0);
}

int registry__get(const struct host *h, const char *name, struct registry_vm *out)
{
	char dir[PATH_MAX];
	autoclose int dirfd = -1;

	if (strlen(name) >= REGISTRY_NAME_MAX || !registry__name_ok(name))
		return -EINVAL;
	if (sysfs__path(dir, sizeof(dir), "%s/airlock/vms", h->run))
		return -ENAMETOOLONG;
	dirfd = registry__open_locked(dir, LOCK_SH);
	if (dirfd < 0)
		return -errno;
	return registry__load(dirfd, name, out);
}

int registry__each(const struct host *h, int (*fn)(const struct registry_vm *vm, void *arg), void *arg)
{
	char dir[PATH_MAX];
	struct dirent **list;
	autoclose int dirfd = -1;
	int n, ret = 0;

	if (sysfs__path(dir, sizeof(dir), "%s/airlock/vms", h->run))
		return -ENAMETOOLONG;
	dirfd = registry__open_locked(dir, LOCK_SH);
	if (dirfd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = scandirat(dirfd, ".", &list, registry__entry, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		struct registry_vm vm;

		if (!ret && !registry__load(dirfd, list[i]->d_name, &vm) && registry__live(h, &vm))
			ret = fn(&vm, arg);
		free(list[i]);
	}
	free(list);
	return ret;
}
