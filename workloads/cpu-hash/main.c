/* cpu-hash N: SHA-256 applied N times to a 32-byte buffer ("hello" padded with zeros; each
 * round hashes the previous digest), then the final digest in hex. Default N = 2,000,000.
 * The seed benchmark: pure computation, no system calls in the loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

int main(int argc, char **argv) {
  unsigned long long rounds = 2000000;
  if (argc > 1) {
    char *end;
    errno = 0;
    rounds = strtoull(argv[1], &end, 10);
    if (errno || *end || argv[1][0] == '-' || argv[1][0] == 0) {
      fprintf(stderr, "usage: cpu-hash [ROUNDS]  (ROUNDS: a non-negative integer)\n");
      return 2;
    }
  }
  uint8_t buf[32] = {0};
  memcpy(buf, "hello", 5);
  for (unsigned long long i = 0; i < rounds; i++)
    sha256(buf, sizeof buf, buf);
  for (int i = 0; i < 32; i++)
    printf("%02x", buf[i]);
  putchar('\n');
  return 0;
}
