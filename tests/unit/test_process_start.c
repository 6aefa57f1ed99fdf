/* hr_process_prepare and hr_process_exec in forked children: the exit
 * codes runc gives (1, 127 not found, 126 not executable) and the error
 * naming the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/process_start.h"
#include "unit.h"

struct prep_case {
  const char *cwd, *arg0, *path_env;
};

static void run_prepare(int fd, void *arg) {
  const struct prep_case *c = arg;
  char *args[] = {(char *)c->arg0, NULL};
  char *env[] = {(char *)c->path_env, NULL};
  struct hr_process p = {
      .args = args, .n_args = 1, .env = env, .n_env = 1, .cwd = (char *)c->cwd};
  hr_error_t err = NULL;
  _cleanup_free_ char *exe = NULL;
  int code = -1;
  if (hr_process_prepare(&p, NULL, &exe, &code, &err) < 0)
    dprintf(fd, "%d %s", code, hr_error_msg(err));
  else
    dprintf(fd, "ok %s", exe);
}

TEST(process_prepare_codes) {
  struct prep_case ok = {"/", "sh", "PATH=/bin"};
  _cleanup_free_ char *o1 = unit_in_child(run_prepare, &ok);
  CHECK_STR(o1, "ok /bin/sh");

  struct prep_case bad_cwd = {"/nonexistent-cwd", "sh", "PATH=/bin"};
  _cleanup_free_ char *o2 = unit_in_child(run_prepare, &bad_cwd);
  CHECK_STR(o2, "1 process.cwd: chdir to \"/nonexistent-cwd\": No such file "
                "or directory");

  struct prep_case missing = {"/", "no-such-program", "PATH=/bin"};
  _cleanup_free_ char *o3 = unit_in_child(run_prepare, &missing);
  CHECK_CONTAINS(o3, "127 ");
  CHECK_CONTAINS(o3, "executable file not found in $PATH");
}

static void run_exec(int fd, void *arg) {
  const char *exe = arg;
  char *args[] = {(char *)exe, NULL};
  char *env[] = {NULL};
  struct hr_process p = {.args = args, .n_args = 1, .env = env, .cwd = "/"};
  hr_error_t err = NULL;
  int code = -1;
  /* keep the fd the result goes back on */
  hr_process_exec(&p, NULL, exe, fd + 1, &code, &err);
  dprintf(fd, "%d %s", code, hr_error_msg(err));
}

TEST(process_exec_codes) {
  _cleanup_free_ char *o1 = unit_in_child(run_exec, "/nonexistent-program");
  CHECK_STR(o1, "127 exec /nonexistent-program: No such file or directory");
  _cleanup_free_ char *dir = unit_tmpdir();
  char plain[512], junk[512];
  snprintf(plain, sizeof(plain), "%s/plain", dir);
  snprintf(junk, sizeof(junk), "%s/junk", dir);
  CHECK_INT(unit_write_file(plain, "data\n"), 0);
  CHECK_INT(unit_write_file(junk, "\x01\x02 not a program\n"), 0);
  CHECK_INT(chmod(plain, 0644), 0);
  CHECK_INT(chmod(junk, 0755), 0);
  /* no x bit (root too needs one), and x but no known format */
  _cleanup_free_ char *o2 = unit_in_child(run_exec, plain);
  CHECK_CONTAINS(o2, "126 exec ");
  CHECK_CONTAINS(o2, "/plain: Permission denied");
  _cleanup_free_ char *o3 = unit_in_child(run_exec, junk);
  CHECK_CONTAINS(o3, "126 exec ");
  CHECK_CONTAINS(o3, "/junk: Exec format error");
  unlink(plain);
  unlink(junk);
  rmdir(dir);
}
