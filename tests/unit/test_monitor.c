/* The monitor loop against real child processes and a fake cgroup dir
 * (inotify works on plain files too), the exit record and the event log. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hrun/monitor.h"
#include "unit.h"

static void put(const char *dir, const char *file, const char *content) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  CHECK_INT(unit_write_file(path, content), 0);
}

static char *get(const char *dir, const char *file) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  return unit_read_file(path);
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

static void rm_tree(char *dir) {
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

static void msleep(long ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static char *fake_cgroup(void) {
  char *d = unit_tmpdir();
  put(d, "cgroup.procs", "");
  put(d, "cpu.stat",
      "usage_usec 1500000\nuser_usec 1000000\n"
      "system_usec 500000\nnr_periods 10\nnr_throttled 4\n"
      "throttled_usec 200000\n");
  put(d, "cpu.max", "50000 100000\n");
  put(d, "memory.current", "1048576\n");
  put(d, "memory.max", "33554432\n");
  put(d, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
  put(d, "pids.current", "1\n");
  put(d, "pids.max", "64\n");
  return d;
}

static pid_t spawn_sleeper(int *pidfd) {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;)
      pause();
  }
  *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  CHECK(*pidfd >= 0);
  return pid;
}

struct seen {
  int ooms, ticks, stop_after_ticks;
  uint64_t last_total;
  pid_t kill_on_oom;
};

static int count_events(void *arg, const struct hr_monitor_event *ev) {
  struct seen *s = arg;
  if (ev->kind == HR_MONITOR_OOM) {
    s->ooms += (int)ev->new_kills;
    s->last_total = ev->oom_kills;
    CHECK(ev->time[0] != '\0');
    if (s->kill_on_oom)
      kill(s->kill_on_oom, SIGKILL);
  } else {
    s->ticks++;
  }
  return s->stop_after_ticks && s->ticks >= s->stop_after_ticks;
}

/* An OOM kill (oom_kill rising in memory.events) followed by SIGKILL of the
 * init: events reported, the record says oomKilled. */
