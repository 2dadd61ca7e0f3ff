/* serve-bench: the seed's per-request sandbox benchmark on the serve guests, in process.
 *
 *   serve-bench --cgi-wasm F --handler-wasm F --cgi-native F [--quick] [--n N]
 *               [--max-seconds S] [--only SUBSTRING]
 *
 * Prints one JSON line describing the machine, then one per variant:
 *   {"variant":"wasmtime-pooling","guest":"handler","n":..,"median_us":..,"p10_us":..,
 *    "p90_us":..,"min_us":..,"max_us":..,"mean_us":..,"verified":true,"note":".."}
 * or {"variant":..,"guest":..,"verified":false,"error":".."}. Exit status 1 if any variant
 * failed. Request i and the exact answers it must get are built before the timer starts (a
 * fixed cost of ~1.5 us of snprintf that would otherwise dominate the fastest rows); the timer
 * covers handing the request to the variant, everything the variant does, and checking the
 * response byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_bench.h"

static int usage(void) {
  fprintf(stderr, "usage: serve-bench --cgi-wasm F --handler-wasm F --cgi-native F [--quick] "
                  "[--n N] [--max-seconds S] [--only SUBSTRING]\n");
  return 2;
}

int main(int argc, char **argv) {
  struct guests g = {0};
  struct plan plan = {.n = 20000, .max_seconds = 3.0, .min_n = 20, .warmup = 50};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quick") == 0) {
      plan = (struct plan){.n = 200, .max_seconds = 0.2, .min_n = 5, .warmup = 2};
      continue;
    }
    if (!v)
      return usage();
    i++;
    if (strcmp(a, "--cgi-wasm") == 0)
      g.cgi_wasm = v;
    else if (strcmp(a, "--handler-wasm") == 0)
      g.handler_wasm = v;
    else if (strcmp(a, "--cgi-native") == 0)
      g.cgi_native = v;
    else if (strcmp(a, "--only") == 0)
      g.only = v;
    else if (strcmp(a, "--n") == 0 && atoi(v) > 0)
      plan.n = (unsigned)atoi(v), plan.min_n = plan.n < plan.min_n ? plan.n : plan.min_n;
    else if (strcmp(a, "--max-seconds") == 0 && atof(v) > 0)
      plan.max_seconds = atof(v);
    else
      return usage();
  }
  if (!g.cgi_wasm || !g.handler_wasm || !g.cgi_native)
    return usage();
  describe_machine();
  int bad = run_native_variants(&g, &plan);
  bad |= run_wasmtime_variants(&g, &plan);
  return bad ? 1 : 0;
}
