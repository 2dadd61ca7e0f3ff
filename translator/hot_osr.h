/* On-stack replacement at loop headers, for in-run tier-up (hot_rewrite.h): a call of a quick
 * function already running when its hot code arrives (a loop in a function called once) moves
 * to the hot code at its next loop header. For each function whose C allows it (hot_osr.c says
 * what is matched), the quick C gets, before the function, a frame struct holding every C
 * variable of the function, and at each loop label a jump: if wasmaot_hot_osr[I] is set, the
 * state goes into a frame and the hot variant `wasmaot_osr_I(instance, LABEL, &frame)`
 * finishes the call (its switch enters the loop at LABEL); the quick frame returns its result.
 * The store keeps only the function: `__hot-compile` makes the variant again from its text
 * (hot_rewrite_osr_variant, the same call on the same bytes) and compiles it. */
#ifndef WASMAOT_HOT_OSR_H
#define WASMAOT_HOT_OSR_H

#include <stddef.h>

struct hot_osr {
  int ok;
  char *frame;   /* "struct wasmaot_frame_I { ... };\n", for the quick C */
  char *variant; /* the frame struct and wasmaot_osr_I, for the hot compile */
  size_t variant_len;
  char *quick_jump; /* a printf format with one %lu (the label): the quick side's jump */
};

/* For function `index` (its text fn, fn_len bytes, the definition line def_len bytes with its
 * newline; RET, the cast of its pointer type, void or not): 1 with o filled if OSR is
 * possible, else 0 (o empty). */
int hot_osr_prepare(const char *fn, size_t fn_len, size_t def_len, const char *ret,
                    const char *cast, int is_void, size_t index, struct hot_osr *o);
void hot_osr_free(struct hot_osr *o);

/* A loop label line: spaces, "var_L" digits ": " and nothing else; its number in *label. */
int hot_osr_loop_label(const char *line, size_t n, unsigned long *label);

#endif
