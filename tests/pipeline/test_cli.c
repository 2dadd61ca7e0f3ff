/* wasmaot's command line: every failure is one line on stderr and a non-zero exit, and leaves
 * nothing behind (no output file, no cache entry, an existing output untouched); `run` builds
 * once into its cache and then only runs. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "proc.h"

TestSuite(cli, .init = make_scratch, .fini = remove_scratch);

/* An environment for `wasmaot run`: a cache of this test's own (scratch/cache) and the PATH. */
static char *const *cache_env(void) {
  static char cache[1400], path[4096];
  static char *envp[] = {cache, path, NULL};
  snprintf(cache, sizeof cache, "WASMAOT_CACHE=%s/cache", scratch);
  snprintf(path, sizeof path, "PATH=%s", getenv("PATH"));
  return envp;
}

Test(cli, not_a_wasm_file) {
  char in[600];
  snprintf(in, sizeof in, "%s/notes.wasm", scratch);
  write_file(in, "hello, I am text\n", 17, 0644);
  expect_build_fails(in, "not a WebAssembly module", NULL);
}

Test(cli, empty_file) {
  char in[600];
  snprintf(in, sizeof in, "%s/empty.wasm", scratch);
  write_file(in, "", 0, 0644);
  expect_build_fails(in, "not a WebAssembly module", NULL);
}

Test(cli, missing_input) {
  char in[600];
  snprintf(in, sizeof in, "%s/nope.wasm", scratch);
  expect_build_fails(in, "No such file", NULL);
}

Test(cli, truncated_module) {
  /* A valid header, then a type section that claims more bytes than the file has. */
  static const unsigned char bytes[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 0x7f, 1};
  char in[600];
  snprintf(in, sizeof in, "%s/truncated.wasm", scratch);
  write_file(in, bytes, sizeof bytes, 0644);
  expect_build_fails(in, "invalid module", NULL);
}

Test(cli, module_that_fails_validation) {
  /* Well-formed sections, but _start's body returns an i32 it does not declare: only a full
   * validator (wasm2c's) catches this. */
  static const unsigned char bytes[] = {
      0,  'a',  's', 'm',  1,   0,    0,   0,                   /* header */
      1,  4,    1,   0x60, 0,   0,                              /* type 0: [] -> [] */
      3,  2,    1,   0,                                         /* func 0: type 0 */
      5,  3,    1,   0,    1,                                   /* memory 0: 1 page */
      7,  0x13, 2,   6,    '_', 's',  't', 'a', 'r', 't', 0, 0, /* export "_start" func 0 */
      6,  'm',  'e', 'm',  'o', 'r',  'y', 2,   0,              /* export "memory" memory 0 */
      10, 6,    1,   4,    0,   0x41, 0,   0x0b};               /* body: i32.const 0; end */
  char in[600];
  snprintf(in, sizeof in, "%s/invalid.wasm", scratch);
  write_file(in, bytes, sizeof bytes, 0644);
  expect_build_fails(in, "wasm2c failed", NULL);
}

Test(cli, unknown_imports_are_all_named) {
  char in[600];
  snprintf(in, sizeof in, "%s/unknown_imports.wasm", TRAP_DIR);
  expect_build_fails(in, "unknown imports: env.magic, wasi_snapshot_preview1.no_such_call", NULL);
}

/* wasm2c 1.0.42 aborts silently on relaxed SIMD: the build still ends in one line that says
 * how wasm2c ended and what is known to cause it, never "wasm2c failed:" and nothing else. */
Test(cli, wasm2c_abort_is_explained) {
  char in[600];
  snprintf(in, sizeof in, "%s/relaxed_simd.wasm", TRAP_DIR);
  expect_build_fails(in,
                     "wasm2c failed: killed by signal 6 (Aborted) without a message; "
                     "wasm2c 1.0.42 aborts so on relaxed-SIMD instructions",
                     NULL);
}

/* wasmaot runs the wasm2c beside its runtime (share/wasmaot/libexec), or $WASMAOT_WASM2C:
 * when that is not there, the build says so in one line. */
Test(cli, wasm2c_missing) {
  char wasm2c_env[700];
  snprintf(wasm2c_env, sizeof wasm2c_env, "WASMAOT_WASM2C=%s/no-such-wasm2c", scratch);
  char *envp[] = {wasm2c_env, "PATH=/usr/bin:/bin", NULL};
  char in[600];
  snprintf(in, sizeof in, "%s/hello.wasm", WORKLOAD_DIR);
  expect_build_fails(in, "wasm2c not found", envp);
}

/* A C compiler that reports an error, standing in for any compiler failure: under the names
 * of both compilers the default can be (clang-16 when installed, else gcc). */
