// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "le.h"
#include "pcie.h"
#include "pm.h"
#include "serial.h"

#define ACPI_OEM_ID		"AIRLCK"
#define ACPI_OEM_TABLE_ID	"AIRLOCK "
#define ACPI_CREATOR_ID		"ARLK"

_Static_assert(LAYOUT_PORTS_MAX < LAYOUT_ECAM_BUSES, "a port's bus must be inside ECAM");

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI 5.2.6");

#define RSDP_V1_LEN	20	/* what the first checksum covers */

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");

enum { GAS_IO = 1 };
enum { GAS_ACCESS_BYTE = 1, GAS_ACCESS_WORD = 2 };

struct acpi_gas {
	uint8_t space;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 5.2.3.2");

struct acpi_facs {
	char sig[4];
	uint32_t length;
	uint32_t hw_signature;
	uint32_t waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI 5.2.10");

#define FADT_WBINVD		(1u << 0)
#define FADT_PROC_C1		(1u << 2)
#define FADT_SLP_BUTTON		(1u << 5)	/* set: no fixed-hardware sleep button */
#define FADT_FIX_RTC		(1u << 6)	/* set: no RTC status bit in PM1 */
#define FADT_RESET_REG_SUP	(1u << 10)

#define FADT_BOOT_NO_VGA	(1u << 2)
#define FADT_BOOT_NO_CMOS_RTC	(1u << 5)

/* P_LVL2_LAT above 100 and P_LVL3_LAT above 1000 mean: no C2, no C3. */
#define FADT_NO_C2		101
#define FADT_NO_C3		1001

struct acpi_fadt {
	struct acpi_header h;
	uint32_t facs;
	uint32_t dsdt;
	uint8_t int_model;
	uint8_t pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt;
	uint32_t pm1b_evt;
	uint32_t pm1a_cnt;
	uint32_t pm1b_cnt;
	uint32_t pm2_cnt;
	uint32_t pm_tmr;
	uint32_t gpe0;
	uint32_t gpe1;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_len;
	uint8_t gpe1_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_facs;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt;
	struct acpi_gas x_pm1b_evt;
	struct acpi_gas x_pm1a_cnt;
	struct acpi_gas x_pm1b_cnt;
	struct acpi_gas x_pm2_cnt;
	struct acpi_gas x_pm_tmr;
	struct acpi_gas x_gpe0;
	struct acpi_gas x_gpe1;
	struct acpi_gas sleep_control;
	struct acpi_gas sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 5.2.9, FADT revision 6");

#define MADT_PCAT_COMPAT	(1u << 0)
#define MADT_ENABLED		(1u << 0)
#define MADT_ALL_CPUS		0xff
#define MADT_ISA		0
/* MPS INTI flags: polarity in bits 1:0, trigger mode in bits 3:2; 0 = as the bus says. */
#define MADT_CONFORMING		0x0
#define MADT_HIGH_LEVEL		0xd

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_ISO = 2, MADT_LAPIC_NMI = 4 };

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 5.2.12");

struct madt_lapic {
	uint8_t type, len;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic) == 8, "ACPI 5.2.12.2");

struct madt_ioapic {
	uint8_t type, len;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_ioapic) == 12, "ACPI 5.2.12.3");

struct madt_iso {
	uint8_t type, len;
	uint8_t bus;
	uint8_t irq;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_iso) == 10, "ACPI 5.2.12.5");

struct madt_lapic_nmi {
	uint8_t type, len;
	uint8_t uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "ACPI 5.2.12.7");

struct acpi_mcfg {
	struct acpi_header h;
	uint64_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg) == 44, "PCI Firmware 4.1.2");

struct mcfg_alloc {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mcfg_alloc) == 16, "PCI Firmware 4.1.2");

/* The output: once something does not fit, 'full' is set and nothing more is written. */
struct acpi_buf {
	uint8_t *p;
	size_t len, off;
	uint64_t gpa;
	bool full;
};

