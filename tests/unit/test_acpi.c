// SPDX-License-Identifier: MIT
/*
 * The ACPI tables, read back with the offsets of the ACPI spec rather than
 * the builder's structs, and the DSDT's AML decoded by a parser of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "le.h"

#define GPA		LAYOUT_ACPI_BASE
#define HDR_LEN		36

/* EISAID() values as iasl encodes them. */
#define EISA_PNP0A08	0x080ad041u
#define EISA_PNP0A03	0x030ad041u
#define EISA_PNP0C02	0x020cd041u
#define EISA_PNP0501	0x0105d041u

static uint8_t buf[LAYOUT_ACPI_SIZE];
static uint64_t base;		/* the gpa buf was built for */
static size_t used;

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void build_at(const struct acpi_config *cfg, uint64_t gpa)
{
	int n;

	memset(buf, 0, sizeof(buf));
	base = gpa;
	n = acpi__build(buf, sizeof(buf), gpa, cfg);
	assert_true(n > 0);
	used = (size_t)n;
}

static void build(const struct acpi_config *cfg)
{
	build_at(cfg, GPA);
}

/* A table at guest address gpa: inside what was built, checksummed, of this signature. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(gpa >= base && gpa + HDR_LEN <= base + used);
	assert_int_equal(gpa % 8, 0);
	t = buf + (gpa - base);
	len = (uint32_t)le__get(t + 4, 4);
	assert_true(len >= HDR_LEN && gpa + len <= base + used);
	assert_memory_equal(t, sig, 4);
	assert_memory_equal(t + 10, "AIRLCK", 6);
	assert_int_equal(sum(t, len), 0);
	return t;
}

static uint32_t table_len(const uint8_t *t)
{
	return (uint32_t)le__get(t + 4, 4);
}

static const uint8_t *xsdt(void)
{
	assert_memory_equal(buf, "RSD PTR ", 8);
	return table(le__get(buf + 24, 8), "XSDT");
}

/* The XSDT's entry for sig, or NULL. */
static const uint8_t *find_table(const char *sig)
{
	const uint8_t *x = xsdt();

	for (uint32_t off = HDR_LEN; off < table_len(x); off += 8) {
		uint64_t gpa = le__get(x + off, 8);

		assert_true(gpa >= base && gpa + 4 <= base + used);
		if (!memcmp(buf + (gpa - base), sig, 4))
			return table(gpa, sig);
	}
	return NULL;
}

static const uint8_t *dsdt(void)
{
	const uint8_t *fadt = find_table("FACP");

	assert_int_equal(le__get(fadt + 40, 4), le__get(fadt + 140, 8));
	return table(le__get(fadt + 140, 8), "DSDT");
}

static struct acpi_config config(unsigned int cpus, unsigned int nr_rc, bool com1)
{
	struct acpi_config cfg = { .nr_cpus = cpus, .nr_rc = nr_rc, .com1 = com1 };

	for (unsigned int i = 0; i < nr_rc; i++)
		cfg.rc[i].nr_ports = i == 0 ? LAYOUT_PORTS_MAX : i + 1;
	return cfg;
}

static void test_rsdp(void **state)
{
	struct acpi_config cfg = config(2, 1, true);

	(void)state;
	build(&cfg);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(sum(buf, 20), 0);
	assert_int_equal(buf[15], 2);			/* revision */
	assert_int_equal(le__get(buf + 20, 4), 36);		/* length */
	assert_int_equal(sum(buf, 36), 0);
	assert_memory_equal(buf + 9, "AIRLCK", 6);
	xsdt();
	assert_true(used <= LAYOUT_ACPI_SIZE);
}

static void test_xsdt(void **state)
{
	static const char *const sigs[] = { "FACP", "APIC", "MCFG" };

	(void)state;
	for (unsigned int nr_rc = 0; nr_rc <= 1; nr_rc++) {
		struct acpi_config cfg = config(1, nr_rc, false);
		const uint8_t *x;

		build(&cfg);
		x = xsdt();
		assert_int_equal(table_len(x), HDR_LEN + 8 * (2 + nr_rc));
		for (unsigned int i = 0; i < 2 + nr_rc; i++)
			table(le__get(x + HDR_LEN + 8 * i, 8), sigs[i]);
		assert_true((find_table("MCFG") != NULL) == (nr_rc != 0));
	}
}

