/* Capability sets with libcap: bounding set, capset and the ambient set.
 * libcap is used rather than libcap-ng because it keeps no hidden per-thread
 * state (libcap-ng remembers the tid it was first used from, which a raw
 * clone() child inherits) and never reads /proc/PID/status, which in a new
 * pid namespace may show another process until the container's /proc is
 * mounted. */
#include "hrun/process_setup.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "hrun/cleanup.h"
#include "hrun/log.h"

static int last_cap_cache = -1;

int hr_caps_last_cap(void) {
  int v = __atomic_load_n(&last_cap_cache, __ATOMIC_RELAXED);
  if (v >= 0)
    return v;
  v = -1;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    if (fscanf(f, "%d", &v) != 1)
      v = -1;
    fclose(f);
  }
  if (v < 0)
    v = (int)cap_max_bits() - 1; /* libcap probes PR_CAPBSET_READ */
  __atomic_store_n(&last_cap_cache, v, __ATOMIC_RELAXED);
  return v;
}

#define N_NAMES 64
static char cap_names[N_NAMES][32];
static pthread_once_t cap_names_once = PTHREAD_ONCE_INIT;

static void cap_names_init(void) {
  for (int i = 0; i < N_NAMES; i++) {
    char *n = cap_to_name(i); /* "cap_chown", or "41" when unknown */
    if (!n) {
      snprintf(cap_names[i], sizeof(cap_names[i]), "%d", i);
      continue;
    }
    size_t j = 0;
    for (; j < sizeof(cap_names[i]) - 1 && n[j]; j++)
      cap_names[i][j] = (char)toupper((unsigned char)n[j]);
    cap_names[i][j] = 0;
    cap_free(n);
  }
}

const char *hr_cap_name(int cap) {
  if (cap < 0 || cap >= N_NAMES)
    return NULL;
  pthread_once(&cap_names_once, cap_names_init);
  return cap_names[cap];
}

/* Caps the running kernel knows, as a mask. */
static uint64_t known_mask(void) {
  int last = hr_caps_last_cap();
  return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

static int lowest_cap(uint64_t mask) { return __builtin_ctzll(mask); }

void hr_caps_warn_unapplied(const struct hr_caps *caps, const char *path) {
  if (caps->inheritable)
    hr_log_warn("%s.inheritable: not applied: hrun never sets inheritable "
                "capabilities (CVE-2022-29162)",
                path);
  if (caps->ambient)
    hr_log_warn("%s.ambient: not applied: the kernel raises ambient "
                "capabilities only from the inheritable set, which hrun "
                "leaves empty",
                path);
}

int hr_caps_drop_bounding(uint64_t keep, hr_error_t *err) {
  int last = hr_caps_last_cap();
  for (int cap = 0; cap <= last; cap++) {
    if (cap < 64 && (keep & (1ULL << cap)))
      continue;
    int in = cap_get_bound((cap_value_t)cap);
    if (in <= 0) /* already dropped, or unknown to the kernel */
      continue;
    if (cap_drop_bound((cap_value_t)cap) < 0)
      return hr_error_set(err, errno,
                          "capabilities: drop %s from the bounding set",
                          hr_cap_name(cap) ? hr_cap_name(cap) : "?");
  }
  return 0;
}

static void cap_t_freep(cap_t *c) {
  if (*c)
    cap_free(*c);
}

/* Why the kernel refused capset, when the config itself explains it. */
static const char *capset_hint(const struct hr_caps *c, char *buf, size_t len) {
  uint64_t bad;
  if ((bad = c->effective & ~c->permitted))
    snprintf(buf, len, " (effective %s is not in permitted)",
             hr_cap_name(lowest_cap(bad)));
  else if ((bad = c->inheritable & ~c->bounding))
    snprintf(buf, len, " (inheritable %s is not in bounding)",
             hr_cap_name(lowest_cap(bad)));
  else if ((bad = c->permitted & ~c->bounding))
    snprintf(buf, len, " (permitted %s is not in bounding)",
             hr_cap_name(lowest_cap(bad)));
  else
    buf[0] = 0;
  return buf;
}

int hr_caps_set(const struct hr_caps *c, hr_error_t *err) {
  uint64_t known = known_mask();
  _cleanup_(cap_t_freep) cap_t caps = cap_init();
  if (!caps)
    return hr_error_set(err, errno, "capabilities: cap_init");
  const struct {
    cap_flag_t flag;
    uint64_t mask;
  } sets[] = {{CAP_EFFECTIVE, c->effective}, {CAP_PERMITTED, c->permitted}};
  for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
    uint64_t mask = sets[s].mask & known;
    for (int cap = 0; mask; cap++, mask >>= 1) {
      cap_value_t v = cap;
      if ((mask & 1) && cap_set_flag(caps, sets[s].flag, 1, &v, CAP_SET) < 0)
        return hr_error_set(err, errno, "capabilities: set %s",
                            hr_cap_name(cap));
    }
  }
  if (cap_set_proc(caps) < 0) {
    int e = errno;
    char hint[96];
    return hr_error_set(err, e, "capabilities: apply%s",
                        capset_hint(c, hint, sizeof(hint)));
  }

  /* The inheritable set stays empty whatever the config says: inherited
   * caps outlive execve of a file with inheritable file caps
   * (CVE-2022-29162). Ambient caps need inheritable ones, so the ambient
   * set is only cleared. The caller warns (hr_caps_warn_unapplied). */
  if (cap_reset_ambient() < 0 && errno != EINVAL)
    return hr_error_set(err, errno, "capabilities: clear the ambient set");
  return 0;
}

int hr_no_new_privs(hr_error_t *err) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return hr_error_set(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}
