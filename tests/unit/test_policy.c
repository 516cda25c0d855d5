// SPDX-License-Identifier: MIT
/* The device policy: parsing, file checks, the invoking user, decisions, check-policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "as-root.h"
#include "commands.h"
#include "log.h"
#include "policy.h"
#include "source-file.h"
#include "subject.h"

static struct policy pol;
static char err[512];

/* P holding len bytes of text, parsed from a copy: the parser cuts its text in place. */
static int parse_len(const char *text, size_t len)
{
	static char copy[POLICY_FILE_MAX + 2];

	assert_true(len < sizeof(copy));
	memcpy(copy, text, len);
	err[0] = '\0';
	return policy__parse(&pol, "P", copy, len, err, sizeof(err));
}

static int parse(const char *text)
{
	return parse_len(text, strlen(text));
}

/* ---- parsing: what is accepted ---- */

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(pol.nr_rules, 0);
	assert_string_equal(pol.audit_log, "");
	assert_string_equal(pol.path, "P");
	assert_int_equal(parse("\n\n  \t\n# only comments\n   # indented\n"), 0);
	assert_int_equal(pol.nr_rules, 0);
}

static void test_every_key(void **state)
{
	const struct policy_rule *r;

	(void)state;
	assert_int_equal(parse("# a policy\n"
			       "audit-log /var/log/airlock/audit.log\n"
			       "allow user root device 0000:01:00.0\n"
			       "\tallow  group root\tdevice 10de:* memory 16G devices 2   # a GPU or two\n"
			       "deny user * device 8086::0c03\n"
			       "allow user 1000 device 0000:0A:1f.7 memory 512M\n"
			       "allow devices 1 memory 1G device *:10d3 group 65534\n"
			       "allow user * device *:*"), 0);
	assert_string_equal(pol.audit_log, "/var/log/airlock/audit.log");
	assert_int_equal(pol.nr_rules, 6);

	r = &pol.rules[0];
	assert_int_equal(r->line, 3);
	assert_true(r->allow);
	assert_false(r->group);
	assert_false(r->any);
	assert_int_equal(r->id, 0);
	assert_string_equal(r->who, "root");
	assert_true(r->by_bdf);
	assert_int_equal(r->bdf.bus, 1);
	assert_int_equal(r->max_memory, 0);
	assert_int_equal(r->max_devices, 0);

	r = &pol.rules[1];
	assert_int_equal(r->line, 4);
	assert_true(r->group);
	assert_int_equal(r->id, 0);
	assert_false(r->by_bdf);
	assert_int_equal(r->filter.vendor, 0x10de);
	assert_int_equal(r->filter.device, -1);
	assert_int_equal(r->max_memory, 16ull << 30);
	assert_int_equal(r->max_devices, 2);

	r = &pol.rules[2];
	assert_false(r->allow);
	assert_true(r->any);
	assert_string_equal(r->who, "*");
	assert_int_equal(r->filter.class, 0x0c03);

	r = &pol.rules[3];
	assert_int_equal(r->id, 1000);
	assert_string_equal(r->who, "1000");
	assert_int_equal(r->bdf.bus, 0x0a);
	assert_int_equal(r->bdf.dev, 0x1f);
	assert_int_equal(r->bdf.fn, 7);
	assert_int_equal(r->max_memory, 512ull << 20);

	r = &pol.rules[4];
	assert_true(r->group);
	assert_int_equal(r->id, 65534);
	assert_int_equal(r->filter.device, 0x10d3);
	assert_int_equal(r->max_devices, 1);
	assert_int_equal(r->max_memory, 1ull << 30);

	r = &pol.rules[5];
	assert_int_equal(r->line, 8);
	assert_true(r->any);
	assert_int_equal(r->filter.vendor, -1);
}

static void test_names(void **state)
{
	struct passwd *pw = getpwnam("nobody");

	(void)state;
	assert_int_equal(parse("allow user root device 0000:01:00.0\nallow group root device 0000:01:00.0\n"), 0);
	assert_int_equal(pol.rules[0].id, 0);
	assert_int_equal(pol.rules[1].id, 0);
	assert_true(pol.rules[1].group);
	if (pw) {
		assert_int_equal(parse("allow user nobody device 0000:01:00.0\n"), 0);
		assert_int_equal(pol.rules[0].id, pw->pw_uid);
	}
	/* Numbers need no entry on this host; the largest is one below (uid_t)-1. */
	assert_int_equal(parse("allow user 4294967294 device 0000:01:00.0\nallow group 0 device 0000:01:00.0\n"), 0);
	assert_int_equal(pol.rules[0].id, 4294967294u);
	/* 32 characters is the longest name; this one is not on the host. */
	assert_int_equal(parse("allow user aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa device 0000:01:00.0\n"), -EINVAL);
	assert_string_equal(err, "P:1: no user 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' on this host; create it or name a uid");
}

