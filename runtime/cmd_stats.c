/* stats: a `docker stats`-like view, one row per container: CPU % over the
 * last interval, memory usage (without inactive file cache, as docker
 * computes it) against the limit, pids and block I/O. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/monitor.h"
#include "hrun/validate.h"

#define INTERVAL_MS 1000

struct row {
  char *id;
  int cgfd;
  bool have_prev, ok;
  uint64_t prev_usage, prev_ns;
  double cpu_pct;
  struct hr_cgroup_stats s;
};

struct table {
  struct row *rows;
  size_t n;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t host_memory(void) {
  _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
  unsigned long long kb = 0;
  char line[256];
  while (f && fgets(line, sizeof(line), f))
    if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
      break;
  return (uint64_t)kb * 1024;
}

static bool has_row(const struct table *t, const char *id) {
  for (size_t i = 0; i < t->n; i++)
    if (!strcmp(t->rows[i].id, id))
      return true;
  return false;
}

/* Add id unless present; a container that is not running is an error
 * only when named (explicit). */
static int add_row(struct hr_globals *g, struct table *t, const char *id,
                   bool explicit) {
  if (has_row(t, id))
    return 0;
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_state s;
  if (hr_state_load(g->root, id, &s, &err) < 0)
    return explicit ? hr_cli_fail(&err) : 0;
  enum hr_status st = hr_state_status(g->root, &s);
  int fd = -1, ret = 0;
  if (st != HR_STATUS_RUNNING && st != HR_STATUS_PAUSED) {
    if (explicit) {
      hr_log_error("container with id %s is not running", id);
      ret = 1;
    }
  } else if (hr_monitor_open_cgroup(&s, g->cgroup_root, &fd, &err) < 0) {
    ret = explicit ? hr_cli_fail(&err) : 0;
  } else {
    struct row *nr = realloc(t->rows, (t->n + 1) * sizeof(*nr));
    char *dup = strdup(id);
    if (!nr || !dup) {
      free(dup);
      close(fd);
      if (nr)
        t->rows = nr;
      hr_state_free(&s);
      hr_log_error("out of memory");
      return 1;
    }
    t->rows = nr;
    memset(&nr[t->n], 0, sizeof(nr[t->n]));
    nr[t->n].id = dup;
    nr[t->n].cgfd = fd;
    t->n++;
  }
  hr_state_free(&s);
  return ret;
}

static void scan_all(struct hr_globals *g, struct table *t) {
  _cleanup_closedir_ DIR *d = opendir(g->root);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.' && hr_validate_id(de->d_name, NULL) == 0)
      add_row(g, t, de->d_name, false);
}

static void sample(struct row *r) {
  if (r->ok)
    hr_stats_free(&r->s);
  r->ok = hr_stats_read(r->cgfd, &r->s, NULL) == 0;
  uint64_t t = now_ns();
  if (r->ok && r->have_prev && t > r->prev_ns &&
      r->s.cpu_usage_usec >= r->prev_usage)
    r->cpu_pct = 100.0 * (double)(r->s.cpu_usage_usec - r->prev_usage) *
                 1000.0 / (double)(t - r->prev_ns);
  if (r->ok) {
    r->prev_usage = r->s.cpu_usage_usec;
    r->prev_ns = t;
    r->have_prev = true;
  }
}

/* What both output formats show of one sample. A container without a
 * memory limit is measured against the host's memory, as docker stats does. */
struct figures {
  uint64_t use, limit, read, write;
  bool limited;
  double mem_pct;
};

static struct figures figures_of(const struct row *r, uint64_t host_mem) {
  struct figures f = {.use = hr_stats_mem_usage(&r->s)};
  f.limited = r->s.has_memory && r->s.mem_max != HR_STATS_UNLIMITED;
  f.limit = f.limited ? r->s.mem_max : host_mem;
  for (size_t i = 0; i < r->s.n_io; i++) {
    f.read += r->s.io[i].rbytes;
    f.write += r->s.io[i].wbytes;
  }
  f.mem_pct = f.limit ? 100.0 * (double)f.use / (double)f.limit : 0.0;
  return f;
}

