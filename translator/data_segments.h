/* Active data segments kept out of wasm2c's way.
 *
 * wasm2c writes every data segment as C hex literals ("0x2a, " per byte), and c_rewrite then
 * reads them back into a binary blob: for a module with 17 MB of data (a speech synthesiser's
 * voices) that is 106 MB of C written and parsed again, 1.6 s of a 2.9 s quick build. An
 * active segment's bytes are only ever copied into memory at instantiation (afterwards it is
 * dropped: memory.init on it copies nothing), so wasm2c does not need them: it is given a copy
 * of the module whose active segments are empty, writes `LOAD_DATA(mem, offset, NULL, 0);`
 * for each, in the module's order, and c_rewrite puts the bytes back into those lines, from
 * the blob (c_rewrite.h). Passive segments are left as they are. */
#ifndef WASMAOT_DATA_SEGMENTS_H
#define WASMAOT_DATA_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

struct data_segment {
  const uint8_t *bytes; /* into the original module */
  size_t len;
};

struct data_strip {
  uint8_t *module; /* the copy for wasm2c: malloc'ed; NULL when nothing was stripped */
  size_t module_len;
  struct data_segment *active; /* the active segments, in the module's order */
  size_t nactive;
  size_t bytes; /* their bytes in all */
};

/* Fills `out` for the module bytes[0..len). Leaves out->module NULL (translate the module as
 * it is) when it has no active segment bytes, or when its data section holds anything this
 * reader does not know exactly (wasm2c then judges it as before). Returns -1 only when out of
 * memory. Free with data_strip_free. */
int data_strip_module(const uint8_t *bytes, size_t len, struct data_strip *out);
void data_strip_free(struct data_strip *s);

#endif
