// SPDX-License-Identifier: MIT
/* airlock ps [--json]: the host's running VMs, from the registry. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "json.h"
#include "log.h"
#include "registry.h"
#include "size.h"

#define PS_JSON_VERSION	1
#define PS_ROW		"%-15s %-8s %-8s %-12s %-7s %-4s %-20s %s\n"

static const char ps_usage[] =
	"usage: airlock ps [--json]\n"
	"  the host's running VMs: name, broker and VMM pids, who started them,\n"
	"  memory, vCPUs, when they started and their assigned devices\n"
	"  --json    one JSON document (\"version\": 1) for programs\n";

struct ps {
	FILE *out;
	bool as_json;
	struct json json;
};

static void ps__when(int64_t t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 24, "?");
}

static void ps__json_vm(struct json *j, const struct registry_vm *vm, const char *when)
{
	json__obj_begin(j, NULL);
	json__str(j, "name", vm->name);
	json__i64(j, "broker_pid", vm->broker);
	if (vm->vmm)
		json__i64(j, "vmm_pid", vm->vmm);
	else
		json__str(j, "vmm_pid", NULL);
	json__str(j, "user", vm->user);
	json__u64(j, "uid", vm->uid);
	json__u64(j, "memory", vm->memory);
	json__u64(j, "processors", vm->vcpus);
	json__str(j, "started", when);
	json__str(j, "console", console__mode_name(vm->console));
	if (vm->pty[0])
		json__str(j, "pty", vm->pty);
	json__arr_begin(j, "devices");
	for (unsigned int i = 0; i < vm->nr_devices; i++)
		json__str(j, NULL, vm->devices[i]);
	json__arr_end(j);
	json__obj_end(j);
}

static int ps__vm(const struct registry_vm *vm, void *arg)
{
	struct ps *p = arg;
	char when[24], broker[12], vmm[12], mem[SIZE_TEXT_LEN], cpus[8], devices[CONFIG_DEVICES_MAX * PCIADDR_LEN] = "";

	ps__when(vm->started, when);
	if (p->as_json) {
		ps__json_vm(&p->json, vm, when);
		return 0;
	}
	snprintf(broker, sizeof(broker), "%d", (int)vm->broker);
	snprintf(vmm, sizeof(vmm), vm->vmm ? "%d" : "-", (int)vm->vmm);
	size__name(vm->memory, mem);
	snprintf(cpus, sizeof(cpus), "%u", vm->vcpus);
	for (unsigned int i = 0; i < vm->nr_devices; i++) {
		strcat(devices, i ? "," : "");
		strcat(devices, vm->devices[i]);
	}
	fprintf(p->out, PS_ROW, vm->name, broker, vmm, vm->user, mem, cpus, when, vm->nr_devices ? devices : "-");
	return 0;
}

static int ps__print(FILE *out, const struct host *h, bool as_json)
{
	struct ps p = { .out = out, .as_json = as_json };
	int ret;

	if (as_json) {
		json__init(&p.json, out, 0);
		json__obj_begin(&p.json, NULL);
		json__u64(&p.json, "version", PS_JSON_VERSION);
		json__arr_begin(&p.json, "vms");
	} else {
		fprintf(out, PS_ROW, "NAME", "BROKER", "VMM", "USER", "MEMORY", "CPUS", "STARTED", "DEVICES");
	}
	ret = registry__each(h, ps__vm, &p);
	if (ret)
		pr_err("cannot read the registry of running VMs in %s/airlock/vms: %s", h->run, strerror(-ret));
	if (as_json) {
		json__arr_end(&p.json);
		json__obj_end(&p.json);
		fputc('\n', out);
		if (json__finish(&p.json) && !ret)
			ret = -EIO;
	}
	return ret ? 1 : 0;
}

int cmd_ps(int argc, char **argv)
{
	bool as_json;
	struct host h;
	int ret = commands__listing_args(argc, argv, ps_usage, &h, &as_json);

	if (ret >= 0)
		return ret;
	return ps__print(stdout, &h, as_json);
}
