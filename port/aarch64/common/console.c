// SPDX-License-Identifier: BSD-2-Clause
/* PL011 console (see console.h). */
#include "console.h"

#include <stdint.h>

#include "lib.h"
#include "plat.h"

#define PL011_DR      0x00u
#define PL011_FR      0x18u
#define PL011_FR_TXFF (1u << 5)
/* The longest line printed at once; longer ones are cut. */
#define CONSOLE_LINE_MAX 320

static spinlock_t console_lock = SPINLOCK_INIT;

static void uart_putc(char c)
{
	volatile uint32_t *fr = (volatile uint32_t *)(PLAT_UART0_BASE + PL011_FR);
	volatile uint32_t *dr = (volatile uint32_t *)(PLAT_UART0_BASE + PL011_DR);

	while (*fr & PL011_FR_TXFF)
		;
	*dr = (uint32_t)(unsigned char)c;
}

void console_write(const char *s, size_t n)
{
	spin_lock(&console_lock);
	while (n--)
		uart_putc(*s++);
	spin_unlock(&console_lock);
}

void console_printf(const char *fmt, ...)
{
	char line[CONSOLE_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	console_write(line, (size_t)n);
}
