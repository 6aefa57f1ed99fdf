/* `hrun exec`: run another process inside a running (or created)
 * container. It joins every namespace of the container's init, is cloned
 * straight into the container's cgroup, and gets the same process setup
 * and seccomp filter as the init before execve. */
#ifndef HRUN_EXEC_H
#define HRUN_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/config.h"
#include "hrun/container.h"
#include "hrun/error.h"

struct hr_exec_opts {
  const struct hr_globals *g;
  const char *id;
  const char *process_file; /* --process: an OCI Process JSON file */
  char **args;              /* COMMAND [ARGS...] (without --process) */
  size_t n_args;
  const char *console_socket;
  const char *pid_file;
  /* process overrides, runc's semantics (ignored with --process) */
  const char *cwd;
  char **env; /* --env K=V, in order; a later key overrides */
  size_t n_env;
  const char *user; /* "UID[:GID]" */
  char **additional_gids;
  size_t n_additional_gids;
  char **caps; /* --cap CAP_X: added to bounding, effective, permitted */
  size_t n_caps;
  int tty;           /* -1: as in the process, else --tty given */
  bool no_new_privs; /* --no-new-privs */
  const char *process_label, *apparmor;
  bool detach;
  bool ignore_paused;
  int preserve_fds;
};

/* The process to exec: the --process file, or the container's
 * config.json process with args replaced by o->args and the flags applied
 * on top. Without capabilities in the --process file the container's are
 * used (none when the config has none either), as runc does. Errors name
 * the flag or the file ("process.json: args: ...").
 * Pure apart from reading o->process_file; *out is left zeroed on error. */
int hr_exec_build_process(const struct hr_exec_opts *o,
                          const struct hr_config *cfg, struct hr_process *out,
                          hr_error_t *err);

/* Parse the value of --user ("UID[:GID]"): *gid is left alone when the
 * value has no ":GID". */
int hr_exec_parse_user(const char *s, uint32_t *uid, uint32_t *gid,
                       hr_error_t *err);
/* "CAP_SYS_ADMIN" -> 21; errors name the flag. */
int hr_exec_parse_cap(const char *flag, const char *name, int *cap,
                      hr_error_t *err);
/* Set KEY=VALUE in an env vector (NULL-terminated, malloc'd strings):
 * replaces every earlier KEY, else appends. */
int hr_env_set(char ***env, size_t *n, const char *kv, hr_error_t *err);

/* Run the exec. Returns 0 when it ran; *exit_code is then the process's
 * exit code (128+signal when signalled), or 0 with --detach. On failure
 * *exit_code is 1, or 127 when the executable was not found. */
int hr_container_exec(const struct hr_exec_opts *o, int *exit_code,
                      hr_error_t *err);

/* Foreground exec: forward the signals hr_forward_signals_block blocks
 * (already blocked by the caller) to the process and wait for it; returns
 * its exit code (128+signal when signalled). With master >= 0 (a terminal
 * without --console-socket) also copy stdin to the pty master and the
 * master to stdout (stdin in raw mode when it is a terminal) and keep the
 * pty's size in step with stdin's (SIGWINCH). */
int hr_exec_wait(int pidfd, int master, int *exit_code, hr_error_t *err);

#endif
