/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PL011 console of the EL3 and EL2 images (UART0, non-secure, needs no
 * initialisation on QEMU). Lines are formatted whole and written under a
 * lock so that CPUs of one image never interleave inside a line.
 */
#ifndef TEEMED_AARCH64_CONSOLE_H
#define TEEMED_AARCH64_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t n);
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TEEMED_AARCH64_CONSOLE_H */
