/* One pass over wasm2c's generated C. See c_rewrite.h.
 *
 * Data segments: what wasm2c 1.0.42 writes, and what we match exactly:
 *
 *   static const u8 data_segment_data_w2c_d0[] = {
 *     0x03, 0x01, 0x04, 0x01, ...
 *   };
 *
 * What replaces it:
 *
 *   __asm__(".pushsection .rodata\n.balign 16\nwasmaot_data_segment_data_w2c_d0:\n"
 *           ".incbin \"guest.data\", 0, 4\n.popsection");
 *   extern const u8 data_segment_data_w2c_d0[] __asm__("wasmaot_data_segment_data_w2c_d0")
 *       __attribute__((visibility("hidden")));
 *
 * The label is local to the object (no .globl), so several modules can share an executable
 * (the spec-test runner links many). Top-level asm and -flto partitioning do not mix, so the
 * guest is compiled as one unit without -flto (see pipeline.c). */
#define _GNU_SOURCE
#include "error.h"
#include "c_rewrite.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char array_prefix[] = "static const u8 data_segment_data_";
static const char array_suffix[] = "[] = {\n";

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The array's identifier if `line` opens a data segment array, else NULL (points into line,
 * NUL-terminated in place). */
static char *segment_array_name(char *line) {
  size_t plen = sizeof array_prefix - 1;
  if (strncmp(line, array_prefix, plen) != 0)
    return NULL;
  char *name = line + plen - strlen("data_segment_data_");
  char *end = line + plen;
  while (end - name < 200 && ((*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') ||
                              (*end >= '0' && *end <= '9') || *end == '_'))
    end++;
  if (strcmp(end, array_suffix) != 0)
    return NULL;
  *end = 0;
  return name;
}

/* Appends the bytes of one line ("  0x03, 0x01, ") to the blob. -1 on a malformed line. */
static int copy_hex_line(const char *line, FILE *blob, size_t *count) {
  const char *p = line;
  for (;;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == '\n' || *p == 0)
      return 0;
    int hi, lo;
    if (p[0] != '0' || p[1] != 'x' || (hi = hex_digit(p[2])) < 0 || (lo = hex_digit(p[3])) < 0)
      return -1;
    if (putc(hi << 4 | lo, blob) == EOF)
      return -1;
    (*count)++;
    p += 4;
  }
}

int c_rewrite(const char *c_path, const char *blob_path, const char *blob_name,
              struct c_rewrite_stats *stats, char *err, size_t errlen) {
  char tmp_path[PATH_MAX];
  snprintf(tmp_path, sizeof tmp_path, "%s.tmp", c_path);
  FILE *in = fopen(c_path, "r");
  FILE *out = in ? fopen(tmp_path, "w") : NULL;
  FILE *blob = NULL;
  char *line = NULL;
  size_t cap = 0, total = 0;
  int rc = -1;
  stats->data_bytes = 0;
  if (!out) {
    set_error(err, errlen, "cannot rewrite %s: %s", c_path, strerror(errno));
    goto out;
  }
  /* Large buffers: the input of a module with big segments is hundreds of MB of text. */
  setvbuf(in, NULL, _IOFBF, 1 << 20);
  setvbuf(out, NULL, _IOFBF, 1 << 20);
  while (getline(&line, &cap, in) > 0) {
    /* wasm2c 1.0.42's tail-call trampoline in a function's normal (non-tail-callee) version
     * declares the instance slot uninitialised and fills it only when the target is an import:
     * a return_call to one of the module's own functions then runs it on whatever the C stack
     * held as its instance (WebAssembly/wabt#2831, fixed upstream by #2857 after 1.0.42).
     * Every such declaration is in a function with `instance` in scope: start the slot there. */
    const char *decl = line + strspn(line, " ");
    if (strcmp(decl, "void *instance_ptr_storage;\n") == 0) {
      if (fprintf(out, "%.*svoid *instance_ptr_storage = instance; /* wasmaot: wabt#2831 */\n",
                  (int)(decl - line), line) < 0)
        goto write_error;
      continue;
    }
    char *found = segment_array_name(line);
    if (!found) {
      if (fputs(line, out) == EOF)
        goto write_error;
      continue;
    }
    if (!blob) {
      if (!(blob = fopen(blob_path, "wb"))) {
        set_error(err, errlen, "cannot write %s: %s", blob_path, strerror(errno));
        goto out;
      }
      setvbuf(blob, NULL, _IOFBF, 1 << 20);
    }
    char name[256]; /* copied: `line` is reused for the array's body */
    snprintf(name, sizeof name, "%s", found);
    size_t start = total;
    int closed = 0;
    while (getline(&line, &cap, in) > 0) {
      if (strcmp(line, "};\n") == 0) {
        closed = 1;
        break;
      }
      if (copy_hex_line(line, blob, &total) != 0) {
        set_error(err, errlen, "unexpected data segment line in generated C (%s)", name);
        goto out;
      }
    }
    if (!closed) {
      set_error(err, errlen, "unterminated data segment %s in generated C", name);
      goto out;
    }
    if (fprintf(out,
                "/* %zu bytes of data, moved by wasmaot into %s at offset %zu */\n"
                "__asm__(\".pushsection .rodata\\n.balign 16\\nwasmaot_%s:\\n\"\n"
                "        \".incbin \\\"%s\\\", %zu, %zu\\n.popsection\");\n"
                "extern const u8 %s[] __asm__(\"wasmaot_%s\") "
                "__attribute__((visibility(\"hidden\")));\n",
                total - start, blob_name, start, name, blob_name, start, total - start, name,
                name) < 0)
      goto write_error;
  }
  /* getline also stops on ENOMEM (a line too long for memory): that is no end of file, and
   * a silently shortened C file must not go on to the compiler. */
  if (ferror(in) || !feof(in)) {
    set_error(err, errlen, "cannot read %s", c_path);
    goto out;
  }
  if (fclose(out) != 0) {
    out = NULL;
    goto write_error;
  }
  out = NULL;
  if (blob) {
    int bad = fclose(blob) != 0;
    blob = NULL;
    if (bad) {
      set_error(err, errlen, "cannot write %s (disk full?)", blob_path);
      goto out;
    }
  }
  if (rename(tmp_path, c_path) != 0) {
    set_error(err, errlen, "cannot rewrite %s: %s", c_path, strerror(errno));
    goto out;
  }
  stats->data_bytes = total;
  rc = 0;
  goto out;
write_error:
  set_error(err, errlen, "cannot write %s (disk full?)", tmp_path);
out:
  free(line);
  if (in)
    fclose(in);
  if (out)
    fclose(out);
  if (blob)
    fclose(blob);
  if (rc != 0)
    unlink(tmp_path);
  return rc;
}
