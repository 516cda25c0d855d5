// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "proto.h"
#include "size.h"

const char cli_usage[] =
	"usage: airlock run --kernel IMAGE [options]\n"
	"  -k, --kernel IMAGE         boot image: a Linux bzImage, or a PVH ELF\n"
	"  -r, --initrd FILE          initial ramdisk\n"
	"  -c, --cmdline STRING       kernel command line (given again: appended)\n"
	"  -m, --memory SIZE          guest RAM, e.g. 256M, 2G or 2GB (default 256M)\n"
	"  --hugepages                guest RAM in 2 MiB huge pages (reserved beforehand\n"
	"                             in /proc/sys/vm/nr_hugepages)\n"
	"  -p, --processors N         virtual CPUs (default 1)\n"
	"  --com1 console|none        connect COM1 to this terminal (default none)\n"
	"  --pcie-root-complex NAME   add a PCIe root complex\n"
	"  --pcie-root-port RC:NAME   add a root port to root complex RC\n"
	"  --vfio PORT:BDF[,trap]     assign host device BDF (dddd:bb:dd.f) behind PORT;\n"
	"                             trap: no mmap fast path, every BAR access trapped\n"
	"  --vfio PORT:FILTER[,trap]  assign a free device matching vendor:device[:class]\n"
	"                             (e.g. 10de:*, *:10d3, 8086::0c03) that the policy allows\n"
	"  --name NAME                the VM's name in the audit log (default vm-PID)\n"
	"  --policy FILE              the device policy (default /etc/airlock/policy.conf)\n"
	"  --sandbox-id UID:GID       run the VMM as UID:GID (default: a uid of its own)\n"
	"  --stats                    print the VMM's counters and the start-up's times\n"
	"                             on stderr when the VM ends\n"
	"                             (SIGUSR1 to airlock prints the counters while it runs)\n";

enum {
	OPT_KERNEL = 256, OPT_INITRD, OPT_CMDLINE, OPT_MEMORY, OPT_PROCESSORS, OPT_COM1,
	OPT_RC, OPT_PORT, OPT_VFIO, OPT_SANDBOX_ID, OPT_STATS, OPT_NAME, OPT_POLICY, OPT_HUGEPAGES, OPT_HELP,
	OPT_HYPERVISOR, OPT_PCIE_SWITCH,
};

/* OpenVMM's short spellings of the same options. */
static const char cli_short[] = ":m:p:k:r:c:";
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
	{ "name",		required_argument, NULL, OPT_NAME },
	{ "policy",		required_argument, NULL, OPT_POLICY },
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

static int cli__set_com1(struct cli *cli, const char *arg, struct cli_err *e)
{
	if (!strcmp(arg, "console"))
		cli->com1_console = true;
	else if (!strcmp(arg, "none"))
		cli->com1_console = false;
	else
		return cli__fail(e, "--com1 '%s': expected 'console' or 'none'", arg);
	return 0;
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
	}
	return -EINVAL;
}

int cli__parse(struct cli *cli, int argc, char **argv, char *err, size_t errlen)
{
	struct cli_err e = { err, errlen };
	int opt, ret;

	*cli = (struct cli){ .mem_size = CLI_MEM_DEFAULT, .vcpus = 1 };
	optind = 0;	/* not 1: 0 also drops what glibc kept of an earlier call's "-ab" */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, cli_short, cli_options, NULL)) != -1) {
		if (opt > 0 && opt < (int)ARRAY_SIZE(cli_short_opt) && cli_short_opt[opt])
			opt = cli_short_opt[opt];
		/* Within "-ab" optind has not moved past it yet: name the letter. */
		if (opt == '?' && optopt > 0 && optopt < OPT_KERNEL)
			return cli__fail(&e, "unknown option '-%c'; see 'airlock run --help'", optopt);
		if (opt == '?' || opt == ':') {
			const char *bad = argv[optind - 1];

			return cli__fail(&e, opt == ':' ? "option '%s' needs a value; see 'airlock run --help'"
					 : "unknown option '%s'; see 'airlock run --help'", bad);
		}
		if (opt == OPT_HELP)
			return CLI_HELP;
		ret = cli__option(cli, opt, optarg, &e);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return cli__fail(&e, "unexpected argument '%s'; see 'airlock run --help'", argv[optind]);
	if (!cli->kernel)
		return cli__fail(&e, "no --kernel given; say which image to boot, e.g. --kernel vmlinux");
	if (!cli->name[0])
		snprintf(cli->name, sizeof(cli->name), "vm-%d", (int)getpid());
	return 0;
}
