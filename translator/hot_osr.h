/* On-stack replacement for in-run tier-up (hot_rewrite.h): a function already running on the
 * quick tier (a loop in main, an interpreter's dispatch loop entered once) moves to its
 * optimised code at a loop head, the way a JIT's OSR does, because a swap of the function's
 * slot only reaches calls made after it.
 *
 * wasm2c keeps a function's whole state in C variables declared at its top (parameters
 * var_pN, locals var_lN, stack temporaries var_iN/var_jN/var_fN/var_dN...), and its loops
 * are labels (`var_L3:`) reached by `goto`. So:
 *  - the quick tier, at each loop label, once the function's optimised code is there, packs
 *    every variable into a struct and returns what the OSR entry returns;
 *  - the OSR entry (compiled with the hot functions) is the function's own text with the
 *    parameters made locals, the variables unpacked after the declarations, and a `switch`
 *    that jumps to the label the quick code stood at: C allows a goto into any block.
 * The struct is written by the same code from the same text on both sides.
 *
 * Matched exactly against wasm2c 1.0.42's output; a function shaped otherwise (SIMD locals
 * initialised by a call, volatile locals of exception handlers, ...) gets no OSR. */
#ifndef WASMAOT_HOT_OSR_H
#define WASMAOT_HOT_OSR_H

#include <stddef.h>
#include <stdio.h>

struct hot_osr_var {
  char type[24], name[24];
};

struct hot_osr {
  struct hot_osr_var *vars; /* parameters first, then every declared var_ */
  size_t nvars;
  size_t body_at; /* offset of the first statement line in the function's text */
};

/* Parses one function's text fn[0..len) (its definition line through the closing "}\n").
 * 1 with o filled when it can have OSR, 0 when not (o empty), -1 when out of memory. */
int hot_osr_parse(const char *fn, size_t len, struct hot_osr *o);
void hot_osr_free(struct hot_osr *o);

/* `struct wasmaot_osr_INDEX { ... };` at file scope, before the function (both sides). */
int hot_osr_write_struct(FILE *out, const struct hot_osr *o, size_t index);

/* Quick side, after loop label `label` (var_L<label>) of function `index` returning `ret`
 * ("void" or a type): the jump into the OSR entry once wasmaot_osr_slot[index] is set. */
int hot_osr_write_hook(FILE *out, const struct hot_osr *o, size_t index, const char *label,
                       const char *ret);

/* Hot side: `static RET wasmaot_osr_entry_INDEX(w2c_guest* instance, unsigned at, const
 * struct wasmaot_osr_INDEX* st)`, from the function's text fn[0..len) and its loop labels.
 * (By index: wasm2c's names run to hundreds of characters for C++.) */
int hot_osr_write_entry(FILE *out, const struct hot_osr *o, size_t index, const char *fn,
                        size_t len, const char *ret);

/* The number a loop label line ("  var_L12: ...") carries, copied into buf; 0 if the line is
 * not one. */
int hot_osr_label(const char *line, size_t n, char *buf, size_t buflen);

#endif