Test(cli, c_compiler_error) {
  char bin[600], fake[700], path_env[1400];
  snprintf(bin, sizeof bin, "%s/bin", scratch);
  mkdir(bin, 0755);
  const char script[] = "#!/bin/sh\necho 'guest.c:1:1: error: the compiler says no' >&2\nexit 1\n";
  const char *names[] = {"gcc", "clang-16"};
  for (int i = 0; i < 2; i++) {
    snprintf(fake, sizeof fake, "%s/%s", bin, names[i]);
    write_file(fake, script, sizeof script - 1, 0755);
  }
  snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin, getenv("PATH"));
  char *envp[] = {path_env, NULL};
  char in[600];
  snprintf(in, sizeof in, "%s/hello.wasm", WORKLOAD_DIR);
  /* The guest's and the host main's compiles run at once: whichever fails first is reported
   * ("C compiler failed" or "C compiler (host main) failed"), the other stopped. */
  expect_build_fails(in, "failed: guest.c:1:1: error: the compiler says no", envp);
}

Test(cli, bad_options) {
  char *cases[][6] = {{WASMAOT, "frobnicate", NULL},
                      {WASMAOT, "build", "x.wasm", "--cc", "tcc", NULL},
                      {WASMAOT, "build", "x.wasm", "-O7", NULL},
                      {WASMAOT, "build", "x.wasm", "--bounds", "maybe", NULL},
                      {WASMAOT, "build", "x.wasm", NULL},
                      {WASMAOT, "run", NULL},
                      {WASMAOT, "build", "x.wasm", "-j", "0", NULL},
                      {WASMAOT, "build", "x.wasm", "--jobs=two", NULL}};
  const char *needles[] = {"unknown command", "--cc tcc",        "-O7",
                           "--bounds maybe",  "-o OUT",          "no input module",
                           "-j 0: expected",  "-j two: expected"};
  for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
    struct proc_result r = proc_run(cases[i], NULL, 30);
    expect_one_line_error(&r, needles[i]);
    proc_result_free(&r);
  }
}

/* A module split into several C files compiled at once (forced: cpu-hash is below the size
 * where wasmaot splits by itself) runs as the one-file build does: the data segments of the
 * first file, the functions spread over three. --keep-c keeps every file. */
