/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_POLICY_H
#define AIRLOCK_POLICY_H

/*
 * Who may assign which host devices (airlock-policy(5), docs/policy.md).
 * The policy file is line based:
 *   audit-log /var/log/airlock/audit.log
 *   allow user alice device 0000:01:00.0
 *   allow group kvm device 10de:* memory 16G devices 2
 *   deny user * device 8086::0c03
 *   admin group wheel
 *   default-memory 8G
 *   user-memory 32G
 * Rules are tried in file order; for each device the first rule whose
 * subject and device match decides; no match denies. A missing file
 * allows nothing. Every error is one line "PATH:LINE: what; what to do".
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "pciaddr.h"
#include "pcifilter.h"
#include "proto.h"

#define POLICY_DEFAULT		"/etc/airlock/policy.conf"
#define POLICY_FILE_MAX		(64 * 1024)	/* bytes */
#define POLICY_LINE_MAX		1024		/* bytes, without the newline */
#define POLICY_RULES_MAX	256
#define POLICY_NAME_MAX		33		/* a user or group name and its NUL */
#define POLICY_GIDS_MAX		64
#define POLICY_DEVICES_MAX	CONFIG_DEVICES_MAX	/* the largest "devices N" */
#define POLICY_ADMINS_MAX	32

struct policy_rule {
	unsigned int line;
	bool allow;
	bool group;			/* group rule: id is a gid */
	bool any;			/* "user *" */
	uint32_t id;			/* uid or gid */
	char who[POLICY_NAME_MAX];	/* as written, for messages */
	bool by_bdf;
	struct pciaddr bdf;		/* by_bdf */
	struct pcifilter filter;	/* !by_bdf */
	uint64_t max_memory;		/* per VM; 0: no cap */
	unsigned int max_devices;	/* per VM; 0: no cap */
};

struct policy {
	char path[PATH_MAX];
	char audit_log[PATH_MAX];	/* "" when none */
	struct policy_rule rules[POLICY_RULES_MAX];
	unsigned int nr_rules;
	struct policy_rule admins[POLICY_ADMINS_MAX];	/* "admin user|group NAME": count as root */
	unsigned int nr_admins;
	uint64_t default_memory;	/* the cap of allow rules without "memory"; 0: none */
	uint64_t user_memory;		/* guest RAM one user's VMs with devices may pin together; 0: no cap */
};

/* Who runs airlock, as the rules see them (broker/subject.h decides). */
struct policy_subject {
	uid_t uid;
	char name[POLICY_NAME_MAX];
	gid_t gids[POLICY_GIDS_MAX];	/* primary and supplementary */
	unsigned int nr_gids;
	bool root;			/* root, or an admin: root-only options are theirs */
	const char *via;		/* how they came: "root", "login", "sudo", "doas", "setuid", "user" */
};

struct policy_verdict {
	const struct policy_rule *rule;	/* NULL: no rule matched */
	bool allowed;
	char reason[512];		/* one line, for the user and the audit log */
};

/*
 * Read and parse the policy at path. Fails closed: the file passes
 * conffile__read's checks (root's, not writable by others, no link). 0;
 * -ENOENT when there is no such file (err says nothing may be assigned);
 * -EINVAL, -EPERM or another -errno with err holding one line.
 */
int policy__load(struct policy *p, const char *path, char *err, size_t errlen);
/*
 * Parse len bytes of text read from path, cut in place (conffile__lines:
 * text has room for one byte more). Only looks up user and group names.
 */
int policy__parse(struct policy *p, const char *path, char *text, size_t len, char *err, size_t errlen);

/*
 * Whether who may assign the device bdf (canonical, "0000:01:00.0") with
 * ids to a VM of mem_size bytes and nr_devices assigned devices. Always
 * fills v, whose reason names the deciding rule or says that none did.
 */
void policy__decide(const struct policy *p, const struct policy_subject *who, const char *bdf,
		    const struct pci_ids *ids, uint64_t mem_size, unsigned int nr_devices,
		    struct policy_verdict *v);

/*
 * A rule as one line, in the file's syntax with the device in canonical
 * form: "allow group kvm device 10de:* memory 16G devices 2".
 */
void policy__rule_text(const struct policy_rule *r, char *out, size_t len);
/* What p allows, rule by rule, as `airlock check-policy` prints it. */
void policy__explain(const struct policy *p, FILE *out);

#endif
