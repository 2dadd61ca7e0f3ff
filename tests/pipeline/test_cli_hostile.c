/* Hostile modules: every byte of a .wasm file is the attacker's. Each malformed module must
 * fail `wasmaot build` (and `run`) cleanly: exit 1, one line "wasmaot: error: ...", never a
 * signal, no output file and no cache entry. And the module is read once: what wasm2c
 * translates is exactly the bytes that were checked and hashed. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "proc.h"

TestSuite(hostile, .init = make_scratch, .fini = remove_scratch);

/* A module assembled from sections (each body shorter than 128 bytes, so its size is one
 * LEB128 byte). */
struct module {
  unsigned char b[2048];
  size_t n;
};

static void put(struct module *m, const void *p, size_t n) {
  cr_assert(m->n + n <= sizeof m->b);
  memcpy(m->b + m->n, p, n);
  m->n += n;
}

static void section(struct module *m, unsigned char id, const char *body, size_t n) {
  cr_assert(n < 128);
  unsigned char head[2] = {id, (unsigned char)n};
  put(m, head, 2);
  put(m, body, n);
}
#define SECTION(m, id, literal) section(m, id, literal, sizeof literal - 1)

/* The pieces of a valid WASI command that calls proc_exit(0); "\x06" "_start" and the like
 * are split because a hex escape would swallow the hex digits that follow it. */
#define TYPES "\x02\x60\x00\x00\x60\x01\x7f\x00" /* 0: () -> (), 1: (i32) -> () */
#define IMPORTS "\x01\x16wasi_snapshot_preview1\x09proc_exit\x00\x01"
#define FUNCS "\x01\x00"
#define MEMORY "\x01\x00\x01"
#define EXPORTS "\x02\x06_start\x00\x01\x06memory\x02\x00"
#define CODE "\x01\x06\x00\x41\x00\x10\x00\x0b" /* i32.const 0; call proc_exit */

static struct module header(void) {
  struct module m = {.n = 0};
  put(&m, "\0asm\1\0\0\0", 8);
  return m;
}

static void tail_after_imports(struct module *m) {
  SECTION(m, 3, FUNCS);
  SECTION(m, 5, MEMORY);
  SECTION(m, 7, EXPORTS);
  SECTION(m, 10, CODE);
}

static const char *save(const struct module *m, const char *name) {
  static char path[700];
  snprintf(path, sizeof path, "%s/%s.wasm", scratch, name);
  write_file(path, m->b, m->n, 0644);
  return path;
}

/* expect_build_fails for module m, then a clean scratch directory for the next case. */
static void expect_fails(const struct module *m, const char *needle) {
  const char *in = save(m, "case");
  expect_build_fails(in, needle, NULL);
  char out[700];
  snprintf(out, sizeof out, "%s/out", scratch);
  unlink(out);
  unlink(in);
}

/* The modules the malformed ones are variants of build and run: the failures below are the
 * defects', not the base module's. Also with a data count and a custom section in place. */
Test(hostile, the_base_modules_are_valid) {
  struct module m = header();
  SECTION(&m, 0, "\x04seed!");
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, IMPORTS);
  SECTION(&m, 3, FUNCS);
  SECTION(&m, 5, MEMORY);
  SECTION(&m, 7, EXPORTS);
  SECTION(&m, 12, "\x00"); /* data count: between element and code */
  SECTION(&m, 10, CODE);
  SECTION(&m, 0, "\x04seed!");
  char out[700];
  snprintf(out, sizeof out, "%s/base", scratch);
  char *argv[] = {WASMAOT, "build", (char *)save(&m, "base"), "-o", out, NULL};
  struct proc_result r = proc_run(argv, NULL, 120);
  cr_expect_eq(r.status, 0, "%s", r.err);
  proc_result_free(&r);
  char *run[] = {out, NULL};
  r = proc_run(run, NULL, 30);
  cr_expect_eq(r.status, 0, "%s", r.err);
  proc_result_free(&r);
}

Test(hostile, repeated_sections) {
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 1, "\x01\x60\x00\x00"); /* a second, smaller type section */
  SECTION(&m, 2, IMPORTS);
  tail_after_imports(&m);
  expect_fails(&m, "section 1 (type) appears twice");

  /* A second, empty import section: it used to replace the array, the count stayed 1, and
   * the check compared a NULL module name. */
  m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, IMPORTS);
  SECTION(&m, 2, "\x00");
  tail_after_imports(&m);
  expect_fails(&m, "section 2 (import) appears twice");

  m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, IMPORTS);
  tail_after_imports(&m);
  SECTION(&m, 7, "\x01\x01x\x00\x00");
  expect_fails(&m, "section 7 (export) appears twice");
}

