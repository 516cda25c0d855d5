// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "monitor.h"
#include "proto.h"
#include "size.h"

const char cli_usage[] =
	"usage: airlock run --kernel IMAGE [options]\n"
	"       airlock run NAME [options]     the VM of " CLI_VM_DIR "/NAME.conf\n"
	"       airlock run --config FILE [options]\n"
	"  a VM file holds options as lines 'key value' (kernel /boot/vmlinuz);\n"
	"  an option given here replaces every line of its key there\n"
	"  -k, --kernel IMAGE         boot image: a Linux bzImage, or a PVH ELF\n"
	"  -r, --initrd FILE          initial ramdisk\n"
	"  -c, --cmdline STRING       kernel command line (given again: appended)\n"
	"  -m, --memory SIZE          guest RAM, e.g. 256M, 2G or 2GB (default 256M)\n"
	"  --hugepages                guest RAM in 2 MiB huge pages (reserved beforehand\n"
	"                             in /proc/sys/vm/nr_hugepages)\n"
	"  -p, --processors N         virtual CPUs (default 1)\n"
	"  --com1 MODE                where COM1 goes (default none): console (this\n"
	"                             terminal), none, file=PATH (appended), socket\n"
	"                             (for airlock console NAME; socket=PATH or\n"
	"                             listen=PATH: also there), pty\n"
	"  --pcie-root-complex NAME   add a PCIe root complex\n"
	"  --pcie-root-port RC:NAME   add a root port to root complex RC\n"
	"  --vfio PORT:BDF[,trap]     assign host device BDF (dddd:bb:dd.f) behind PORT;\n"
	"                             trap: no mmap fast path, every BAR access trapped\n"
	"  --vfio PORT:FILTER[,trap]  assign a free device matching vendor:device[:class]\n"
	"                             (e.g. 10de:*, *:10d3, 8086::0c03) that the policy allows\n"
	"  --name NAME                the VM's name, unique on the host: airlock ps, stop,\n"
	"                             console and the audit log (default vm-PID)\n"
	"  --policy FILE              the device policy (default /etc/airlock/policy.conf)\n"
	"  --config FILE              the VM file to read (root's alone)\n"
	"  --sandbox-id UID:GID       run the VMM as UID:GID (default: a uid of its own)\n"
	"  --stop-timeout S           seconds the guest gets to power off after SIGTERM\n"
	"                             presses its power button, before it is killed\n"
	"                             (default 30; 0: SIGTERM kills at once)\n"
	"  --stats                    print the VMM's counters and the start-up's times\n"
	"                             on stderr when the VM ends\n"
	"                             (SIGUSR1 to airlock prints the counters while it runs)\n";

enum {
	OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_MEMORY, OPT_PROCESSORS, OPT_COM1,
	OPT_RC, OPT_PORT, OPT_VFIO, OPT_SANDBOX_ID, OPT_STATS, OPT_NAME, OPT_POLICY, OPT_HUGEPAGES, OPT_HELP,
	OPT_HYPERVISOR, OPT_PCIE_SWITCH, OPT_STOP_TIMEOUT, OPT_CONFIG, OPT_END,
	OPT_WORD = 1,	/* a word that is no option: getopt's code for it in order ('-') */
};
_Static_assert(OPT_END - OPT_KERNEL <= 32, "struct cli_file's given has a bit for each option");

/* OpenVMM's short spellings of the same options; words in order, a missing value as ':'. */
static const char cli_short[] = "-:m:p:k:r:c:";
static const int cli_short_opt[128] = {
	['m'] = OPT_MEMORY, ['p'] = OPT_PROCESSORS, ['k'] = OPT_KERNEL, ['r'] = OPT_INITRD, ['c'] = OPT_CMDLINE,
};

/* OpenVMM options that airlock knows but does not offer: said so, not "unknown option". */
static const struct cli_unsupported {
	int opt;
	const char *name, *why;
} cli_unsupported[] = {
	{ OPT_HYPERVISOR, "--hypervisor", "airlock runs on KVM alone; drop it" },
	{ OPT_PCIE_SWITCH, "--pcie-switch", "PCIe switches are not emulated; put each device behind a root port of its own" },
};

