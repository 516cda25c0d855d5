/*
 * The tiny test guest: a PVH ELF, entered in 32-bit protected mode with
 * %ebx pointing at hvm_start_info. It checks the start_info magic, prints
 * a greeting and its command line on COM1 (polling the UART's LSR like a
 * real driver), and then, by variant:
 *   hello   powers off through the ACPI PM1a control register
 *   idle    halts with interrupts off, forever
 *   echo    reads a line from COM1 (slowly, so that the UART's receive
 *           FIFO fills), prints it back after "echo: ", powers off
 *   sigsys  pokes the test build's hook port, then powers off
 *   reset   resets the machine through the reset control register
 *   button  enables the ACPI power button, polls PM1_STS until it is
 *           pressed, clears the status, powers off
 *   triple  triple-faults: an exception with an empty IDT
 *   longout prints LONGOUT_LINES lines of 64 bytes, "%05d " and a fixed
 *           pattern, then powers off: COM1's output, in order, whole
 */
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define ECHO_DELAY	2000	/* loop iterations before each byte read */
#define PM1A_STS	0x600
#define PM1A_EN		0x602
#define PM1_PWRBTN	0x0100	/* PWRBTN_STS in PM1_STS, PWRBTN_EN in PM1_EN */
#define PM1A_CNT	0x604
#define SLP_EN_S5	0x3400	/* SLP_EN | SLP_TYP 5 */
#define SIGSYS_PORT	0xae0
#define START_MAGIC	0x336ec578
#define RCR		0xcf9
#define RCR_RESET	0x06	/* system reset | reset CPU, the FADT's RESET_VALUE */
#define LONGOUT_LINES	1024	/* 64 KiB */

	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.long pvh_start
	.popsection

	.text
	.code32
	.globl pvh_start
pvh_start:
	cli
	mov $stack_top, %esp
	mov %ebx, %ebp
	cmpl $START_MAGIC, (%ebp)
	jne bad_magic
	mov $greeting, %esi
	call puts
	mov 24(%ebp), %esi	/* start_info.cmdline_paddr */
	call puts
	mov $newline, %esi
	call puts
#if defined(GUEST_IDLE)
1:	hlt
	jmp 1b
#elif defined(GUEST_SIGSYS)
	mov $SIGSYS_PORT, %dx
	out %al, %dx
#elif defined(GUEST_RESET)
	mov $RCR, %dx
	mov $RCR_RESET, %al
	out %al, %dx
1:	hlt
	jmp 1b
#elif defined(GUEST_TRIPLE)
	lidt empty_idt
	int3
#elif defined(GUEST_BUTTON)
	mov $PM1A_EN, %dx
	mov $PM1_PWRBTN, %ax
	out %ax, %dx
	mov $button_wait, %esi
	call puts
	mov $PM1A_STS, %dx
1:	pause
	in %dx, %ax
	test $PM1_PWRBTN, %ax
	jz 1b
	mov $button_pressed, %esi
	call puts
	mov $PM1A_STS, %dx
	mov $PM1_PWRBTN, %ax	/* write 1 to clear */
	out %ax, %dx
#elif defined(GUEST_LONGOUT)
	xor %edi, %edi		/* the line number */
1:	mov %edi, %eax
	mov $10000, %ebx	/* the place of the digit printed next */
2:	xor %edx, %edx
	div %ebx		/* %eax: the digit, %edx: what is left */
	push %edx
	add $'0', %al
	call putc
	mov %ebx, %eax
	xor %edx, %edx
	mov $10, %ecx
	div %ecx
	mov %eax, %ebx
	pop %eax
	test %ebx, %ebx
	jnz 2b
	mov $longout_line, %esi
	call puts
	inc %edi
	cmp $LONGOUT_LINES, %edi
	jne 1b
#elif defined(GUEST_ECHO)
	mov $echo_prefix, %esi
	call puts
1:	mov $ECHO_DELAY, %ecx
2:	loop 2b
	call getc
	call putc
	cmp $'\n', %al
	jne 1b
#endif
poweroff:
	mov $PM1A_CNT, %dx
	mov $SLP_EN_S5, %ax
	out %ax, %dx
1:	hlt
	jmp 1b

bad_magic:
	mov $bad_magic_msg, %esi
	call puts
	jmp poweroff

/* Print the NUL-terminated string at %esi. */
puts:
	lodsb
	test %al, %al
	jz 1f
	call putc
	jmp puts
1:	ret

/* Print the byte in %al. */
putc:
	mov %al, %ah
	mov $COM1_LSR, %dx
1:	in %dx, %al
	test $LSR_THRE, %al
	jz 1b
	mov %ah, %al
	mov $COM1, %dx
	out %al, %dx
	ret

#if defined(GUEST_ECHO)
/* Wait for a received byte and return it in %al. */
getc:
	mov $COM1_LSR, %dx
1:	in %dx, %al
	test $LSR_DR, %al
	jz 1b
	mov $COM1, %dx
	in %dx, %al
	ret
#endif

	.section .rodata
#if defined(GUEST_TRIPLE)
empty_idt:
	.word 0
	.long 0
#endif
greeting:
#if defined(GUEST_IDLE)
	.asciz "airlock test guest idling; cmdline: "
#else
	.asciz "hello from the airlock test guest; cmdline: "
#endif
newline:
	.asciz "\n"
#if defined(GUEST_ECHO)
echo_prefix:
	.asciz "echo: "
#endif
#if defined(GUEST_LONGOUT)
longout_line:
	.asciz " 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU\n"
#endif
#if defined(GUEST_BUTTON)
button_wait:
	.asciz "button guest: waiting for the power button\n"
button_pressed:
	.asciz "button guest: power button pressed; powering off\n"
#endif
bad_magic_msg:
	.asciz "airlock test guest: bad hvm_start_info magic\n"

	.bss
	.balign 16
	.skip 1024
stack_top:
