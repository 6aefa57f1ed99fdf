#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#define MAX_TESTS 2048

static struct {
  const char *name;
  unit_fn fn;
} tests[MAX_TESTS];
static int n_tests;
static int current_failed;

void unit_register(const char *name, unit_fn fn) {
  if (n_tests < MAX_TESTS) {
    tests[n_tests].name = name;
    tests[n_tests].fn = fn;
    n_tests++;
  }
}

void unit_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "  %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  current_failed = 1;
}

char *unit_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char *tmpl = NULL;
  if (asprintf(&tmpl, "%s/hrun-unit-XXXXXX", base ? base : "/tmp") < 0)
    abort();
  if (!mkdtemp(tmpl))
    abort();
  return tmpl;
}

int unit_write_file(const char *path, const char *content) {
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(content, f);
  return fclose(f);
}

char *unit_read_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n = getdelim(&buf, &cap, '\0', f);
  fclose(f);
  if (n < 0) {
    free(buf);
    return strdup("");
  }
  return buf;
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (int i = 0; i < n_tests; i++) {
    if (argc > 1 && !strstr(tests[i].name, argv[1]))
      continue;
    current_failed = 0;
    tests[i].fn();
    if (current_failed) {
      printf("not ok %s\n", tests[i].name);
      failed++;
    } else {
      printf("ok %s\n", tests[i].name);
      passed++;
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

char *unit_in_child(void (*fn)(int fd, void *arg), void *arg) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return strdup("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    fn(p[1], arg);
    _exit(0);
  }
  close(p[1]);
  char *out = NULL;
  size_t cap = 0;
  FILE *f = fdopen(p[0], "r");
  if (!f || getdelim(&out, &cap, '\0', f) < 0) {
    free(out);
    out = strdup("");
  }
  if (f)
    fclose(f);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    free(out);
    return strdup("child crashed");
  }
  return out;
}
