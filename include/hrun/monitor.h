/* The container monitor: one event-driven loop, used by a foreground
 * `hrun run` and by hrun-shim, that waits for the container's init, forwards
 * signals, reports OOM kills and writes the exit record.
 *
 * Idle cost is zero wakeups: the loop sleeps in poll(2) on the init's pidfd,
 * an inotify watch on the cgroup's memory.events (the kernel notifies on
 * every change), and a signalfd; a timer exists only when stats are
 * streamed (`hrun events`).
 *
 * The shim (`hrun run -d`, `create --shim`): hrun forks a child that creates
 * the container, so the init is that child's child, reports the result to
 * hrun over a pipe and then execs hrun-shim in place, which stays the init's
 * parent (and a subreaper) in its own session. The creating code thus runs
 * from hrun's sealed memfd copy, and the shim binary stays small.
 *
 * Files in the state dir ROOT/ID: stdout.log and stderr.log (the
 * container's stdio under a shim, unless --inherit-stdio), events.jsonl
 * (OOM and exit events, one JSON object per line, bounded: rotated to
 * events.jsonl.1 past HR_EVENT_LOG_MAX), shim.pid ("PID STARTTIME"). The
 * exit record goes into state.json's extra fields as "exit", so `hrun
 * state` shows it next to runc's fields. */
#ifndef HRUN_MONITOR_H
#define HRUN_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hrun/container.h"
#include "hrun/error.h"
#include "hrun/pty_relay.h"
#include "hrun/stats.h"

#define HR_EVENT_LOG "events.jsonl"
#define HR_EVENT_LOG_OLD "events.jsonl.1"
#define HR_EVENT_LOG_MAX (256u * 1024u)
#define HR_SHIM_PIDFILE "shim.pid"
#define HR_STDOUT_LOG "stdout.log"
#define HR_STDERR_LOG "stderr.log"

enum hr_monitor_event_kind {
  HR_MONITOR_OOM,  /* memory.events oom_kill went up */
  HR_MONITOR_TICK, /* interval_ms passed */
};

struct hr_monitor_event {
  enum hr_monitor_event_kind kind;
  uint64_t oom_kills; /* oom_kill increase since the monitor started */
  uint64_t new_kills; /* of which new with this event */
  char time[64];      /* RFC 3339, UTC */
};

/* Return non-zero to stop the loop (hr_monitor_run then returns 1). */
typedef int (*hr_monitor_cb)(void *arg, const struct hr_monitor_event *ev);

struct hr_monitor {
  pid_t pid;
  int pidfd;            /* the init; borrowed */
  bool is_parent;       /* the init is our child: reap it for its status */
  bool subreaper;       /* also reap every other child (SIGCHLD) */
  bool forward_signals; /* forward what hr_forward_signals_block blocks */
  int cgroup_fd;        /* cgroup dir, O_RDONLY|O_DIRECTORY; -1 = none */
  unsigned interval_ms; /* HR_MONITOR_TICK period; 0 = no timer */
  hr_monitor_cb on_event;
  void *arg;
  /* a terminal without --console-socket (foreground run): relayed while
   * waiting, SIGWINCH resizes the pty instead of being forwarded; the
   * caller starts and stops it. NULL: none */
  struct hr_pty_relay *relay;
  /* filled in by the loop */
  uint64_t oom_kill_start, oom_kill_seen;
  uint64_t mem_sampled_peak; /* memory.current at events, for old kernels */
};

/* What happened to the container, for state.json and --report. */
struct hr_exit_record {
  bool status_known; /* reaped by us; else only "stopped" is known */
  int exit_code;     /* 128+signal when killed, as a shell reports it */
  int signal;        /* 0 when it exited */
  bool core_dumped;
  bool oom_killed; /* killed by SIGKILL and oom_kill rose during its life */
  uint64_t oom_kills;
  char finished_at[64];
  bool has_stats; /* the cgroup was read after the exit */
  struct hr_cgroup_stats stats;
  bool peak_sampled; /* no memory.peak: mem_peak is sampled at events */
  uint64_t mem_peak;
};