Test(hostile, sections_out_of_order) {
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 7, EXPORTS);
  SECTION(&m, 2, IMPORTS);
  expect_fails(&m, "section 2 (import) out of order, after section 7");
  m = header();
  SECTION(&m, 10, CODE);
  SECTION(&m, 12, "\x00"); /* data count after code */
  expect_fails(&m, "section 12 (data count) out of order");
  m = header();
  SECTION(&m, 6, "\x00");
  SECTION(&m, 13, "\x00"); /* tag after global */
  expect_fails(&m, "section 13 (tag) out of order");
  m = header();
  SECTION(&m, 14, "");
  expect_fails(&m, "unknown section id 14");
}

/* Names must be UTF-8 (overlong forms, surrogates and code points past U+10FFFF are not). */
Test(hostile, names_that_are_not_utf8) {
  const char *exports[] = {"\x01\x07_st\xc0\xafrt\x00\x01",    /* overlong '/' */
                           "\x01\x04\xf4\x90\x80\x80\x00\x01", /* U+110000 */
                           "\x01\x02\xc3\x00\x01"};            /* truncated sequence */
  for (int i = 0; i < 3; i++) {
    struct module m = header();
    SECTION(&m, 1, TYPES);
    SECTION(&m, 2, IMPORTS);
    section(&m, 7, exports[i], i == 2 ? 5 : i == 1 ? 8 : 11);
    expect_fails(&m, "section 7 (export): name is not valid UTF-8");
  }
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, "\x01\x03\xed\xa0\x80\x09proc_exit\x00\x01"); /* a surrogate, U+D800 */
  expect_fails(&m, "section 2 (import): name is not valid UTF-8");
}

Test(hostile, counts_and_sizes) {
  struct module m = header();
  SECTION(&m, 2, "\xff\xff\xff\xff\x0f"); /* 2^32-1 imports in 0 bytes */
  expect_fails(&m, "section 2 (import): count larger than the section");
  m = header();
  SECTION(&m, 1, "\x01\x60\xf0\xff\xff\xff\x0f\x7f"); /* ~2^32 parameters */
  expect_fails(&m, "section 1 (type): count larger than the section");
  m = header();
  SECTION(&m, 1, "\x01\x60\x80\x80\x80\x80\x80\x00\x00"); /* a 6-byte LEB128 */
  expect_fails(&m, "section 1 (type): integer too large");
  m = header();
  SECTION(&m, 1, TYPES "\x00"); /* a byte after the last type */
  expect_fails(&m, "section 1 (type): bytes left over after its contents");
  m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2,
          "\x01\x03"
          "env\x01x\x00"); /* the import ends inside its type index */
  expect_fails(&m, "section 2 (import): unexpected end of section");
}

/* Names from the module reach the error line escaped: a newline in one cannot make two lines,
 * and an embedded NUL does not make "fd_write\0x" pass for fd_write. */
Test(hostile, names_in_errors_stay_on_one_line) {
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2,
          "\x02\x03"
          "env\x03"
          "a\nb\x00\x01"
          "\x16wasi_snapshot_preview1\x0b"
          "fd_write\0xy\x00\x01");
  tail_after_imports(&m);
  expect_build_fails(save(&m, "names"),
                     "unknown imports: env.a\\x0ab, wasi_snapshot_preview1.fd_write\\x00xy", NULL);
}

/* Future modules use SIMD and reference types: the reader does not reject their value types
 * (only the WASI signature check needs exact ones). Whatever wasm2c then says, it is not the
 * reader's "invalid module". */
Test(hostile, value_types_beyond_numbers_are_read) {
  struct module m = header();
  SECTION(&m, 1,
          "\x03\x60\x00\x00\x60\x01\x7f\x00"
          "\x60\x05\x7b\x70\x6f\x69\x63\x70\x01\x64\x00"); /* v128 funcref externref ... */
  SECTION(&m, 2, IMPORTS);
  tail_after_imports(&m);
  char out[700];
  snprintf(out, sizeof out, "%s/types", scratch);
  char *argv[] = {WASMAOT, "build", (char *)save(&m, "types"), "-o", out, NULL};
  struct proc_result r = proc_run(argv, NULL, 120);
  cr_expect(r.status == 0 || r.status == 1, "status %d: %s", r.status, r.err);
  cr_expect(strstr(r.err, "invalid module") == NULL, "%s", r.err);
  proc_result_free(&r);
}

/* wasm2c reads a private copy of the module; its messages still name the user's file. */
Test(hostile, wasm2c_errors_name_the_input) {
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, IMPORTS);
  SECTION(&m, 3, FUNCS);
  SECTION(&m, 5, MEMORY);
  SECTION(&m, 7, EXPORTS);
  SECTION(&m, 10, "\x01\x04\x00\x41\x00\x0b"); /* _start returns an i32 it does not declare */
  char needle[800];
  snprintf(needle, sizeof needle, "wasm2c failed: %s/case.wasm:", scratch);
  expect_fails(&m, needle);
}