static uint8_t *buf__put(struct acpi_buf *b, size_t n)
{
	uint8_t *at;

	if (b->full || n > b->len - b->off) {
		b->full = true;
		return NULL;
	}
	at = b->p + b->off;
	b->off += n;
	return at;
}

static void buf__bytes(struct acpi_buf *b, const void *data, size_t n)
{
	uint8_t *at = buf__put(b, n);

	if (at)
		memcpy(at, data, n);
}

static void buf__le(struct acpi_buf *b, uint64_t v, unsigned int width)
{
	uint8_t *at = buf__put(b, width);

	if (at)
		le__put(at, width, v);
}

static void buf__byte(struct acpi_buf *b, uint8_t v)
{
	buf__le(b, v, 1);
}

/* Alignment is of guest physical addresses. */
static void buf__align(struct acpi_buf *b, uint64_t align)
{
	size_t pad = (size_t)(-(b->gpa + b->off) & (align - 1));
	uint8_t *at = buf__put(b, pad);

	if (at)
		memset(at, 0, pad);
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* Start a table with its fixed part, which begins with the header; returns its offset. */
static size_t table__open(struct acpi_buf *b, void *fixed, size_t size, const char *sig, uint8_t revision)
{
	struct acpi_header *h = fixed;
	size_t start;

	memcpy(h->sig, sig, sizeof(h->sig));
	h->revision = revision;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = 1;
	buf__align(b, 16);
	start = b->off;
	buf__bytes(b, fixed, size);
	return start;
}

/* Once all its entries are in: set the length and checksum; returns the table's address. */
static uint64_t table__close(struct acpi_buf *b, size_t start)
{
	struct acpi_header *h = (struct acpi_header *)(b->p + start);

	if (!b->full) {
		h->length = (uint32_t)(b->off - start);
		h->checksum = 0;
		h->checksum = checksum(b->p + start, b->off - start);
	}
	return b->gpa + start;
}

/* AML (ACPI 20): just the opcodes this DSDT uses. */
enum {
	AML_ONE = 0x01,
	AML_NAME = 0x08,
	AML_BYTE = 0x0a,
	AML_WORD = 0x0b,
	AML_DWORD = 0x0c,
	AML_STRING = 0x0d,
	AML_QWORD = 0x0e,
	AML_SCOPE = 0x10,
	AML_BUFFER = 0x11,
	AML_PACKAGE = 0x12,
	AML_METHOD = 0x14,
	AML_ROOT = 0x5c,
	AML_ARG3 = 0x6b,
	AML_RETURN = 0xa4,
	AML_DEVICE = 0x5b82,	/* ExtOpPrefix 0x5b */
};

/* Emit the opcode of an object with a PkgLength; returns where the PkgLength goes. */
static size_t aml__open(struct acpi_buf *b, uint16_t op)
{
	if (op >> 8)
		buf__byte(b, (uint8_t)(op >> 8));
	buf__byte(b, (uint8_t)op);
	return b->off;
}

/*
 * Insert the PkgLength in front of the object's body. It counts its own
 * bytes: one byte holds up to 63; otherwise the first byte holds the count
 * of following bytes (bits 7:6) and the low 4 bits, the rest 8 bits each.
 */
static void aml__close(struct acpi_buf *b, size_t at)
{
	size_t body = b->off - at;
	unsigned int n = body + 1 <= 0x3f ? 1 : body + 2 <= 0xfff ? 2 : body + 3 <= 0xfffff ? 3 : 4;
	size_t total = body + n;

	if (!buf__put(b, n))
		return;
	memmove(b->p + at + n, b->p + at, body);
	if (n == 1) {
		b->p[at] = (uint8_t)total;
		return;
	}
	b->p[at] = (uint8_t)((n - 1) << 6 | (total & 0xf));
	for (unsigned int i = 1; i < n; i++)
		b->p[at + i] = (uint8_t)(total >> (8 * i - 4));
}

/* A NameSeg of exactly four characters, optionally rooted ("\\_SB_"). */
static void aml__name(struct acpi_buf *b, const char *name)
{
	if (*name == '\\')
		buf__byte(b, AML_ROOT);
	buf__bytes(b, name + (*name == '\\'), 4);
}

static void aml__int(struct acpi_buf *b, uint64_t v)
{
	if (v <= AML_ONE) {
		buf__byte(b, (uint8_t)v);	/* ZeroOp, OneOp */
	} else if (v <= UINT8_MAX) {
		buf__byte(b, AML_BYTE);
		buf__le(b, v, 1);
	} else if (v <= UINT16_MAX) {
		buf__byte(b, AML_WORD);
		buf__le(b, v, 2);
	} else if (v <= UINT32_MAX) {
		buf__byte(b, AML_DWORD);
		buf__le(b, v, 4);
	} else {
		buf__byte(b, AML_QWORD);
		buf__le(b, v, 8);
	}
}

static void aml__string(struct acpi_buf *b, const char *s)
{
	buf__byte(b, AML_STRING);
	buf__bytes(b, s, strlen(s) + 1);
}

/* EISAID("PNP0A08"): three 5-bit letters and four hex digits, stored big-endian. */
static void aml__eisaid(struct acpi_buf *b, const char *id)
{
	uint32_t v = (uint32_t)(id[0] & 0x1f) << 26 | (uint32_t)(id[1] & 0x1f) << 21 |
		     (uint32_t)(id[2] & 0x1f) << 16 | (uint32_t)strtoul(id + 3, NULL, 16);

	buf__byte(b, AML_DWORD);
	buf__le(b, __builtin_bswap32(v), 4);
}

/* Name(name, ...): the caller emits the value. */
static void aml__def(struct acpi_buf *b, const char *name)
{
	buf__byte(b, AML_NAME);
	aml__name(b, name);
}

/* Scope, Device or Method: opcode, PkgLength, name. */
static size_t aml__open_named(struct acpi_buf *b, uint16_t op, const char *name)
{
	size_t at = aml__open(b, op);

	aml__name(b, name);
	return at;
}

/* Resource descriptors (ACPI 6.4). */
#define RES_IO			0x47	/* small, 7 bytes */
#define RES_IRQ			0x22	/* small, 2 bytes: edge, active high */
#define RES_END			0x79	/* small, 1 byte: checksum 0 means "valid" */
#define RES_MEM32_FIXED		0x86
#define RES_MEM32_FIXED_LEN	9
#define RES_IO_DECODE16		0x01
#define RES_MEM_RW		0x01
#define RES_MEM_CACHEABLE	0x02
#define RES_IO_ENTIRE_RANGE	0x03
/* General flags: a producer (bridge window) with _MIF and _MAF set, positive decode. */
#define RES_ADDR_FIXED		0x0c

enum { RES_TYPE_MEM = 0, RES_TYPE_IO = 1, RES_TYPE_BUS = 2 };

struct aml_crs {
	size_t pkg, size;
};

/* Name(_CRS, ResourceTemplate() {...}): a Buffer whose size is patched on close. */
static struct aml_crs aml__crs_open(struct acpi_buf *b)
{
	struct aml_crs crs;

	aml__def(b, "_CRS");
	crs.pkg = aml__open(b, AML_BUFFER);
	buf__byte(b, AML_WORD);
	crs.size = b->off;
	buf__le(b, 0, 2);
	return crs;
}

static void aml__crs_close(struct acpi_buf *b, struct aml_crs crs)
{
	size_t n;

	buf__byte(b, RES_END);
	buf__byte(b, 0);
	if (!b->full) {
		n = b->off - crs.size - 2;
		b->p[crs.size] = (uint8_t)n;
		b->p[crs.size + 1] = (uint8_t)(n >> 8);
	}
	aml__close(b, crs.pkg);
}

/* Word, DWord or QWord Address Space Descriptor for a fixed window [min, min + len). */
static void res__window(struct acpi_buf *b, unsigned int width, uint8_t type, uint8_t type_flags,
			uint64_t min, uint64_t len)
{
	static const uint8_t tag[] = { [2] = 0x88, [4] = 0x87, [8] = 0x8a };

	buf__byte(b, tag[width]);
	buf__le(b, 3 + 5 * width, 2);
	buf__byte(b, type);
	buf__byte(b, RES_ADDR_FIXED);
	buf__byte(b, type_flags);
	buf__le(b, 0, width);			/* _GRA: must be 0 for a fixed window */
	buf__le(b, min, width);
	buf__le(b, min + len - 1, width);
	buf__le(b, 0, width);			/* _TRA */
	buf__le(b, len, width);
}

static void res__io(struct acpi_buf *b, uint16_t port, uint8_t len)
{
	buf__byte(b, RES_IO);
	buf__byte(b, RES_IO_DECODE16);
	buf__le(b, port, 2);
	buf__le(b, port, 2);
	buf__byte(b, 1);			/* alignment */
	buf__byte(b, len);
}

static void res__mem32_fixed(struct acpi_buf *b, uint32_t base, uint32_t len)
{
	buf__byte(b, RES_MEM32_FIXED);
	buf__le(b, RES_MEM32_FIXED_LEN, 2);
	buf__byte(b, RES_MEM_RW);
	buf__le(b, base, 4);
	buf__le(b, len, 4);
}

/* Linux binds its processor driver to these; _UID matches the MADT's processor UID. */
static void dsdt__cpu(struct acpi_buf *b, unsigned int cpu)
{
	char name[5];
	size_t dev;

	snprintf(name, sizeof(name), "C%03X", cpu & 0xfff);
	dev = aml__open_named(b, AML_DEVICE, name);
	aml__def(b, "_HID");
	aml__string(b, "ACPI0007");
	aml__def(b, "_UID");
	aml__int(b, cpu);
	aml__close(b, dev);
}

/*
 * _OSC grants whatever the OS asks for: returning Arg3 unchanged gives back
 * the requested control bits in DWORD 3 and a status DWORD 1 with the error
 * bits (failure, unrecognised UUID or revision, capabilities masked) clear,
 * as the OS sent it. So Linux owns native PCIe hotplug, PME, AER, LTR, DPC.
 */
static void dsdt__osc(struct acpi_buf *b)
{
	size_t method = aml__open_named(b, AML_METHOD, "_OSC");

	buf__byte(b, 4);			/* four arguments, not serialized */
	buf__byte(b, AML_RETURN);
	buf__byte(b, AML_ARG3);
	aml__close(b, method);
}

/*
 * Name(_PRT, Package() { Package() { 0xDDDDFFFF, PIN, Zero, GSI }, ... }):
 * each root port's INTA-INTD (ACPI pins 0-3) on a fixed GSI. Devices behind
 * a port are found by swizzling up to it, so the host bridge's table is
 * the only one needed.
 */
static void dsdt__prt(struct acpi_buf *b, unsigned int rc, unsigned int nr_ports)
{
	size_t table;

	aml__def(b, "_PRT");
	table = aml__open(b, AML_PACKAGE);
	buf__byte(b, (uint8_t)(4 * nr_ports));
	for (unsigned int dev = 1; dev <= nr_ports; dev++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			size_t entry = aml__open(b, AML_PACKAGE);

			buf__byte(b, 4);
			aml__int(b, (uint64_t)dev << 16 | 0xffff);
			aml__int(b, pin);
			aml__int(b, 0);
			aml__int(b, layout__intx_gsi(rc, dev, pin + 1));
			aml__close(b, entry);
		}
	}
	aml__close(b, table);
}

