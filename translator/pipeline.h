/* The translation pipeline: check the module, wasm2c it, compile, link with runtime-support,
 * and put the executable in place atomically. */
#ifndef WASMAOT_PIPELINE_H
#define WASMAOT_PIPELINE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

enum bounds_mode { BOUNDS_GUARD, BOUNDS_CHECK };

/* Which build `--tier` asks for (README, The CLI: tiers). The quick tier compiles fast and runs
 * slower; the optimised tier is the default build. `run`'s auto starts on the quick tier and
 * builds the optimised one in the background (tiers.c). TIER_EXPLICIT: --cc or -O given, one
 * build exactly as asked, no tiers. */
enum build_tier { TIER_UNSET = -1, TIER_OPTIMIZED, TIER_QUICK, TIER_AUTO, TIER_EXPLICIT };

struct build_options {
  const char *cc; /* gcc, clang, clang-16, ...: a compiler that takes gcc's flags */
  int opt_level;  /* 0..3 */
  enum bounds_mode bounds;
  const char *keep_c;  /* if set, a directory to leave guest.c/.h/.data and guest_glue.h in */
  int sanitize;        /* host side (runtime, host main) under ASan+UBSan; implies bounds=check */
  int unknown_imports; /* enum unknown_imports (import_glue.h): error (default), trap, default */
  int jobs;            /* compilers run at once (-j); 0: $WASMAOT_JOBS, else the number of cores */
  int serve;           /* the serve host (serve_main.c, libwasmaot-serve) instead of host_main.c */
  const char *host_main; /* hidden --host-main FILE: this C file as the host main (a benchmark) */
  int tier;              /* enum build_tier: what --tier said, TIER_UNSET if nothing */
  int tcc; /* the quick tier with tcc installed: guest C by tcc unless the module needs what
            * tcc lacks (SIMD, atomics), then by cc at opt_level; cc links either way */
  int hot; /* in-run tier-up (hot_rewrite.h): instrument the C, keep OUT.hot, link -rdynamic */
};

/* Options before the command line: bounds=guard, compiler and level left open. */
void build_options_default(struct build_options *o);
/* After the command line: the compiler and level it left open become the fastest conformant
 * ones measured for its bounds mode (clang-16 -O3 with guard pages, gcc -O2 with explicit
 * checks; see README, Codegen), or with TIER_QUICK the quick tier's (pipeline.c). Every
 * command calls it before using the options; o->tier is then TIER_EXPLICIT if --cc or -O
 * was given, else TIER_QUICK or TIER_OPTIMIZED (TIER_AUTO stays, for `run` to resolve twice). */
void build_options_resolve(struct build_options *o);

/* Into how many C files wasm2c splits a module with `code_size` bytes of code for `jobs`
 * compilers: one below a size where splitting was measured to pay, else up to `jobs`, no part
 * smaller than that size (see README, Codegen). */
int pipeline_split_count(uint32_t code_size, int jobs);

/* A short canonical string of the options, part of the cache key. (Not -j: however many files
 * a module was split into, its executable does the same; see README, The CLI.) */
void build_options_describe(const struct build_options *o, char *buf, size_t len);

/* tcc and its helper library libtcc1.a, if both are installed (else NULL): the quick tier's
 * compiler (README, Tiers). */
const char *pipeline_tcc_path(void);
const char *pipeline_libtcc1_path(void);

/* The compiler the last pipeline_build or pipeline_compile_guest compiled guest C with, for
 * -v: "tcc", or "clang-16 -O0", with why tcc was not used when it was a candidate. */
const char *pipeline_last_guest_compiler(void);

/* How generated guest C is compiled: the compiler and its flags, without inputs or outputs.
 * The one definition, used by `wasmaot build` and printed by the hidden `wasmaot cflags` for
 * tools that compile against the same settings (the spec-test runner, `make codegen`).
 * argv points into the struct itself: fill it in place, do not copy it. */
struct guest_cflags {
  char *argv[24]; /* NULL-terminated */
  int argc;
  char opt[8], memcheck[64], include[2 * PATH_MAX];
};
void pipeline_guest_cflags(const struct build_options *o, struct guest_cflags *f);

/* One command line of a build (argv NULL-terminated, pointing into the struct itself: fill it
 * in place, do not copy it). The functions below are the only definitions of the commands
 * `wasmaot build` runs; `wasmaot info --json` prints them, with placeholder paths, for tools
 * that redo one step (`make codegen`). */
