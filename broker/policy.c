// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conffile.h"
#include "log.h"
#include "policy.h"
#include "size.h"

#define POLICY_SYNTAX "a rule is: allow|deny user NAME|group NAME device BDF|FILTER [memory SIZE] [devices N]"

struct policy_parser {
	struct policy *p;
	unsigned int line;
	unsigned int audit_line;	/* where audit-log was given, 0: not yet */
	unsigned int default_memory_line, user_memory_line;
	char *err;
	size_t errlen;
};

/* The message of the line at fault; conffile__lines puts "PATH:LINE: " before it. */
static int __attribute__((format(printf, 2, 3))) policy__fail(struct policy_parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Strictly decimal: no sign, blank or leading zero. */
static int policy__number(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool policy__all_digits(const char *s)
{
	return *s && !s[strspn(s, "0123456789")];
}

/* A failed lookup: no such name, or a user database that cannot answer (which must not pass as "no one"). */
static int policy__unknown(struct policy_parser *ps, const char *what, const char *val, const char *id)
{
	if (errno && errno != ENOENT && errno != ESRCH)
		return policy__fail(ps, "cannot look up %s '%s': %s; check /etc/nsswitch.conf and its services",
				    what, val, strerror(errno));
	return policy__fail(ps, "no %s '%s' on this host; create it or name a %s", what, val, id);
}

/* A user or group by name or number. */
static int policy__set_id(struct policy_parser *ps, struct policy_rule *r, const char *val, bool group)
{
	const char *what = group ? "group" : "user", *id = group ? "gid" : "uid";
	uint64_t v;

	if (strlen(val) >= sizeof(r->who))
		return policy__fail(ps, "%s name '%.64s' is longer than %zu characters; name a %s instead",
				    what, val, sizeof(r->who) - 1, id);
	if (policy__all_digits(val)) {
		/* (uid_t)-1 means "no change" to the kernel, never a user. */
		if (policy__number(val, UINT32_MAX - 1, &v))
			return policy__fail(ps, "bad %s '%s'; write it in decimal without leading zeros, below 4294967295",
					    id, val);
		r->id = (uint32_t)v;
	} else if (group) {
		struct group *gr;

		errno = 0;
		gr = getgrnam(val);
		if (!gr)
			return policy__unknown(ps, what, val, id);
		r->id = gr->gr_gid;
	} else {
		struct passwd *pw;

		errno = 0;
		pw = getpwnam(val);
		if (!pw)
			return policy__unknown(ps, what, val, id);
		r->id = pw->pw_uid;
	}
	r->group = group;
	strcpy(r->who, val);
	return 0;
}

static int policy__set_user(struct policy_parser *ps, struct policy_rule *r, const char *val)
{
	if (!strcmp(val, "*")) {
		r->any = true;
		strcpy(r->who, val);
		return 0;
	}
	return policy__set_id(ps, r, val, false);
}

static int policy__set_group(struct policy_parser *ps, struct policy_rule *r, const char *val)
{
	if (!strcmp(val, "*"))
		return policy__fail(ps, "'group *' is not a subject; write 'user *' for everyone");
	return policy__set_id(ps, r, val, true);
}

static int policy__set_device(struct policy_parser *ps, struct policy_rule *r, const char *val)
{
	if (pcifilter__is_filter(val)) {
		if (pcifilter__parse(val, &r->filter))
			return policy__fail(ps, "bad device filter '%.64s'; write vendor:device[:class] as lspci -d takes it, "
					    "up to 4 hex digits or * each, the class as 4 digits (e.g. 10de:*, *:10d3, 8086::0c03)", val);
		return 0;
	}
	if (pciaddr__parse(val, &r->bdf))
		return policy__fail(ps, "bad PCI address '%.64s'; write dddd:bb:dd.f as lspci -D shows it, e.g. 0000:01:00.0", val);
	r->by_bdf = true;
	return 0;
}

static int policy__set_memory(struct policy_parser *ps, struct policy_rule *r, const char *val)
{
	if (size__parse(val, &r->max_memory) || !r->max_memory)
		return policy__fail(ps, "bad memory cap '%.64s'; give the most --memory a VM may have, e.g. 16G (suffix K, M, G or T)", val);
	return 0;
}

static int policy__set_devices(struct policy_parser *ps, struct policy_rule *r, const char *val)
{
	uint64_t v;

	if (policy__number(val, POLICY_DEVICES_MAX, &v) || !v)
		return policy__fail(ps, "bad device cap '%.64s'; give how many devices a VM may have, 1 to %d",
				    val, POLICY_DEVICES_MAX);
	r->max_devices = (unsigned int)v;
	return 0;
}

enum { KEY_USER = 1, KEY_GROUP = 2, KEY_DEVICE = 4, KEY_MEMORY = 8, KEY_DEVICES = 16 };
#define KEY_SUBJECT	(KEY_USER | KEY_GROUP)

static const struct policy_key {
	const char *name;
	unsigned int bit;
	bool allow_only;
	int (*set)(struct policy_parser *ps, struct policy_rule *r, const char *val);
} policy_keys[] = {
	{ "user",	KEY_USER,	false,	policy__set_user },
	{ "group",	KEY_GROUP,	false,	policy__set_group },
	{ "device",	KEY_DEVICE,	false,	policy__set_device },
	{ "memory",	KEY_MEMORY,	true,	policy__set_memory },
	{ "devices",	KEY_DEVICES,	true,	policy__set_devices },
};

static const struct policy_key *policy__key(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(policy_keys); i++)
		if (!strcmp(policy_keys[i].name, name))
			return &policy_keys[i];
	return NULL;
}

static bool policy__same_device(const struct policy_rule *a, const struct policy_rule *b)
{
	if (a->by_bdf != b->by_bdf)
		return false;
	if (!a->by_bdf)
		return pcifilter__equal(&a->filter, &b->filter);
	return a->bdf.domain == b->bdf.domain && a->bdf.bus == b->bdf.bus &&
	       a->bdf.dev == b->bdf.dev && a->bdf.fn == b->bdf.fn;
}

static bool policy__same_subject(const struct policy_rule *a, const struct policy_rule *b)
{
	return a->group == b->group && a->any == b->any && (a->any || a->id == b->id);
}

static int policy__check_rule(struct policy_parser *ps, const struct policy_rule *r, unsigned int seen)
{
	if (!(seen & KEY_SUBJECT))
		return policy__fail(ps, "the rule names no one; add user NAME, group NAME or user *");
	if (!(seen & KEY_DEVICE))
		return policy__fail(ps, "the rule names no device; add device BDF (e.g. 0000:01:00.0) or device FILTER (e.g. 10de:*)");
	for (unsigned int i = 0; i < ps->p->nr_rules; i++)
		if (policy__same_subject(&ps->p->rules[i], r) && policy__same_device(&ps->p->rules[i], r))
			return policy__fail(ps, "duplicates the rule at line %u; keep one of them", ps->p->rules[i].line);
	return 0;
}

static int policy__rule(struct policy_parser *ps, bool allow, char **pos)
{
	struct policy_rule r = { .line = ps->line, .allow = allow };
	unsigned int seen = 0;
	char *key;
	int ret;

	if (ps->p->nr_rules == POLICY_RULES_MAX)
		return policy__fail(ps, "more than %d rules; fold rules together with filters (device 10de:*) or groups",
				    POLICY_RULES_MAX);
	while ((key = conffile__word(pos))) {
		const struct policy_key *k = policy__key(key);
		const char *val;

		if (!k)
			return policy__fail(ps, "unknown key '%.64s'; " POLICY_SYNTAX, key);
		val = conffile__word(pos);
		if (!val)
			return policy__fail(ps, "'%s' needs a value; " POLICY_SYNTAX, key);
		if (seen & k->bit)
			return policy__fail(ps, "'%s' is given twice in this rule; give it once", key);
		if ((k->bit & KEY_SUBJECT) && (seen & KEY_SUBJECT))
			return policy__fail(ps, "a rule names one subject, a user or a group, not both; write two rules");
		if (k->allow_only && !allow)
			return policy__fail(ps, "'%s' caps what an allow rule allows; a deny rule denies whatever the VM, drop it", key);
		seen |= k->bit;
		ret = k->set(ps, &r, val);
		if (ret)
			return ret;
	}
	ret = policy__check_rule(ps, &r, seen);
	if (ret)
		return ret;
	ps->p->rules[ps->p->nr_rules++] = r;
	return 0;
}

static int policy__audit_log(struct policy_parser *ps, char **pos)
{
	const char *path = conffile__word(pos);

	if (ps->audit_line)
		return policy__fail(ps, "audit-log is given again (first at line %u); keep one", ps->audit_line);
	if (!path)
		return policy__fail(ps, "audit-log needs a file, e.g. audit-log /var/log/airlock/audit.log");
	if (conffile__word(pos))
		return policy__fail(ps, "audit-log takes one path and nothing after it (a path with blanks cannot be named)");
	if (path[0] != '/')
		return policy__fail(ps, "audit-log '%.64s' is not an absolute path; write it from /, e.g. /var/log/airlock/audit.log",
				    path);
	strcpy(ps->p->audit_log, path);
	ps->audit_line = ps->line;
	return 0;
}

/* default-memory SIZE, user-memory SIZE: once each. */
static int policy__size_setting(struct policy_parser *ps, const char *name, char **pos, uint64_t *out,
				unsigned int *line)
{
	const char *val = conffile__word(pos);

	if (*line)
		return policy__fail(ps, "%s is given again (first at line %u); keep one", name, *line);
	if (!val || size__parse(val, out) || !*out || conffile__word(pos))
		return policy__fail(ps, "%s takes one size, e.g. %s 16G (suffix K, M, G or T)", name, name);
	*line = ps->line;
	return 0;
}

/* admin user NAME, admin group NAME: who counts as root when they come through sudo or doas. */
static int policy__admin(struct policy_parser *ps, char **pos)
{
	struct policy_rule a = { .line = ps->line };
	const char *kind = conffile__word(pos), *name = conffile__word(pos);
	int ret;

	if (!kind || !name || conffile__word(pos) || (strcmp(kind, "user") && strcmp(kind, "group")))
		return policy__fail(ps, "an admin line is: admin user NAME, or admin group NAME");
	if (!strcmp(name, "*"))
		return policy__fail(ps, "'admin %s *' would make everyone root; name the admins", kind);
	if (ps->p->nr_admins == POLICY_ADMINS_MAX)
		return policy__fail(ps, "more than %d admin lines; name a group instead", POLICY_ADMINS_MAX);
	ret = policy__set_id(ps, &a, name, kind[0] == 'g');
	if (ret)
		return ret;
	ps->p->admins[ps->p->nr_admins++] = a;
	return 0;
}

static int policy__line(char *line, unsigned int nr, void *arg)
{
	struct policy_parser *ps = arg;
	char *pos = line, *word = conffile__word(&pos);

	ps->line = nr;
	if (!word)
		return 0;
	if (!strcmp(word, "allow") || !strcmp(word, "deny"))
		return policy__rule(ps, word[0] == 'a', &pos);
	if (!strcmp(word, "audit-log"))
		return policy__audit_log(ps, &pos);
	if (!strcmp(word, "admin"))
		return policy__admin(ps, &pos);
	if (!strcmp(word, "default-memory"))
		return policy__size_setting(ps, word, &pos, &ps->p->default_memory, &ps->default_memory_line);
	if (!strcmp(word, "user-memory"))
		return policy__size_setting(ps, word, &pos, &ps->p->user_memory, &ps->user_memory_line);
	return policy__fail(ps, "unknown statement '%.64s'; a line is a rule (allow|deny ...), admin, audit-log, "
			    "default-memory, user-memory, or a # comment", word);
}

static const struct conffile_kind policy_file = {
	.what = "policy",
	.missing = "nothing may be assigned; write one (see airlock-policy(5)) or name another with --policy",
	.owner_could = "allow themselves any device",
	.max = POLICY_FILE_MAX,
	.line_max = POLICY_LINE_MAX,
};

int policy__parse(struct policy *p, const char *path, char *text, size_t len, char *err, size_t errlen)
{
	struct policy_parser ps = { .p = p, .err = err, .errlen = errlen };

	memset(p, 0, sizeof(*p));
	if (strlen(path) >= sizeof(p->path))
		return log__say(err, errlen, -ENAMETOOLONG, "policy file name too long (%zu bytes)", strlen(path));
	strcpy(p->path, path);
	return conffile__lines(&policy_file, path, text, len, policy__line, &ps, err, errlen);
}

int policy__load(struct policy *p, const char *path, char *err, size_t errlen)
{
	static char text[POLICY_FILE_MAX + 1];
	size_t len;
	int ret = conffile__read(&policy_file, path, text, &len, err, errlen);

	return ret ? ret : policy__parse(p, path, text, len, err, errlen);
}

static bool policy__subject_matches(const struct policy_rule *r, const struct policy_subject *who)
{
	if (r->any)
		return true;
	if (!r->group)
		return r->id == who->uid;
	for (unsigned int i = 0; i < who->nr_gids; i++)
		if (who->gids[i] == r->id)
			return true;
	return false;
}

static bool policy__device_matches(const struct policy_rule *r, const char *bdf, const struct pci_ids *ids)
{
	char name[PCIADDR_LEN];

	if (!r->by_bdf)
		return pcifilter__match(&r->filter, ids);
	pciaddr__name(&r->bdf, name);
	return !strcasecmp(name, bdf);
}

static void policy__device_text(const struct policy_rule *r, char out[PCIFILTER_LEN])
{
	if (r->by_bdf)
		pciaddr__name(&r->bdf, out);
	else
		pcifilter__name(&r->filter, out);
}

void policy__rule_text(const struct policy_rule *r, char *out, size_t len)
{
	char dev[PCIFILTER_LEN], mem[SIZE_TEXT_LEN], memory[32] = "", devices[24] = "";

	policy__device_text(r, dev);
	if (r->max_memory) {
		size__name(r->max_memory, mem);
		snprintf(memory, sizeof(memory), " memory %s", mem);
	}
	if (r->max_devices)
		snprintf(devices, sizeof(devices), " devices %u", r->max_devices);
	snprintf(out, len, "%s %s %s device %s%s%s", r->allow ? "allow" : "deny", r->group ? "group" : "user",
		 r->who, dev, memory, devices);
}

/*
 * The rule's cap on the VM that the request exceeds, said as reason; false
 * when none. Guest RAM of a VM with devices is pinned: a user's VM without
 * a cap could pin all of the host's memory, so only root goes without one.
 */
static bool policy__over_cap(const struct policy *p, const struct policy_rule *r, const struct policy_subject *who,
			     const char *bdf, uint64_t mem_size, unsigned int nr_devices, struct policy_verdict *v)
{
	uint64_t cap = r->max_memory ? r->max_memory : p->default_memory;
	char mem[SIZE_TEXT_LEN];

	if (!cap && !who->root) {
		log__say(v->reason, sizeof(v->reason), 0, "%s:%u allows %s but caps no memory, and the policy has no default-memory: guest RAM "
			       "is pinned for devices; root must add memory SIZE to the rule, or a default-memory line",
			       p->path, r->line, bdf);
		return true;
	}
	if (cap && mem_size > cap) {
		size__name(cap, mem);
		log__say(v->reason, sizeof(v->reason), 0, "%s:%u allows %s with at most %s of memory%s; ask for less --memory",
			       p->path, r->line, bdf, mem, r->max_memory ? "" : " (default-memory)");
		return true;
	}
	if (r->max_devices && nr_devices > r->max_devices) {
		log__say(v->reason, sizeof(v->reason), 0, "%s:%u allows %s in a VM with at most %u device%s; assign fewer with --vfio",
			       p->path, r->line, bdf, r->max_devices, r->max_devices == 1 ? "" : "s");
		return true;
	}
	return false;
}

void policy__decide(const struct policy *p, const struct policy_subject *who, const char *bdf,
		    const struct pci_ids *ids, uint64_t mem_size, unsigned int nr_devices,
		    struct policy_verdict *v)
{
	char text[128], name[POLICY_NAME_MAX + 24];

	*v = (struct policy_verdict){ .rule = NULL };
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (!policy__subject_matches(r, who) || !policy__device_matches(r, bdf, ids))
			continue;
		v->rule = r;
		policy__rule_text(r, text, sizeof(text));
		if (!r->allow) {
			log__say(v->reason, sizeof(v->reason), 0, "denied by %s:%u: %s", p->path, r->line, text);
			return;
		}
		if (policy__over_cap(p, r, who, bdf, mem_size, nr_devices, v))
			return;
		v->allowed = true;
		log__say(v->reason, sizeof(v->reason), 0, "allowed by %s:%u: %s", p->path, r->line, text);
		return;
	}
	if (who->name[0])
		snprintf(name, sizeof(name), "%s (uid %u)", who->name, (unsigned int)who->uid);
	else
		snprintf(name, sizeof(name), "uid %u", (unsigned int)who->uid);
	log__say(v->reason, sizeof(v->reason), 0, "no rule in %s lets %s assign %s (%04x:%04x, class %06x); nothing is allowed unless a rule "
		       "says so (airlock check-policy %s shows what is)",
		       p->path, name, bdf, ids->vendor, ids->device, ids->class, p->path);
}

