/* Replays corpus files through one fuzz target once, without libFuzzer, so
 * `make fuzz-regress` (part of `make unit`) checks every seed and every past
 * crash cheaply with the normal compiler.
 *
 *   fuzz-regress-TARGET FILE_OR_DIR...
 *
 * A crash or violated invariant aborts (the last "replay:" line on stderr
 * names the input); otherwise prints "TARGET: N inputs ok". */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: open %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t r;
  while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
    len += r;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb)
        free(buf);
      buf = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    fprintf(stderr, "replay: read %s failed\n", path);
    free(buf);
    return -1;
  }
  if (getenv("FUZZ_REGRESS_VERBOSE"))
    fprintf(stderr, "replay: %s\n", path);
  /* a private copy of exactly len bytes so ASan sees overreads */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact)
    abort();
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  (*n)++;
  return 0;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay(const char *path, size_t *n) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode))
    return replay_file(path, n);
  struct dirent **list;
  int k = scandir(path, &list, NULL, NULL);
  if (k < 0) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  char **names = calloc((size_t)k + 1, sizeof(*names));
  int m = 0, rc = 0;
  for (int i = 0; i < k; i++) {
    if (list[i]->d_name[0] != '.' && names)
      names[m++] = strdup(list[i]->d_name);
    free(list[i]);
  }
  free(list);
  if (!names)
    return -1;
  qsort(names, (size_t)m, sizeof(*names), cmp);
  for (int i = 0; i < m; i++) {
    char *p = NULL;
    if (!names[i] || asprintf(&p, "%s/%s", path, names[i]) < 0)
      rc = -1;
    else if (replay(p, n) < 0)
      rc = -1;
    free(p);
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  const char *name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  size_t n = 0;
  int rc = 0;
  for (int i = 1; i < argc; i++)
    if (replay(argv[i], &n) < 0)
      rc = 1;
  if (n == 0) {
    fprintf(stderr, "%s: no inputs\n", name);
    return 1;
  }
  printf("%s: %zu inputs ok\n", name, n);
  return rc;
}
