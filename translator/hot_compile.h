/* The hidden `wasmaot __hot-compile` (hot_compile.c): a running quick-tier executable's hot
 * functions compiled optimised into a shared object it loads (runtime-support/tierup.c). */
#ifndef WASMAOT_HOT_COMPILE_H
#define WASMAOT_HOT_COMPILE_H

/* argv: the arguments after "__hot-compile". Returns the exit status. */
int hot_compile_main(int argc, char **argv);

#endif
