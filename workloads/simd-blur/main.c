/* simd-blur [PASSES [WIDTH HEIGHT]]: a separable 3x3 binomial blur, PASSES times, over an
 * 8-bit greyscale image (default 2048 x 2048, 4 MiB) of deterministic pseudo-random pixels,
 * then the CRC-32 (zlib's) of the final image in hex. Default PASSES = 250.
 *
 * The algorithm, which bench/workloads.py re-implements independently with numpy:
 *   noise[i] = mix(i) >> 24 for i = y * WIDTH + x, with mix the 32-bit hash below; the image
 *   starts as noise;
 *   pass p (0, 1, ...): horizontally, then vertically, out = (a + 2b + c + 2) >> 2 over the
 *   left/centre/right (then above/centre/below) neighbours, edges clamped (the border pixel is
 *   its own neighbour); after the vertical step, row y is XORed with noise row (y + p) mod
 *   HEIGHT, so the image never settles into a fixed point and every pass shows in the digest.
 *   Integer arithmetic only, so every build prints the same digest.
 *
 * The kernel is written three times: wasm SIMD128 intrinsics (wasm32 with -msimd128), SSE2
 * intrinsics (x86-64's baseline vector ISA, so plain -O2 uses it), and scalar C (anything
 * else, and the image edges/tails). 16 pixels per vector. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define VEC 1
typedef v128_t vec;
static inline vec vload(const uint8_t *p) { return wasm_v128_load(p); }
static inline vec vxor(vec a, vec b) { return wasm_v128_xor(a, b); }
static inline void vstore(uint8_t *p, vec v) { wasm_v128_store(p, v); }
/* (a + 2b + c + 2) >> 2 on 16 lanes, in 16-bit halves. */
static inline vec blur3(vec a, vec b, vec c) {
  const v128_t two = wasm_i16x8_splat(2);
  v128_t lo = wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(a), wasm_u16x8_extend_low_u8x16(c)),
                             wasm_i16x8_add(wasm_i16x8_shl(wasm_u16x8_extend_low_u8x16(b), 1), two));
  v128_t hi = wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(a), wasm_u16x8_extend_high_u8x16(c)),
                             wasm_i16x8_add(wasm_i16x8_shl(wasm_u16x8_extend_high_u8x16(b), 1), two));
  return wasm_u8x16_narrow_i16x8(wasm_u16x8_shr(lo, 2), wasm_u16x8_shr(hi, 2));
}
#elif defined(__SSE2__)
#include <emmintrin.h>
#define VEC 1
typedef __m128i vec;
static inline vec vload(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }
static inline vec vxor(vec a, vec b) { return _mm_xor_si128(a, b); }
static inline void vstore(uint8_t *p, vec v) { _mm_storeu_si128((__m128i *)p, v); }
static inline vec blur3(vec a, vec b, vec c) {
  const __m128i zero = _mm_setzero_si128(), two = _mm_set1_epi16(2);
  __m128i lo = _mm_add_epi16(_mm_add_epi16(_mm_unpacklo_epi8(a, zero), _mm_unpacklo_epi8(c, zero)),
                             _mm_add_epi16(_mm_slli_epi16(_mm_unpacklo_epi8(b, zero), 1), two));
  __m128i hi = _mm_add_epi16(_mm_add_epi16(_mm_unpackhi_epi8(a, zero), _mm_unpackhi_epi8(c, zero)),
                             _mm_add_epi16(_mm_slli_epi16(_mm_unpackhi_epi8(b, zero), 1), two));
  return _mm_packus_epi16(_mm_srli_epi16(lo, 2), _mm_srli_epi16(hi, 2));
}
#else
#define VEC 0
#endif

static inline uint8_t blur3_scalar(unsigned a, unsigned b, unsigned c) {
  return (uint8_t)((a + 2 * b + c + 2) >> 2);
}