/*
 * A host bridge per root complex, on a PCI segment of its own. No _ADR:
 * a device has _HID or _ADR, not both (ACPI 6.1.5). No _CCA: x86 is coherent.
 */
static void dsdt__pci(struct acpi_buf *b, unsigned int rc, const struct acpi_rc *cfg)
{
	char name[] = "PCI0";
	struct aml_crs crs;
	size_t dev;

	name[3] = (char)('0' + rc);
	dev = aml__open_named(b, AML_DEVICE, name);
	aml__def(b, "_HID");
	aml__eisaid(b, "PNP0A08");
	aml__def(b, "_CID");
	aml__eisaid(b, "PNP0A03");
	aml__def(b, "_UID");
	aml__int(b, rc);
	aml__def(b, "_SEG");
	aml__int(b, rc);
	aml__def(b, "_BBN");
	aml__int(b, 0);
	crs = aml__crs_open(b);
	res__window(b, 2, RES_TYPE_BUS, 0, 0, cfg->nr_ports + 1);
	/* Linux drops exactly 0xcf8-0xcff from the bridge's windows, knowing it is config space. */
	if (rc == 0)
		res__io(b, PCIE_CF8_BASE, PCIE_CFC_BASE + PCIE_CFC_LEN - PCIE_CF8_BASE);
	res__window(b, 2, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, layout__io(rc), LAYOUT_IO_SIZE);
	res__window(b, 4, RES_TYPE_MEM, RES_MEM_RW, layout__mmio32(rc), LAYOUT_MMIO32_SIZE);
	res__window(b, 8, RES_TYPE_MEM, RES_MEM_RW | RES_MEM_CACHEABLE, layout__mmio64(rc),
		    LAYOUT_MMIO64_SIZE);
	aml__crs_close(b, crs);
	if (cfg->nr_ports)
		dsdt__prt(b, rc, cfg->nr_ports);
	dsdt__osc(b);
	aml__close(b, dev);
}

