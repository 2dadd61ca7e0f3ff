/* The host main of every executable `wasmaot build` makes.
 *
 * Compiled once per module, with the wasm2c header of that module force-included
 * (`-include guest.h`), then the glue wasmaot writes from that header (`-include guest_glue.h`,
 * translator/import_glue.c: wasmaot_guest_instantiate() passes every imported module's
 * instance, and stubs stand in for unknown imports under --unknown-imports trap|default);
 * wasm2c 1.0.42 is always run with module name "guest", so the symbols below are the same for
 * every module.
 *
 * Command line of a built executable:
 *   PROGRAM [runtime options] [--] [guest arguments]
 * where the runtime options, recognised only at the front, are
 *   --dir HOST[::GUEST]  pre-open a host directory (guest path defaults to HOST)
 *   --env KEY=VALUE      give the guest this variable (--env KEY copies the host's value)
 *   --inherit-env        give the guest the whole host environment
 *   --listen HOST:PORT   bind and listen, hand the socket to the guest after the preopens
 *   --argv0 NAME         the guest's argv[0] (default: this program's name)
 * Anything else, or anything after "--", is the guest's. The guest sees no host environment
 * and no host directory unless given one, as with wasmtime. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmaot-runtime.h"

/* From wabt's wasm-rt-exceptions.h (included by guest.c only when the module uses exceptions). */
void wasm_rt_set_unwind_target(wasm_rt_jmp_buf *target);

extern char **environ;

/* In-run tier-up (tierup.c): linked in only when the guest C was instrumented for it (the
 * guest then refers to tierup.c; a weak reference alone does not pull it from the archive). */
void wasmaot_tierup_start(void) __attribute__((weak));

enum { MAX_OPTS = 4096 };

static const char *option_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n) != 0)
    return NULL;
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] != 0)
    return NULL;
  if (*i + 1 >= argc) {
    fprintf(stderr, "wasmaot: %s needs a value\n", name);
    exit(2);
  }
  return argv[++*i];
}

int main(int argc, char **argv) {
  static const char *dirs[MAX_OPTS], *listens[MAX_OPTS];
  static char *env[MAX_OPTS];
  int ndirs = 0, nlistens = 0, nenv = 0;
  bool inherit_env = false;
  const char *argv0 = argv[0];
  /* First: it takes its variables out of the environment that --inherit-env passes on. */
  if (wasmaot_tierup_start)
    wasmaot_tierup_start();
  int i = 1;
  for (; i < argc; i++) {
    const char *v;
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--inherit-env") == 0) {
      inherit_env = true;
    } else if ((v = option_value(argc, argv, &i, "--dir"))) {
      if (ndirs < MAX_OPTS)
        dirs[ndirs++] = v;
    } else if ((v = option_value(argc, argv, &i, "--listen"))) {
      if (nlistens < MAX_OPTS)
        listens[nlistens++] = v;
    } else if ((v = option_value(argc, argv, &i, "--argv0"))) {
      argv0 = v;
    } else if ((v = option_value(argc, argv, &i, "--env"))) {
      if (nenv >= MAX_OPTS)
        continue;
      if (strchr(v, '=')) {
        env[nenv++] = (char *)v;
      } else if (getenv(v)) {
        /* (no asprintf: this file is compiled after guest.h has included stdio.h without
         * _GNU_SOURCE) */
        size_t size = strlen(v) + 1 + strlen(getenv(v)) + 1;
        char *kv = malloc(size);
        if (!kv)
          return 2;
        snprintf(kv, size, "%s=%s", v, getenv(v));
        env[nenv++] = kv;
      }
    } else {
      break;
    }
  }

  char **guest_env = env;
  uint32_t guest_envc = (uint32_t)nenv;
  if (inherit_env) {
    guest_env = environ;
    for (guest_envc = 0; environ[guest_envc]; guest_envc++)
      ;
  }
  /* Guest argv: argv0 followed by what is left; argv[i-1] is free to hold argv0. */
  char **guest_argv = &argv[i - 1];
  guest_argv[0] = (char *)argv0;

  wasi_ctx ctx;
  if (wasi_ctx_init(&ctx, (uint32_t)(argc - i + 1), guest_argv, guest_envc, guest_env) != 0)
    return 2;
  for (int d = 0; d < ndirs; d++) {
    if (wasi_ctx_preopen_spec(&ctx, dirs[d]) != 0) {
      wasi_ctx_free(&ctx);
      return 2;
    }
  }
  for (int l = 0; l < nlistens; l++) {
    if (wasi_ctx_listen(&ctx, listens[l]) != 0) {
      wasi_ctx_free(&ctx);
      return 2;
    }
  }
  /* A guest writing to a closed pipe or reset socket gets EPIPE from fd_write, as WASI
   * specifies (and wasmtime does), instead of the host process dying of SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);

  wasm_rt_init(); /* also this thread's part: wasm_rt_init_thread() */
#if WASMAOT_BOUNDS_CHECK
  /* (guard mode: wasm_rt_init installed wabt's handler, which does the same) */
  if (wasmaot_install_stack_guard() != 0) {
    fprintf(stderr, "wasmaot: cannot install the stack-overflow handler\n");
    return 2;
  }
#endif
  /* An exception that no handler catches: wabt's wasm_rt_throw longjmps to the unwind target,
   * which nothing sets when the embedder calls the guest directly (it was a NULL jump: SIGSEGV,
   * reported as "call stack exhausted" with guard pages, a crash with --bounds check). Land here
   * and end the run as the "uncaught exception" trap. Set before instantiation: a start
   * function may throw too. */
  static wasm_rt_jmp_buf uncaught;
  if (WASM_RT_SETJMP(uncaught) != 0)
    wasmaot_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  wasm_rt_set_unwind_target(&uncaught);
  static w2c_guest instance;
  /* The memory lives inside the instance, so its address is known before instantiation:
   * a start function that calls WASI during instantiation sees a valid (checked) memory. */
  ctx.memory = w2c_guest_memory(&instance);
  wasmaot_guest_instantiate(&instance, &ctx);
  w2c_guest_0x5Fstart(&instance);
  /* _start returned without proc_exit: success, as in every WASI runtime. */
  wasm2c_guest_free(&instance);
  wasi_ctx_free(&ctx);
  wasm_rt_free();
  return 0;
}
