/* One pass over wasm2c's generated C before it is compiled, matched exactly against what
 * wasm2c writes (anything else is left alone): data segments out of the C. wasm2c writes every
 * data segment as a C array of hex literals ("0x2a, " per byte): a 32 MB segment becomes
 * ~200 MB of C, and compiling that takes minutes and gigabytes. Each array's bytes go into one
 * binary file instead, included once per C file with `.incbin`, and each array becomes a symbol
 * the assembler defines at its offset in it. The object holds the same read-only data; the C
 * compiler never sees the bytes.
 *
 * (Until wasm2c 1.0.32 a second rewrite typed the stores, whose char-typed memcpy made the
 * compiler reload the memory base after each; 1.0.42 passes the base as a local constant, so
 * there is nothing left to gain.) */
#ifndef WASMAOT_C_REWRITE_H
#define WASMAOT_C_REWRITE_H

#include <stddef.h>

#include "data_segments.h"

/* What the generated C needs that tcc 0.9.27 lacks (the quick tier then compiles it with
 * clang-16/gcc -O0 instead; pipeline.c). MULTI_VALUE_ABI: the module's header (its exports
 * and imports, which C compiled by others calls or defines) has a function returning several
 * values, a struct returned in registers, where tcc's x86-64 calling convention differs from
 * gcc's and clang's for a struct mixing integers and floats (call.wast's type-all-i32-f64
 * came back wrong). Inside the module, tcc calls tcc: multi-value there is fine. */
enum { C_NEEDS_SIMD = 1, C_NEEDS_ATOMICS = 2, C_NEEDS_MULTI_VALUE_ABI = 4 };

struct c_rewrite_stats {
  size_t data_bytes;    /* bytes moved into the blob (0: the blob file was not created) */
  size_t active_filled; /* LOAD_DATA lines given their active segment's bytes back */
  int asm_written;      /* the assembler file asm_path was written (there was data) */
  int needs;            /* C_NEEDS_*: what the C file's own lines say it uses */
  size_t wasm_funcs;    /* wasm functions in it (hot_rewrite_numbered, then FUNC_PROLOGUE): in-run
                         * tier-up numbers them across the parts (hot_rewrite.h) */
};

/* Rewrites `c_path` in place, writing segment bytes to `blob_path`. When the file holds the
 * module's init_memories, the `nactive` active segments wasm2c was given empty
 * (data_segments.h) get their bytes back from the blob there, in order; stats->active_filled
 * says how many LOAD_DATA lines were filled (the caller checks they were all). The generated C
 * refers to the blob by `blob_name` (its file name without directory): compile it with
 * `-Wa,-I<directory of blob_path>`. With `asm_path` (for tcc, whose assembler has no .incbin
 * and cannot .set a symbol to a label + offset), the C gets no assembly at all: only
 * `extern const u8 NAME[] __asm__("wasmaot_STEM_NAME");` declarations (STEM: blob_name up to
 * its first '.'), and asm_path gets the blob and those symbols, global and hidden, for
 * `as -I<directory of blob_path>`; it is written only if there is data (stats->asm_written).
 * That route (tcc's) also writes f32/f64.neg as a sign-bit flip (tcc's unary minus is wrong
 * for NaNs) and folds the module's function bodies into expressions (tcc_fold.h).
 * On failure returns -1 with a one-line reason in err. */
int c_rewrite(const char *c_path, const char *blob_path, const char *blob_name,
              const char *asm_path, const struct data_segment *active, size_t nactive,
              struct c_rewrite_stats *stats, char *err, size_t errlen);

/* wasm2c 1.0.42 may use v128 in the header it writes (a multi-value result struct holding a
 * v128) while only its .c defines the type, after including that header: the header then does
 * not compile. Adds SIMDe's definition (the .c's own, under the same guard) to a header that
 * uses v128 and lacks it. ORs into *needs (if not NULL) the C_NEEDS_* the header shows. -1 with
 * a one-line reason in err. */
int c_rewrite_header(const char *h_path, int *needs, char *err, size_t errlen);

#endif
