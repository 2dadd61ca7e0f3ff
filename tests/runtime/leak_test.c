/* Instantiating and freeing one module N times (default 100,000) in one process leaks nothing:
 * neither address space (guard-page mode reserves 8 GiB per memory), nor mappings, nor heap.
 * Compiled by run_leak_test.sh with `wasmaot cflags` and the wasm2c header of the guest
 * (module name "leak", force-included), linked with the runtime library of one bounds mode.
 * Prints the figures; exits 1 if VmSize, RSS or the number of mappings in /proc/self/maps grew
 * between the end of a warm-up and the end by more than a small bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct usage {
  long vm_kib, rss_kib, maps;
};

static long status_field(const char *name) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen(name);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, name, n) == 0 && line[n] == ':')
      v = strtol(line + n + 1, NULL, 10);
  if (f)
    fclose(f);
  return v;
}

static struct usage measure(void) {
  struct usage u = {status_field("VmSize"), status_field("VmRSS"), 0};
  FILE *f = fopen("/proc/self/maps", "r");
  int c;
  while (f && (c = fgetc(f)) != EOF)
    u.maps += c == '\n';
  if (f)
    fclose(f);
  return u;
}

static int cycle(unsigned long i) {
  static w2c_leak instance; /* static, as in host_main.c: the instance itself is not what leaks */
  wasm2c_leak_instantiate(&instance);
  int ok = w2c_leak_touch(&instance, (u32)(i & 0x7F)) == 2 + (int)(i & 0x7F) &&
           w2c_leak_via_table(&instance, 5) == 3 + 5 && w2c_leak_memory(&instance)->size == 3 * 65536;
  wasm2c_leak_free(&instance);
  return ok;
}

int main(int argc, char **argv) {
  unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, warmup = n / 100 + 10;
  wasm_rt_init();
  for (unsigned long i = 0; i < warmup; i++)
    if (!cycle(i)) {
      fprintf(stderr, "leak_test: wrong results from the guest at iteration %lu\n", i);
      return 1;
    }
  struct usage before = measure();
  for (unsigned long i = 0; i < n; i++)
    if (!cycle(i)) {
      fprintf(stderr, "leak_test: wrong results from the guest at iteration %lu\n", i);
      return 1;
    }
  struct usage after = measure();
  wasm_rt_free();
  printf("%lu instantiate/free cycles after %lu warm-up: VmSize %ld -> %ld KiB, VmRSS %ld -> %ld KiB, "
         "mappings %ld -> %ld\n",
         n, warmup, before.vm_kib, after.vm_kib, before.rss_kib, after.rss_kib, before.maps, after.maps);
  /* Bounds: a leak of one page per cycle would be 400 MB of RSS; of the 8 GiB reservation,
   * 800 TiB of address space (it fails long before); of one mapping, 100,000 lines. */
  int bad = 0;
  if (after.vm_kib - before.vm_kib > 16 * 1024)
    bad = fprintf(stderr, "leak_test: address space grew by %ld KiB\n", after.vm_kib - before.vm_kib);
  if (after.rss_kib - before.rss_kib > 2 * 1024)
    bad = fprintf(stderr, "leak_test: RSS grew by %ld KiB\n", after.rss_kib - before.rss_kib);
  if (after.maps - before.maps > 4)
    bad = fprintf(stderr, "leak_test: %ld more mappings\n", after.maps - before.maps);
  return bad ? 1 : 0;
}