static void test_fadt(void **state)
{
	struct acpi_config cfg = config(2, 1, false);
	const uint8_t *f, *facs;

	(void)state;
	build(&cfg);
	f = find_table("FACP");
	assert_int_equal(table_len(f), 276);
	assert_int_equal(f[8], 6);
	dsdt();
	assert_int_equal(le__get(f + 46, 2), LAYOUT_SCI_IRQ);
	assert_int_equal(le__get(f + 48, 4), 0);		/* SMI_CMD: always in ACPI mode */
	assert_int_equal(le__get(f + 56, 4), 0x600);		/* PM1a_EVT_BLK */
	assert_int_equal(le__get(f + 64, 4), 0x604);		/* PM1a_CNT_BLK */
	assert_int_equal(f[88], 4);
	assert_int_equal(f[89], 2);
	assert_int_equal(f[91], 0);			/* PM_TMR_LEN */
	assert_int_equal(le__get(f + 109, 2) & (1u << 1), 0);	/* no 8042 */
	assert_int_equal(le__get(f + 112, 4) & (1u << 20), 0);	/* not hardware-reduced */
	assert_int_not_equal(le__get(f + 112, 4) & (1u << 10), 0);	/* RESET_REG_SUP */
	assert_int_equal(le__get(f + 112, 4) & (1u << 4), 0);	/* PWR_BUTTON clear: a fixed power button */
	assert_int_not_equal(le__get(f + 112, 4) & (1u << 5), 0);	/* SLP_BUTTON set: no sleep button */
	assert_int_equal(f[116], 1);			/* reset register: I/O */
	assert_int_equal(le__get(f + 120, 8), 0xcf9);
	assert_int_equal(f[128], 0x06);
	/* X_PM1a_EVT_BLK and X_PM1a_CNT_BLK match the legacy fields. */
	assert_int_equal(f[148], 1);
	assert_int_equal(f[149], 32);
	assert_int_equal(le__get(f + 152, 8), 0x600);
	assert_int_equal(f[172], 1);
	assert_int_equal(f[173], 16);
	assert_int_equal(le__get(f + 176, 8), 0x604);
	/* FACS: 64-byte aligned, X_FIRMWARE_CTRL matches FIRMWARE_CTRL. */
	assert_int_equal(le__get(f + 36, 4), le__get(f + 132, 8));
	assert_int_equal(le__get(f + 36, 4) % 64, 0);
	facs = buf + (le__get(f + 36, 4) - base);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(le__get(facs + 4, 4), 64);
}

/* Alignment holds for guest addresses even when the buffer's gpa is only 16-byte aligned. */
static void test_unaligned_base(void **state)
{
	struct acpi_config cfg = config(3, 2, true);
	const uint8_t *f;

	(void)state;
	build_at(&cfg, GPA + 0x10);
	f = find_table("FACP");
	assert_int_equal(le__get(f + 36, 4) % 64, 0);
	find_table("APIC");
	find_table("MCFG");
	dsdt();
}