/* Linux uses an MCFG window only if it is reserved in E820 or by a PNP0C01/PNP0C02 device. */
static void dsdt__ecam(struct acpi_buf *b, unsigned int nr_rc)
{
	size_t dev = aml__open_named(b, AML_DEVICE, "MRES");
	struct aml_crs crs;

	aml__def(b, "_HID");
	aml__eisaid(b, "PNP0C02");
	crs = aml__crs_open(b);
	for (unsigned int rc = 0; rc < nr_rc; rc++)
		res__mem32_fixed(b, (uint32_t)layout__ecam(rc), (uint32_t)LAYOUT_ECAM_SIZE);
	aml__crs_close(b, crs);
	aml__close(b, dev);
}

static void dsdt__com1(struct acpi_buf *b)
{
	size_t dev = aml__open_named(b, AML_DEVICE, "COM1");
	struct aml_crs crs;

	aml__def(b, "_HID");
	aml__eisaid(b, "PNP0501");
	crs = aml__crs_open(b);
	res__io(b, SERIAL_COM1_BASE, SERIAL_NR_REGS);
	buf__byte(b, RES_IRQ);
	buf__le(b, 1u << LAYOUT_COM1_IRQ, 2);
	aml__crs_close(b, crs);
	aml__close(b, dev);
}