/* A '#' inside a word is part of it; one after a blank starts a comment. */
static void test_comments(void **state)
{
	(void)state;
	assert_int_equal(parse("audit-log /var/log/a#b #c\nallow user root device 0000:01:00.0#\n"), -EINVAL);
	assert_string_equal(err, "P:2: bad PCI address '0000:01:00.0#'; write dddd:bb:dd.f as lspci -D shows it, e.g. 0000:01:00.0");
	assert_int_equal(parse("audit-log /var/log/a#b #c\n#allow user root\n"), 0);
	assert_string_equal(pol.audit_log, "/var/log/a#b");
	assert_int_equal(pol.nr_rules, 0);
}

/* The same subject twice is fine with other devices, the same device with other subjects. */
static void test_not_duplicates(void **state)
{
	(void)state;
	assert_int_equal(parse("allow user root device 0000:01:00.0\n"
			       "allow group root device 0000:01:00.0\n"
			       "allow user * device 0000:01:00.0\n"
			       "allow user root device 0000:01:00.1\n"
			       "allow user root device 10de:*\n"
			       "allow user root device 10de:*:0300\n"
			       "allow user root device 10de:0\n"
			       "deny user 1 device 0000:01:00.0\n"), 0);
	assert_int_equal(pol.nr_rules, 8);
}

/* ---- parsing: what is refused, and where ---- */