static void check_madt(unsigned int cpus)
{
	struct acpi_config cfg = config(cpus, 1, false);
	unsigned int lapics = 0, ioapics = 0, nmis = 0, isos = 0;
	const uint8_t *m;
	uint32_t off;

	build(&cfg);
	m = find_table("APIC");
	assert_int_equal(le__get(m + 36, 4), LAYOUT_LAPIC_BASE);
	assert_int_equal(le__get(m + 40, 4), 1);		/* PCAT_COMPAT */
	for (off = 44; off < table_len(m); off += m[off + 1]) {
		const uint8_t *e = m + off;

		assert_true(e[1] >= 2 && off + e[1] <= table_len(m));
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[2], lapics);	/* processor UID */
			assert_int_equal(e[3], lapics);	/* APIC id */
			assert_int_equal(le__get(e + 4, 4), 1);
			lapics++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], cpus);
			assert_int_equal(le__get(e + 4, 4), LAYOUT_IOAPIC_BASE);
			assert_int_equal(le__get(e + 8, 4), 0);
			ioapics++;
			break;
		case 2:
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);
			if (e[3] == 0) {
				assert_int_equal(le__get(e + 4, 4), 2);
				assert_int_equal(le__get(e + 8, 2), 0);
			} else {
				assert_int_equal(e[3], LAYOUT_SCI_IRQ);
				assert_int_equal(le__get(e + 4, 4), LAYOUT_SCI_IRQ);
				assert_int_equal(le__get(e + 8, 2), 0xd);	/* level, active high */
			}
			isos++;
			break;
		case 4:
			assert_int_equal(e[1], 6);
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);		/* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("MADT entry type %u", e[0]);
		}
	}
	assert_int_equal(off, table_len(m));
	assert_int_equal(lapics, cpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 2);
	assert_int_equal(nmis, 1);
}

static void test_madt(void **state)
{
	(void)state;
	check_madt(1);
	check_madt(2);
	check_madt(ACPI_CPUS_MAX);
}

static void test_mcfg(void **state)
{
	static const unsigned int counts[] = { 1, LAYOUT_RC_MAX };

	(void)state;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int nr_rc = counts[c];
		struct acpi_config cfg = config(1, nr_rc, false);
		const uint8_t *m;

		build(&cfg);
		m = find_table("MCFG");
		assert_int_equal(table_len(m), 44 + 16 * nr_rc);
		for (unsigned int i = 0; i < nr_rc; i++) {
			const uint8_t *e = m + 44 + 16 * i;

			assert_int_equal(le__get(e, 8), layout__ecam(i));
			assert_int_equal(le__get(e + 8, 2), i);
			assert_int_equal(e[10], 0);
			assert_int_equal(e[11], cfg.rc[i].nr_ports);
			assert_true(e[11] < LAYOUT_ECAM_BUSES);
		}
	}
}

/* The AML decoder: records every Name and Method with the Device it is in. */
struct aml_name {
	char dev[5];
	char name[5];
	const uint8_t *val;		/* NULL for a Method */
};

static struct aml_name names[4096];
static unsigned int nr_names;
static unsigned int pkglen_sizes[5];	/* how many PkgLengths of 1..4 bytes were seen */

/* A PkgLength at *p: returns where the object ends, which must be inside end. */
static const uint8_t *pkg(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *start = *p;
	unsigned int n = (start[0] >> 6) + 1;
	size_t len;

	assert_true(start + n <= end);
	if (n == 1) {
		len = start[0] & 0x3f;
	} else {
		assert_int_equal(start[0] & 0x30, 0);
		len = start[0] & 0xf;
		for (unsigned int i = 1; i < n; i++)
			len |= (size_t)start[i] << (8 * i - 4);
	}
	pkglen_sizes[n]++;
	assert_true(len >= n && start + len <= end);
	*p = start + n;
	return start + len;
}

static const uint8_t *integer(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	static const unsigned int width[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };

	assert_true(p < end);
	if (p[0] <= 1 || p[0] == 0xff) {
		*v = p[0] == 0xff ? ~0ull : p[0];
		return p + 1;
	}
	assert_true(p[0] < sizeof(width) / sizeof(width[0]) && width[p[0]]);
	assert_true(p + 1 + width[p[0]] <= end);
	*v = le__get(p + 1, width[p[0]]);
	return p + 1 + width[p[0]];
}

static const uint8_t *data(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *e;
	uint64_t v, n;

	assert_true(p < end);
	switch (p[0]) {
	case 0x0d:
		e = memchr(p + 1, 0, (size_t)(end - p - 1));
		assert_non_null(e);
		return e + 1;
	case 0x11:				/* Buffer: BufferSize, then exactly that many bytes */
		p++;
		e = pkg(&p, end);
		p = integer(p, e, &v);
		assert_int_equal(v, e - p);
		return e;
	case 0x12:				/* Package: NumElements, then the elements */
		p++;
		e = pkg(&p, end);
		n = *p++;
		for (; p < e; n--)
			p = data(p, e);
		assert_ptr_equal(p, e);
		assert_int_equal(n, 0);
		return e;
	default:
		return integer(p, end, &v);
	}
}

static void record(const char *dev, const uint8_t *name, const uint8_t *val)
{
	struct aml_name *n = &names[nr_names++];

	assert_true(nr_names <= sizeof(names) / sizeof(names[0]));
	snprintf(n->dev, sizeof(n->dev), "%s", dev);
	memcpy(n->name, name, 4);
	n->name[4] = 0;
	n->val = val;
}

static const uint8_t *term(const uint8_t *p, const uint8_t *end, const char *dev);

static void terms(const uint8_t *p, const uint8_t *end, const char *dev)
{
	while (p < end)
		p = term(p, end, dev);
	assert_ptr_equal(p, end);
}

