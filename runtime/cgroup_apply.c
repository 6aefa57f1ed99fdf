/* linux.resources (v1 vocabulary) -> cgroup v2 interface files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

/* The build does not link libm, and only two transcendental functions are
 * needed, so they are computed here with series in long double (64-bit
 * mantissa, more precise than the double arithmetic of the reference). */
static const long double LN2 = 0.693147180559945309417232121458176568L;
static const long double LN10 = 2.302585092994045684017999019341798L;

/* ln(x) for x > 0: x = m * 2^k with m in [1, 2), then
 * ln(m) = 2 * atanh((m - 1) / (m + 1)) as a power series (|z| <= 1/3). */
static long double ln_l(long double x) {
  int k = 0;
  while (x >= 2.0L) {
    x /= 2.0L;
    k++;
  }
  while (x < 1.0L) {
    x *= 2.0L;
    k--;
  }
  long double z = (x - 1.0L) / (x + 1.0L), z2 = z * z, term = z, sum = 0.0L;
  for (int n = 1; n < 200; n += 2) {
    sum += term / n;
    term *= z2;
    if (term < 1e-30L)
      break;
  }
  return 2.0L * sum + k * LN2;
}

/* e^y for |y| < 50: y = n*ln2 + r with |r| <= ln2/2, Taylor series for r. */
static long double exp_l(long double y) {
  long double nf = y / LN2;
  int n = (int)(nf < 0 ? nf - 0.5L : nf + 0.5L);
  long double r = y - n * LN2, term = 1.0L, sum = 1.0L;
  for (int i = 1; i < 60; i++) {
    term *= r / i;
    sum += term;
  }
  for (; n > 0; n--)
    sum *= 2.0L;
  for (; n < 0; n++)
    sum /= 2.0L;
  return sum;
}

/* The conversion of opencontainers/cgroups ConvertCPUSharesToCgroupV2Value
 * (runc >= 1.3.1, runc PR #4785; crun issue #1721 adopted the same): a
 * quadratic in log2(shares) fitted through 2 -> 1, 1024 -> 100 (both
 * defaults) and 262144 -> 10000,
 *   weight = ceil(10^((l^2 + 125 l) / 612 - 7/34)),  l = log2(shares).
 * It replaced the linear 1 + (shares - 2) * 9999 / 262142, which mapped
 * the v1 default 1024 to 39 instead of the v2 default 100. */
uint64_t hr_cgroup_shares_to_weight(uint64_t shares) {
  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  long double l = ln_l((long double)shares) / LN2;
  long double e = (l * l + 125.0L * l) / 612.0L - 7.0L / 34.0L;
  long double w = exp_l(e * LN10);
  /* Where the exact value is an integer (1024 -> exactly 100) rounding
   * noise must not push it to the next one. */
  uint64_t iw = (uint64_t)w;
  if (w - (long double)iw < 1e-15L * w)
    return iw;
  return iw + 1;
}

/* runc's ConvertBlkIOToIOWeightValue / crun: linear [10, 1000] ->
 * [1, 10000], used when the bfq scheduler's io.bfq.weight is absent. */
uint64_t hr_cgroup_blkio_to_io_weight(uint64_t weight) {
  if (weight < 10)
    return 1;
  return 1 + (weight - 10) * 9999 / 990;
}

/* A file written once per value (io.max, io.weight, rdma.max take one
 * device per write). */
struct cgfile {
  int fd;
  const char *name;
};

static int cgfile_open(int dirfd, const char *name, struct cgfile *f,
                       const char *first_value, hr_error_t *err) {
  f->name = name;
  f->fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
  if (f->fd < 0)
    return hr_error_set(err, errno, "cgroup: write \"%s\" to %s", first_value,
                        name);
  return 0;
}

