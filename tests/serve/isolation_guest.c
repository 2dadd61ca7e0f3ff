/* The CGI guest of the serve tests. What it does is picked by QUERY_STRING:
 *   op=write   leaves a secret (the X-Secret header) everywhere a request can leave state: a
 *              static buffer, the heap (never freed), memory grown past the initial size,
 *              the environment (setenv), descriptors (opens /data/f and leaves it open,
 *              renumbers another one over stdin, closes the preopen /data), then answers "ok";
 *   op=read    looks for it: scans the whole linear memory for the secret (given reversed in
 *              X-Secret, so the request itself does not carry it), and reports the memory size,
 *              LEAK in the environment, which descriptors above 3 are open, whether fd 3 is
 *              still the preopen /data, and what stdin holds (the request body);
 *   op=trap, op=exit (status 7), op=grow (memory.grow until it fails at the module's limit,
 *   64 MiB (CMakeLists.txt), writing to every page),
 *   op=loop (forever), op=noheader (a body without CGI headers), op=env (prints the CGI
 *   variables), op=deep (recursion until the stack is exhausted).
 * Anything else: "hello". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <wasi/api.h>

static char stash[256];
static volatile int sink;
static volatile uintptr_t memory_base; /* 0: linear memory seen from its start */

static int op_is(const char *q, const char *op) {
  size_t n = strlen(op);
  return q && strncmp(q, "op=", 3) == 0 && strncmp(q + 3, op, n) == 0 &&
         (q[3 + n] == 0 || q[3 + n] == '&');
}

static void head(void) {
  printf("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
}

static int deep(int n) {
  volatile char frame[512];
  frame[0] = (char)n;
  if (n == -1) /* never: the stack runs out first */
    return 0;
  return deep(n + 1) + frame[0];
}

static void op_write(const char *secret) {
  size_t n = strlen(secret);
  memcpy(stash, secret, n < sizeof stash ? n : sizeof stash - 1);
  char *heap = malloc(4096);
  if (heap)
    memcpy(heap, secret, n + 1);
  /* Memory grown past the initial size, with the secret in it. */
  size_t before = __builtin_wasm_memory_grow(0, 2);
  if (before != (size_t)-1)
    memcpy((char *)(before * 65536 + 100), secret, n);
  setenv("LEAK", secret, 1);
  int kept = open("/data/f", O_RDONLY); /* left open */
  int over = open("/data/f", O_RDONLY);
  if (over >= 0)
    sink = __wasi_fd_renumber((__wasi_fd_t)over, 0); /* stdin is now the file */
  sink = __wasi_fd_close(3);                         /* the preopen /data */
  head();
  printf("ok kept=%d\n", kept);
}

static void op_read(const char *reversed) {
  char needle[256];
  size_t n = strlen(reversed);
  if (n == 0 || n >= sizeof needle) {
    head();
    printf("no secret given\n");
    return;
  }
  for (size_t i = 0; i < n; i++)
    needle[i] = reversed[n - 1 - i];
  size_t size = __builtin_wasm_memory_size(0) * 65536;
  int found = 0;
  const char *mem = (const char *)memory_base;
  for (size_t a = 0; a + n <= size; a++)
    if (mem[a] == needle[0] && memcmp(mem + a, needle, n) == 0 && mem + a != needle)
      found++;
  char opened[128] = "";
  for (int fd = 4; fd < 64; fd++) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get((__wasi_fd_t)fd, &st) == 0)
      snprintf(opened + strlen(opened), sizeof opened - strlen(opened), "%d,", fd);
  }
  __wasi_prestat_t pre;
  char name[16] = "";
  int preopen = __wasi_fd_prestat_get(3, &pre) == 0 && pre.u.dir.pr_name_len < sizeof name &&
                __wasi_fd_prestat_dir_name(3, (uint8_t *)name, pre.u.dir.pr_name_len) == 0;
  char in[64];
  ssize_t got = read(0, in, sizeof in - 1);
  in[got > 0 ? got : 0] = 0;
  const char *leak = getenv("LEAK");
  head();
  printf("found=%d pages=%zu leak=%s fds=[%s] preopen=%s stdin=%s stash0=%d\n", found, size / 65536,
         leak ? leak : "none", opened, preopen ? name : "gone", in, stash[0]);
}

int main(void) {
  const char *q = getenv("QUERY_STRING");
  const char *secret = getenv("HTTP_X_SECRET");
  if (op_is(q, "write")) {
    op_write(secret ? secret : "");
  } else if (op_is(q, "read")) {
    op_read(secret ? secret : "");
  } else if (op_is(q, "trap")) {
    __builtin_trap();
  } else if (op_is(q, "exit")) {
    head();
    printf("exiting\n");
    fflush(stdout);
    exit(7);
  } else if (op_is(q, "grow")) {
    size_t p;
    while ((p = __builtin_wasm_memory_grow(0, 128)) != (size_t)-1)
      for (size_t i = 0; i < 128; i++)
        ((volatile char *)((p + i) * 65536))[7] = 1;
    head();
    printf("grown to %zu pages\n", __builtin_wasm_memory_size(0));
  } else if (op_is(q, "loop")) {
    for (;;)
      sink++;
  } else if (op_is(q, "noheader")) {
    printf("just a body\n");
  } else if (op_is(q, "deep")) {
    sink = deep(0);
  } else if (op_is(q, "env")) {
    extern char **environ;
    head();
    for (char **e = environ; *e; e++)
      printf("%s\n", *e);
    char body[256];
    ssize_t got = read(0, body, sizeof body - 1);
    body[got > 0 ? got : 0] = 0;
    printf("BODY=%s\n", body);
  } else {
    head();
    printf("hello\n");
  }
  return 0;
}
