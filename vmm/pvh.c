// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "e820.h"
#include "layout.h"
#include "le.h"
#include "proto.h"
#include "pvh.h"

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define PVH_PHNUM_MAX			64

static int pvh__bad(const char **why, const char *msg)
{
	*why = msg;
	return -ENOEXEC;
}

/* [off, off + len) within size, without overflow. */
static int pvh__within(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static uint64_t pvh__align4(uint64_t v)
{
	return (v + 3) & ~3ull;
}

/* Returns 1 and sets *entry when the note segment holds the PVH entry, 0 if not, -1 if malformed. */
static int pvh__notes(const uint8_t *p, uint64_t len, uint32_t *entry)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr n;
		uint64_t name, desc, next;

		memcpy(&n, p + off, sizeof(n));
		name = off + sizeof(n);
		desc = name + pvh__align4(n.n_namesz);
		next = desc + pvh__align4(n.n_descsz);
		if (next > len)
			return -1;
		if (n.n_namesz == 4 && !memcmp(p + name, "Xen", 4) && n.n_type == XEN_ELFNOTE_PHYS32_ENTRY) {
			uint64_t v;

			if (n.n_descsz != 4 && n.n_descsz != 8)
				return -1;
			v = le__get(p + desc, n.n_descsz);
			if (v > UINT32_MAX)
				return -1;
			*entry = (uint32_t)v;
			return 1;
		}
		off = next;
	}
	return 0;
}

static int pvh__check_ehdr(const Elf64_Ehdr *eh, size_t size, const char **why)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return pvh__bad(why, "not a 64-bit little-endian x86 executable ELF");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum || eh->e_phnum > PVH_PHNUM_MAX ||
	    !pvh__within(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
		return pvh__bad(why, "truncated or malformed ELF program headers");
	return 0;
}

static int pvh__add_load(struct pvh_image *out, const Elf64_Phdr *ph, size_t size, uint64_t limit,
			 const char **why)
{
	if (ph->p_filesz > ph->p_memsz || !pvh__within(ph->p_offset, ph->p_filesz, size))
		return pvh__bad(why, "a loadable segment lies outside the file (truncated image?)");
	if (ph->p_paddr < PVH_LOAD_MIN || !pvh__within(ph->p_paddr, ph->p_memsz, limit))
		return pvh__bad(why, "a loadable segment does not fit guest RAM between 1 MiB and its end; raise --memory");
	if (out->nr_segs == PVH_SEGS_MAX)
		return pvh__bad(why, "too many loadable segments");
	out->seg[out->nr_segs++] = (struct pvh_seg){
		.offset = ph->p_offset, .paddr = ph->p_paddr, .filesz = ph->p_filesz, .memsz = ph->p_memsz,
	};
	if (ph->p_paddr + ph->p_memsz > out->end)
		out->end = ph->p_paddr + ph->p_memsz;
	return 0;
}

static bool pvh__entry_loaded(const struct pvh_image *pi)
{
	for (unsigned int i = 0; i < pi->nr_segs; i++)
		if (pi->entry >= pi->seg[i].paddr && pi->entry - pi->seg[i].paddr < pi->seg[i].memsz)
			return true;
	return false;
}

int pvh__parse(const uint8_t *img, size_t size, uint64_t limit, struct pvh_image *out, const char **why)
{
	Elf64_Ehdr eh;
	bool have_entry = false;
	int ret;

	memset(out, 0, sizeof(*out));
	if (size < SELFMAG || memcmp(img, ELFMAG, SELFMAG))
		return pvh__bad(why, "not an ELF image");
	if (size < sizeof(eh))
		return pvh__bad(why, "truncated ELF header");
	memcpy(&eh, img, sizeof(eh));
	ret = pvh__check_ehdr(&eh, size, why);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_memsz) {
			ret = pvh__add_load(out, &ph, size, limit, why);
			if (ret)
				return ret;
		} else if (ph.p_type == PT_NOTE && !have_entry) {
			if (!pvh__within(ph.p_offset, ph.p_filesz, size))
				return pvh__bad(why, "a note segment lies outside the file (truncated image?)");
			ret = pvh__notes(img + ph.p_offset, ph.p_filesz, &out->entry);
			if (ret < 0)
				return pvh__bad(why, "malformed ELF note");
			have_entry = ret;
		}
	}
	if (!have_entry)
		return pvh__bad(why, "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY note); build the kernel with CONFIG_PVH=y");
	if (!out->nr_segs || !pvh__entry_loaded(out))
		return pvh__bad(why, "the PVH entry point is not inside a loadable segment");
	return 0;
}

void pvh__load(const struct kvm *kvm, const uint8_t *img, const struct pvh_image *pi)
{
	for (unsigned int i = 0; i < pi->nr_segs; i++) {
		const struct pvh_seg *s = &pi->seg[i];
		uint8_t *dst = kvm__gpa(kvm, s->paddr, s->memsz);	/* checked by pvh__parse */

		memcpy(dst, img + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
}

static unsigned int pvh__memmap(const struct kvm *kvm, struct hvm_memmap_table_entry *map)
{
	struct e820_range r[E820_MAX];
	unsigned int n = e820__map(kvm, r);

	for (unsigned int i = 0; i < n; i++)
		map[i] = (struct hvm_memmap_table_entry){ .addr = r[i].addr, .size = r[i].size, .type = r[i].type };
	return n;
}

int pvh__boot_info(const struct kvm *kvm, const struct pvh_image *pi, const char *cmdline,
		   uint64_t initrd_size, uint64_t *initrd_gpa, const char **why)
{
	struct hvm_start_info *si = kvm__gpa(kvm, PVH_START_INFO, sizeof(*si));
	struct hvm_memmap_table_entry *map = kvm__gpa(kvm, PVH_MEMMAP, sizeof(*map) * PVH_MEMMAP_MAX);
	char *cmd = kvm__gpa(kvm, PVH_CMDLINE, CONFIG_CMDLINE_MAX);
	uint64_t kernel_end = (pi->end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	*si = (struct hvm_start_info){
		.magic = PVH_START_MAGIC,
		.version = 1,
		.cmdline_paddr = PVH_CMDLINE,
		.rsdp_paddr = LAYOUT_ACPI_BASE,
		.memmap_paddr = PVH_MEMMAP,
		.memmap_entries = pvh__memmap(kvm, map),
	};
	memcpy(cmd, cmdline, strnlen(cmdline, CONFIG_CMDLINE_MAX - 1));
	cmd[strnlen(cmdline, CONFIG_CMDLINE_MAX - 1)] = '\0';
	if (!initrd_size)
		return 0;
	/* The initrd goes at the top of low RAM, page-aligned, clear of the kernel. */
	if (initrd_size > kvm->low_size - kernel_end) {
		*why = "the initrd does not fit in guest RAM above the kernel; raise --memory";
		return -ENOSPC;
	}
	*initrd_gpa = (kvm->low_size - initrd_size) & ~(PAGE_SIZE - 1);
	si->nr_modules = 1;
	si->modlist_paddr = PVH_MODLIST;
	*(struct hvm_modlist_entry *)kvm__gpa(kvm, PVH_MODLIST, sizeof(struct hvm_modlist_entry)) =
		(struct hvm_modlist_entry){ .paddr = *initrd_gpa, .size = initrd_size };
	return 0;
}