/* "user alice (uid 1000)", "gid 992", "anyone". */
static void policy__explain_subject(const struct policy_rule *r, FILE *out)
{
	const char *id = r->group ? "gid" : "uid";

	if (r->any)
		fputs(r->allow ? "anyone" : "no one", out);
	else if (policy__all_digits(r->who))
		fprintf(out, "%s %u", id, r->id);
	else
		fprintf(out, "%s %s (%s %u)", r->group ? "group" : "user", r->who, id, r->id);
}

static void policy__explain_device(const struct policy_rule *r, FILE *out)
{
	const struct pcifilter *f = &r->filter;
	char name[PCIFILTER_LEN];

	policy__device_text(r, name);
	if (r->by_bdf) {
		fputs(name, out);
		return;
	}
	fprintf(out, "any device matching %s (", name);
	if (f->vendor < 0 && f->device < 0 && f->class < 0)
		fputs("every PCI device", out);
	else {
		fprintf(out, f->vendor < 0 ? "any vendor" : "vendor %04x", (unsigned int)f->vendor);
		fprintf(out, f->device < 0 ? ", any device" : ", device %04x", (unsigned int)f->device);
		if (f->class >= 0)
			fprintf(out, ", class %04x", (unsigned int)f->class);
	}
	fputc(')', out);
}