static const uint8_t *term(const uint8_t *p, const uint8_t *end, const char *dev)
{
	char seg[5] = { 0 };
	const uint8_t *e;

	switch (p[0]) {
	case 0x08:				/* Name */
		assert_true(p + 5 <= end);
		record(dev, p + 1, p + 5);
		return data(p + 5, end);
	case 0x10:				/* Scope */
		p++;
		e = pkg(&p, end);
		p += p[0] == '\\';
		terms(p + 4, e, dev);
		return e;
	case 0x5b:				/* Device */
		assert_int_equal(p[1], 0x82);
		p += 2;
		e = pkg(&p, end);
		assert_true(p + 4 <= e);
		memcpy(seg, p, 4);
		terms(p + 4, e, seg);
		return e;
	case 0x14:				/* Method: name, flags, body */
		p++;
		e = pkg(&p, end);
		assert_true(p + 5 <= e);
		record(dev, p, NULL);
		terms(p + 5, e, dev);
		return e;
	case 0xa4:				/* Return (ArgN) */
		assert_true(p + 2 <= end && p[1] >= 0x68 && p[1] <= 0x6e);
		return p + 2;
	default:
		fail_msg("AML opcode 0x%02x at DSDT offset %zu", p[0], (size_t)(p - dsdt()));
		return end;
	}
}

static void decode_dsdt(void)
{
	const uint8_t *d = dsdt();

	nr_names = 0;
	memset(pkglen_sizes, 0, sizeof(pkglen_sizes));
	terms(d + HDR_LEN, d + table_len(d), "");
}

static const struct aml_name *lookup(const char *dev, const char *name)
{
	for (unsigned int i = 0; i < nr_names; i++)
		if (!strcmp(names[i].dev, dev) && !strcmp(names[i].name, name))
			return &names[i];
	return NULL;
}

static uint64_t int_value(const char *dev, const char *name)
{
	const struct aml_name *n = lookup(dev, name);
	uint64_t v;

	assert_non_null(n);
	integer(n->val, buf + used, &v);
	return v;
}

/* A resource descriptor from a _CRS, in one shape for all kinds. */
struct res {
	uint8_t tag, type;
	uint64_t min, max, len;
};

#define RES_MAX 16

/* Decode dev's _CRS into r[]; returns the count. */
static unsigned int crs(const char *dev, struct res *r)
{
	const struct aml_name *n = lookup(dev, "_CRS");
	const uint8_t *p, *end;
	unsigned int nr = 0;
	uint64_t size;

	assert_non_null(n);
	assert_int_equal(n->val[0], 0x11);
	p = n->val + 1;
	end = pkg(&p, buf + used);
	p = integer(p, end, &size);
	assert_int_equal(size, end - p);
	for (;;) {
		unsigned int width = p[0] == 0x88 ? 2 : p[0] == 0x87 ? 4 : 8;
		struct res *x = &r[nr];

		assert_true(nr < RES_MAX && p < end);
		*x = (struct res){ .tag = p[0] };
		switch (p[0]) {
		case 0x79:				/* End Tag, last */
			assert_ptr_equal(p + 2, end);
			return nr;
		case 0x47:
			x->min = le__get(p + 2, 2);
			x->max = le__get(p + 4, 2);
			x->len = p[7];
			p += 8;
			break;
		case 0x22:
			x->min = le__get(p + 1, 2);
			p += 3;
			break;
		case 0x86:
			assert_int_equal(le__get(p + 1, 2), 9);
			x->min = le__get(p + 4, 4);
			x->len = le__get(p + 8, 4);
			p += 12;
			break;
		case 0x88:
		case 0x87:
		case 0x8a:
			assert_int_equal(le__get(p + 1, 2), 3 + 5 * width);
			assert_int_equal(p[4], 0x0c);		/* producer, _MIF, _MAF */
			x->type = p[3];
			assert_int_equal(le__get(p + 6, width), 0);	/* _GRA */
			x->min = le__get(p + 6 + width, width);
			x->max = le__get(p + 6 + 2 * width, width);
			assert_int_equal(le__get(p + 6 + 3 * width, width), 0);
			x->len = le__get(p + 6 + 4 * width, width);
			assert_int_equal(x->max, x->min + x->len - 1);
			p += 6 + 5 * width;
			break;
		default:
			fail_msg("resource descriptor 0x%02x", p[0]);
		}
		nr++;
	}
}