TEST(monitor_oom_then_sigkill) {
  char *cg = fake_cgroup();
  put(cg, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 2\n");
  int cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int pidfd;
  pid_t pid = spawn_sleeper(&pidfd);
  pid_t helper = fork();
  if (helper == 0) {
    msleep(100);
    put(cg, "memory.peak", "33554432\n");
    put(cg, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 3\n");
    /* the callback kills the init on the event; this only if it never
     * comes (no inotify) */
    msleep(3000);
    kill(pid, SIGKILL);
    _exit(0);
  }
  time_t t0 = time(NULL);
  struct seen seen = {.kill_on_oom = pid};
  struct hr_monitor m = {.pid = pid,
                         .pidfd = pidfd,
                         .is_parent = true,
                         .cgroup_fd = cgfd,
                         .on_event = count_events,
                         .arg = &seen};
  struct hr_exit_record rec;
  hr_error_t err = NULL;
  CHECK_INT(hr_monitor_run(&m, &rec, &err), 0);
  CHECK(time(NULL) - t0 < 3); /* woken by inotify, not by the fallback */
  kill(helper, SIGKILL);
  waitpid(helper, NULL, 0);
  /* the baseline (2) is not an event: only the rise to 3 */
  CHECK_INT(seen.ooms, 1);
  CHECK_INT(seen.last_total, 1);
  CHECK(rec.status_known);
  CHECK_INT(rec.signal, SIGKILL);
  CHECK_INT(rec.exit_code, 137);
  CHECK(rec.oom_killed);
  CHECK_INT(rec.oom_kills, 1);
  CHECK(rec.has_stats);
  CHECK_INT(rec.mem_peak, 33554432);
  CHECK(!rec.peak_sampled);
  CHECK(rec.finished_at[0] != '\0');
  json_t *j = hr_exit_record_json(&rec);
  CHECK_INT(json_integer_value(json_object_get(j, "exitCode")), 137);
  CHECK_STR(json_string_value(json_object_get(j, "signal")), "SIGKILL");
  CHECK_STR(json_string_value(json_object_get(j, "reason")), "oom-killed");
  CHECK(json_is_true(json_object_get(j, "oomKilled")));
  CHECK_INT(json_integer_value(json_object_get(j, "memoryLimit")), 33554432);
  CHECK_INT(json_integer_value(json_object_get(j, "cpuUsageUsec")), 1500000);
  CHECK_INT(json_integer_value(json_object_get(j, "cpuThrottledPeriods")), 4);
  json_t *lim = json_object_get(j, "limits");
  CHECK_STR(json_string_value(json_object_get(lim, "cpu.max")), "50000 100000");
  CHECK_INT(json_integer_value(json_object_get(lim, "pids.max")), 64);
  json_decref(j);
  char *rep = hr_exit_record_report("c1", &rec);
  CHECK_CONTAINS(rep, "hrun: c1: killed by SIGKILL (exit code 137), "
                      "oomKilled=true (1 OOM kill in its cgroup)\n");
  CHECK_CONTAINS(rep, "memory: peak 32MiB of limit 32MiB (100%)");
  CHECK_CONTAINS(rep, "cpu: 1.500s (user 1.000s, system 0.500s), "
                      "throttled 0.200s in 4 of 10 periods");
  free(rep);
  hr_exit_record_free(&rec);
  close(pidfd);
  close(cgfd);
  rm_tree(cg);
}

/* An OOM kill of another process does not make a clean exit "oomKilled";
 * without memory.peak the peak is the sampled memory.current. */
TEST(monitor_oom_but_exit_code) {
  char *cg = fake_cgroup();
  int cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int p[2];
  CHECK_INT(pipe(p), 0);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    if (read(p[0], &c, 1) < 0)
      _exit(9);
    _exit(3);
  }
  close(p[0]);
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  pid_t helper = fork();
  if (helper == 0) {
    msleep(100);
    put(cg, "memory.current", "9437184\n");
    put(cg, "memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
    msleep(100);
    put(cg, "memory.current", "4096\n");
    if (write(p[1], "x", 1) < 0)
      _exit(1);
    _exit(0);
  }
  close(p[1]);
  struct seen seen = {0};
  struct hr_monitor m = {.pid = pid,
                         .pidfd = pidfd,
                         .is_parent = true,
                         .cgroup_fd = cgfd,
                         .on_event = count_events,
                         .arg = &seen};
  struct hr_exit_record rec;
  hr_error_t err = NULL;
  CHECK_INT(hr_monitor_run(&m, &rec, &err), 0);
  waitpid(helper, NULL, 0);
  CHECK_INT(seen.ooms, 1);
  CHECK_INT(rec.exit_code, 3);
  CHECK_INT(rec.signal, 0);
  CHECK(!rec.oom_killed);
  CHECK_INT(rec.oom_kills, 1);
  CHECK(rec.peak_sampled);
  CHECK_INT(rec.mem_peak, 9437184);
  json_t *j = hr_exit_record_json(&rec);
  CHECK_STR(json_string_value(json_object_get(j, "reason")), "exited");
  CHECK(json_object_get(j, "signal") == NULL);
  CHECK_STR(json_string_value(json_object_get(j, "memoryPeakSource")),
            "sampled");
  json_decref(j);
  hr_exit_record_free(&rec);
  close(pidfd);
  close(cgfd);
  rm_tree(cg);
}

/* Streaming: ticks at the interval; the callback can stop the loop. No
 * cgroup at all is fine. */
TEST(monitor_ticks_and_stop) {
  int pidfd;
  pid_t pid = spawn_sleeper(&pidfd);
  struct seen seen = {.stop_after_ticks = 3};
  struct hr_monitor m = {.pid = pid,
                         .pidfd = pidfd,
                         .cgroup_fd = -1,
                         .interval_ms = 20,
                         .on_event = count_events,
                         .arg = &seen};
  struct hr_exit_record rec;
  hr_error_t err = NULL;
  CHECK_INT(hr_monitor_run(&m, &rec, &err), 1);
  CHECK_INT(seen.ticks, 3);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(pidfd);
}

/* Not the parent (hrun events): the exit is seen, the status is not. */
TEST(monitor_not_parent) {
  int pidfd;
  pid_t pid = spawn_sleeper(&pidfd);
  struct hr_monitor m = {.pid = pid, .pidfd = pidfd, .cgroup_fd = -1};
  kill(pid, SIGTERM);
  struct hr_exit_record rec;
  hr_error_t err = NULL;
  CHECK_INT(hr_monitor_run(&m, &rec, &err), 0);
  CHECK(!rec.status_known);
  CHECK(!rec.oom_killed);
  json_t *j = hr_exit_record_json(&rec);
  CHECK_STR(json_string_value(json_object_get(j, "reason")), "unknown");
  CHECK(json_object_get(j, "exitCode") == NULL);
  json_decref(j);
  waitpid(pid, NULL, 0);
  close(pidfd);
}

TEST(monitor_record_save) {
  char *d = unit_tmpdir();
  put(d, "state.json",
      "{\"id\":\"c1\",\"pid\":42,\"extra\":{\"other\":1},\"bundle\":\"/b\"}");
  int dirfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct hr_exit_record rec = {.status_known = true, .exit_code = 7};
  hr_error_t err = NULL;
  CHECK_INT(hr_exit_record_save("c1", dirfd, &rec, &err), 0);
  char *st = get(d, "state.json");
  json_t *j = json_loads(st, 0, NULL);
  CHECK(j != NULL);
  json_t *extra = json_object_get(j, "extra");
  CHECK_INT(json_integer_value(json_object_get(extra, "other")), 1);
  CHECK_INT(json_integer_value(
                json_object_get(json_object_get(extra, "exit"), "exitCode")),
            7);
  CHECK_STR(json_string_value(json_object_get(j, "bundle")), "/b");
  json_decref(j);
  free(st);
  char *log = get(d, HR_EVENT_LOG);
  CHECK_CONTAINS(log, "\"type\":\"exit\",\"id\":\"c1\",\"data\":{");
  CHECK_CONTAINS(log, "\"exitCode\":7");
  CHECK(log && log[strlen(log) - 1] == '\n');
  free(log);
  /* the container was deleted meanwhile: nothing is (re)created */
  put(d, HR_EVENT_LOG, "");
  char path[4096];
  snprintf(path, sizeof(path), "%s/state.json", d);
  unlink(path);
  CHECK_INT(hr_exit_record_save("c1", dirfd, &rec, &err), 0);
  CHECK(access(path, F_OK) < 0);
  close(dirfd);
  rm_tree(d);
}

TEST(monitor_event_log_bounded) {
  char *d = unit_tmpdir();
  int dirfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char data[1024];
  memset(data, 'x', sizeof(data));
  data[0] = '"';
  data[sizeof(data) - 2] = '"';
  data[sizeof(data) - 1] = '\0';
  hr_error_t err = NULL;
  for (int i = 0; i < 600; i++)
    CHECK_INT(hr_event_log_append(dirfd, "oom", "c1", data, &err), 0);
  struct stat a, b;
  CHECK_INT(fstatat(dirfd, HR_EVENT_LOG, &a, 0), 0);
  CHECK_INT(fstatat(dirfd, HR_EVENT_LOG_OLD, &b, 0), 0);
  CHECK(a.st_size <= (off_t)HR_EVENT_LOG_MAX);
  CHECK(b.st_size <= (off_t)HR_EVENT_LOG_MAX);
  CHECK(b.st_size > (off_t)HR_EVENT_LOG_MAX - 2048);
  /* whole lines only */
  char *log = get(d, HR_EVENT_LOG);
  CHECK(log && strncmp(log, "{\"time\":", 8) == 0);
  free(log);
  close(dirfd);
  rm_tree(d);
}

TEST(monitor_parse_duration) {
  uint64_t ms = 0;
  hr_error_t err = NULL;
  CHECK_INT(hr_parse_duration_ms("5s", &ms, &err), 0);
  CHECK_INT(ms, 5000);
  CHECK_INT(hr_parse_duration_ms("500ms", &ms, &err), 0);
  CHECK_INT(ms, 500);
  CHECK_INT(hr_parse_duration_ms("1m30s", &ms, &err), 0);
  CHECK_INT(ms, 90000);
  CHECK_INT(hr_parse_duration_ms("1.5h", &ms, &err), 0);
  CHECK_INT(ms, 5400000);
  CHECK_INT(hr_parse_duration_ms("10us", &ms, &err), 0);
  CHECK_INT(ms, 1); /* rounded up, never 0 */
  CHECK_INT(hr_parse_duration_ms("0", &ms, &err), 0);
  CHECK_INT(ms, 0);
  CHECK_INT(hr_parse_duration_ms("5", &ms, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "--interval: invalid duration \"5\"");
  hr_error_free(&err);
  CHECK_INT(hr_parse_duration_ms("5x", &ms, &err), -1);
  hr_error_free(&err);
  CHECK_INT(hr_parse_duration_ms("", &ms, &err), -1);
  hr_error_free(&err);
  CHECK_INT(hr_parse_duration_ms("-1s", &ms, &err), -1);
  hr_error_free(&err);
}

TEST(monitor_shim_pidfile) {
  char *d = unit_tmpdir();
  int dirfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  hr_error_t err = NULL;
  CHECK_INT(hr_shim_pidfile_write(dirfd, &err), 0);
  char *s = get(d, HR_SHIM_PIDFILE);
  int pid = 0;
  CHECK(s && sscanf(s, "%d", &pid) == 1);
  CHECK_INT(pid, getpid());
  free(s);
  /* our own pid is never waited for; a stale pid file returns at once */
  char *root = strdup(d);
  char *slash = strrchr(root, '/');
  *slash = '\0';
  time_t t0 = time(NULL);
  hr_shim_wait_gone(root, slash + 1, 3000, true);
  put(d, HR_SHIM_PIDFILE, "1 12345\n");
  hr_shim_wait_gone(root, slash + 1, 3000, true);
  CHECK(time(NULL) - t0 < 2);
  free(root);
  close(dirfd);
  rm_tree(d);
}
