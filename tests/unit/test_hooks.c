/* hr_hooks_run with small shell scripts in a temp dir. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/hooks.h"
#include "unit.h"

static char *script(const char *dir, const char *name, const char *body) {
  char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, name) < 0)
    abort();
  char *text = NULL;
  if (asprintf(&text, "#!/bin/sh\n%s\n", body) < 0)
    abort();
  if (unit_write_file(path, text) < 0 || chmod(path, 0755) < 0)
    abort();
  free(text);
  return path;
}

static char *join(const char *dir, const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    abort();
  return p;
}

static void rm_rf(const char *dir) {
  char *cmd = NULL;
  if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0)
    fprintf(stderr, "  could not remove %s\n", dir);
  free(cmd);
}

TEST(hooks_state_args_and_env) {
  _cleanup_free_ char *dir = unit_tmpdir();
  _cleanup_free_ char *path = script(
      dir, "hook", "cat > \"$1\"; echo \"$# $2 $HOOK_VAR\" > \"$1.env\"");
  _cleanup_free_ char *state_file = join(dir, "state");
  _cleanup_free_ char *env_file = join(dir, "state.env");
  char *args[] = {"my-hook", state_file, "second", NULL};
  char *env[] = {"HOOK_VAR=hello", NULL};
  struct hr_hook h = {.path = path, .args = args, .env = env};
  const char *state = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\"}";
  hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(&h, 1, "prestart", state, &err), 0);
  CHECK(err == NULL);
  _cleanup_free_ char *got = unit_read_file(state_file);
  CHECK_STR(got, state);
  _cleanup_free_ char *got_env = unit_read_file(env_file);
  /* argv[0] of a #! script is replaced by the kernel, so count args */
  CHECK_STR(got_env, "2 second hello\n");
  rm_rf(dir);
}

TEST(hooks_env_inherited_when_unset_and_argv0_defaults_to_path) {
  _cleanup_free_ char *dir = unit_tmpdir();
  _cleanup_free_ char *out = join(dir, "out");
  _cleanup_free_ char *body = NULL;
  if (asprintf(&body, "echo \"$0 $HRUN_HOOK_TEST\" > '%s'", out) < 0)
    abort();
  _cleanup_free_ char *path = script(dir, "hook", body);
  setenv("HRUN_HOOK_TEST", "inherited", 1);
  struct hr_hook h = {.path = path};
  hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(&h, 1, "poststop", "{}", &err), 0);
  unsetenv("HRUN_HOOK_TEST");
  _cleanup_free_ char *got = unit_read_file(out);
  _cleanup_free_ char *want = NULL;
  if (asprintf(&want, "%s inherited\n", path) < 0)
    abort();
  CHECK_STR(got, want);
  rm_rf(dir);
}

TEST(hooks_exit_status_is_an_error_with_output) {
  _cleanup_free_ char *dir = unit_tmpdir();
  _cleanup_free_ char *ok = script(dir, "ok", "exit 0");
  _cleanup_free_ char *bad =
      script(dir, "bad", "echo some output; echo 'first\nsecond' >&2; exit 3");
  struct hr_hook hooks[] = {{.path = ok}, {.path = bad}, {.path = ok}};
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(hooks, 3, "poststart", "{}", &err), -1);
  _cleanup_free_ char *want = NULL;
  if (asprintf(&want,
               "poststart hook #1 (%s): exited with status 3, stdout: some "
               "output, stderr: first second",
               bad) < 0)
    abort();
  CHECK_STR(hr_error_msg(err), want);
  rm_rf(dir);
}

TEST(hooks_timeout_kills) {
  _cleanup_free_ char *dir = unit_tmpdir();
  /* sh forks sleep, which keeps the output pipes open after sh is killed:
   * the runtime must not wait for it. */
  _cleanup_free_ char *path = script(dir, "slow", "sleep 5; exit 0");
  struct hr_hook h = {.path = path, .timeout = {.set = true, .v = 1}};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(&h, 1, "createRuntime", "{}", &err), -1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  _cleanup_free_ char *want = NULL;
  if (asprintf(&want, "createRuntime hook #0 (%s): timed out after 1s", path) <
      0)
    abort();
  CHECK_STR(hr_error_msg(err), want);
  double secs =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK(secs >= 0.9 && secs < 3);
  rm_rf(dir);
}

TEST(hooks_killed_by_signal) {
  _cleanup_free_ char *dir = unit_tmpdir();
  _cleanup_free_ char *path = script(dir, "die", "kill -9 $$");
  struct hr_hook h = {.path = path};
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(&h, 1, "prestart", "{}", &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "): killed by signal 9");
  rm_rf(dir);
}

TEST(hooks_missing_binary) {
  struct hr_hook h = {.path = "/nonexistent/hook"};
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(&h, 1, "createContainer", "{}", &err), -1);
  CHECK_STR(hr_error_msg(err), "createContainer hook #0 (/nonexistent/hook): "
                               "exec: No such file or directory");
}

TEST(hooks_not_reading_stdin_is_fine) {
  _cleanup_free_ char *dir = unit_tmpdir();
  _cleanup_free_ char *path = script(dir, "quick", "exit 0");
  /* Bigger than a pipe buffer: the write hits EPIPE, never SIGPIPE. */
  size_t n = 1 << 20;
  _cleanup_free_ char *big = malloc(n + 1);
  memset(big, 'x', n);
  big[n] = 0;
  struct hr_hook h = {.path = path};
  hr_error_t err = NULL;
  CHECK_INT(hr_hooks_run(&h, 1, "poststop", big, &err), 0);
  sigset_t pending;
  sigpending(&pending);
  CHECK(!sigismember(&pending, SIGPIPE));
  rm_rf(dir);
}