/* Name(_S5_, Package() {SLP_TYPa, SLP_TYPb, 0, 0}) */
static void dsdt__s5(struct acpi_buf *b)
{
	static const uint8_t s5[] = { PM_SLP_TYP_S5, PM_SLP_TYP_S5, 0, 0 };
	size_t pkg;

	aml__def(b, "_S5_");
	pkg = aml__open(b, AML_PACKAGE);
	buf__byte(b, sizeof(s5));
	for (size_t i = 0; i < sizeof(s5); i++)
		aml__int(b, s5[i]);
	aml__close(b, pkg);
}

/* Revision 2: the interpreter uses 64-bit integers. */
static uint64_t dsdt__build(struct acpi_buf *b, const struct acpi_config *cfg)
{
	struct acpi_header h = { 0 };
	size_t start = table__open(b, &h, sizeof(h), "DSDT", 2);
	size_t sb;

	dsdt__s5(b);
	sb = aml__open_named(b, AML_SCOPE, "\\_SB_");
	for (unsigned int cpu = 0; cpu < cfg->nr_cpus; cpu++)
		dsdt__cpu(b, cpu);
	for (unsigned int rc = 0; rc < cfg->nr_rc; rc++)
		dsdt__pci(b, rc, &cfg->rc[rc]);
	if (cfg->nr_rc)
		dsdt__ecam(b, cfg->nr_rc);
	if (cfg->com1)
		dsdt__com1(b);
	aml__close(b, sb);
	return table__close(b, start);
}

