/* hello: the smallest WASI command. Measures process start-up, nothing else. */
#include <stdio.h>

int main(void) {
  puts("hello");
  return 0;
}
