/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conffile.h"
#include "console.h"
#include "guest-ram.h"
#include "pciaddr.h"
#include "pcifilter.h"
#include "proto.h"

#define CLI_NAME_MAX	16	/* including the NUL */
#define CLI_RC_MAX	CONFIG_RC_MAX
#define CLI_PORT_MAX	32
#define CLI_VFIO_MAX	CLI_PORT_MAX

#define CLI_MEM_DEFAULT	(256ull << 20)
#define CLI_MEM_MIN	(4ull << 20)
#define CLI_MEM_MAX	GUEST_RAM_MAX
#define CLI_MEM_ALIGN	(2ull << 20)

struct cli_port {
	char name[CLI_NAME_MAX];
	unsigned int rc;	/* index into cli.rc */
};

struct cli_vfio {
	unsigned int port;	/* index into cli.port */
	struct pciaddr bdf;	/* given, or picked by the broker when by_filter */
	bool by_filter;		/* PORT:FILTER: any free device matching filter that the policy allows */
	struct pcifilter filter;
	uint16_t opts;		/* DEVICE_O_* */
};

struct cli {
	char name[CLI_NAME_MAX];	/* the VM's, for the audit log */
	const char *policy;		/* --policy, or NULL for the default */
	uint64_t mem_size;
	unsigned int vcpus;
	const char *kernel;
	const char *initrd;
	char cmdline[CONFIG_CMDLINE_MAX];	/* every --cmdline, joined by blanks */
	enum console_mode com1;
	const char *com1_path;		/* file=PATH, socket=PATH: as given; NULL for none */
	bool sandbox_id_set;
	bool stats;		/* --stats: print the VMM's counters when the VM ends */
	bool hugepages;		/* --hugepages: guest RAM in 2 MiB pages from the hugetlb pool */
	unsigned int stop_timeout;	/* --stop-timeout: seconds from the power button to a kill */
	uid_t sandbox_uid;
	gid_t sandbox_gid;

	char rc[CLI_RC_MAX][CLI_NAME_MAX];
	unsigned int nr_rc;
	struct cli_port port[CLI_PORT_MAX];
	unsigned int nr_port;
	struct cli_vfio vfio[CLI_VFIO_MAX];
	unsigned int nr_vfio;
};

#define CLI_VM_DIR	"/etc/airlock/vms"	/* airlock run NAME: NAME.conf here */
#define CLI_FILE_MAX	(16 * 1024)		/* bytes in a VM file */

/*
 * The VM file of a run: airlock run NAME reads CLI_VM_DIR/NAME.conf, and
 * airlock run --config FILE reads FILE. Its lines are "key value", each key
 * an option of airlock run without its "--" (flags alone), '#' comments;
 * what the command line gives replaces every line of the same key.
 */
struct cli_file {
	char name[CLI_NAME_MAX];	/* NAME: the VM's name too; "" for --config or no file */
	bool config;			/* --config FILE: root's alone */
	char path[PATH_MAX];		/* "" when the run names no file */
	uint32_t given;			/* the options the command line gives, a bit each */
	char *text;			/* the file as read, len bytes and room for a NUL, cut in place by */
	size_t len;			/* cli__parse: the cli points into it, so it must outlive the cli */
};

/* What the conffile checks say of a VM file. */
extern const struct conffile_kind cli_vm_file;

/*
 * The VM file the arguments of "airlock run" name (argv[0] is "run"), into
 * f; f->path "" for none. 0, CLI_HELP for --help, or -EINVAL with one line
 * in err for arguments that cannot be parsed.
 */
#define CLI_HELP 1
int cli__file(struct cli_file *f, int argc, char **argv, char *err, size_t errlen);
/*
 * Parse the arguments of "airlock run" with the VM file f that cli__file
 * found in them, its text read (NULL: a run that names none). No side
 * effects: nothing is opened or created. On error, err holds one line
 * saying what is wrong and how to fix it, with "PATH:LINE: " before it for
 * a line of the file, and the result is -EINVAL. CLI_HELP: --help.
 */
int cli__parse(struct cli *cli, int argc, char **argv, const struct cli_file *f, char *err, size_t errlen);

/* A stop timeout, in seconds: 0 to MON_STOP_TIMEOUT_MAX. 0 or -EINVAL. */
int cli__parse_timeout(const char *arg, unsigned int *out);

/* How many root ports root complex rc has. */
unsigned int cli__ports_of(const struct cli *cli, unsigned int rc);

extern const char cli_usage[];

#endif
