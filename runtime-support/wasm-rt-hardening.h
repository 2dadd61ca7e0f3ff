/* Force-included (-include) into wabt's runtime sources (wasm-rt-impl.c, wasm-rt-mem-impl.c,
 * wasm-rt-exceptions-impl.c) when we compile them; never into generated code.
 *
 * wabt 1.0.42's runtime leaves two things to chance that a hostile module can reach:
 *  - a table's initial allocation is an unchecked calloc: a 4,294,967,295-entry table gets
 *    NULL, and instantiation then writes its elements relative to NULL;
 *  - a memory whose reservation or allocation fails (a large memory under `ulimit -v`) ends in
 *    abort(): a SIGABRT, not a clean error.
 * Rather than carry a patched copy of wabt's files, their allocation calls go through the
 * checked versions below (trap.c): failure is one line, "wasmaot: error: out of memory: ...",
 * and exit status 1. realloc is left alone: wabt checks it, and a failed memory.grow or
 * table.grow must stay the guest's -1. */
#ifndef WASMAOT_WASM_RT_HARDENING_H
#define WASMAOT_WASM_RT_HARDENING_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h> /* declared first, so the names below only rename wabt's own calls */

void *wasmaot_rt_checked_calloc(size_t count, size_t size);
void *wasmaot_rt_checked_malloc(size_t size);
__attribute__((noreturn)) void wasmaot_rt_abort(void);

/* wabt prints its own line (perror) before abort(): the one line is ours. */
#define perror(message) ((void)(message))
#define calloc(count, size) wasmaot_rt_checked_calloc((count), (size))
#define malloc(size) wasmaot_rt_checked_malloc(size)
#define abort() wasmaot_rt_abort()

#endif