static const struct res *find_res(const struct res *r, unsigned int nr, uint8_t tag, uint8_t type)
{
	for (unsigned int i = 0; i < nr; i++)
		if (r[i].tag == tag && r[i].type == type)
			return &r[i];
	fail_msg("no resource 0x%02x type %u", tag, type);
	return NULL;
}

static void check_window(const struct res *r, unsigned int nr, uint8_t tag, uint8_t type, uint64_t min,
			 uint64_t len)
{
	const struct res *x = find_res(r, nr, tag, type);

	assert_int_equal(x->min, min);
	assert_int_equal(x->len, len);
}

/* _PRT: for each root port and pin, Package { 0xDDDDFFFF, pin, 0, GSI } with the layout's GSI. */
static void check_prt(const char *dev, unsigned int rc, unsigned int ports)
{
	const struct aml_name *prt = lookup(dev, "_PRT");
	const uint8_t *p, *end;
	uint64_t v[4];

	if (!ports) {
		assert_null(prt);
		return;
	}
	assert_non_null(prt);
	assert_int_equal(prt->val[0], 0x12);
	p = prt->val + 1;
	end = pkg(&p, buf + used);
	assert_int_equal(*p++, 4 * ports);
	for (unsigned int port = 1; port <= ports; port++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			assert_int_equal(*p++, 0x12);
			pkg(&p, end);
			assert_int_equal(*p++, 4);
			for (unsigned int i = 0; i < 4; i++)
				p = integer(p, end, &v[i]);
			assert_int_equal(v[0], (uint64_t)port << 16 | 0xffff);
			assert_int_equal(v[1], pin);
			assert_int_equal(v[2], 0);
			assert_int_equal(v[3], layout__intx_gsi(rc, port, pin + 1));
			assert_in_range(v[3], LAYOUT_INTX_GSI_BASE, LAYOUT_INTX_GSI_BASE + LAYOUT_INTX_GSIS - 1);
		}
	}
	assert_ptr_equal(p, end);
}

static void check_pci(unsigned int rc, unsigned int ports)
{
	char dev[5] = "PCI0";
	struct res r[RES_MAX];
	unsigned int nr;

	dev[3] = (char)('0' + rc);
	assert_int_equal(int_value(dev, "_HID"), EISA_PNP0A08);
	assert_int_equal(int_value(dev, "_CID"), EISA_PNP0A03);
	assert_int_equal(int_value(dev, "_UID"), rc);
	assert_int_equal(int_value(dev, "_SEG"), rc);
	assert_int_equal(int_value(dev, "_BBN"), 0);
	assert_non_null(lookup(dev, "_OSC"));
	assert_null(lookup(dev, "_OSC")->val);
	check_prt(dev, rc, ports);
	nr = crs(dev, r);
	assert_int_equal(nr, rc == 0 ? 5 : 4);
	check_window(r, nr, 0x88, 2, 0, ports + 1);
	check_window(r, nr, 0x88, 1, layout__io(rc), LAYOUT_IO_SIZE);
	check_window(r, nr, 0x87, 0, layout__mmio32(rc), LAYOUT_MMIO32_SIZE);
	check_window(r, nr, 0x8a, 0, layout__mmio64(rc), LAYOUT_MMIO64_SIZE);
	if (rc == 0)
		check_window(r, nr, 0x47, 0, 0xcf8, 8);
}

