/* The exit record: how the init ended, OOM kills, peak memory, CPU time
 * and the limits in force, saved into state.json and the event log. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/monitor.h"

void hr_exit_record_set_status(struct hr_exit_record *rec,
                               const siginfo_t *si) {
  rec->status_known = true;
  if (si->si_code == CLD_EXITED) {
    rec->exit_code = si->si_status;
    rec->signal = 0;
  } else {
    rec->signal = si->si_status;
    rec->exit_code = 128 + si->si_status;
    rec->core_dumped = si->si_code == CLD_DUMPED;
  }
}

void hr_exit_record_finish(struct hr_exit_record *rec,
                           const struct hr_monitor *m) {
  rec->oom_kills = m->oom_kill_seen - m->oom_kill_start;
  /* an OOM kill elsewhere in the cgroup does not explain an init that
   * exited on its own: only its SIGKILL counts */
  rec->oom_killed =
      rec->status_known && rec->signal == SIGKILL && rec->oom_kills > 0;
  if (m->cgroup_fd >= 0 && hr_stats_read(m->cgroup_fd, &rec->stats, NULL) == 0)
    rec->has_stats = true;
  if (rec->has_stats && rec->stats.has_peak) {
    rec->mem_peak = rec->stats.mem_peak;
  } else if (m->mem_sampled_peak) {
    rec->mem_peak = m->mem_sampled_peak;
    rec->peak_sampled = true;
  }
}

void hr_exit_record_free(struct hr_exit_record *rec) {
  if (rec->has_stats)
    hr_stats_free(&rec->stats);
  rec->has_stats = false;
}

static json_t *limit_json(uint64_t v) {
  return v == HR_STATS_UNLIMITED ? json_string("max")
                                 : json_integer((json_int_t)v);
}

static const char *reason(const struct hr_exit_record *rec) {
  if (!rec->status_known)
    return "unknown";
  if (rec->oom_killed)
    return "oom-killed";
  return rec->signal ? "signaled" : "exited";
}

static json_t *limits_json(const struct hr_cgroup_stats *s) {
  json_t *l = json_object();
  if (!l)
    return NULL;
  if (s->has_memory) {
    json_object_set_new(l, "memory.max", limit_json(s->mem_max));
    if (s->has_swap)
      json_object_set_new(l, "memory.swap.max", limit_json(s->swap_max));
  }
  if (s->has_cpu_max) {
    char buf[64];
    if (s->cpu_quota_usec == HR_STATS_UNLIMITED)
      snprintf(buf, sizeof(buf), "max %" PRIu64, s->cpu_period_usec);
    else
      snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, s->cpu_quota_usec,
               s->cpu_period_usec);
    json_object_set_new(l, "cpu.max", json_string(buf));
  }
  if (s->has_pids)
    json_object_set_new(l, "pids.max", limit_json(s->pids_max));
  return l;
}

json_t *hr_exit_record_json(const struct hr_exit_record *rec) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  if (rec->status_known) {
    json_object_set_new(o, "exitCode", json_integer(rec->exit_code));
    if (rec->signal) {
      const char *name = sigabbrev_np(rec->signal);
      char buf[32];
      snprintf(buf, sizeof(buf), "SIG%s", name ? name : "UNKNOWN");
      json_object_set_new(o, "signal", json_string(buf));
    }
    if (rec->core_dumped)
      json_object_set_new(o, "coreDumped", json_true());
  }
  json_object_set_new(o, "reason", json_string(reason(rec)));
  json_object_set_new(o, "oomKilled", json_boolean(rec->oom_killed));
  json_object_set_new(o, "oomKills", json_integer((json_int_t)rec->oom_kills));
  if (rec->finished_at[0])
    json_object_set_new(o, "finishedAt", json_string(rec->finished_at));
  if (rec->mem_peak) {
    json_object_set_new(o, "memoryPeak",
                        json_integer((json_int_t)rec->mem_peak));
    json_object_set_new(
        o, "memoryPeakSource",
        json_string(rec->peak_sampled ? "sampled" : "memory.peak"));
  }
  if (!rec->has_stats)
    return o;
  const struct hr_cgroup_stats *s = &rec->stats;
  if (s->has_memory)
    json_object_set_new(o, "memoryLimit", limit_json(s->mem_max));
  if (s->has_cpu_stat) {
    json_object_set_new(o, "cpuUsageUsec",
                        json_integer((json_int_t)s->cpu_usage_usec));
    json_object_set_new(o, "cpuUserUsec",
                        json_integer((json_int_t)s->cpu_user_usec));
    json_object_set_new(o, "cpuSystemUsec",
                        json_integer((json_int_t)s->cpu_system_usec));
  }
  if (s->has_throttling) {
    json_object_set_new(o, "cpuPeriods",
                        json_integer((json_int_t)s->cpu_nr_periods));
    json_object_set_new(o, "cpuThrottledPeriods",
                        json_integer((json_int_t)s->cpu_nr_throttled));
    json_object_set_new(o, "cpuThrottledUsec",
                        json_integer((json_int_t)s->cpu_throttled_usec));
  }
  json_t *l = limits_json(s);
  if (l)
    json_object_set_new(o, "limits", l);
  return o;
}