static void print_table(const struct table *t, uint64_t host_mem) {
  int w = 12;
  for (size_t i = 0; i < t->n; i++)
    if (t->rows[i].ok && (int)strlen(t->rows[i].id) > w)
      w = (int)strlen(t->rows[i].id);
  printf("%-*s   %-8s   %-21s   %-8s   %-6s   %s\n", w, "CONTAINER ID", "CPU %",
         "MEM USAGE / LIMIT", "MEM %", "PIDS", "BLOCK I/O");
  for (size_t i = 0; i < t->n; i++) {
    const struct row *r = &t->rows[i];
    if (!r->ok)
      continue;
    struct figures f = figures_of(r, host_mem);
    char u[32], l[32], mem[80], a[32], b[32], io[80], cpu[32], pct[32];
    hr_stats_human(u, sizeof(u), f.use, true);
    hr_stats_human(l, sizeof(l), f.limit, true);
    snprintf(mem, sizeof(mem), "%s / %s", u, l);
    hr_stats_human(a, sizeof(a), f.read, false);
    hr_stats_human(b, sizeof(b), f.write, false);
    snprintf(io, sizeof(io), "%s / %s", a, b);
    snprintf(cpu, sizeof(cpu), "%.2f%%", r->cpu_pct);
    snprintf(pct, sizeof(pct), "%.2f%%", f.mem_pct);
    printf("%-*s   %-8s   %-21s   %-8s   %-6" PRIu64 "   %s\n", w, r->id, cpu,
           mem, pct, r->s.pids_current, io);
  }
}

static void print_json(const struct table *t, uint64_t host_mem) {
  for (size_t i = 0; i < t->n; i++) {
    const struct row *r = &t->rows[i];
    if (!r->ok)
      continue;
    struct figures f = figures_of(r, host_mem);
    _cleanup_json_ json_t *j = json_pack(
        "{s:s,s:f,s:I,s:I,s:b,s:f,s:I,s:I,s:I}", "id", r->id, "cpuPercent",
        r->cpu_pct, "memoryUsage", (json_int_t)f.use, "memoryLimit",
        (json_int_t)f.limit, "memoryLimited", f.limited, "memoryPercent",
        f.mem_pct, "pids", (json_int_t)r->s.pids_current, "blockRead",
        (json_int_t)f.read, "blockWrite", (json_int_t)f.write);
    if (j) {
      json_dumpf(j, stdout, JSON_COMPACT);
      putchar('\n');
    }
  }
}

static void table_free(struct table *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->rows[i].id);
    if (t->rows[i].cgfd >= 0)
      close(t->rows[i].cgfd);
    if (t->rows[i].ok)
      hr_stats_free(&t->rows[i].s);
  }
  free(t->rows);
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {.tv_sec = ms / 1000,
                        .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

int hr_cmd_stats(struct hr_globals *g, int argc, char **argv) {
  enum { O_NOSTREAM = 256, O_FORMAT };
  static const struct option opts[] = {
      {"no-stream", no_argument, NULL, O_NOSTREAM},
      {"format", required_argument, NULL, O_FORMAT},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  bool stream = true;
  const char *format = "table";
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("stats", argc, argv, opts)) != -1) {
    switch (c) {
    case O_NOSTREAM:
      stream = false;
      break;
    case O_FORMAT:
      format = optarg;
      break;
    case 'h':
      hr_cli_print_help("stats");
      return 0;
    default:
      return 1;
    }
  }
  bool json = !strcmp(format, "json");
  if (!json && strcmp(format, "table") != 0)
    return hr_cli_usage_error("stats", "--format: unknown format \"%s\"",
                              format);
  struct table t = {0};
  bool all = optind >= argc;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    _cleanup_error_ hr_error_t err = NULL;
    if (hr_validate_id(argv[i], &err) < 0) {
      table_free(&t);
      return hr_cli_fail(&err);
    }
    if (add_row(g, &t, argv[i], true) != 0)
      ret = 1;
  }
  if (ret) {
    table_free(&t);
    return ret;
  }
  if (all)
    scan_all(g, &t);
  uint64_t host_mem = host_memory();
  bool tty = isatty(STDOUT_FILENO);
  /* CPU % needs two samples */
  for (size_t i = 0; i < t.n; i++)
    sample(&t.rows[i]);
  for (;;) {
    sleep_ms(INTERVAL_MS);
    if (all && stream)
      scan_all(g, &t);
    size_t live = 0;
    for (size_t i = 0; i < t.n; i++) {
      sample(&t.rows[i]);
      live += t.rows[i].ok;
    }
    if (stream && tty && !json)
      fputs("\033[2J\033[H", stdout);
    if (json)
      print_json(&t, host_mem);
    else
      print_table(&t, host_mem);
    if (fflush(stdout) != 0 || !stream || (!all && live == 0))
      break;
    if (!tty && !json)
      putchar('\n');
  }
  table_free(&t);
  return 0;
}