static const struct option cli_options[] = {
	{ "kernel",		required_argument, NULL, OPT_KERNEL },
	{ "initrd",		required_argument, NULL, OPT_INITRD },
	{ "cmdline",		required_argument, NULL, OPT_CMDLINE },
	{ "memory",		required_argument, NULL, OPT_MEMORY },
	{ "processors",		required_argument, NULL, OPT_PROCESSORS },
	{ "com1",		required_argument, NULL, OPT_COM1 },
	{ "pcie-root-complex",	required_argument, NULL, OPT_RC },
	{ "pcie-root-port",	required_argument, NULL, OPT_PORT },
	{ "vfio",		required_argument, NULL, OPT_VFIO },
	{ "sandbox-id",		required_argument, NULL, OPT_SANDBOX_ID },
	{ "stats",		no_argument,       NULL, OPT_STATS },
	{ "stop-timeout",	required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "name",		required_argument, NULL, OPT_NAME },
	{ "policy",		required_argument, NULL, OPT_POLICY },
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ "hugepages",		no_argument,       NULL, OPT_HUGEPAGES },
	{ "help",		no_argument,       NULL, OPT_HELP },
	{ "hypervisor",		required_argument, NULL, OPT_HYPERVISOR },
	{ "pcie-switch",	required_argument, NULL, OPT_PCIE_SWITCH },
	{ 0 }
};

struct cli_err {
	char *buf;
	size_t len;
};

#define cli__fail(e, ...)	log__say((e)->buf, (e)->len, -EINVAL, __VA_ARGS__)

static int cli__parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

