/* Expression folding for the quick tier's compiler, tcc. wasm2c writes wasm's operand stack as
 * C variables, one statement per instruction:
 *
 *     var_d1 = var_l20;
 *     var_d2 = var_l21;
 *     var_d1 *= var_d2;
 *     var_d0 += var_d1;
 *     var_l22 = var_d0;
 *
 * An optimising compiler keeps those in registers; tcc keeps every variable on the stack and
 * evaluates one statement at a time, so each step is a store and a reload (perf on flite's
 * synthesis loop: most samples on the store-to-load chains). Written as one expression,
 *
 *     var_l22 = (f64)((var_d0) + ((f64)((var_l20) * (var_l21))));
 *
 * tcc evaluates it in registers. The fold rewrites the function bodies of the C tcc compiles,
 * statement by statement (tcc_fold.c says exactly which statements and why the result means
 * the same): a temporary or local assigned a side-effect-free expression (or a load) is held
 * back and its expression written where it is read, when that read is its last. Everything
 * it does not recognise is copied as it is, with every held-back assignment written out
 * before it. */
#ifndef WASMAOT_TCC_FOLD_H
#define WASMAOT_TCC_FOLD_H

#include <stddef.h>
#include <stdio.h>

struct tcc_fold;

struct tcc_fold *tcc_fold_new(void);

/* Feeds one line of a C file (with its newline), in order; writes to out what is final. Lines
 * outside function bodies go through at once; a body is written when its closing "}" comes.
 * -1 when out cannot be written or memory runs out (then nothing more is written). */
int tcc_fold_line(struct tcc_fold *f, const char *line, size_t len, FILE *out);

/* Writes what is still held (a file that ends inside a function: copied as it was). -1 on a
 * write error. */
int tcc_fold_finish(struct tcc_fold *f, FILE *out);

void tcc_fold_free(struct tcc_fold *f);

#endif
