/* Per-container state under the runtime root (default /run/hrun):
 * ROOT/ID/ (mode 0700) holds state.json (written atomically) and, between
 * create and start, the exec fifo the init waits on. */
#ifndef HRUN_STATE_H
#define HRUN_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hrun/error.h"

#define HR_DEFAULT_ROOT "/run/hrun"
#define HR_STATE_FILE "state.json"
#define HR_EXEC_FIFO "exec.fifo"

enum hr_status {
  HR_STATUS_CREATING,
  HR_STATUS_CREATED,
  HR_STATUS_RUNNING,
  HR_STATUS_PAUSED,
  HR_STATUS_STOPPED
};

struct hr_state {
  char *id;
  pid_t pid;
  unsigned long long start_time; /* /proc/PID/stat field 22 */
  char *bundle, *rootfs;
  char *created; /* RFC3339Nano */
  char *owner;
  json_t *annotations;              /* object, owned */
  char *cgroup_mount, *cgroup_path; /* NULL when no cgroup was made */
  bool shared_pidns;  /* no private pid namespace: kill --all on delete */
  bool has_poststart; /* start must load the config to run the hooks */
  json_t *extra;      /* fields other modules persist (exit record), owned */
};

const char *hr_status_name(enum hr_status s);

/* mkdir ROOT (0700, parents) and ROOT/ID; EEXIST is the runc error
 * "container with id exists: ID". Returns an O_DIRECTORY fd. */
int hr_state_dir_create(const char *root, const char *id, int *dirfd,
                        hr_error_t *err);
int hr_state_dir_open(const char *root, const char *id, int *dirfd,
                      hr_error_t *err);
int hr_state_save(int dirfd, const struct hr_state *s, hr_error_t *err);
/* Missing container: error "container \"ID\" does not exist", errno ENOENT. */
int hr_state_load(const char *root, const char *id, struct hr_state *out,
                  hr_error_t *err);
void hr_state_free(struct hr_state *s);
int hr_state_remove(const char *root, const char *id, hr_error_t *err);

/* Status from the live system: pid liveness (checked against the stored
 * start time so a reused pid never counts), the exec fifo, the freezer. */
enum hr_status hr_state_status(const char *root, const struct hr_state *s);
/* The state JSON runc prints and hooks receive on stdin. */
json_t *hr_state_to_json(const struct hr_state *s, enum hr_status status);

int hr_proc_start_time(pid_t pid, unsigned long long *out);
/* pidfd for the container init, verified against its start time;
 * ESRCH when the process is gone or the pid was reused. */
int hr_state_pidfd(const struct hr_state *s, int *pidfd, hr_error_t *err);

#endif
