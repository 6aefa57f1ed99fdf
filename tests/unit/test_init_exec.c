/* hr_exec_lookup: the program path and runc's (Go's) error texts, which
 * clients match byte for byte. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/init_exec.h"
#include "unit.h"

static char *lookup_error(const char *arg0, const char *path_env) {
  char *args[] = {(char *)arg0, NULL};
  char env0[512];
  snprintf(env0, sizeof(env0), "PATH=%s", path_env);
  char *env[] = {env0, NULL};
  struct hr_process p = {.args = args, .n_args = 1, .env = env, .n_env = 1};
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_free_ char *exe = NULL;
  if (hr_exec_lookup(&p, &exe, &err) == 0)
    return exe ? strdup(exe) : NULL;
  return strdup(hr_error_msg(err));
}

TEST(exec_lookup_runc_error_texts) {
  char dir[] = "/tmp/hrun-unit-exec-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char plain[600], prog[600], missing[600], want[1400];
  snprintf(plain, sizeof(plain), "%s/plain", dir);
  snprintf(prog, sizeof(prog), "%s/prog", dir);
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  close(open(plain, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
  close(open(prog, O_CREAT | O_WRONLY | O_CLOEXEC, 0755));

  char *m = lookup_error(missing, dir);
  snprintf(want, sizeof(want),
           "exec: \"%s\": stat %s: no such file or directory", missing,
           missing);
  CHECK_STR(m, want);
  free(m);

  m = lookup_error(plain, dir);
  snprintf(want, sizeof(want), "exec: \"%s\": permission denied", plain);
  CHECK_STR(m, want);
  free(m);

  m = lookup_error(dir, dir);
  snprintf(want, sizeof(want), "exec: \"%s\": permission denied", dir);
  CHECK_STR(m, want);
  free(m);

  m = lookup_error("prog", dir);
  CHECK_STR(m, prog);
  free(m);

  m = lookup_error("nope", dir);
  CHECK_STR(m, "exec: \"nope\": executable file not found in $PATH");
  free(m);

  unlink(plain);
  unlink(prog);
  rmdir(dir);
}