/* The pixel hash (a murmur3-style finaliser of the index). */
static inline uint32_t mix(uint32_t i) {
  uint32_t h = i * 0x9E3779B1u;
  h ^= h >> 15;
  h *= 0x85EBCA77u;
  h ^= h >> 13;
  h *= 0xC2B2AE3Du;
  h ^= h >> 16;
  return h;
}

/* One row, horizontally: dst[x] from src[x-1], src[x], src[x+1], clamped at both ends. */
static void blur_row(uint8_t *restrict dst, const uint8_t *restrict src, size_t w) {
  if (w == 1) {
    dst[0] = src[0];
    return;
  }
  dst[0] = blur3_scalar(src[0], src[0], src[1]);
  size_t x = 1;
#if VEC
  for (; x + 16 < w; x += 16)
    vstore(dst + x, blur3(vload(src + x - 1), vload(src + x), vload(src + x + 1)));
#endif
  for (; x + 1 < w; x++)
    dst[x] = blur3_scalar(src[x - 1], src[x], src[x + 1]);
  dst[w - 1] = blur3_scalar(src[w - 2], src[w - 1], src[w - 1]);
}

/* One row, vertically: dst[x] from the rows above (a), at (b) and below (c), XOR noise[x]. */
static void blur_col(uint8_t *restrict dst, const uint8_t *a, const uint8_t *b, const uint8_t *c,
                     const uint8_t *noise, size_t w) {
  size_t x = 0;
#if VEC
  for (; x + 16 <= w; x += 16)
    vstore(dst + x, vxor(blur3(vload(a + x), vload(b + x), vload(c + x)), vload(noise + x)));
#endif
  for (; x < w; x++)
    dst[x] = blur3_scalar(a[x], b[x], c[x]) ^ noise[x];
}

/* zlib's CRC-32 (reflected, polynomial 0xEDB88320, init and final xor 0xFFFFFFFF). */
static uint32_t crc32(const uint8_t *p, size_t n) {
  static uint32_t table[256];
  if (!table[1])
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++)
        c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++)
    crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

static int parse(const char *s, unsigned long long max, unsigned long long *out) {
  char *end;
  errno = 0;
  *out = strtoull(s, &end, 10);
  return !(errno || *end || s[0] == '-' || s[0] == 0 || *out > max);
}

int main(int argc, char **argv) {
  unsigned long long passes = 250, w = 2048, h = 2048;
  if (argc != 1 && argc != 2 && argc != 4)
    goto usage;
  if (argc > 1 && !parse(argv[1], 1ull << 32, &passes))
    goto usage;
  if (argc == 4 && (!parse(argv[2], 1 << 16, &w) || !parse(argv[3], 1 << 16, &h) || !w || !h ||
                    w * h > (64u << 20)))
    goto usage;

  size_t n = (size_t)(w * h);
  uint8_t *img = malloc(n), *tmp = malloc(n), *noise = malloc(n);
  if (!img || !tmp || !noise) {
    fprintf(stderr, "simd-blur: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < n; i++)
    noise[i] = (uint8_t)(mix((uint32_t)i) >> 24);
  memcpy(img, noise, n);

  for (unsigned long long p = 0; p < passes; p++) {
    for (size_t y = 0; y < h; y++)
      blur_row(tmp + y * w, img + y * w, w);
    for (size_t y = 0; y < h; y++) {
      const uint8_t *above = tmp + (y ? y - 1 : 0) * w, *below = tmp + (y + 1 < h ? y + 1 : y) * w;
      blur_col(img + y * w, above, tmp + y * w, below, noise + (y + p) % h * w, w);
    }
  }
  printf("%08x\n", crc32(img, n));
  free(img);
  free(tmp);
  free(noise);
  return 0;

usage:
  fprintf(stderr, "usage: simd-blur [PASSES [WIDTH HEIGHT]]  (PASSES >= 0; 1 <= WIDTH, HEIGHT <= 65536, "
                  "WIDTH * HEIGHT <= 64 Mi)\n");
  return 2;
}
