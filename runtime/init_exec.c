#include "hrun/init_exec.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"

#define DEFAULT_PATH                                                           \
  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(const struct hr_process *p) {
  for (size_t i = 0; i < p->n_env; i++)
    if (!strncmp(p->env[i], "PATH=", 5))
      return p->env[i] + 5;
  return DEFAULT_PATH;
}

/* 0 if path is an executable file; else -1 with *error set and *stat_failed
 * telling whether stat itself failed (as in Go's exec.LookPath, whose
 * messages runc reports). */
static int check_executable(const char *path, int *error, bool *stat_failed) {
  struct stat st;
  *stat_failed = false;
  if (stat(path, &st) < 0) {
    *error = errno;
    *stat_failed = true;
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    *error = EISDIR;
    return -1;
  }
  if (access(path, X_OK) < 0) {
    *error = errno;
    return -1;
  }
  return 0;
}

static bool is_executable_file(const char *path, int *error) {
  bool stat_failed;
  return check_executable(path, error, &stat_failed) == 0;
}

/* runc's text for a path that cannot be executed, byte for byte: clients
 * match it (Docker maps "no such file or directory" to exit 127 and
 * "permission denied" to 126, case-sensitively). Go's errno texts are
 * glibc's with a lower-case first letter; a directory or a file without x
 * permission is "permission denied". */
static int path_error(hr_error_t *err, const char *name, int e,
                      bool stat_failed) {
  if (!stat_failed)
    return hr_error_set_errno(err, e, "exec: \"%s\": permission denied", name);
  char text[128];
  snprintf(text, sizeof(text), "%s", strerror(e));
  text[0] = (char)tolower((unsigned char)text[0]);
  return hr_error_set_errno(err, e, "exec: \"%s\": stat %s: %s", name, name,
                            text);
}

int hr_exec_lookup(const struct hr_process *p, char **out, hr_error_t *err) {
  const char *name = p->args[0];
  int e = 0;
  if (strchr(name, '/')) {
    bool stat_failed;
    if (check_executable(name, &e, &stat_failed) < 0)
      return path_error(err, name, e, stat_failed);
    *out = strdup(name);
    return *out ? 0 : hr_error_set(err, ENOMEM, "exec");
  }
  const char *path = env_path(p);
  while (path) {
    const char *colon = strchr(path, ':');
    size_t dlen = colon ? (size_t)(colon - path) : strlen(path);
    char candidate[PATH_MAX];
    int n = snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)dlen, path,
                     name);
    if (n > 0 && n < (int)sizeof(candidate) && dlen > 0 &&
        is_executable_file(candidate, &e)) {
      *out = strdup(candidate);
      return *out ? 0 : hr_error_set(err, ENOMEM, "exec");
    }
    path = colon ? colon + 1 : NULL;
  }
  return hr_error_set(err, 0,
                      "exec: \"%s\": executable file not found in $PATH", name);
}