int cli__parse_timeout(const char *arg, unsigned int *out)
{
	unsigned long n;

	if (cli__parse_uint(arg, MON_STOP_TIMEOUT_MAX, &n))
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

/* Names of root complexes and ports: what a user types, and what logs show safely. */
static bool cli__name_ok(const char *s, size_t len)
{
	if (!len || len >= CLI_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool cli__name_eq(const char *have, const char *name, size_t len)
{
	return strlen(have) == len && !memcmp(have, name, len);
}

static int cli__find_rc(const struct cli *cli, const char *name, size_t len)
{
	for (unsigned int i = 0; i < cli->nr_rc; i++)
		if (cli__name_eq(cli->rc[i], name, len))
			return (int)i;
	return -1;
}

static int cli__find_port(const struct cli *cli, const char *name, size_t len)
{
	for (unsigned int i = 0; i < cli->nr_port; i++)
		if (cli__name_eq(cli->port[i].name, name, len))
			return (int)i;
	return -1;
}

unsigned int cli__ports_of(const struct cli *cli, unsigned int rc)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < cli->nr_port; i++)
		n += cli->port[i].rc == rc;
	return n;
}

static int cli__add_rc(struct cli *cli, const char *arg, struct cli_err *e)
{
	size_t len = strlen(arg);

	if (!cli__name_ok(arg, len))
		return cli__fail(e, "--pcie-root-complex '%s': a name is 1-15 letters, digits, '-' or '_'", arg);
	if (cli__find_rc(cli, arg, len) >= 0)
		return cli__fail(e, "--pcie-root-complex '%s' is given twice; names must be unique", arg);
	if (cli->nr_rc == CLI_RC_MAX)
		return cli__fail(e, "--pcie-root-complex: at most %d root complexes", CLI_RC_MAX);
	memcpy(cli->rc[cli->nr_rc++], arg, len + 1);
	return 0;
}

static int cli__add_port(struct cli *cli, const char *arg, struct cli_err *e)
{
	const char *colon = strchr(arg, ':');
	const char *name = colon ? colon + 1 : "";
	size_t name_len = strlen(name);
	int rc;

	if (colon && name_len > 8 && !strcmp(name + name_len - 8, ",hotplug"))
		return cli__fail(e, "--pcie-root-port '%s': hot-plug is not supported (OpenVMM's ,hotplug); drop ,hotplug and give "
				 "the port's device with --vfio at start", arg);
	if (!colon || !cli__name_ok(arg, (size_t)(colon - arg)) || !cli__name_ok(name, name_len))
		return cli__fail(e, "--pcie-root-port '%s': expected RC:NAME, e.g. rc0:rp0 (names are 1-15 letters, digits, '-' or '_')", arg);
	rc = cli__find_rc(cli, arg, (size_t)(colon - arg));
	if (rc < 0)
		return cli__fail(e, "--pcie-root-port '%s': no root complex '%.*s'; declare it first with --pcie-root-complex %.*s",
				 arg, (int)(colon - arg), arg, (int)(colon - arg), arg);
	if (cli__find_port(cli, name, name_len) >= 0)
		return cli__fail(e, "--pcie-root-port '%s': port '%s' is declared twice; port names must be unique", arg, name);
	if (cli->nr_port == CLI_PORT_MAX)
		return cli__fail(e, "--pcie-root-port: at most %d root ports", CLI_PORT_MAX);
	if (cli__ports_of(cli, (unsigned int)rc) == CONFIG_RC_PORTS_MAX)
		return cli__fail(e, "--pcie-root-port '%s': at most %d root ports per root complex; add another --pcie-root-complex",
				 arg, CONFIG_RC_PORTS_MAX);
	cli->port[cli->nr_port].rc = (unsigned int)rc;
	memcpy(cli->port[cli->nr_port++].name, name, name_len + 1);
	return 0;
}

static bool cli__bdf_eq(const struct pciaddr *a, const struct pciaddr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

/* The options after PORT:BDF, each after a comma. */
static int cli__vfio_opts(const char *arg, const char *opts, uint16_t *out, struct cli_err *e)
{
	*out = 0;
	while (*opts) {
		const char *comma = strchr(opts + 1, ',');
		size_t len = comma ? (size_t)(comma - opts - 1) : strlen(opts + 1);

		if (len == 4 && !memcmp(opts + 1, "trap", 4))
			*out |= DEVICE_O_TRAP;
		else
			return cli__fail(e, "--vfio '%s': unknown option '%.*s'; the only option is 'trap', as in PORT:BDF,trap",
					 arg, (int)len, opts + 1);
		opts += 1 + len;
	}
	return 0;
}

/* The device part of --vfio, before the options: an address, or a filter for the broker to resolve. */
static int cli__vfio_device(const char *arg, const char *dev, size_t len, struct cli_vfio *v, struct cli_err *e)
{
	char s[PCIADDR_LEN > PCIFILTER_LEN ? PCIADDR_LEN : PCIFILTER_LEN] = "";

	if (len < sizeof(s))
		memcpy(s, dev, len);
	v->by_filter = len && len < sizeof(s) && pcifilter__is_filter(s);
	if (v->by_filter && pcifilter__parse(s, &v->filter))
		return cli__fail(e, "--vfio '%s': bad device filter '%.*s'; expected vendor:device[:class] in hex, each may be * or empty, e.g. 10de:*, *:10d3 or 8086::0c03",
				 arg, (int)len, dev);
	if (!v->by_filter && pciaddr__parse(s, &v->bdf))
		return cli__fail(e, "--vfio '%s': bad PCI address '%.*s'; expected the form dddd:bb:dd.f, e.g. 0000:01:00.0 (see lspci -D), or a filter vendor:device[:class]",
				 arg, (int)len, dev);
	return 0;
}

static int cli__add_vfio(struct cli *cli, const char *arg, struct cli_err *e)
{
	const char *colon = strchr(arg, ':');
	const char *dev = colon ? colon + 1 : "";
	const char *opts = dev + strcspn(dev, ",");
	struct cli_vfio v = { 0 };
	char bdf_s[PCIADDR_LEN];
	int port;

	if (!colon || !cli__name_ok(arg, (size_t)(colon - arg)))
		return cli__fail(e, "--vfio '%s': expected PORT:BDF or PORT:FILTER, e.g. rp0:0000:01:00.0 or rp0:10de:*", arg);
	if (cli__vfio_device(arg, dev, (size_t)(opts - dev), &v, e) || cli__vfio_opts(arg, opts, &v.opts, e))
		return -EINVAL;
	port = cli__find_port(cli, arg, (size_t)(colon - arg));
	if (port < 0)
		return cli__fail(e, "--vfio '%s': no root port '%.*s'; declare it with --pcie-root-port RC:%.*s",
				 arg, (int)(colon - arg), arg, (int)(colon - arg), arg);
	pciaddr__name(&v.bdf, bdf_s);
	for (unsigned int i = 0; i < cli->nr_vfio; i++) {
		if (!v.by_filter && !cli->vfio[i].by_filter && cli__bdf_eq(&cli->vfio[i].bdf, &v.bdf))
			return cli__fail(e, "--vfio '%s': device %s is assigned twice; a device can go behind one port only",
					 arg, bdf_s);
		if (cli->vfio[i].port == (unsigned int)port)
			return cli__fail(e, "--vfio '%s': port '%.*s' already holds a device; add another --pcie-root-port",
					 arg, (int)(colon - arg), arg);
	}
	v.port = (unsigned int)port;
	cli->vfio[cli->nr_vfio++] = v;
	return 0;
}

static int cli__set_memory(struct cli *cli, const char *arg, struct cli_err *e)
{
	if (size__parse(arg, &cli->mem_size))
		return cli__fail(e, "--memory '%s': bad size; use a number with an optional K, M, G or T suffix, e.g. 256M", arg);
	if (cli->mem_size < CLI_MEM_MIN)
		return cli__fail(e, "--memory '%s': too small; the minimum is 4M", arg);
	if (cli->mem_size > CLI_MEM_MAX)
		return cli__fail(e, "--memory '%s': too large; the maximum is 508G, which keeps guest RAM below the 64-bit PCI windows", arg);
	if (cli->mem_size % CLI_MEM_ALIGN)
		return cli__fail(e, "--memory '%s': must be a multiple of 2M", arg);
	return 0;
}

static int cli__set_processors(struct cli *cli, const char *arg, struct cli_err *e)
{
	unsigned long n;

	if (cli__parse_uint(arg, CONFIG_VCPUS_MAX, &n) || !n)
		return cli__fail(e, "--processors '%s': expected a number from 1 to %d", arg, CONFIG_VCPUS_MAX);
	cli->vcpus = (unsigned int)n;
	return 0;
}

/* --com1 MODE or MODE=PATH; listen=PATH is OpenVMM's spelling of socket=PATH. */
static int cli__set_com1(struct cli *cli, const char *arg, struct cli_err *e)
{
	enum { NO_PATH, MAY_PATH, MUST_PATH };
	static const struct {
		const char *word;
		enum console_mode mode;
		int path;
	} forms[] = {
		{ "none", CONSOLE_NONE, NO_PATH }, { "console", CONSOLE_TERMINAL, NO_PATH },
		{ "file", CONSOLE_FILE, MUST_PATH }, { "socket", CONSOLE_SOCKET, MAY_PATH },
		{ "listen", CONSOLE_SOCKET, MUST_PATH }, { "pty", CONSOLE_PTY, NO_PATH },
	};
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		if (strlen(forms[i].word) != len || memcmp(arg, forms[i].word, len))
			continue;
		if (eq && forms[i].path == NO_PATH)
			return cli__fail(e, "--com1 '%s': %s takes no path; give --com1 %s", arg, forms[i].word, forms[i].word);
		if ((!eq && forms[i].path == MUST_PATH) || (eq && !eq[1]))
			return cli__fail(e, "--com1 '%s': give a path, as in --com1 %s=PATH", arg, forms[i].word);
		if (forms[i].mode == CONSOLE_SOCKET && eq && strlen(eq + 1) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return cli__fail(e, "--com1 '%s': a socket's path is at most %zu bytes; give a shorter one", arg,
					 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		cli->com1 = forms[i].mode;
		cli->com1_path = eq ? eq + 1 : NULL;
		return 0;
	}
	return cli__fail(e, "--com1 '%s': expected console, none, file=PATH, socket, socket=PATH (or listen=PATH) or pty", arg);
}

/* OpenVMM takes --cmdline more than once: the pieces are joined with a blank. */
static int cli__set_cmdline(struct cli *cli, const char *arg, struct cli_err *e)
{
	size_t have = strlen(cli->cmdline), add = strlen(arg), total = have + (have && add) + add;

	if (total >= sizeof(cli->cmdline))
		return cli__fail(e, "--cmdline: too long (%zu bytes%s); the limit is %zu", total,
				 have ? " with the earlier --cmdline" : "", sizeof(cli->cmdline) - 1);
	snprintf(cli->cmdline + have, sizeof(cli->cmdline) - have, "%s%s", have && add ? " " : "", arg);
	return 0;
}

static int cli__set_sandbox_id(struct cli *cli, const char *arg, struct cli_err *e)
{
	const char *colon = strchr(arg, ':');
	unsigned long uid, gid;
	char uid_s[16];

	if (!colon || (size_t)(colon - arg) >= sizeof(uid_s))
		goto bad;
	memcpy(uid_s, arg, (size_t)(colon - arg));
	uid_s[colon - arg] = '\0';
	/* uid 0 would undo the sandbox; (uid_t)-1 means "unchanged" to the kernel. */
	if (cli__parse_uint(uid_s, UINT32_MAX - 1, &uid) || cli__parse_uint(colon + 1, UINT32_MAX - 1, &gid) ||
	    !uid || !gid)
		goto bad;
	cli->sandbox_uid = (uid_t)uid;
	cli->sandbox_gid = (gid_t)gid;
	cli->sandbox_id_set = true;
	return 0;
bad:
	return cli__fail(e, "--sandbox-id '%s': expected UID:GID, two non-zero numbers, e.g. 64000:64000", arg);
}

static int cli__set_name(struct cli *cli, const char *arg, struct cli_err *e)
{
	if (!cli__name_ok(arg, strlen(arg)))
		return cli__fail(e, "--name '%s': a name is 1-15 letters, digits, '-' or '_'", arg);
	memcpy(cli->name, arg, strlen(arg) + 1);
	return 0;
}

static int cli__set_stop_timeout(struct cli *cli, const char *arg, struct cli_err *e)
{
	if (cli__parse_timeout(arg, &cli->stop_timeout))
		return cli__fail(e, "--stop-timeout '%s': expected seconds from 0 to %d (0: SIGTERM kills at once)", arg,
				 MON_STOP_TIMEOUT_MAX);
	return 0;
}

static int cli__option(struct cli *cli, int opt, const char *arg, struct cli_err *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_unsupported); i++)
		if (opt == cli_unsupported[i].opt)
			return cli__fail(e, "%s is an OpenVMM option that airlock does not support: %s", cli_unsupported[i].name,
					 cli_unsupported[i].why);
	switch (opt) {
	case OPT_KERNEL:	cli->kernel = arg; return 0;
	case OPT_INITRD:	cli->initrd = arg; return 0;
	case OPT_CMDLINE:	return cli__set_cmdline(cli, arg, e);
	case OPT_MEMORY:	return cli__set_memory(cli, arg, e);
	case OPT_PROCESSORS:	return cli__set_processors(cli, arg, e);
	case OPT_COM1:		return cli__set_com1(cli, arg, e);
	case OPT_RC:		return cli__add_rc(cli, arg, e);
	case OPT_PORT:		return cli__add_port(cli, arg, e);
	case OPT_VFIO:		return cli__add_vfio(cli, arg, e);
	case OPT_SANDBOX_ID:	return cli__set_sandbox_id(cli, arg, e);
	case OPT_STATS:		cli->stats = true; return 0;
	case OPT_NAME:		return cli__set_name(cli, arg, e);
	case OPT_POLICY:	cli->policy = arg; return 0;
	case OPT_HUGEPAGES:	cli->hugepages = true; return 0;
	case OPT_STOP_TIMEOUT:	return cli__set_stop_timeout(cli, arg, e);
	}
	return -EINVAL;
}

/* The next option of argv and its value, OPT_WORD for a word that is no option, -1 at the end, or -EINVAL said in e. */
static int cli__next(int argc, char **argv, const char **arg, struct cli_err *e)
{
	int opt = getopt_long(argc, argv, cli_short, cli_options, NULL);

	if (opt > 0 && opt < (int)ARRAY_SIZE(cli_short_opt) && cli_short_opt[opt])
		opt = cli_short_opt[opt];
	/* Within "-ab" optind has not moved past it yet: name the letter. */
	if (opt == '?' && optopt > 0 && optopt < OPT_KERNEL)
		return cli__fail(e, "unknown option '-%c'; see 'airlock run --help'", optopt);
	if (opt == '?' || opt == ':')
		return cli__fail(e, opt == ':' ? "option '%s' needs a value; see 'airlock run --help'"
				 : "unknown option '%s'; see 'airlock run --help'", argv[optind - 1]);
	*arg = optarg;
	return opt;
}

static void cli__rewind(void)
{
	optind = 0;	/* not 1: 0 also drops what glibc kept of an earlier call's "-ab" */
	opterr = 0;
}

const struct conffile_kind cli_vm_file = {
	.what = "VM configuration",
	.missing = "write it (see VM FILES in airlock(8)), or name another",
	.owner_could = "choose the images root opens and the devices it assigns",
	.max = CLI_FILE_MAX,
	.line_max = CONFIG_CMDLINE_MAX + 16,	/* "cmdline" and the longest command line */
};

int cli__file(struct cli_file *f, int argc, char **argv, char *err, size_t errlen)
{
	struct cli_err e = { err, errlen };
	const char *arg, *config = NULL;
	int opt;

	*f = (struct cli_file){ .given = 0 };
	cli__rewind();
	while ((opt = cli__next(argc, argv, &arg, &e)) >= 0) {
		if (opt == OPT_HELP)
			return CLI_HELP;
		if (opt >= OPT_KERNEL)
			f->given |= 1u << (opt - OPT_KERNEL);
		if (opt == OPT_CONFIG)
			config = arg;
		if (opt != OPT_WORD)
			continue;
		if (f->name[0])
			return cli__fail(&e, "unexpected argument '%s' after the VM's name %s; see 'airlock run --help'",
					 arg, f->name);
		if (!cli__name_ok(arg, strlen(arg)))
			return cli__fail(&e, "'%s' is no VM name: airlock run NAME reads %s/NAME.conf, and a name is 1-15 "
					 "letters, digits, '-' or '_'", arg, CLI_VM_DIR);
		strcpy(f->name, arg);
	}
	if (opt != -1)
		return opt;
	if (f->name[0] && config)
		return cli__fail(&e, "airlock run %s reads %s/%s.conf, and --config names another file; give one of them",
				 f->name, CLI_VM_DIR, f->name);
	f->config = config != NULL;
	if (f->name[0])
		snprintf(f->path, sizeof(f->path), "%s/%s.conf", CLI_VM_DIR, f->name);
	else if (config && strlen(config) >= sizeof(f->path))
		return cli__fail(&e, "--config: the path is longer than %zu bytes", sizeof(f->path) - 1);
	else if (config)
		strcpy(f->path, config);
	return 0;
}

/* A VM file being applied: what it holds goes through cli__option, as the same options on the command line. */
struct cli_apply {
	struct cli *cli;
	const struct cli_file *f;
	unsigned int first[OPT_END - OPT_KERNEL];	/* the line each key is first on */
	struct cli_err *e;
};

static const struct option *cli__long(const char *name)
{
	for (const struct option *o = cli_options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* The options that add to a list, given again; the others have one value. */
static bool cli__repeatable(int opt)
{
	return opt == OPT_CMDLINE || opt == OPT_RC || opt == OPT_PORT || opt == OPT_VFIO;
}

/*
 * The path in a value, of a file the broker opens, or NULL: a service
 * starts in /, so a relative one would not mean what its writer meant.
 */
static const char *cli__path_in(int opt, const char *val)
{
	const char *eq = strchr(val, '=');

	if (opt == OPT_KERNEL || opt == OPT_INITRD || opt == OPT_POLICY)
		return val;
	return opt == OPT_COM1 && eq && eq[1] ? eq + 1 : NULL;	/* file=PATH, socket=PATH */
}

/* A line of a VM file: "key value", the key an option of airlock run without its --. */
static int cli__file_line(char *line, unsigned int nr, void *arg)
{
	struct cli_apply *a = arg;
	char *pos = line, *key = conffile__word(&pos), *val = conffile__rest(&pos);
	const struct option *o = key ? cli__long(key) : NULL;
	const char *path;
	unsigned int *first;

	if (!key)
		return 0;
	if (!o || o->val == OPT_HELP || o->val == OPT_CONFIG)
		return cli__fail(a->e, "unknown key '%.64s'; a line is an option of airlock run without its --, "
				 "e.g. memory 1G (see airlock run --help)", key);
	if (o->has_arg && !val)
		return cli__fail(a->e, "%s needs a value: write %s VALUE, as --%s VALUE takes it", key, key, key);
	if (!o->has_arg && val)
		return cli__fail(a->e, "%s takes no value; write it alone on its line", key);
	first = &a->first[o->val - OPT_KERNEL];
	if (*first && !cli__repeatable(o->val))
		return cli__fail(a->e, "%s is given again (first at line %u); keep one", key, *first);
	if (!*first)
		*first = nr;
	path = val ? cli__path_in(o->val, val) : NULL;
	if (path && path[0] != '/' && path == val)
		return cli__fail(a->e, "%s '%.64s' is not an absolute path; write it from /", key, val);
	if (path && path[0] != '/')
		return cli__fail(a->e, "%s '%.64s': the path '%.64s' is not absolute; write it from /", key, val, path);
	if (o->val == OPT_NAME && a->f->name[0] && strcmp(val, a->f->name))
		return cli__fail(a->e, "name %.64s differs from the file's name, %s.conf; drop the line or make it name %s",
				 val, a->f->name, a->f->name);
	if (a->f->given & (1u << (o->val - OPT_KERNEL)))
		return 0;	/* the command line's own replace every line of the key */
	return cli__option(a->cli, o->val, val, a->e);
}

int cli__parse(struct cli *cli, int argc, char **argv, const struct cli_file *f, char *err, size_t errlen)
{
	struct cli_err e = { err, errlen };
	const char *arg;
	int opt, ret;

	*cli = (struct cli){ .mem_size = CLI_MEM_DEFAULT, .vcpus = 1, .stop_timeout = MON_STOP_TIMEOUT_DEFAULT };
	if (f && f->path[0]) {
		struct cli_apply a = { .cli = cli, .f = f, .e = &e };

		ret = conffile__lines(&cli_vm_file, f->path, f->text, f->len, cli__file_line, &a, err, errlen);
		if (ret)
			return ret;
	}
	cli__rewind();
	while ((opt = cli__next(argc, argv, &arg, &e)) >= 0) {
		if (opt == OPT_HELP)
			return CLI_HELP;
		if ((opt == OPT_WORD || opt == OPT_CONFIG) && !(f && f->path[0]))
			return cli__fail(&e, "unexpected argument '%s'; see 'airlock run --help'",
					 opt == OPT_WORD ? arg : "--config");
		ret = opt == OPT_WORD || opt == OPT_CONFIG ? 0 : cli__option(cli, opt, arg, &e);
		if (ret)
			return ret;
	}
	if (opt != -1)
		return opt;
	if (optind < argc)
		return cli__fail(&e, "unexpected argument '%s'; see 'airlock run --help'", argv[optind]);
	if (f && f->name[0] && cli->name[0] && strcmp(cli->name, f->name))
		return cli__fail(&e, "--name %s: airlock run %s runs the VM named %s; drop --name", cli->name, f->name, f->name);
	if (f && f->name[0])
		strcpy(cli->name, f->name);
	if (!cli->kernel && f && f->path[0])
		return cli__fail(&e, "%s has no kernel line, and no --kernel was given; add one, e.g. kernel /boot/vmlinuz",
				 f->path);
	if (!cli->kernel)
		return cli__fail(&e, "no --kernel given; say which image to boot, e.g. --kernel vmlinux");
	if (!cli->name[0])
		snprintf(cli->name, sizeof(cli->name), "vm-%d", (int)getpid());
	return 0;
}
