// SPDX-License-Identifier: MIT
/*
 * "airlock run" argument parsing; with a setuid-root install the arguments
 * come from any local user. Input: the arguments after "run", separated by
 * NULs, and after an empty one the text of the VM file they name. What it
 * accepts must hold what the broker relies on after it.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARGS_MAX	64

static void check(const struct cli *cli)
{
	if (!cli->kernel || !cli->name[0] || cli->nr_rc > CLI_RC_MAX || cli->nr_port > CLI_PORT_MAX ||
	    cli->nr_vfio > cli->nr_port)
		abort();
	if (cli->mem_size < CLI_MEM_MIN || cli->mem_size > CLI_MEM_MAX || cli->mem_size % CLI_MEM_ALIGN ||
	    !cli->vcpus || cli->vcpus > CONFIG_VCPUS_MAX || strlen(cli->cmdline) >= CONFIG_CMDLINE_MAX)
		abort();
	for (unsigned int i = 0; i < cli->nr_port; i++)
		if (cli->port[i].rc >= cli->nr_rc || cli__ports_of(cli, cli->port[i].rc) > CONFIG_RC_PORTS_MAX)
			abort();
	for (unsigned int i = 0; i < cli->nr_vfio; i++) {
		if (cli->vfio[i].port >= cli->nr_port || cli->vfio[i].opts & ~DEVICE_O_ALL)
			abort();
		for (unsigned int j = 0; j < i; j++)
			if (cli->vfio[j].port == cli->vfio[i].port)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[ARGS_MAX + 1] = { "run" }, *s;
	int argc = 1;
	struct cli cli;
	struct cli_file f;
	char err[512];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (s = buf; s < buf + size && *s && argc < ARGS_MAX; s += strlen(s) + 1)
		argv[argc++] = s;
	argv[argc] = NULL;
	if (!cli__file(&f, argc, argv, err, sizeof(err))) {
		/* After an empty argument, the rest is the VM file the arguments name (run NAME, --config FILE). */
		f.text = s < buf + size ? s + 1 : buf + size;
		f.len = (size_t)(buf + size - f.text);
		if (!cli__parse(&cli, argc, argv, &f, err, sizeof(err)))
			check(&cli);
	}
	free(buf);
	return 0;
}