Test(cli, split_build_runs_as_one_file) {
  char in[600], out[600], kept[600], split_env[] = "WASMAOT_SPLIT_MIN_CODE=0", path_env[8192];
  snprintf(in, sizeof in, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  snprintf(out, sizeof out, "%s/cpu-hash.split", scratch);
  snprintf(kept, sizeof kept, "%s/c", scratch);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  char *envp[] = {split_env, path_env, NULL};
  char *build[] = {WASMAOT, "build", in, "-o", out, "-j", "3", "--keep-c", kept, NULL};
  struct proc_result r = proc_run(build, envp, 300);
  cr_assert_eq(r.status, 0, "%s", r.err);
  proc_result_free(&r);
  const char *files[] = {"guest.h",      "guest-impl.h", "guest_0.c",
                         "guest_0.data", "guest_1.c",    "guest_2.c"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char p[700];
    snprintf(p, sizeof p, "%s/%s", kept, files[i]);
    cr_expect_eq(access(p, F_OK), 0, "--keep-c did not keep %s", files[i]);
  }
  char aot[600];
  snprintf(aot, sizeof aot, "%s/cpu-hash.aot", WORKLOAD_DIR);
  char *split_run[] = {out, "--", "1000", NULL}, *one_run[] = {aot, "--", "1000", NULL};
  struct proc_result a = proc_run(split_run, NULL, 60), b = proc_run(one_run, NULL, 60);
  cr_expect_eq(a.status, 0, "%s", a.err);
  cr_expect_eq(b.status, 0, "%s", b.err);
  cr_expect_str_eq(a.out, b.out);
  proc_result_free(&a);
  proc_result_free(&b);
}

/* The memory bound splits by code size whatever -j says: with at most 2 KiB of code per file,
 * cpu-hash becomes 15 C files, compiled two at a time, and still runs as the one-file build
 * does; build -v reports the time and the largest process. */
Test(cli, size_capped_split_runs_as_one_file) {
  char in[600], out[600], path_env[8192], max_env[] = "WASMAOT_SPLIT_MAX_CODE=2048";
  snprintf(in, sizeof in, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  snprintf(out, sizeof out, "%s/cpu-hash.capped", scratch);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  char *envp[] = {max_env, path_env, NULL};
  char *build[] = {WASMAOT, "build", "-v", "--tier", "quick", in, "-o", out, "-j", "2", NULL};
  struct proc_result r = proc_run(build, envp, 300);
  cr_assert_eq(r.status, 0, "%s", r.err);
  long mib = 0;
  const char *at = strstr(r.err, "largest build process ");
  cr_assert_not_null(at, "%s", r.err);
  cr_expect(sscanf(at, "largest build process %ld MiB", &mib) == 1 && mib > 1 && mib < 1024, "%s",
            r.err);
  cr_expect(strstr(r.err, "tier quick") != NULL, "%s", r.err);
  proc_result_free(&r);
  char aot[600];
  snprintf(aot, sizeof aot, "%s/cpu-hash.aot", WORKLOAD_DIR);
  char *capped_run[] = {out, "--", "300", NULL}, *one_run[] = {aot, "--", "300", NULL};
  struct proc_result a = proc_run(capped_run, NULL, 60), b = proc_run(one_run, NULL, 60);
  cr_expect_eq(a.status, 0, "%s", a.err);
  cr_expect_str_eq(a.out, b.out);
  proc_result_free(&a);
  proc_result_free(&b);
}

Test(cli, help_and_version) {
  char *help[] = {WASMAOT, "--help", NULL}, *version[] = {WASMAOT, "--version", NULL};
  struct proc_result r = proc_run(help, NULL, 30);
  cr_expect_eq(r.status, 0);
  cr_expect(strstr(r.out, "wasmaot build IN.wasm -o OUT") != NULL);
  proc_result_free(&r);
  r = proc_run(version, NULL, 30);
  cr_expect_eq(r.status, 0);
  cr_expect(strncmp(r.out, "wasmaot ", 8) == 0, "%s", r.out);
  cr_expect(strstr(r.out, "default build: --cc ") != NULL, "%s", r.out);
  proc_result_free(&r);
}

/* `run` translates once: the second run hits the cache, and still works with no wasm2c or C
 * compiler on PATH at all — proof that nothing is re-translated. */
/* The guest compile flags live in the wasmaot executable: a rebuilt wasmaot (here: a copy
 * with another mtime) must not reuse what the previous one cached, even at the same version. */
Test(cli, a_rebuilt_wasmaot_does_not_reuse_the_cache) {
  char bin[600], exe[700], share_env[1400], cache_env[700], path_env[4096], in[600];
  snprintf(bin, sizeof bin, "%s/bin", scratch);
  mkdir(bin, 0755);
  snprintf(exe, sizeof exe, "%s/wasmaot", bin);
  FILE *f = fopen(WASMAOT, "rb");
  cr_assert_not_null(f);
  static char image[64 << 20];
  size_t n = fread(image, 1, sizeof image, f);
  fclose(f);
  cr_assert(n > 0 && n < sizeof image);
  write_file(exe, image, n, 0755);
  char share[600];
  snprintf(share, sizeof share, "%s", WASMAOT);
  *strrchr(share, '/') = 0; /* .../bin */
  snprintf(share_env, sizeof share_env, "WASMAOT_SHARE_DIR=%s/../share/wasmaot", share);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s/cache", scratch);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  snprintf(in, sizeof in, "%s/hello.wasm", WORKLOAD_DIR);
  char *envp[] = {share_env, cache_env, path_env, NULL};
  char *argv[] = {exe, "run", "-v", in, NULL};
  const char *want[] = {"cache miss", "cache hit", "cache miss"};
  for (int i = 0; i < 3; i++) {
    if (i == 2) { /* "rebuild": same bytes, another mtime */
      struct timespec times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
      cr_assert_eq(utimensat(AT_FDCWD, exe, times, 0), 0);
    }
    struct proc_result r = proc_run(argv, envp, 120);
    cr_expect_eq(r.status, 0, "run %d: %s", i, r.err);
    cr_expect(strstr(r.err, want[i]) != NULL, "run %d: want %s in: %s", i, want[i], r.err);
    proc_result_free(&r);
  }
}

Test(cli, run_builds_once_then_uses_the_cache) {
  char cache_env[700], in[600];
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s/cache", scratch);
  snprintf(in, sizeof in, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  char path_env[4096];
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  char *envp[] = {cache_env, path_env, NULL};
  /* One tier: with the default (auto), cpu-hash would start on the quick tier and build the
   * optimised one in the background (test_tiers.c). */
  char *argv[] = {WASMAOT, "run", "-v", "--tier", "optimized", in, "--", "1000", NULL};

  struct proc_result first = proc_run(argv, envp, 120);
  cr_expect_eq(first.status, 0, "%s", first.err);
  cr_expect(strstr(first.err, "cache miss") != NULL, "%s", first.err);

  /* The toolchain's identity is part of the key, so keep PATH's resolution of wasm2c/gcc the
   * same but make them unusable for a rebuild by also pointing TMPDIR at a missing folder. */
  char tmp_env[700];
  snprintf(tmp_env, sizeof tmp_env, "TMPDIR=%s/no-such-dir", scratch);
  char *envp2[] = {cache_env, path_env, tmp_env, NULL};
  struct proc_result second = proc_run(argv, envp2, 120);
  cr_expect_eq(second.status, 0, "%s", second.err);
  cr_expect(strstr(second.err, "cache hit") != NULL, "%s", second.err);
  cr_expect_str_eq(second.out, first.out);
  proc_result_free(&first);
  proc_result_free(&second);

  char cache_dir[700];
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", scratch);
  cr_expect_eq(count_entries(cache_dir), 1, "want exactly one cache entry");
}

Test(cli, failed_run_leaves_no_cache_entry) {
  char cache_env[1400], cache_dir[700], path_env[4096];
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", scratch);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache_dir);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  char *envp[] = {cache_env, path_env, NULL};
  char in[600];
  snprintf(in, sizeof in, "%s/unknown_imports.wasm", TRAP_DIR);
  char *argv[] = {WASMAOT, "run", in, NULL};
  struct proc_result r = proc_run(argv, envp, 120);
  expect_one_line_error(&r, "unknown imports");
  proc_result_free(&r);
  cr_expect_eq(count_entries(cache_dir), 0, "a failed build left something in the cache");
}

/* Guest arguments, environment and exit status pass through `run` like wasmtime's. */
Test(cli, run_passes_arguments_and_exit_status) {
  char in[600];
  char *const *envp = cache_env();
  snprintf(in, sizeof in, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  char *bad_arg[] = {WASMAOT, "run", in, "--", "-5", NULL};
  struct proc_result r = proc_run(bad_arg, envp, 120);
  cr_expect_eq(r.status, 2, "guest usage error must exit 2, got %d", r.status);
  cr_expect(strstr(r.err, "usage: cpu-hash") != NULL, "%s", r.err);
  proc_result_free(&r);
}

/* --unknown-imports: stubs stand in for imports the runtime does not provide. They return
 * zeros (default), or trap with the import's name when called (trap), as wasmtime's
 * -W unknown-imports-default / -W unknown-imports-trap; and options come before the module,
 * as with `wasmtime run`. */
Test(cli, unknown_imports_default_and_trap) {
  char in[600];
  char *const *envp = cache_env();
  snprintf(in, sizeof in, "%s/calls_unknown.wasm", TRAP_DIR);

  char *refused[] = {WASMAOT, "run", in, NULL};
  struct proc_result r = proc_run(refused, envp, 300);
  expect_one_line_error(&r, "unknown imports: env.answer, env.pair");
  proc_result_free(&r);

  char *zeros[] = {WASMAOT, "run", "--unknown-imports", "default", in, NULL};
  r = proc_run(zeros, envp, 300);
  cr_expect_eq(r.status, 7, "default stubs: exit %d (%s)", r.status, r.err);
  cr_expect_eq(r.err_len, 0, "%s", r.err);
  proc_result_free(&r);

  char *trap[] = {WASMAOT, "run", "--unknown-imports=trap", "-O1", in, NULL};
  r = proc_run(trap, envp, 300);
  cr_expect_eq(r.status, 134, "trap stubs: exit %d", r.status);
  cr_expect_str_eq(r.err, "wasm trap: call to unknown import env.answer\n");
  proc_result_free(&r);

  char *bad[] = {WASMAOT, "build", in, "-o", "x", "--unknown-imports", "maybe", NULL};
  r = proc_run(bad, envp, 60);
  expect_one_line_error(&r, "expected error, trap or default");
  proc_result_free(&r);
}

/* Runtime options before the module (wasmtime's order) and after it (ours) both reach the
 * guest; after "--" everything is the guest's. */
Test(cli, run_options_before_the_module) {
  char in[600];
  char *const *envp = cache_env();
  snprintf(in, sizeof in, "%s/cpu-hash.wasm", WORKLOAD_DIR);
  char *before[] = {WASMAOT, "run", "--env", "A=1", "--dir", scratch, "-O2", in, "3", NULL};
  struct proc_result r = proc_run(before, envp, 300);
  cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
  cr_expect_eq(r.out_len, 65, "output: %s", r.out);
  proc_result_free(&r);
  /* --dir after "--" is the guest's argument: cpu-hash refuses it as a round count. */
  char *guest_args[] = {WASMAOT, "run", "-O2", in, "--", "--dir", NULL};
  r = proc_run(guest_args, envp, 300);
  cr_expect_eq(r.status, 2, "exit %d: %s", r.status, r.err);
  proc_result_free(&r);
  char *unknown[] = {WASMAOT, "run", "--no-such-option", in, NULL};
  r = proc_run(unknown, envp, 60);
  expect_one_line_error(&r, "unknown option --no-such-option");
  proc_result_free(&r);
}