/* Not hardware-reduced, so ACPICA wants a FACS (for the global lock); 64-byte aligned. */
static uint64_t facs__build(struct acpi_buf *b)
{
	struct acpi_facs facs = { .length = sizeof(facs), .version = 2 };
	size_t start;

	memcpy(facs.sig, "FACS", sizeof(facs.sig));
	buf__align(b, 64);
	start = b->off;
	buf__bytes(b, &facs, sizeof(facs));
	return b->gpa + start;
}

static struct acpi_gas gas__io(uint16_t port, unsigned int len, uint8_t access)
{
	return (struct acpi_gas){
		.space = GAS_IO, .bit_width = (uint8_t)(8 * len), .access_size = access, .address = port,
	};
}

/*
 * SMI_CMD 0: the machine is always in ACPI mode (SCI_EN reads 1). No PM
 * timer (PM_TMR_LEN 0, optional since ACPI 5.0A; Linux then uses the TSC
 * and other clocksources) and no GPE blocks. No CMOS RTC: the VMM has none.
 * The power button is fixed hardware (PWR_BUTTON clear, pm.h), the one way
 * the broker asks the guest to shut down; there is no sleep button.
 */
static uint64_t fadt__build(struct acpi_buf *b, uint64_t facs, uint64_t dsdt)
{
	struct acpi_fadt fadt = {
		.facs = (uint32_t)facs,
		.dsdt = (uint32_t)dsdt,
		.sci_int = LAYOUT_SCI_IRQ,
		.pm1a_evt = PM_PM1A_EVT,
		.pm1a_cnt = PM_PM1A_CNT,
		.pm1_evt_len = PM_PM1_EVT_LEN,
		.pm1_cnt_len = PM_PM1_CNT_LEN,
		.p_lvl2_lat = FADT_NO_C2,
		.p_lvl3_lat = FADT_NO_C3,
		.iapc_boot_arch = FADT_BOOT_NO_VGA | FADT_BOOT_NO_CMOS_RTC,
		.flags = FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_RESET_REG_SUP,
		.reset_reg = gas__io(PM_RCR, 1, GAS_ACCESS_BYTE),
		.reset_value = PM_RCR_SYS_RST | PM_RCR_RST_CPU,
		.minor_version = 3,
		.x_facs = facs,
		.x_dsdt = dsdt,
		.x_pm1a_evt = gas__io(PM_PM1A_EVT, PM_PM1_EVT_LEN, GAS_ACCESS_WORD),
		.x_pm1a_cnt = gas__io(PM_PM1A_CNT, PM_PM1_CNT_LEN, GAS_ACCESS_WORD),
	};

	return table__close(b, table__open(b, &fadt, sizeof(fadt), "FACP", 6));
}

static void madt__iso(struct acpi_buf *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct madt_iso iso = {
		.type = MADT_ISO, .len = sizeof(iso), .bus = MADT_ISA, .irq = irq, .gsi = gsi, .flags = flags,
	};

	buf__bytes(b, &iso, sizeof(iso));
}

static uint64_t madt__build(struct acpi_buf *b, const struct acpi_config *cfg)
{
	struct acpi_madt madt = { .lapic = (uint32_t)LAYOUT_LAPIC_BASE, .flags = MADT_PCAT_COMPAT };
	struct madt_ioapic ioapic = {
		.type = MADT_IOAPIC, .len = sizeof(ioapic), .id = (uint8_t)cfg->nr_cpus,
		.address = (uint32_t)LAYOUT_IOAPIC_BASE,
	};
	struct madt_lapic_nmi nmi = {
		.type = MADT_LAPIC_NMI, .len = sizeof(nmi), .uid = MADT_ALL_CPUS, .flags = MADT_CONFORMING,
		.lint = 1,
	};
	size_t start = table__open(b, &madt, sizeof(madt), "APIC", 5);

	for (unsigned int cpu = 0; cpu < cfg->nr_cpus; cpu++) {
		struct madt_lapic lapic = {
			.type = MADT_LAPIC, .len = sizeof(lapic), .uid = (uint8_t)cpu,
			.apic_id = (uint8_t)cpu, .flags = MADT_ENABLED,
		};

		buf__bytes(b, &lapic, sizeof(lapic));
	}
	buf__bytes(b, &ioapic, sizeof(ioapic));
	/* The PIT's IRQ 0 is wired to IOAPIC pin 2; ISA conforms to edge, active high. */
	madt__iso(b, 0, 2, MADT_CONFORMING);
	madt__iso(b, LAYOUT_SCI_IRQ, LAYOUT_SCI_IRQ, MADT_HIGH_LEVEL);
	buf__bytes(b, &nmi, sizeof(nmi));
	return table__close(b, start);
}