static const struct {
	const char *text;
	const char *says;	/* the whole message after "P:" */
} rejects[] = {
	{ "alow user root device 0000:01:00.0",
	  "1: unknown statement 'alow'; a line is a rule (allow|deny ...), admin, audit-log, default-memory, "
	  "user-memory, or a # comment" },
	{ "\nallow user root devcie 0000:01:00.0",
	  "2: unknown key 'devcie'; a rule is: allow|deny user NAME|group NAME device BDF|FILTER [memory SIZE] [devices N]" },
	{ "allow user root device 0000:01:00.0 to-vm 3",
	  "1: unknown key 'to-vm'; a rule is: allow|deny user NAME|group NAME device BDF|FILTER [memory SIZE] [devices N]" },
	{ "Allow user root device 0000:01:00.0", "1: unknown statement 'Allow'" },
	{ "allow user",
	  "1: 'user' needs a value; a rule is: allow|deny user NAME|group NAME device BDF|FILTER [memory SIZE] [devices N]" },
	{ "allow user root device # 0000:01:00.0", "1: 'device' needs a value" },
	{ "allow user root user 0 device 0000:01:00.0", "1: 'user' is given twice in this rule; give it once" },
	{ "allow group root group root device 0000:01:00.0", "1: 'group' is given twice in this rule; give it once" },
	{ "allow user root device 0000:01:00.0 device 0000:02:00.0", "1: 'device' is given twice in this rule; give it once" },
	{ "allow user root device 0000:01:00.0 memory 1G memory 2G", "1: 'memory' is given twice in this rule; give it once" },
	{ "allow user root device 0000:01:00.0 devices 1 devices 2", "1: 'devices' is given twice in this rule; give it once" },
	{ "allow user root group root device 0000:01:00.0",
	  "1: a rule names one subject, a user or a group, not both; write two rules" },
	{ "allow group root user root device 0000:01:00.0",
	  "1: a rule names one subject, a user or a group, not both; write two rules" },
	{ "allow device 0000:01:00.0", "1: the rule names no one; add user NAME, group NAME or user *" },
	{ "deny", "1: the rule names no one; add user NAME, group NAME or user *" },
	{ "allow user root",
	  "1: the rule names no device; add device BDF (e.g. 0000:01:00.0) or device FILTER (e.g. 10de:*)" },
	{ "deny user root device 0000:01:00.0 memory 1G",
	  "1: 'memory' caps what an allow rule allows; a deny rule denies whatever the VM, drop it" },
	{ "deny user root device 0000:01:00.0 devices 1",
	  "1: 'devices' caps what an allow rule allows; a deny rule denies whatever the VM, drop it" },
	{ "allow user no-such-user-here device 0000:01:00.0",
	  "1: no user 'no-such-user-here' on this host; create it or name a uid" },
	{ "allow group no-such-group-here device 0000:01:00.0",
	  "1: no group 'no-such-group-here' on this host; create it or name a gid" },
	{ "allow user aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa device 0000:01:00.0",
	  "1: user name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is longer than 32 characters; name a uid instead" },
	{ "allow group aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa device 0000:01:00.0",
	  "1: group name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is longer than 32 characters; name a gid instead" },
	{ "allow group * device 0000:01:00.0", "1: 'group *' is not a subject; write 'user *' for everyone" },
	{ "allow user 4294967295 device 0000:01:00.0",
	  "1: bad uid '4294967295'; write it in decimal without leading zeros, below 4294967295" },
	{ "allow user 99999999999 device 0000:01:00.0", "1: bad uid '99999999999'" },
	{ "allow user 0100 device 0000:01:00.0", "1: bad uid '0100'" },
	{ "allow user 00 device 0000:01:00.0", "1: bad uid '00'" },
	{ "allow group 4294967295 device 0000:01:00.0", "1: bad gid '4294967295'" },
	{ "allow user root device 10de0:*",
	  "1: bad device filter '10de0:*'; write vendor:device[:class] as lspci -d takes it, up to 4 hex digits or * each, "
	  "the class as 4 digits (e.g. 10de:*, *:10d3, 8086::0c03)" },
	{ "allow user root device 8086::c03", "1: bad device filter '8086::c03'" },
	{ "allow user root device 10de", "1: bad device filter '10de'" },
	{ "allow user root device 0000:01:00", "1: bad device filter '0000:01:00'" },
	{ "allow user root device 01:00.0",
	  "1: bad PCI address '01:00.0'; write dddd:bb:dd.f as lspci -D shows it, e.g. 0000:01:00.0" },
	{ "allow user root device 0000:01:20.0", "1: bad PCI address '0000:01:20.0'" },
	{ "allow user root device 0000:01:00.8", "1: bad PCI address '0000:01:00.8'" },
	{ "allow user root device 0000:01:00.0 memory 16X",
	  "1: bad memory cap '16X'; give the most --memory a VM may have, e.g. 16G (suffix K, M, G or T)" },
	{ "allow user root device 0000:01:00.0 memory 0", "1: bad memory cap '0'" },
	{ "allow user root device 0000:01:00.0 memory -1G", "1: bad memory cap '-1G'" },
	{ "allow user root device 0000:01:00.0 memory 99999999T", "1: bad memory cap '99999999T'" },
	{ "allow user root device 0000:01:00.0 memory 16GiB", "1: bad memory cap '16GiB'" },
	{ "allow user root device 0000:01:00.0 devices 0",
	  "1: bad device cap '0'; give how many devices a VM may have, 1 to 32" },
	{ "allow user root device 0000:01:00.0 devices 33", "1: bad device cap '33'" },
	{ "allow user root device 0000:01:00.0 devices 01", "1: bad device cap '01'" },
	{ "allow user root device 0000:01:00.0 devices two", "1: bad device cap 'two'" },
	{ "allow user root device 0000:01:00.0 devices +2", "1: bad device cap '+2'" },
	{ "allow user root device 0000:01:00.0\ndeny user 0 device 0000:01:00.0",
	  "2: duplicates the rule at line 1; keep one of them" },
	{ "allow group root device 10de:*\n\nallow group 0 device 10DE: memory 1G",
	  "3: duplicates the rule at line 1; keep one of them" },
	{ "deny user * device 8086::0c03\nallow user * device 8086:*:0c03", "2: duplicates the rule at line 1" },
	{ "allow user root device 0000:0a:00.0\nallow user root device 0000:0A:00.0", "2: duplicates the rule at line 1" },
	{ "audit-log", "1: audit-log needs a file, e.g. audit-log /var/log/airlock/audit.log" },
	{ "audit-log #/var/log/a", "1: audit-log needs a file" },
	{ "audit-log /var/log/a /var/log/b",
	  "1: audit-log takes one path and nothing after it (a path with blanks cannot be named)" },
	{ "audit-log var/log/a",
	  "1: audit-log 'var/log/a' is not an absolute path; write it from /, e.g. /var/log/airlock/audit.log" },
	{ "audit-log /a\n# two\naudit-log /a", "3: audit-log is given again (first at line 1); keep one" },
	{ "admin", "1: an admin line is: admin user NAME, or admin group NAME" },
	{ "admin user", "1: an admin line is: admin user NAME, or admin group NAME" },
	{ "admin root", "1: an admin line is: admin user NAME, or admin group NAME" },
	{ "admin user root root", "1: an admin line is: admin user NAME, or admin group NAME" },
	{ "admin user *", "1: 'admin user *' would make everyone root; name the admins" },
	{ "admin group *", "1: 'admin group *' would make everyone root; name the admins" },
	{ "admin group no-such-group-here", "1: no group 'no-such-group-here' on this host; create it or name a gid" },
	{ "admin user 4294967295", "1: bad uid '4294967295'" },
	{ "default-memory", "1: default-memory takes one size, e.g. default-memory 16G (suffix K, M, G or T)" },
	{ "default-memory 0", "1: default-memory takes one size" },
	{ "default-memory 4G 8G", "1: default-memory takes one size" },
	{ "user-memory lots", "1: user-memory takes one size, e.g. user-memory 16G (suffix K, M, G or T)" },
	{ "user-memory 8G\nuser-memory 8G", "2: user-memory is given again (first at line 1); keep one" },
	{ "allow user root device 0000:01:00.0\r\n",
	  "1: control character 0x0d; a policy is plain text (from Windows? convert it with dos2unix)" },
	{ "# \x1b[2J\n", "1: control character 0x1b" },
	{ "\n\n# \x7f\n", "3: control character 0x7f" },
	{ "allow user root\vdevice 0000:01:00.0", "1: control character 0x0b" },
};

static void check_reject(size_t i, const char *text, size_t len, const char *says)
{
	assert_int_equal(parse_len(text, len), -EINVAL);
	if (strncmp(err, "P:", 2) || strncmp(err + 2, says, strlen(says)))
		fail_msg("case %zu: '%s' does not start 'P:%s'", i, err, says);
	assert_null(strchr(err, '\n'));
}

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rejects); i++)
		check_reject(i, rejects[i].text, strlen(rejects[i].text), rejects[i].says);
}

static void test_nul(void **state)
{
	static const char text[] = "# one\nallow user root\0 device 0000:01:00.0\n";

	(void)state;
	check_reject(0, text, sizeof(text) - 1, "2: NUL byte; a policy is plain text, is this the right file?");
}