static int cgfile_write(struct cgfile *f, const char *value, hr_error_t *err) {
  char line[256];
  int len = snprintf(line, sizeof(line), "%s\n", value);
  if (len < 0 || (size_t)len >= sizeof(line))
    return hr_error_set(err, 0, "cgroup: value for %s too long", f->name);
  ssize_t n;
  do
    n = write(f->fd, line, (size_t)len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return hr_error_set(err, errno, "cgroup: write \"%s\" to %s", value,
                        f->name);
  return 0;
}

static void cgfile_close(struct cgfile *f) {
  if (f->fd >= 0)
    close(f->fd);
  f->fd = -1;
}

/* -1 -> "max" (the v1 "unlimited"). */
static const char *fmt_limit(char *buf, size_t n, int64_t v) {
  if (v < 0)
    return "max";
  snprintf(buf, n, "%" PRId64, v);
  return buf;
}

static int apply_pids(int dfd, const struct hr_resources *r, hr_error_t *err) {
  if (!r->pids.limit.set)
    return 0;
  char buf[32];
  /* pids.max cannot be 0 in the v1 sense of "no limit": 0 and -1 -> max. */
  return hr_cgroup_write(dfd, "pids.max",
                         r->pids.limit.v <= 0
                             ? "max"
                             : fmt_limit(buf, sizeof(buf), r->pids.limit.v),
                         err);
}

static int apply_memory(int dfd, const struct hr_resources *r,
                        hr_error_t *err) {
  const __typeof__(r->memory) *m = &r->memory;
  char buf[32];
  /* spec swap = memory+swap; v2 memory.swap.max is swap alone. 0 is unset;
   * an unlimited memory limit without swap means unlimited swap too, as
   * with v1 (runc's ConvertMemorySwapToCgroupV2Value). */
  const char *swap = NULL;
  if (m->swap.set && m->swap.v < 0)
    swap = "max";
  else if (m->swap.set && m->swap.v > 0)
    swap = fmt_limit(buf, sizeof(buf), m->swap.v - m->limit.v);
  else if (m->limit.set && m->limit.v < 0)
    swap = "max";
  if (swap) {
    int rc = hr_cgroup_write_raw(dfd, "memory.swap.max", swap);
    /* No swap accounting (swapaccount=0, or no swap support): "max" is what
     * the kernel does anyway, and "0" (swap == limit) is what containerd
     * asks of every container, so runc ignores both; do the same. */
    if (rc < 0 && !(rc == -ENOENT &&
                    (strcmp(swap, "max") == 0 || strcmp(swap, "0") == 0)))
      return hr_cgroup_write_error(err, -rc, "memory.swap.max", swap);
  }
  if (m->limit.set && m->limit.v != 0 &&
      hr_cgroup_write(dfd, "memory.max",
                      fmt_limit(buf, sizeof(buf), m->limit.v), err) < 0)
    return -1;
  if (m->reservation.set && m->reservation.v != 0 &&
      hr_cgroup_write(dfd, "memory.low",
                      fmt_limit(buf, sizeof(buf), m->reservation.v), err) < 0)
    return -1;
  return 0;
}

static int apply_io(int dfd, const struct hr_resources *r, hr_error_t *err) {
  const __typeof__(r->block_io) *b = &r->block_io;
  char val[128];
  if (b->weight.set || b->n_weight_device) {
    /* With the bfq scheduler, io.bfq.weight takes the blkio weight as is
     * (same 1..1000 scale); otherwise io.weight with the linear mapping. */
    struct cgfile f = {.fd = -1};
    _cleanup_close_ int bfq = openat(
        dfd, "io.bfq.weight", O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
    bool use_bfq = bfq >= 0;
    if (!use_bfq && errno != ENOENT)
      return hr_error_set(err, errno, "cgroup: open io.bfq.weight");
    if (use_bfq) {
      f.fd = hr_steal_fd(bfq);
      f.name = "io.bfq.weight";
    }
    int rc = 0;
    if (b->weight.set) {
      uint64_t w =
          use_bfq ? b->weight.v : hr_cgroup_blkio_to_io_weight(b->weight.v);
      snprintf(val, sizeof(val), "%" PRIu64, w);
      if (f.fd < 0)
        rc = cgfile_open(dfd, "io.weight", &f, val, err);
      if (rc == 0)
        rc = cgfile_write(&f, val, err);
    }
    for (size_t i = 0; i < b->n_weight_device && rc == 0; i++) {
      const struct hr_weight_device *d = &b->weight_device[i];
      uint64_t w =
          use_bfq ? d->weight.v : hr_cgroup_blkio_to_io_weight(d->weight.v);
      snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
               d->minor, w);
      if (f.fd < 0)
        rc = cgfile_open(dfd, "io.weight", &f, val, err);
      if (rc == 0)
        rc = cgfile_write(&f, val, err);
    }
    cgfile_close(&f);
    if (rc < 0)
      return -1;
  }
  static const char *const keys[4] = {"rbps", "wbps", "riops", "wiops"};
  struct cgfile f = {.fd = -1};
  int rc = 0;
  for (int k = 0; k < 4 && rc == 0; k++)
    for (size_t i = 0; i < b->n_throttle[k] && rc == 0; i++) {
      const struct hr_throttle_device *t = &b->throttle[k][i];
      /* A v1 rate of 0 means "no limit". */
      if (t->rate == 0)
        snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=max", t->major,
                 t->minor, keys[k]);
      else
        snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                 t->major, t->minor, keys[k], t->rate);
      if (f.fd < 0)
        rc = cgfile_open(dfd, "io.max", &f, val, err);
      if (rc == 0)
        rc = cgfile_write(&f, val, err);
    }
  cgfile_close(&f);
  return rc;
}

/* The quota part of the current cpu.max ("max" or a number). */
static int current_quota(int dfd, char *out, size_t n, hr_error_t *err) {
  _cleanup_free_ char *cur = NULL;
  if (hr_cgroup_read(dfd, "cpu.max", &cur, err) < 0)
    return -1;
  size_t l = strcspn(cur, " \n");
  if (l == 0 || l >= n)
    return hr_error_set(err, 0, "cgroup: cpu.max: unexpected content");
  memcpy(out, cur, l);
  out[l] = '\0';
  return 0;
}