static void secs(char *buf, size_t n, uint64_t usec) {
  snprintf(buf, n, "%" PRIu64 ".%03" PRIu64 "s", usec / 1000000,
           (usec % 1000000) / 1000);
}

char *hr_exit_record_report(const char *id, const struct hr_exit_record *rec) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return NULL;
  fprintf(f, "hrun: %s: ", id);
  if (!rec->status_known)
    fprintf(f, "stopped (exit status unknown)");
  else if (rec->signal)
    fprintf(f, "killed by SIG%s (exit code %d)",
            sigabbrev_np(rec->signal) ? sigabbrev_np(rec->signal) : "?",
            rec->exit_code);
  else
    fprintf(f, "exited with code %d", rec->exit_code);
  fprintf(f, ", oomKilled=%s", rec->oom_killed ? "true" : "false");
  if (rec->oom_kills)
    fprintf(f, " (%" PRIu64 " OOM kill%s in its cgroup)", rec->oom_kills,
            rec->oom_kills == 1 ? "" : "s");
  fputc('\n', f);
  const struct hr_cgroup_stats *s = rec->has_stats ? &rec->stats : NULL;
  char a[32], b[32], c[32];
  if (rec->mem_peak || (s && s->has_memory)) {
    hr_stats_human(a, sizeof(a), rec->mem_peak, true);
    fprintf(f, "hrun: %s: memory: peak %s%s", id, a,
            rec->peak_sampled ? " (sampled)" : "");
    if (s && s->has_memory && s->mem_max != HR_STATS_UNLIMITED) {
      hr_stats_human(b, sizeof(b), s->mem_max, true);
      fprintf(f, " of limit %s (%.0f%%)", b,
              s->mem_max ? 100.0 * (double)rec->mem_peak / (double)s->mem_max
                         : 0.0);
    } else {
      fprintf(f, ", no limit");
    }
    fputc('\n', f);
  }
  if (s && s->has_cpu_stat) {
    secs(a, sizeof(a), s->cpu_usage_usec);
    secs(b, sizeof(b), s->cpu_user_usec);
    secs(c, sizeof(c), s->cpu_system_usec);
    fprintf(f, "hrun: %s: cpu: %s (user %s, system %s)", id, a, b, c);
    if (s->has_throttling) {
      secs(a, sizeof(a), s->cpu_throttled_usec);
      fprintf(f, ", throttled %s in %" PRIu64 " of %" PRIu64 " periods", a,
              s->cpu_nr_throttled, s->cpu_nr_periods);
    }
    if (s->has_cpu_max && s->cpu_quota_usec != HR_STATS_UNLIMITED)
      fprintf(f, " (cpu.max %" PRIu64 " %" PRIu64 ")", s->cpu_quota_usec,
              s->cpu_period_usec);
    fputc('\n', f);
  }
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

static int write_atomic(int dirfd, const char *name, const char *buf,
                        hr_error_t *err) {
  char tmp[64];
  snprintf(tmp, sizeof(tmp), "%s.shim-tmp", name);
  _cleanup_close_ int fd = openat(
      dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return hr_error_set(err, errno, "write %s", name);
  size_t len = strlen(buf), off = 0;
  while (off < len) {
    ssize_t w = write(fd, buf + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      int e = errno;
      unlinkat(dirfd, tmp, 0);
      return hr_error_set(err, e, "write %s", name);
    }
    off += (size_t)w;
  }
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return hr_error_set(err, e, "rename %s", name);
  }
  return 0;
}

int hr_exit_record_save(const char *id, int state_dirfd,
                        const struct hr_exit_record *rec, hr_error_t *err) {
  /* through the dir fd: if the container was deleted (and the id reused)
   * meanwhile, this writes nothing into the new one */
  _cleanup_close_ int fd =
      openat(state_dirfd, HR_STATE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0
                           : hr_error_set(err, errno, "open state of %s", id);
  _cleanup_json_ json_t *st = NULL;
  if (hr_json_load_fd(fd, HR_STATE_FILE, &st, err) < 0)
    return -1;
  _cleanup_json_ json_t *rj = hr_exit_record_json(rec);
  if (!json_is_object(st) || !rj)
    return hr_error_set(err, ENOMEM, "exit record of %s", id);
  json_t *extra = json_object_get(st, "extra");
  if (!json_is_object(extra)) {
    extra = json_object();
    json_object_set_new(st, "extra", extra);
  }
  json_object_set(extra, "exit", rj);
  _cleanup_free_ char *buf = json_dumps(st, JSON_COMPACT);
  if (!buf)
    return hr_error_set(err, ENOMEM, "exit record of %s", id);
  if (write_atomic(state_dirfd, HR_STATE_FILE, buf, err) < 0)
    return -1;
  _cleanup_free_ char *data = json_dumps(rj, JSON_COMPACT);
  if (!data)
    return hr_error_set(err, ENOMEM, "exit record of %s", id);
  return hr_event_log_append(state_dirfd, "exit", id, data, err);
}
