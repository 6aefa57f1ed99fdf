#include "hrun/init_exec.h"

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

static bool is_executable_file(const char *path, int *error) {
  struct stat st;
  if (stat(path, &st) < 0) {
    *error = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *error = EISDIR;
    return false;
  }
  if (access(path, X_OK) < 0) {
    *error = errno;
    return false;
  }
  return true;
}

int hr_exec_lookup(const struct hr_process *p, char **out, hr_error_t *err) {
  const char *name = p->args[0];
  int e = 0;
  if (strchr(name, '/')) {
    if (!is_executable_file(name, &e))
      return hr_error_set(err, e, "exec: \"%s\": stat %s", name, name);
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