/* A line of 1024 bytes is the longest; the limit counts the line, not its newline. */
static void test_line_limit(void **state)
{
	static char text[POLICY_LINE_MAX + 16];

	(void)state;
	memset(text, ' ', sizeof(text));
	memcpy(text, "\n#", 2);
	text[1 + POLICY_LINE_MAX] = '\n';
	assert_int_equal(parse_len(text, 2 + POLICY_LINE_MAX), 0);
	text[1 + POLICY_LINE_MAX] = ' ';
	check_reject(0, text, 2 + POLICY_LINE_MAX, "2: line longer than 1024 bytes; a policy line is a handful of words, "
			"is this the right file?");
}

static void test_file_limit(void **state)
{
	static char text[POLICY_FILE_MAX + 1];

	(void)state;
	memset(text, '#', sizeof(text));
	for (size_t i = 1000; i < sizeof(text); i += 1000)
		text[i] = '\n';
	assert_int_equal(parse_len(text, POLICY_FILE_MAX), 0);
	assert_int_equal(parse_len(text, POLICY_FILE_MAX + 1), -EFBIG);
	assert_string_equal(err, "P is larger than 64 KiB; a policy is a few lines, is this the right file?");
}

static void test_rules_limit(void **state)
{
	static char text[(POLICY_RULES_MAX + 1) * 48];
	size_t len = 0;

	(void)state;
	for (unsigned int i = 1; i <= POLICY_RULES_MAX; i++)
		len += (size_t)sprintf(text + len, "allow user %u device 0000:01:00.0\n", i);
	assert_int_equal(parse_len(text, len), 0);
	assert_int_equal(pol.nr_rules, POLICY_RULES_MAX);
	len += (size_t)sprintf(text + len, "deny user 0 device 0000:01:00.0\n");
	check_reject(0, text, len, "257: more than 256 rules; fold rules together with filters (device 10de:*) or groups");
}

static void test_path_limit(void **state)
{
	static char path[PATH_MAX + 1];
	char text[1] = "";

	(void)state;
	memset(path, 'p', PATH_MAX);
	assert_int_equal(policy__parse(&pol, path, text, 0, err, sizeof(err)), -ENAMETOOLONG);
	assert_non_null(strstr(err, "policy file name too long"));
}

