/* One pass over wasm2c's generated C before it is compiled. Two rewrites, both textual and
 * matched exactly against what wasm2c 1.0.32 writes (anything else is left alone):
 *
 * 1. Data segments out of the C. wasm2c writes every data segment as a C array of hex
 *    literals ("0x2a, " per byte): a 32 MB segment becomes ~200 MB of C, and compiling that
 *    takes minutes and gigabytes. Each array's bytes go into one binary file instead, and the
 *    array becomes a symbol the assembler defines with `.incbin` from that file. The object
 *    holds the same read-only data; the C compiler never sees the bytes.
 *
 * 2. Typed stores (when `typed_stores` is set). wasm2c stores to linear memory with
 *    memcpy(&mem->data[addr], &value, sizeof value): a char-typed write, which for the C
 *    compiler may modify anything, including the `data` pointer itself, so the memory base is
 *    reloaded after every store. We write the same bytes through a pointer to an unaligned
 *    (aligned(1)) uN/fN instead: it may alias memory of that type only, so the base stays in
 *    a register. Loads keep wasm2c's memcpy (a char read aliases everything), and the store
 *    is the same single unaligned mov on x86-64. */
#ifndef WASMAOT_C_REWRITE_H
#define WASMAOT_C_REWRITE_H

#include <stddef.h>

struct c_rewrite_stats {
  size_t data_bytes;   /* bytes moved into the blob (0: the blob file was not created) */
  size_t store_macros; /* store definitions rewritten (0 if typed_stores is off) */
};

/* Rewrites `c_path` in place, writing segment bytes to `blob_path`. The generated C refers
 * to the blob by `blob_name` (its file name without directory): compile it with
 * `-Wa,-I<directory of blob_path>`. On failure returns -1 with a one-line reason in err. */
int c_rewrite(const char *c_path, const char *blob_path, const char *blob_name, int typed_stores,
              struct c_rewrite_stats *stats, char *err, size_t errlen);

#endif