static void policy__explain_caps(const struct policy *p, const struct policy_rule *r, FILE *out)
{
	uint64_t cap = r->max_memory ? r->max_memory : p->default_memory;
	char mem[SIZE_TEXT_LEN];

	if (!r->allow)
		return;
	if (!cap)
		fputs(", with no memory cap: for root and admins only", out);
	if (!cap && !r->max_devices)
		return;
	fputs(", up to ", out);
	if (cap) {
		size__name(cap, mem);
		fprintf(out, "%s of memory%s", mem, r->max_devices ? " and " : "");
	}
	if (r->max_devices)
		fprintf(out, "%u device%s", r->max_devices, r->max_devices == 1 ? "" : "s");
	fputs(" per VM", out);
}

static void policy__explain_settings(const struct policy *p, FILE *out)
{
	char mem[SIZE_TEXT_LEN];

	for (unsigned int i = 0; i < p->nr_admins; i++) {
		fprintf(out, "  line %u: ", p->admins[i].line);
		policy__explain_subject(&p->admins[i], out);
		fputs(" counts as root through sudo or doas\n", out);
	}
	if (p->user_memory) {
		size__name(p->user_memory, mem);
		fprintf(out, "  one user's VMs with devices pin at most %s of guest RAM together\n", mem);
	}
}

void policy__explain(const struct policy *p, FILE *out)
{
	fprintf(out, "%s: %u rule%s; ", p->path, p->nr_rules, p->nr_rules == 1 ? "" : "s");
	if (p->audit_log[0])
		fprintf(out, "audit log %s\n", p->audit_log);
	else
		fputs("no audit-log file, decisions go to syslog only\n", out);
	policy__explain_settings(p, out);
	for (unsigned int i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		fprintf(out, "  line %u: ", r->line);
		policy__explain_subject(r, out);
		fputs(r->allow || r->any ? " may assign " : " may not assign ", out);
		policy__explain_device(r, out);
		policy__explain_caps(p, r, out);
		fputc('\n', out);
	}
	fputs(p->nr_rules ? "  anything else is denied\n" : "  nothing may be assigned: there are no rules\n", out);
}