/* An error message never runs past what it was given. */
static void test_small_err(void **state)
{
	char small[8], text[] = "deny";

	(void)state;
	assert_int_equal(policy__parse(&pol, "P", text, 4, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "P:1: th");
	assert_int_equal(policy__parse(&pol, "a-long-path", text, 4, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "a-long-");
}

/* ---- rule text ---- */

static void test_rule_text(void **state)
{
	static const struct {
		const char *in, *out;
	} rules[] = {
		{ "allow user root device 0000:01:00.0", "allow user root device 0000:01:00.0" },
		{ "allow group root device 10DE: memory 16384M devices 2", "allow group root device 10de:* memory 16G devices 2" },
		{ "deny user * device 8086::0c03", "deny user * device 8086:*:0c03" },
		{ "allow devices 32 device 0000:0A:1F.7 user 1000", "allow user 1000 device 0000:0a:1f.7 devices 32" },
		{ "allow user 0 device *:* memory 1536M", "allow user 0 device *:* memory 1536M" },
		{ "allow user 0 device ::0108 memory 4097", "allow user 0 device *:*:0108 memory 4097" },
		{ "allow user 0 device 1:2 memory 3K", "allow user 0 device 0001:0002 memory 3K" },
		{ "allow user 0 device 1:2 memory 16777215T", "allow user 0 device 0001:0002 memory 16777215T" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		struct policy_rule first;
		char text[256];

		assert_int_equal(parse(rules[i].in), 0);
		first = pol.rules[0];
		policy__rule_text(&first, text, sizeof(text));
		assert_string_equal(text, rules[i].out);
		/* What it says parses back to the same rule. */
		assert_int_equal(parse(text), 0);
		assert_memory_equal(&pol.rules[0], &first, sizeof(first));
	}
}

/* ---- decisions ---- */

static const char decide_policy[] =
	"deny user * device 8086::0c03\n"
	"allow user root device 0000:01:00.0 memory 1G\n"
	"allow group 65534 device 10de:* devices 2\n"
	"allow user 1000 device *:*\n"
	"allow group root device 0000:05:00.0 devices 1\n";

static const struct policy_subject root = { .uid = 0, .name = "root", .gids = { 0 }, .nr_gids = 1, .root = true };
static const struct policy_subject nobody = { .uid = 65534, .name = "nobody", .gids = { 65534, 100 }, .nr_gids = 2 };
static const struct policy_subject nogroups = { .uid = 65534, .name = "nobody" };
static const struct policy_subject unnamed = { .uid = 1000 };

static const struct pci_ids edu = { 0x1234, 0x11e8, 0x00ff00 };
static const struct pci_ids xhci = { 0x8086, 0x9c31, 0x0c0330 };
static const struct pci_ids gpu = { 0x10de, 0x1b80, 0x030000 };

#define NO_RULE_SAYS "; nothing is allowed unless a rule says so (airlock check-policy P shows what is)"

/* A request, and the rule that decides it (0: none). */
static const struct {
	const struct policy_subject *who;
	const char *bdf;
	const struct pci_ids *ids;
	uint64_t mem;
	unsigned int nr;
	bool allowed;
	unsigned int line;
	const char *reason;	/* NULL: not checked */
} decisions[] = {
	{ &root, "0000:01:00.0", &edu, 512ull << 20, 1, true, 2,
	  "allowed by P:2: allow user root device 0000:01:00.0 memory 1G" },
	/* The cap is inclusive. */
	{ &root, "0000:01:00.0", &edu, 1ull << 30, 32, true, 2, NULL },
	{ &root, "0000:01:00.0", &edu, (1ull << 30) + (2 << 20), 1, false, 2,
	  "P:2 allows 0000:01:00.0 with at most 1G of memory; ask for less --memory" },
	/* Group rules match any of the user's groups; a rule without a memory cap is root's alone. */
	{ &nobody, "0000:02:00.0", &gpu, 64ull << 30, 2, false, 3,
	  "P:3 allows 0000:02:00.0 but caps no memory, and the policy has no default-memory: guest RAM is pinned "
	  "for devices; root must add memory SIZE to the rule, or a default-memory line" },
	{ &unnamed, "0000:09:00.0", &edu, 1ull << 30, 32, false, 4, NULL },
	{ &root, "0000:05:00.0", &edu, 1ull << 30, 1, true, 5, NULL },
	{ &root, "0000:05:00.0", &edu, 1ull << 30, 2, false, 5,
	  "P:5 allows 0000:05:00.0 in a VM with at most 1 device; assign fewer with --vfio" },
	{ &root, "0000:00:14.0", &xhci, 1ull << 30, 1, false, 1, "denied by P:1: deny user * device 8086:*:0c03" },
	/* The first match decides: line 2 would allow this address, line 1 comes first. */
	{ &root, "0000:01:00.0", &xhci, 1ull << 30, 1, false, 1, NULL },
	{ &unnamed, "0000:00:14.0", &xhci, 1ull << 30, 1, false, 1, NULL },
	{ &root, "0000:03:00.0", &edu, 1ull << 30, 1, false, 0,
	  "no rule in P lets root (uid 0) assign 0000:03:00.0 (1234:11e8, class 00ff00)" NO_RULE_SAYS },
	/* Without the group, the group rule does not apply. */
	{ &nogroups, "0000:02:00.0", &gpu, 1ull << 30, 1, false, 0,
	  "no rule in P lets nobody (uid 65534) assign 0000:02:00.0 (10de:1b80, class 030000)" NO_RULE_SAYS },
};

static void test_decide(void **state)
{
	(void)state;
	assert_int_equal(parse(decide_policy), 0);
	for (size_t i = 0; i < ARRAY_SIZE(decisions); i++) {
		struct policy_verdict v;

		policy__decide(&pol, decisions[i].who, decisions[i].bdf, decisions[i].ids, decisions[i].mem,
			       decisions[i].nr, &v);
		if (v.allowed != decisions[i].allowed || (v.rule ? v.rule->line : 0) != decisions[i].line)
			fail_msg("case %zu: allowed %d by line %u: %s", i, v.allowed, v.rule ? v.rule->line : 0, v.reason);
		if (decisions[i].reason)
			assert_string_equal(v.reason, decisions[i].reason);
	}
}

/* default-memory caps the rules that name no memory; a rule's own cap comes first. */
static void test_decide_default_memory(void **state)
{
	struct policy_verdict v;

	(void)state;
	assert_int_equal(parse("default-memory 2G\nallow user 1000 device 0000:01:00.0\n"
			       "allow user 1000 device 10de:* memory 4G\n"), 0);
	assert_int_equal(pol.default_memory, 2ull << 30);
	policy__decide(&pol, &unnamed, "0000:01:00.0", &edu, 2ull << 30, 1, &v);
	assert_true(v.allowed);
	policy__decide(&pol, &unnamed, "0000:01:00.0", &edu, (2ull << 30) + 4096, 1, &v);
	assert_false(v.allowed);
	assert_string_equal(v.reason, "P:2 allows 0000:01:00.0 with at most 2G of memory (default-memory); ask for less --memory");
	policy__decide(&pol, &unnamed, "0000:02:00.0", &gpu, 4ull << 30, 1, &v);
	assert_true(v.allowed);
}

static void test_admins(void **state)
{
	char out[1024];
	FILE *f = fmemopen(out, sizeof(out), "w");

	(void)state;
	assert_int_equal(parse("admin user root\nadmin group 65534\nuser-memory 32G\n"), 0);
	assert_int_equal(pol.nr_admins, 2);
	assert_false(pol.admins[0].group);
	assert_int_equal(pol.admins[0].id, 0);
	assert_true(pol.admins[1].group);
	assert_int_equal(pol.admins[1].id, 65534);
	assert_int_equal(pol.user_memory, 32ull << 30);
	assert_int_equal(pol.nr_rules, 0);
	policy__explain(&pol, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, "P: 0 rules; no audit-log file, decisions go to syslog only\n"
			    "  line 1: user root (uid 0) counts as root through sudo or doas\n"
			    "  line 2: gid 65534 counts as root through sudo or doas\n"
			    "  one user's VMs with devices pin at most 32G of guest RAM together\n"
			    "  nothing may be assigned: there are no rules\n");
}

static void test_decide_nothing(void **state)
{
	struct policy_verdict v;

	(void)state;
	assert_int_equal(parse(""), 0);
	policy__decide(&pol, &unnamed, "0000:01:00.0", &edu, 1ull << 30, 1, &v);
	assert_false(v.allowed);
	assert_null(v.rule);
	assert_string_equal(v.reason, "no rule in P lets uid 1000 assign 0000:01:00.0 (1234:11e8, class 00ff00)" NO_RULE_SAYS);
}

/* ---- the policy file ---- */

static char dir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/airlock-policy-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755))
		return -1;
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* dir/name, holding text, with mode; its path into path. */
static void put(const char *name, const char *text, mode_t mode, char path[PATH_MAX])
{
	FILE *f;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int load(const char *path)
{
	err[0] = '\0';
	return policy__load(&pol, path, err, sizeof(err));
}

static void says(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* err is exactly this. */
static void says(const char *fmt, ...)
{
	char want[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_string_equal(err, want);
}

static void test_load(void **state)
{
	char path[PATH_MAX];

	(void)state;
	need_root();
	put("ok.conf", "audit-log /var/log/a\nallow user root device 0000:01:00.0\n", 0644, path);
	assert_int_equal(load(path), 0);
	assert_int_equal(pol.nr_rules, 1);
	assert_string_equal(pol.path, path);
	assert_string_equal(pol.audit_log, "/var/log/a");
	/* Readable by root alone is fine too. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(load(path), 0);
	/* Errors in the text name the file as given. */
	put("bad.conf", "\nallow user root\n", 0644, path);
	assert_int_equal(load(path), -EINVAL);
	says("%s:2: the rule names no device; add device BDF (e.g. 0000:01:00.0) or device FILTER (e.g. 10de:*)", path);
}

static void test_load_relative(void **state)
{
	char path[PATH_MAX], cwd[PATH_MAX];

	(void)state;
	need_root();
	put("rel.conf", "allow user root device 0000:01:00.0\n", 0644, path);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(load("rel.conf"), 0);
	assert_string_equal(pol.path, "rel.conf");
	assert_int_equal(load("./rel.conf"), 0);
	assert_int_equal(load("missing.conf"), -ENOENT);
	says("no policy file missing.conf: nothing may be assigned; write one (see airlock-policy(5)) or name another with --policy");
	assert_int_equal(chdir(cwd), 0);
}

static void test_load_missing(void **state)
{
	char path[PATH_MAX];

	(void)state;
	need_root();
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	assert_int_equal(load(path), -ENOENT);
	says("no policy file %s: nothing may be assigned; write one (see airlock-policy(5)) or name another with --policy", path);
	/* Its directory missing too. */
	snprintf(path, sizeof(path), "%s/none/policy.conf", dir);
	assert_int_equal(load(path), -ENOENT);
	says("no policy file %s: nothing may be assigned; write one (see airlock-policy(5)) or name another with --policy", path);
}

static void test_load_writable(void **state)
{
	char path[PATH_MAX];

	(void)state;
	need_root();
	put("world.conf", "", 0646, path);
	assert_int_equal(load(path), -EPERM);
	says("%s is writable by group or others (mode 0646); chmod go-w %s", path, path);
	put("group.conf", "", 0664, path);
	assert_int_equal(load(path), -EPERM);
	says("%s is writable by group or others (mode 0664); chmod go-w %s", path, path);
}

static void test_load_owner(void **state)
{
	char path[PATH_MAX];

	(void)state;
	need_root();
	put("owner.conf", "", 0644, path);
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_int_equal(load(path), -EPERM);
	says("%s belongs to uid 65534, not root; chown root %s (its owner could allow themselves any device)", path, path);
	/* A group other than root's is fine: the group cannot write. */
	assert_int_equal(chown(path, 0, 65534), 0);
	assert_int_equal(load(path), 0);
}

static void test_load_symlink(void **state)
{
	char path[PATH_MAX], link[PATH_MAX];

	(void)state;
	need_root();
	put("target.conf", "", 0644, path);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(load(link), -ELOOP);
	says("%s is a symbolic link; name the policy file itself", link);
}

static void test_load_not_regular(void **state)
{
	char path[PATH_MAX];

	(void)state;
	need_root();
	snprintf(path, sizeof(path), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(load(path), -EINVAL);
	says("%s is not a regular file; name the policy file itself", path);
	snprintf(path, sizeof(path), "%s/sub.conf", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(load(path), -EINVAL);
	says("%s is not a regular file; name the policy file itself", path);
	/* A name that can only be a directory is said so before anything is opened. */
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(load(path), -EISDIR);
	says("%s names a directory; name the policy file", path);
	snprintf(path, sizeof(path), "%s/..", dir);
	assert_int_equal(load(path), -EISDIR);
}

static void test_load_too_large(void **state)
{
	static char text[POLICY_FILE_MAX + 2];
	char path[PATH_MAX];

	(void)state;
	need_root();
	memset(text, '\n', POLICY_FILE_MAX);
	put("large.conf", text, 0644, path);
	assert_int_equal(load(path), 0);
	text[POLICY_FILE_MAX] = '\n';
	put("large.conf", text, 0644, path);
	assert_int_equal(load(path), -EFBIG);
	says("%s is larger than 64 KiB; a policy is a few lines, is this the right file?", path);
}

static void test_load_parents(void **state)
{
	char sub[PATH_MAX], path[PATH_MAX];

	(void)state;
	need_root();
	snprintf(sub, sizeof(sub), "%s/open", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put("open/p.conf", "", 0644, path);
	assert_int_equal(load(path), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(load(path), -EPERM);
	says("%s: directory %s is writable by group or others (mode 0777); chmod go-w %s (they could swap the policy)",
	     path, sub, sub);
	assert_int_equal(chmod(sub, 0775), 0);
	assert_int_equal(load(path), -EPERM);
	/* Sticky, as /tmp is: only a file's owner may rename or remove it there. */
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(load(path), 0);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(chown(sub, 65534, 0), 0);
	assert_int_equal(load(path), -EPERM);
	says("%s: directory %s belongs to uid 65534, not root; chown root %s (its owner could swap the policy)",
	     path, sub, sub);
	assert_int_equal(chown(sub, 0, 0), 0);
	/* The directories checked are the real ones behind a link on the way. */
	snprintf(path, sizeof(path), "%s/alias", dir);
	assert_int_equal(symlink(sub, path), 0);
	snprintf(path, sizeof(path), "%s/alias/p.conf", dir);
	assert_int_equal(load(path), 0);
	assert_int_equal(chown(sub, 65534, 0), 0);
	assert_int_equal(load(path), -EPERM);
	says("%s: directory %s belongs to uid 65534, not root; chown root %s (its owner could swap the policy)",
	     path, sub, sub);
	assert_int_equal(chown(sub, 0, 0), 0);
}

static void test_load_odd_names(void **state)
{
	static char path[PATH_MAX + 64];
	char file[PATH_MAX];

	(void)state;
	need_root();
	assert_int_equal(load("/no-airlock-policy-here.conf"), -ENOENT);
	/* Through a file as if it were a directory. */
	put("plain.conf", "", 0644, file);
	snprintf(path, sizeof(path), "%s/x.conf", file);
	assert_int_equal(load(path), -ENOTDIR);
	says("cannot read %s: Not a directory", path);
	snprintf(path, sizeof(path), "%s/x/y.conf", file);
	assert_int_equal(load(path), -ENOTDIR);
	says("%s: cannot find its directory: Not a directory", path);
	/* A directory name longer than any path. */
	memset(path, 'd', PATH_MAX + 8);
	path[0] = '/';
	strcpy(path + PATH_MAX + 8, "/p.conf");
	assert_int_equal(load(path), -ENAMETOOLONG);
	assert_string_equal(err, "policy file name too long (4111 bytes)");
}

/* A file name that fits, in a real directory so deep that the two together do not. */
static void test_load_deep(void **state)
{
	char name[201], cwd[PATH_MAX], file[128];

	(void)state;
	need_root();
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int i = 0; i < 20; i++)
		assert_true(!mkdir(name, 0755) && !chdir(name));
	memset(file, 'f', sizeof(file) - 1);
	file[sizeof(file) - 1] = '\0';
	assert_int_equal(load(file), -ENAMETOOLONG);
	assert_string_equal(err, "policy file name too long (127 bytes)");
	assert_int_equal(chdir(cwd), 0);
}

/* The example shipped with airlock is one check-policy accepts. */
static void test_example(void **state)
{
	char example[PATH_MAX + 64];
	static char text[POLICY_FILE_MAX + 1];
	size_t len = source_file("policy/policy.conf.example", example, text, sizeof(text));

	(void)state;
	if (policy__parse(&pol, example, text, len, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(pol.nr_rules > 0);
	assert_string_equal(pol.audit_log, "/var/log/airlock/audit.log");
}

/* ---- explanation and airlock check-policy ---- */

static const char explain_policy[] =
	"# test\n"
	"audit-log /var/log/airlock/audit.log\n"
	"allow user root device 0000:01:00.0\n"
	"allow group root device 10de:* memory 16G devices 2\n"
	"deny user * device 8086::0c03\n"
	"deny user 1000 device 0000:02:00.0\n"
	"allow group 65534 device *:10d3 devices 1\n"
	"allow user * device ::0300 memory 1536M\n"
	"allow user 0 device *:*\n";

static const char explain_text[] =
	"P: 7 rules; audit log /var/log/airlock/audit.log\n"
	"  line 3: user root (uid 0) may assign 0000:01:00.0, with no memory cap: for root and admins only\n"
	"  line 4: group root (gid 0) may assign any device matching 10de:* (vendor 10de, any device), "
	"up to 16G of memory and 2 devices per VM\n"
	"  line 5: no one may assign any device matching 8086:*:0c03 (vendor 8086, any device, class 0c03)\n"
	"  line 6: uid 1000 may not assign 0000:02:00.0\n"
	"  line 7: gid 65534 may assign any device matching *:10d3 (any vendor, device 10d3), with no memory cap: for root and admins only, "
	"up to 1 device per VM\n"
	"  line 8: anyone may assign any device matching *:*:0300 (any vendor, any device, class 0300), "
	"up to 1536M of memory per VM\n"
	"  line 9: uid 0 may assign any device matching *:* (every PCI device), with no memory cap: for root and admins only\n"
	"  anything else is denied\n";

static void explain(const char *text, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");

	assert_non_null(f);
	assert_int_equal(parse(text), 0);
	policy__explain(&pol, f);
	assert_int_equal(fclose(f), 0);
}

static void test_explain(void **state)
{
	char out[2048];

	(void)state;
	explain(explain_policy, out, sizeof(out));
	assert_string_equal(out, explain_text);
	explain("", out, sizeof(out));
	assert_string_equal(out, "P: 0 rules; no audit-log file, decisions go to syslog only\n"
			    "  nothing may be assigned: there are no rules\n");
	explain("allow user root device 0000:01:00.0 memory 2G", out, sizeof(out));
	assert_string_equal(out, "P: 1 rule; no audit-log file, decisions go to syslog only\n"
			    "  line 1: user root (uid 0) may assign 0000:01:00.0, up to 2G of memory per VM\n"
			    "  anything else is denied\n");
}

/* Run check-policy with its output and errors caught. */
static int check_policy(char *out, char *errs, size_t len, ...)
{
	char *argv[8] = { "check-policy" };
	char tmpl[2][64] = { "/tmp/airlock-out-XXXXXX", "/tmp/airlock-err-XXXXXX" };
	int saved[2], argc = 1, ret;
	char *bufs[2] = { out, errs };
	va_list ap;

	va_start(ap, len);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		int fd = mkstemp(tmpl[i]);

		assert_true(fd >= 0);
		saved[i] = dup(1 + i);
		dup2(fd, 1 + i);
		close(fd);
	}
	ret = cmd_check_policy(argc, argv);
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		int fd = open(tmpl[i], O_RDONLY);
		ssize_t n;

		dup2(saved[i], 1 + i);
		close(saved[i]);
		n = read(fd, bufs[i], len - 1);
		bufs[i][n > 0 ? n : 0] = '\0';
		close(fd);
		unlink(tmpl[i]);
	}
	return ret;
}

static void test_check_policy(void **state)
{
	char out[2048], errs[2048], path[PATH_MAX], want[PATH_MAX * 3];

	(void)state;
	need_root();
	put("check.conf", explain_policy, 0644, path);
	assert_int_equal(check_policy(out, errs, sizeof(out), path, NULL), 0);
	snprintf(want, sizeof(want), "%s%s", path, explain_text + 1);
	assert_string_equal(out, want);
	assert_string_equal(errs, "");

	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(check_policy(out, errs, sizeof(out), path, NULL), 1);
	assert_string_equal(out, "");
	snprintf(want, sizeof(want), "airlock: %s is writable by group or others (mode 0666); chmod go-w %s\n", path, path);
	assert_string_equal(errs, want);

	assert_int_equal(check_policy(out, errs, sizeof(out), "--help", NULL), 0);
	assert_non_null(strstr(out, "usage: airlock check-policy [FILE]"));
	assert_int_equal(check_policy(out, errs, sizeof(out), "--verbose", NULL), 2);
	assert_string_equal(errs, "airlock: unknown option '--verbose'; see 'airlock check-policy --help'\n");
	assert_int_equal(check_policy(out, errs, sizeof(out), path, path, NULL), 2);
	snprintf(want, sizeof(want), "airlock: unexpected argument '%s'; check-policy checks one file\n", path);
	assert_string_equal(errs, want);
	/* No file: the default, when this machine has none. */
	if (access(POLICY_DEFAULT, F_OK)) {
		assert_int_equal(check_policy(out, errs, sizeof(out), NULL), 1);
		assert_string_equal(errs, "airlock: no policy file " POLICY_DEFAULT ": nothing may be assigned; "
				    "write one (see airlock-policy(5)) or name another with --policy\n");
	}
}

static bool check_policy_refused(const void *path)
{
	char out[2048], errs[2048];

	return check_policy(out, errs, sizeof(out), path, NULL) == 1 && !strstr(errs, "a-secret-word") &&
	       strstr(errs, "check-policy FILE is for root");
}

/* As a setuid-root broker's caller, naming a file to check would read it as root: refused. */
static void test_check_policy_not_root(void **state)
{
	char path[PATH_MAX];

	(void)state;
	need_root();
	put("secret.conf", "a-secret-word\n", 0600, path);
	assert_true(as_user(check_policy_refused, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_policy_not_root),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_not_duplicates),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_file_limit),
		cmocka_unit_test(test_rules_limit),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_small_err),
		cmocka_unit_test(test_rule_text),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_decide_nothing),
		cmocka_unit_test(test_decide_default_memory),
		cmocka_unit_test(test_admins),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_relative),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_writable),
		cmocka_unit_test(test_load_owner),
		cmocka_unit_test(test_load_symlink),
		cmocka_unit_test(test_load_not_regular),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_load_parents),
		cmocka_unit_test(test_load_odd_names),
		cmocka_unit_test(test_load_deep),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_check_policy),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
