/* The container lifecycle: the parent side of create/run and the init
 * process that sets the container up and execs the user program. */
#ifndef HRUN_CONTAINER_H
#define HRUN_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "hrun/config.h"
#include "hrun/error.h"
#include "hrun/state.h"

/* Exit code for "executable not found", as shells and runc use. */
#define HR_EXIT_NOT_FOUND 127

struct hr_globals {
  const char *root;
  const char *log;
  bool debug;
  bool systemd_cgroup;
  const char *cgroup_root; /* cgroup2 mount, HRUN_CGROUP_ROOT overrides */
};

enum hr_create_mode {
  HR_MODE_CREATE, /* init waits on the exec fifo for `start` */
  HR_MODE_RUN,    /* init starts at once; hrun waits and reports */
  HR_MODE_RUN_DETACH
};

struct hr_create_opts {
  const struct hr_globals *g;
  enum hr_create_mode mode;
  const char *id;
  const char *bundle; /* absolute */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  /* a hardening profile applied onto config.json in memory (profile.h);
   * NULL: the config as written (runc semantics) */
  const char *profile;
  bool profile_force;
};

/* A container between create and the end of `run`. */
struct hr_container {
  struct hr_config cfg;
  struct hr_state state;
  int state_dirfd;
  int pidfd;
  int sync_fd; /* parent end of the socket to the init */
  /* run with process.terminal and no --console-socket: the pty master
   * the monitor relays to hrun's stdio; -1 otherwise */
  int console_master;
  bool owns_cgroup;
};

/* Create the container. On failure everything made so far is removed and
 * *exit_code says how to exit (1, or 127 for a missing executable). */
int hr_container_create(const struct hr_create_opts *o, struct hr_container *c,
                        int *exit_code, hr_error_t *err);
/* Let a container made with HR_MODE_RUN* exec its program. */
int hr_container_start_run(const struct hr_create_opts *o,
                           struct hr_container *c, hr_error_t *err);
/* Wait for the init, forwarding signals; returns the exit code
 * (128+signal when signalled). */
int hr_container_wait(struct hr_container *c, int *exit_code, hr_error_t *err);
void hr_container_release(struct hr_container *c);
/* Block the signals `run` forwards (before create, so none is lost). */
#include <signal.h>
int hr_forward_signals_block(sigset_t *set);

/* Tear down: kill what is left, remove the cgroup and state, run poststop
 * hooks. Used by delete and by run. */
int hr_container_destroy(const struct hr_globals *g, struct hr_state *s,
                         hr_error_t *err);

/* Messages on the sync socket between hrun and the init. */
enum hr_sync_msg {
  HR_SYNC_USERNS_READY = 'u', /* parent: uid/gid maps written */
  HR_SYNC_HOOKS = 'H',        /* init: mounts done, run createRuntime hooks */
  HR_SYNC_HOOKS_DONE = 'h',
  HR_SYNC_READY = 'R', /* init: set up, waiting for start */
  HR_SYNC_START = 'S', /* parent (run): exec now */
  HR_SYNC_ERROR = 'E', /* init: errno + message follow */
};

struct hr_init_args {
  const struct hr_create_opts *o;
  const struct hr_config *cfg;
  const char *rootfs; /* absolute, resolved */
  int sync_fd;
  int fifo_fd;         /* exec fifo (create), -1 otherwise */
  int console_fd;      /* console socket or hrun's relay pair; -1: none */
  const void *seccomp; /* struct hr_seccomp_program *, NULL if none */
  bool userns_wait;
  bool has_hook_sync;
};

/* Runs in the cloned child; never returns. */
__attribute__((noreturn)) void hr_init_main(const struct hr_init_args *a);

#endif
