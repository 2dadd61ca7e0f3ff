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

struct c_rewrite_stats {
  size_t data_bytes;    /* bytes moved into the blob (0: the blob file was not created) */
  size_t active_filled; /* LOAD_DATA lines given their active segment's bytes back */
};

/* Rewrites `c_path` in place, writing segment bytes to `blob_path`. When the file holds the
 * module's init_memories, the `nactive` active segments wasm2c was given empty
 * (data_segments.h) get their bytes back from the blob there, in order; stats->active_filled
 * says how many LOAD_DATA lines were filled (the caller checks they were all). The generated C
 * refers to the blob by `blob_name` (its file name without directory): compile it with
 * `-Wa,-I<directory of blob_path>`. On failure returns -1 with a one-line reason in err. */
int c_rewrite(const char *c_path, const char *blob_path, const char *blob_name,
              const struct data_segment *active, size_t nactive, struct c_rewrite_stats *stats,
              char *err, size_t errlen);

/* wasm2c 1.0.42 may use v128 in the header it writes (a multi-value result struct holding a
 * v128) while only its .c defines the type, after including that header: the header then does
 * not compile. Adds SIMDe's definition (the .c's own, under the same guard) to a header that
 * uses v128 and lacks it. -1 with a one-line reason in err. */
int c_rewrite_header(const char *h_path, char *err, size_t errlen);

#endif