/* `run` on a malformed module: the same clean error, and nothing in the cache. */
Test(hostile, run_leaves_no_cache_entry) {
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, IMPORTS);
  SECTION(&m, 2, "\x00");
  char cache_dir[700], cache_env[800], path_env[4096];
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", scratch);
  snprintf(cache_env, sizeof cache_env, "WASMAOT_CACHE=%s", cache_dir);
  snprintf(path_env, sizeof path_env, "PATH=%s", getenv("PATH"));
  char *envp[] = {cache_env, path_env, NULL};
  char *argv[] = {WASMAOT, "run", (char *)save(&m, "run"), NULL};
  struct proc_result r = proc_run(argv, envp, 120);
  expect_one_line_error(&r, "section 2 (import) appears twice");
  proc_result_free(&r);
  cr_expect_eq(count_entries(cache_dir), 0, "a failed build left something in the cache");
}

/* The module is read once, and wasm2c translates those bytes, not whatever the path holds by
 * then. Deterministically: the input is a FIFO whose writer sends hello.wasm, then, before
 * closing (so before wasmaot has read to the end), renames a copy of cpu-hash.wasm over the
 * FIFO's path. Anything that opens the path again gets cpu-hash; the executable must be
 * hello's. */
Test(hostile, the_translated_module_is_the_one_read) {
  char fifo[700], out[700], hello[600], other[700], hello_aot[600];
  snprintf(fifo, sizeof fifo, "%s/module.wasm", scratch);
  snprintf(out, sizeof out, "%s/out", scratch);
  snprintf(other, sizeof other, "%s/other.wasm", scratch);
  snprintf(hello, sizeof hello, "%s/hello.wasm", WORKLOAD_DIR);
  snprintf(hello_aot, sizeof hello_aot, "%s/hello.aot", WORKLOAD_DIR);
  char cp[2048];
  snprintf(cp, sizeof cp, "cp '%s/cpu-hash.wasm' '%s'", WORKLOAD_DIR, other);
  cr_assert_eq(system(cp), 0);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  pid_t writer = fork();
  cr_assert(writer >= 0);
  if (writer == 0) {
    int fd = open(fifo, O_WRONLY); /* until wasmaot opens it */
    FILE *in = fopen(hello, "rb");
    char buf[65536];
    size_t n;
    while (in && fd >= 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
      if (write(fd, buf, n) != (ssize_t)n)
        _exit(1);
    _exit(fd >= 0 && in && rename(other, fifo) == 0 && close(fd) == 0 ? 0 : 1);
  }
  char *argv[] = {WASMAOT, "build", fifo, "-o", out, NULL};
  struct proc_result r = proc_run(argv, NULL, 120);
  int status;
  cr_assert_eq(waitpid(writer, &status, 0), writer);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the FIFO writer failed");
  cr_expect_eq(r.status, 0, "%s", r.err);
  proc_result_free(&r);
  char *run_out[] = {out, NULL}, *run_want[] = {hello_aot, NULL};
  struct proc_result got = proc_run(run_out, NULL, 30), want = proc_run(run_want, NULL, 30);
  cr_expect_eq(got.status, 0, "%s", got.err);
  cr_expect_str_eq(got.out, want.out, "the executable is not the module that was read");
  proc_result_free(&got);
  proc_result_free(&want);
}

/* A valid module whose export names hold C comment terminators, preprocessor lines and
 * newlines: wasm2c 1.0.32 copied export names unescaped into comments of the generated C, so
 * "*" "/" ended the comment and what followed was compiled into the executable (and the host
 * main). Names are data: the module must build, run, and nothing of the name may run. */
Test(hostile, export_names_never_become_code) {
  struct module m = header();
  SECTION(&m, 1, TYPES);
  SECTION(&m, 2, IMPORTS);
  SECTION(&m, 3, "\x02\x00\x00");
  SECTION(&m, 5, MEMORY);
  /* Exports: _start, memory, and a function named as below: a comment terminator, a second
   * main and an #error line. If it became code, the build would fail (#error) or the
   * executable would not exit 0. */
  static const char evil[] = "x */ int main(){return 99;} /*\n#error injected\n";
  char exports[128];
  size_t n = 0;
  memcpy(exports + n, "\x03\x06_start\x00\x01\x06memory\x02\x00", 19);
  n += 19;
  exports[n++] = (char)(sizeof evil - 1);
  memcpy(exports + n, evil, sizeof evil - 1);
  n += sizeof evil - 1;
  exports[n++] = 0x00; /* func */
  exports[n++] = 0x02; /* index 2: the second defined function */
  section(&m, 7, exports, n);
  SECTION(&m, 10, "\x02\x06\x00\x41\x00\x10\x00\x0b\x02\x00\x0b");
  const char *in = save(&m, "evil_names");
  char out[700];
  snprintf(out, sizeof out, "%s/evil_names.aot", scratch);
  char *build[] = {WASMAOT, "build", (char *)in, "-o", out, NULL};
  struct proc_result b = proc_run(build, NULL, 300);
  cr_assert_eq(b.status, 0, "build failed (%d): %s", b.status, b.err);
  proc_result_free(&b);
  char *run[] = {out, NULL};
  struct proc_result r = proc_run(run, NULL, 60);
  cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
  cr_expect_eq(r.err_len, 0, "stderr: %s", r.err);
  proc_result_free(&r);
}
