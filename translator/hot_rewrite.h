/* In-run tier-up, the translator's half (README, The CLI: tiers; runtime-support/tierup.c is
 * the other half). A quick-tier build made by `wasmaot run` gets, in each of its C files:
 *
 *  - at the start of every wasm function (numbered 0..N-1 over the module), a forwarding check
 *    `if (wasmaot_hot_slot[I]) return ((RET (*)(w2c_guest*, ...))wasmaot_hot_slot[I])(...);`
 *    and a counter `if (++wasmaot_hot_count[I] == wasmaot_hot_threshold) wasmaot_hot_trigger(I);`,
 *    the counter also at each loop label (a loop makes a function hot even if called once),
 *    and in a function with loops a count of its calls alone (wasmaot_hot_calls[I]++);
 *  - at the end of part 0 the tables (slots, counts) and wasmaot_hot_quick_table(), which
 *    fills a table with every function's quick address.
 *
 * Beside the executable KEY, the store KEY.hot keeps what `wasmaot __hot-compile` needs to
 * compile a chosen set of functions optimised into a shared object: the C as wasm2c wrote it
 * (after c_rewrite), cut into the prelude (types, macros, helpers, declarations), one text
 * per function, and the headers. Format: a head line, the bytes, then the text lines that
 * index them (offsets relative to the bytes' start, just after the head line):
 *
 *   wasmaot-hot 2 INDEX             INDEX: the index's offset in the file, 20 digits
 *   ...the bytes...
 *   bounds guard|check              (the index, from INDEX)
 *   types array|pointer
 *   nfuncs N
 *   file NAME OFFSET LENGTH         the headers (guest.h, guest-impl.h when split)
 *   prelude OFFSET LENGTH
 *   f INDEX ELIGIBLE OFFSET LENGTH OSR_OFFSET OSR_LENGTH NAME CAST
 *                                   one per function, CAST its C pointer type; the OSR
 *                                   variant's range (hot_osr.h), length 0 if none; offset
 *                                   -1 (HOT_OSR_REGENERATE): not stored, made again from
 *                                   the function's text (hot_rewrite_osr_variant)
 *   end
 *
 * The index comes last so that the bytes are written once, where they stay (CPython's store
 * is ~240 MB: copying it after an index cost a second of the quick build).
 *
 * Everything is matched exactly against what wasm2c 1.0.42 writes; anything unexpected leaves
 * the module without tier-up (nothing rewritten), never mis-rewritten. Names and types that
 * reach the store are checked to be C identifiers and known wasm2c types. */
#ifndef WASMAOT_HOT_REWRITE_H
#define WASMAOT_HOT_REWRITE_H

#include <stddef.h>

struct hot_rewrite;

/* A rewrite of nparts C files in dir (scratch: guest.c, or guest_0.c ...), writing the store at
 * store_path (removed by hot_rewrite_free unless hot_rewrite_finish completed it); NULL when
 * out of memory. Each part gets a span of the store's data as long as its C (what it stores
 * is a part of its text), so that the parts can be instrumented at once, in any order. */
struct hot_rewrite *hot_rewrite_begin(const char *dir, int nparts, int bounds_check,
                                      const char *store_path);

/* What instrumenting one part found. */
struct hot_part {
  size_t nfuncs;                       /* wasm functions */
  int struct_abi;                      /* see hot_rewrite_struct_abi */
  long prelude_offset, prelude_length; /* part 0's prelude in the store */
  char why[160];                       /* empty, or why the module is not supported */
};

/* Instruments part `part` into dir/NAME.hot, numbering its wasm functions from `first` (the
 * wasm functions of the parts before it), its functions' text into its span of the store and
 * its index lines into dir/NAME.idx. Changes nothing in h: the parts may be done by forked
 * workers at once. A file that does not look as expected makes the module unsupported
 * (r->why), not an error. */
void hot_rewrite_part(const struct hot_rewrite *h, int part, size_t first, struct hot_part *r);

/* Whether a line of generated C (without its newline) opens a function that the rewrite
 * numbers if its body holds FUNC_PROLOGUE (a wasm function's): how c_rewrite counts a part's
 * functions before the parts are instrumented. */
int hot_rewrite_numbered(const char *line, size_t n);

/* Takes part `part`'s outcome, checking that it numbered the `expected` functions it was
 * counted to have (c_rewrite_stats.wasm_funcs). */
void hot_rewrite_add(struct hot_rewrite *h, int part, size_t expected, const struct hot_part *r);

/* The quick tier's compiler is not gcc or clang (tcc): wasm2c then defines a function type as
 * the array of its hash bytes (`const char x[]`), not as a pointer to them, and the hot code
 * must declare a split module's types the same way (hot_compile.c). */
void hot_rewrite_types_array(struct hot_rewrite *h);

/* Whether a function of the module takes or returns a struct (multi-value results): the hot
 * code (clang/gcc) cannot call tcc's code for those, whose struct convention differs. */
int hot_rewrite_struct_abi(const struct hot_rewrite *h);

/* Whether every part was as expected (then hot_rewrite_finish writes). */
int hot_rewrite_supported(const struct hot_rewrite *h, const char **why);

/* Writes the instrumented parts over the originals and completes the store, with the headers
 * dir/headers[i] in it. -1 with err on an I/O failure (the build then fails). */
int hot_rewrite_finish(struct hot_rewrite *h, const char *const headers[], int nheaders, char *err,
                       size_t errlen);

void hot_rewrite_free(struct hot_rewrite *h);

/* An OSR variant's offset in the store's index when the store does not keep it. */
enum { HOT_OSR_REGENERATE = -1 };

/* The OSR variant of function `index` from its text as the store keeps it (what the rewrite
 * made and did not store: the same function of the same text), malloc'd in *variant; -1 if
 * the text is not a function with one. */
int hot_rewrite_osr_variant(const char *fn, size_t fn_len, size_t index, char **variant,
                            size_t *variant_len);

#endif
