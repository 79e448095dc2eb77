/*===- Internal.h - Shared by the model ABI's C files -------------*- C -*-===*\
|*                                                                            *|
|* Not installed: what the checked entry point (ModelInvoke.c) offers the     *|
|* functions that generated code calls (CPULinear.c).                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef HYPATIA_MODELABI_INTERNAL_H
#define HYPATIA_MODELABI_INTERNAL_H

#include <stdint.h>

/* Ends the model call in progress (in hypatiaModelInvoke) with `status` and
 * the formatted message; does not return. Called by functions that generated
 * code calls, never outside a call. */
__attribute__((visibility("hidden"), noreturn, format(printf, 2, 3))) void
hypatiaModelFailCall(int32_t status, const char *format, ...);

#endif /* HYPATIA_MODELABI_INTERNAL_H */