static void check_dsdt(const struct acpi_config *cfg)
{
	const struct aml_name *s5;
	char absent[5] = "PCI0";
	const uint8_t *p;
	unsigned int cpus = 0;
	uint64_t uid_seen[4] = { 0 };
	struct res r[RES_MAX];
	unsigned int nr;
	uint64_t v;

	decode_dsdt();
	s5 = lookup("", "_S5_");
	assert_non_null(s5);
	assert_int_equal(s5->val[0], 0x12);
	p = s5->val + 1;
	pkg(&p, buf + used);
	assert_int_equal(p[0], 4);			/* NumElements; SLP_TYPa first */
	integer(p + 1, buf + used, &v);
	assert_int_equal(v, 5);

	for (unsigned int i = 0; i < nr_names; i++) {
		const struct aml_name *n = &names[i];

		if (strcmp(n->name, "_HID") || n->val[0] != 0x0d)
			continue;
		assert_string_equal((const char *)n->val + 1, "ACPI0007");
		v = int_value(n->dev, "_UID");
		assert_true(v < cfg->nr_cpus && !(uid_seen[v / 64] & (1ull << (v % 64))));
		uid_seen[v / 64] |= 1ull << (v % 64);
		cpus++;
	}
	assert_int_equal(cpus, cfg->nr_cpus);

	for (unsigned int rc = 0; rc < cfg->nr_rc; rc++)
		check_pci(rc, cfg->rc[rc].nr_ports);
	absent[3] = (char)('0' + cfg->nr_rc);
	assert_null(lookup(absent, "_HID"));

	if (cfg->nr_rc) {
		assert_int_equal(int_value("MRES", "_HID"), EISA_PNP0C02);
		nr = crs("MRES", r);
		assert_int_equal(nr, cfg->nr_rc);
		for (unsigned int rc = 0; rc < cfg->nr_rc; rc++) {
			assert_int_equal(r[rc].min, layout__ecam(rc));
			assert_int_equal(r[rc].len, LAYOUT_ECAM_SIZE);
		}
	} else {
		assert_null(lookup("MRES", "_HID"));
	}

	if (cfg->com1) {
		assert_int_equal(int_value("COM1", "_HID"), EISA_PNP0501);
		nr = crs("COM1", r);
		assert_int_equal(nr, 2);
		check_window(r, nr, 0x47, 0, 0x3f8, 8);
		assert_int_equal(find_res(r, nr, 0x22, 0)->min, 1u << LAYOUT_COM1_IRQ);
	} else {
		assert_null(lookup("COM1", "_HID"));
	}
}

static void test_dsdt(void **state)
{
	static const unsigned int shapes[][3] = {	/* cpus, root complexes, com1 */
		{ 1, 0, 0 }, { 1, 1, 1 }, { 2, 2, 0 }, { 4, LAYOUT_RC_MAX, 1 }, { ACPI_CPUS_MAX, LAYOUT_RC_MAX, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct acpi_config cfg = config(shapes[i][0], shapes[i][1], shapes[i][2]);

		build(&cfg);
		check_dsdt(&cfg);
	}
	/* The last, largest DSDT needed PkgLengths of 1, 2 and 3 bytes. */
	assert_int_not_equal(pkglen_sizes[1], 0);
	assert_int_not_equal(pkglen_sizes[2], 0);
	assert_int_not_equal(pkglen_sizes[3], 0);
}

/* Every length short of what is needed fails, and nothing is written past it. */
static void test_enospc(void **state)
{
	struct acpi_config cfg = config(ACPI_CPUS_MAX, LAYOUT_RC_MAX, true);
	const size_t canary = 64;
	size_t need;
	uint8_t *b;

	(void)state;
	build(&cfg);
	need = used;
	b = malloc(need + canary);
	assert_non_null(b);
	for (size_t len = 0; len < need; len++) {
		memset(b, 0xa5, need + canary);
		assert_int_equal(acpi__build(b, len, GPA, &cfg), -ENOSPC);
		for (size_t i = len; i < need + canary; i++)
			if (b[i] != 0xa5)
				fail_msg("len %zu: byte %zu written", len, i);
	}
	assert_int_equal(acpi__build(b, need, GPA, &cfg), (int)need);
	assert_memory_equal(b, buf, need);
	free(b);
}

static void test_einval(void **state)
{
	struct acpi_config cfg = config(1, 1, false);

	(void)state;
	cfg.nr_cpus = 0;
	assert_int_equal(acpi__build(buf, sizeof(buf), GPA, &cfg), -EINVAL);
	cfg.nr_cpus = ACPI_CPUS_MAX + 1;
	assert_int_equal(acpi__build(buf, sizeof(buf), GPA, &cfg), -EINVAL);
	cfg = config(1, LAYOUT_RC_MAX, false);
	cfg.nr_rc = LAYOUT_RC_MAX + 1;
	assert_int_equal(acpi__build(buf, sizeof(buf), GPA, &cfg), -EINVAL);
	cfg = config(1, 1, false);
	cfg.rc[0].nr_ports = LAYOUT_ECAM_BUSES;
	assert_int_equal(acpi__build(buf, sizeof(buf), GPA, &cfg), -EINVAL);
	cfg = config(1, 1, false);
	assert_int_equal(acpi__build(buf, sizeof(buf), GPA + 8, &cfg), -EINVAL);
	assert_int_equal(acpi__build(buf, sizeof(buf), 1ull << 32, &cfg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_xsdt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_unaligned_base),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_dsdt),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_einval),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
