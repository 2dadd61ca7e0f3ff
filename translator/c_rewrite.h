/* Data segments out of the generated C.
 *
 * wasm2c 1.0.32 writes every data segment as a C array of hex literals ("0x2a, " per byte):
 * a 32 MB segment becomes ~200 MB of C, and compiling that takes minutes and gigabytes. We
 * rewrite the generated file: each array's bytes go into one binary file next to it, and the
 * array becomes a symbol the assembler defines with `.incbin` from that file. The C compiler
 * never sees the bytes; the object file holds the same read-only data. */
#ifndef WASMAOT_DATA_SEGMENTS_H
#define WASMAOT_DATA_SEGMENTS_H

#include <stddef.h>

/* Rewrites `c_path` in place, writing the segments' bytes to `blob_path`. The generated C
 * refers to the blob by `blob_name` (its file name without directory): compile it with
 * `-Wa,-I<directory of blob_path>`. `*nbytes` receives the number of bytes moved (0 if the
 * module has no non-empty segment; the blob file is then not created). On failure returns -1
 * with a one-line reason in err. */
int data_segments_extract(const char *c_path, const char *blob_path, const char *blob_name,
                          size_t *nbytes, char *err, size_t errlen);

#endif