static int apply_cpu(int dfd, const struct hr_resources *r, bool update,
                     hr_error_t *err) {
  const __typeof__(r->cpu) *c = &r->cpu;
  char buf[64];
  if (c->idle.set) {
    snprintf(buf, sizeof(buf), "%" PRId64, c->idle.v);
    if (hr_cgroup_write(dfd, "cpu.idle", buf, err) < 0)
      return -1;
  }
  if (c->shares.set && c->shares.v != 0) {
    snprintf(buf, sizeof(buf), "%" PRIu64,
             hr_cgroup_shares_to_weight(c->shares.v));
    if (hr_cgroup_write(dfd, "cpu.weight", buf, err) < 0)
      return -1;
  }
  char burst[32] = "";
  if (c->burst.set)
    snprintf(burst, sizeof(burst), "%" PRIu64, c->burst.v);
  if (c->quota.set || c->period.set) {
    /* cpu.max is "QUOTA PERIOD". A new cgroup gets the kernel's default
     * period; on update an absent field keeps its current value. */
    char quota[32] = "max";
    if (c->quota.set && c->quota.v > 0)
      snprintf(quota, sizeof(quota), "%" PRId64, c->quota.v);
    else if (!c->quota.set && update &&
             current_quota(dfd, quota, sizeof(quota), err) < 0)
      return -1;
    if (c->period.set)
      snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, c->period.v);
    else if (update)
      snprintf(buf, sizeof(buf), "%s", quota);
    else
      snprintf(buf, sizeof(buf), "%s 100000", quota);
    int rc = hr_cgroup_write_raw(dfd, "cpu.max", buf);
    /* The kernel wants burst <= quota at every step: lowering both needs
     * the burst written first. */
    if (rc == -EINVAL && *burst) {
      if (hr_cgroup_write(dfd, "cpu.max.burst", burst, err) < 0)
        return -1;
      rc = hr_cgroup_write_raw(dfd, "cpu.max", buf);
    }
    if (rc < 0)
      return hr_cgroup_write_error(err, -rc, "cpu.max", buf);
  }
  if (*burst && hr_cgroup_write(dfd, "cpu.max.burst", burst, err) < 0)
    return -1;
  if (c->cpus && hr_cgroup_write(dfd, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && hr_cgroup_write(dfd, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

static int apply_hugetlb(int dfd, const struct hr_resources *r,
                         hr_error_t *err) {
  for (size_t i = 0; i < r->n_hugepages; i++) {
    const struct hr_hugepage_limit *h = &r->hugepages[i];
    char file[64], rsvd[64], val[32];
    snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
    snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.max", h->page_size);
    snprintf(val, sizeof(val), "%" PRIu64, h->limit);
    if (hr_cgroup_write(dfd, file, val, err) < 0)
      return -1;
    /* Kernels >= 5.7 also account reservations; limit them the same way
     * (as runc does) so a mmap cannot reserve past the limit. */
    int rc = hr_cgroup_write_raw(dfd, rsvd, val);
    if (rc < 0 && rc != -ENOENT)
      return hr_cgroup_write_error(err, -rc, rsvd, val);
  }
  return 0;
}

static int apply_rdma(int dfd, const struct hr_resources *r, hr_error_t *err) {
  struct cgfile f = {.fd = -1};
  int rc = 0;
  for (size_t i = 0; i < r->rdma.n && rc == 0; i++) {
    const struct hr_rdma_limit *l = &r->rdma.limits[i];
    char val[192];
    int len = snprintf(val, sizeof(val), "%s", l->device);
    if (l->hca_handles.set)
      len += snprintf(val + len, sizeof(val) - (size_t)len,
                      " hca_handle=%" PRIu64, l->hca_handles.v);
    if (l->hca_objects.set)
      snprintf(val + len, sizeof(val) - (size_t)len, " hca_object=%" PRIu64,
               l->hca_objects.v);
    if (!l->hca_handles.set && !l->hca_objects.set)
      continue;
    if (f.fd < 0)
      rc = cgfile_open(dfd, "rdma.max", &f, val, err);
    if (rc == 0)
      rc = cgfile_write(&f, val, err);
  }
  cgfile_close(&f);
  return rc;
}

int hr_cgroup_apply(int dirfd, const struct hr_resources *r, bool update,
                    hr_error_t *err) {
  if (!r)
    return 0;
  if (apply_pids(dirfd, r, err) < 0 || apply_memory(dirfd, r, err) < 0 ||
      apply_io(dirfd, r, err) < 0 || apply_cpu(dirfd, r, update, err) < 0 ||
      apply_hugetlb(dirfd, r, err) < 0 || apply_rdma(dirfd, r, err) < 0)
    return -1;
  /* unified goes last so it can override anything converted above. */
  for (size_t i = 0; i < r->n_unified; i++)
    if (hr_cgroup_write(dirfd, r->unified[i].key, r->unified[i].value, err) < 0)
      return -1;
  return 0;
}