static uint64_t mcfg__build(struct acpi_buf *b, const struct acpi_config *cfg)
{
	struct acpi_mcfg mcfg = { 0 };
	size_t start = table__open(b, &mcfg, sizeof(mcfg), "MCFG", 1);

	for (unsigned int rc = 0; rc < cfg->nr_rc; rc++) {
		struct mcfg_alloc alloc = {
			.base = layout__ecam(rc), .segment = (uint16_t)rc, .start_bus = 0,
			.end_bus = (uint8_t)cfg->rc[rc].nr_ports,
		};

		buf__bytes(b, &alloc, sizeof(alloc));
	}
	return table__close(b, start);
}

static uint64_t xsdt__build(struct acpi_buf *b, const uint64_t *tables, unsigned int n)
{
	struct acpi_header h = { 0 };
	size_t start = table__open(b, &h, sizeof(h), "XSDT", 1);

	for (unsigned int i = 0; i < n; i++)
		buf__le(b, tables[i], 8);
	return table__close(b, start);
}

static void rsdp__fill(uint8_t *at, uint64_t xsdt)
{
	struct acpi_rsdp rsdp = { .revision = 2, .length = sizeof(rsdp), .xsdt = xsdt };

	memcpy(rsdp.sig, "RSD PTR ", sizeof(rsdp.sig));
	memcpy(rsdp.oem_id, ACPI_OEM_ID, sizeof(rsdp.oem_id));
	rsdp.checksum = checksum((uint8_t *)&rsdp, RSDP_V1_LEN);
	rsdp.ext_checksum = checksum((uint8_t *)&rsdp, sizeof(rsdp));
	memcpy(at, &rsdp, sizeof(rsdp));
}

/* The legacy 32-bit table pointers need everything below 4 GiB; the RSDP scan, 16-byte alignment. */
static bool acpi__valid(const struct acpi_config *cfg, uint64_t gpa, size_t len)
{
	if (!cfg->nr_cpus || cfg->nr_cpus > ACPI_CPUS_MAX || cfg->nr_rc > LAYOUT_RC_MAX)
		return false;
	for (unsigned int rc = 0; rc < cfg->nr_rc; rc++)
		if (cfg->rc[rc].nr_ports > LAYOUT_PORTS_MAX)
			return false;
	return !(gpa & 15) && gpa + len <= 1ull << 32;
}

int acpi__build(uint8_t *buf, size_t len, uint64_t gpa, const struct acpi_config *cfg)
{
	struct acpi_buf b = { .p = buf, .len = len, .gpa = gpa };
	uint64_t tables[3], facs, dsdt, xsdt;	/* tables: FADT, MADT, MCFG */
	unsigned int n = 0;

	if (!acpi__valid(cfg, gpa, len))
		return -EINVAL;
	buf__put(&b, sizeof(struct acpi_rsdp));	/* filled in last, pointing at the XSDT */
	facs = facs__build(&b);
	dsdt = dsdt__build(&b, cfg);
	tables[n++] = fadt__build(&b, facs, dsdt);
	tables[n++] = madt__build(&b, cfg);
	if (cfg->nr_rc)
		tables[n++] = mcfg__build(&b, cfg);
	xsdt = xsdt__build(&b, tables, n);
	if (b.full)
		return -ENOSPC;
	rsdp__fill(buf, xsdt);
	return (int)b.off;
}