enum { PIPELINE_MAX_PARTS = 512 }; /* C files per module at most (pipeline_split_count) */
struct pipeline_cmd {
  char *argv[PIPELINE_MAX_PARTS + 48]; /* the link has every part's object */
  int argc;
  struct guest_cflags guest; /* storage for the guest flags some commands include */
  char store[4 * PATH_MAX + 256];
  size_t used;
};
/* wasm2c IN -n MODULE -o C_PATH, with the features wasmaot enables; split into nparts C files
 * (--num-outputs) when nparts > 1. */
void pipeline_wasm2c_argv(const char *in_path, const char *module_name, const char *c_path,
                          int nparts, struct pipeline_cmd *c);
/* The guest C's compile: the guest cflags, -Wa,-I<dir> (the data segments' .incbin is
 * resolved in dir), -c C_PATH -o O_PATH. */
void pipeline_guest_compile_argv(const struct build_options *o, const char *dir, const char *c_path,
                                 const char *o_path, struct pipeline_cmd *c);
/* The assembly of one data file (c_rewrite's asm_path, for tcc builds): as -I DIR S -o O. */
void pipeline_data_assemble_argv(const char *dir, const char *s_path, const char *o_path,
                                 struct pipeline_cmd *c);

/* The host main's compiler and flags, without the per-module headers, input or output. */
void pipeline_host_cflags(const struct build_options *o, struct pipeline_cmd *c);
/* The host main's full compile: its flags, -include GUEST_H -include GLUE_H -c SRC -o HOST_O. */
void pipeline_host_compile_argv(const struct build_options *o, const char *guest_h,
                                const char *glue_h, const char *host_o, struct pipeline_cmd *c);
/* The host main these options compile: --host-main's file, else <share>/src/serve_main.c for
 * the serve host, else <share>/src/host_main.c. */
const char *pipeline_host_main_source(const struct build_options *o);
/* The libraries every executable links, in order: the serve host's (serve), the runtime's for
 * these options, -lm, -lpthread. */
void pipeline_link_libraries(const struct build_options *o, struct pipeline_cmd *c);
/* The link: CC [-fsanitize=...] [serve: -Wl,--wrap=... for the allocators of memories and
 * tables, so the serve host knows every one it must reset] GUEST_O... HOST_O libraries -o OUT. */
void pipeline_link_argv(const struct build_options *o, const char *const *guest_objs, int nguest,
                        const char *host_o, const char *out, struct pipeline_cmd *c);

/* Translates and compiles one module of any kind (no WASI checks) into the object `out_obj`,
 * with wasm2c module name `module_name`, and writes its wasm2c header next to it (out_obj with
 * ".o" replaced by ".h"). The hidden `wasmaot compile-guest`, for the spec-test runner, which
 * links many modules and a host module of its own into one program. */
int pipeline_compile_guest(const char *in_path, const uint8_t *bytes, size_t len,
                           const char *module_name, const char *out_obj,
                           const struct build_options *o, char *err, size_t errlen);

/* A file the next pipeline_build removes when it ends, whether it succeeds, fails or is
 * interrupted (SIGINT/SIGTERM/SIGHUP): `run`'s KEY.lock (tiers.c). NULL: none. */
void pipeline_remove_at_end(const char *path);

/* Builds `in_path` (whose bytes are `bytes`) into the executable `out_path`. On failure,
 * returns -1 with a one-line reason in err, and leaves nothing at out_path. */
int pipeline_build(const char *in_path, const uint8_t *bytes, size_t len, const char *out_path,
                   const struct build_options *o, char *err, size_t errlen);

/* Describes the toolchain this build would use (resolved paths + size + mtime of wasm2c, the C
 * compiler, the runtime libraries and host main), for cache keys. -1 with err if a tool is
 * missing. */
int pipeline_toolchain_identity(const struct build_options *o, char *buf, size_t len, char *err,
                                size_t errlen);

/* The wasm2c this wasmaot runs: $WASMAOT_WASM2C, else the copy in <share>/libexec/wasm2c
 * (the one it was built and tested with). */
const char *pipeline_wasm2c_path(void);

/* Directory holding runtime-support's installed files (include/, src/, lib/, libexec/). */
const char *pipeline_share_dir(void);

#endif
