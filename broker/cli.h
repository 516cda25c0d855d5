/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
	bool com1_console;
	bool sandbox_id_set;
	bool stats;		/* --stats: print the VMM's counters when the VM ends */
	bool hugepages;		/* --hugepages: guest RAM in 2 MiB pages from the hugetlb pool */
	uid_t sandbox_uid;
	gid_t sandbox_gid;

	char rc[CLI_RC_MAX][CLI_NAME_MAX];
	unsigned int nr_rc;
	struct cli_port port[CLI_PORT_MAX];
	unsigned int nr_port;
	struct cli_vfio vfio[CLI_VFIO_MAX];
	unsigned int nr_vfio;
};

/*
 * Parse the arguments of "airlock run" (argv[0] is "run"). No side effects:
 * nothing is opened or created. On error, err holds one line saying what is
 * wrong and how to fix it, and the result is -EINVAL. CLI_HELP: --help.
 */
#define CLI_HELP 1
int cli__parse(struct cli *cli, int argc, char **argv, char *err, size_t errlen);

/* How many root ports root complex rc has. */
unsigned int cli__ports_of(const struct cli *cli, unsigned int rc);

extern const char cli_usage[];

#endif