/* Run until the init exits (or on_event asks to stop). Fills *rec (free
 * with hr_exit_record_free) when the init is gone. Returns 0, 1 when
 * stopped by the callback, -1 on error. */
int hr_monitor_run(struct hr_monitor *m, struct hr_exit_record *rec,
                   hr_error_t *err);
void hr_exit_record_free(struct hr_exit_record *rec);

/* Turn a waitid() result into the record's status fields. */
void hr_exit_record_set_status(struct hr_exit_record *rec, const siginfo_t *si);
/* Fill the cgroup part (stats, peak) and oomKilled. */
void hr_exit_record_finish(struct hr_exit_record *rec,
                           const struct hr_monitor *m);
/* The "exit" object persisted in state.json. */
json_t *hr_exit_record_json(const struct hr_exit_record *rec);
/* The --report text (several lines, each ending in '\n'); malloc'd. */
char *hr_exit_record_report(const char *id, const struct hr_exit_record *rec);
/* Merge the record into state.json (through the state dir fd) (extra "exit")
 * and append an exit event to the event log. A state dir that is gone (deleted
 * meanwhile) is not an error. */
int hr_exit_record_save(const char *id, int state_dirfd,
                        const struct hr_exit_record *rec, hr_error_t *err);

/* Append {"time":..,"type":TYPE,"id":ID[,"data":DATA]} to events.jsonl,
 * rotating it first when it would pass HR_EVENT_LOG_MAX. */
int hr_event_log_append(int state_dirfd, const char *type, const char *id,
                        const char *data_json, hr_error_t *err);
/* An OOM event's data: {"oomKills":N,"new":K,"time":T}; malloc'd. */
char *hr_monitor_oom_data(const struct hr_monitor_event *ev);

/* Foreground `run`: monitor the container with signal forwarding, then
 * record the exit in its state dir. */
int hr_monitor_container(struct hr_container *c, struct hr_exit_record *rec,
                         hr_error_t *err);
/* The cgroup dir of a container from its state (cgroup_mount/path), or of
 * pid from /proc/PID/cgroup under cgroup_root (NULL: /sys/fs/cgroup) when
 * the state names none. ENOENT when there is no cgroup to read. */
int hr_monitor_open_cgroup(const struct hr_state *s, const char *cgroup_root,
                           int *fd, hr_error_t *err);

/* A Go time.Duration string ("5s", "500ms", "1m30s", "1.5h") in
 * milliseconds, rounded up; 0 is allowed (callers reject it). */
int hr_parse_duration_ms(const char *s, uint64_t *ms, hr_error_t *err);

/* ---- the shim ---- */

/* hrun-shim's work (shim/main.c, and hrun's fallback when the exec fails):
 * become a subreaper, monitor ROOT/ID's init, save the exit record. */
int hr_shim_run(const char *root, const char *id, hr_error_t *err);

/* Where hrun-shim is: $HRUN_SHIM; else next to hrun as invoked (argv[0],
 * searched in PATH when it has no '/': /proc/self/exe is the sealed memfd
 * copy and names no directory); else hrun-shim in PATH; else
 * HR_SHIM_INSTALL_PATH. */
int hr_shim_locate(char **path, hr_error_t *err);

struct hr_shim_launch {
  const struct hr_create_opts *o;
  const char *shim_path;
  bool start;         /* run -d: start the program before detaching */
  bool inherit_stdio; /* the container gets hrun's stdio, not log files */
};
/* Create (and start) the container from a detached child that then
 * becomes hrun-shim. Returns when the child reports; *exit_code is what
 * hrun exits with (1, or 127 for a missing executable). */
int hr_shim_launch(const struct hr_shim_launch *l, int *exit_code,
                   hr_error_t *err);

/* Record the calling process as the container's shim. */
int hr_shim_pidfile_write(int state_dirfd, hr_error_t *err);
/* Wait (bounded) for the container's shim to finish writing the exit
 * record and exit; with kill (delete), SIGKILL it after timeout_ms. No
 * shim: returns at once. */
void hr_shim_wait_gone(const char *root, const char *id, unsigned timeout_ms,
                       bool kill);

#endif
