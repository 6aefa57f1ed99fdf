/* struct hr_seccomp -> classic BPF with libseccomp, plus the -ENOSYS stub,
 * and installing the result with seccomp(2). Compilation happens in the
 * parent so the container init only makes one syscall. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/seccomp.h"

/* The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
#define MAX_INSNS 4096

static void ctx_releasep(scmp_filter_ctx *c) {
  if (*c)
    seccomp_release(*c);
}
#define _cleanup_scmp_ _cleanup_(ctx_releasep)

/* The action word libseccomp wants: ERRNO and TRACE carry data, EPERM
 * unless errnoRet says otherwise (as runc does). */
static uint32_t full_action(uint32_t base, hr_opt_u64 ret) {
  uint32_t data = ret.set ? (uint32_t)ret.v : EPERM;
  if (base == SCMP_ACT_ERRNO(0))
    return SCMP_ACT_ERRNO(data);
  if (base == SCMP_ACT_TRACE(0))
    return SCMP_ACT_TRACE(data);
  return base;
}

static bool rule_applies(const struct hr_seccomp_rule *r, uint64_t caps) {
  return (r->includes_caps & caps) == r->includes_caps &&
         (r->excludes_caps & caps) == 0;
}

/* libseccomp refuses two comparisons of the same argument in one rule.
 * Like runc, such a rule becomes one rule per comparison, i.e. the
 * comparisons are OR-ed instead of AND-ed; profiles that need "arg0 not
 * in {a, b}" must be written as allow rules for the complementary ranges
 * (the default profile does this for socket). */
static bool needs_split(const struct hr_seccomp_rule *r) {
  unsigned seen = 0;
  for (size_t i = 0; i < r->n_args; i++) {
    unsigned bit = 1u << r->args[i].index;
    if (seen & bit)
      return true;
    seen |= bit;
  }
  return false;
}

static int add_rule(scmp_filter_ctx ctx, const struct hr_seccomp_rule *r,
                    size_t ri, uint32_t action, hr_error_t *err) {
  _cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
  if (r->n_args) {
    cmps = calloc(r->n_args, sizeof(*cmps));
    if (!cmps)
      return hr_error_set(err, ENOMEM, "seccomp filter");
  }
  for (size_t i = 0; i < r->n_args; i++)
    cmps[i] = (struct scmp_arg_cmp){.arg = r->args[i].index,
                                    .op = (enum scmp_compare)r->args[i].op,
                                    .datum_a = r->args[i].value,
                                    .datum_b = r->args[i].value_two};
  bool split = needs_split(r);
  for (size_t n = 0; n < r->n_names; n++) {
    /* A pseudo-syscall number (< 0) for names that exist only on some
     * architectures; __NR_SCMP_ERROR for names this libseccomp does not
     * know, which runc and crun skip so one profile fits many kernels. */
    int nr = seccomp_syscall_resolve_name(r->names[n]);
    if (nr == __NR_SCMP_ERROR)
      continue;
    int rc = 0;
    if (!split)
      rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)r->n_args, cmps);
    for (size_t i = 0; split && i < r->n_args && rc == 0; i++)
      rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[i]);
    if (rc < 0)
      return hr_error_set(err, -rc, "syscalls[%zu]: add rule for %s", ri,
                          r->names[n]);
  }
  return 0;
}

/* ---- the -ENOSYS stub ----
 * With a deny-by-default profile, a syscall newer than the profile would
 * get the default errno (EPERM), and libc would not fall back to the older
 * syscall it replaces (clone3 -> clone, statx -> fstatat, ...). Like runc's
 * patchbpf, we prepend a small BPF program that returns ENOSYS for every
 * syscall number above the highest number the profile names for that
 * architecture, and hands everything else to libseccomp's program.
 * libseccomp cannot express number ranges, and rules for each unnamed
 * number would not cover numbers its tables do not know, hence the stub.
 *
 * Some architectures have several number spaces under one audit arch:
 * x86_64 and x32 (x32 numbers have bit 30 set; 512..547 are x32-only
 * compat entries above the shared table) and ARM's private syscalls at
 * 0xf0000. Each space ("region") gets its own highest number. A region
 * whose architecture is not in the filter, or that the profile names no
 * syscall in, is left to libseccomp (bad-arch or default action). */

#define X32_BIT 0x40000000u
#define MAX_ARCHS 32 /* more than libseccomp knows */
#define ARM_PRIVATE 0xf0000u

struct region {
  uint32_t lo;    /* numbers >= lo (and below the previous region's lo) */
  uint32_t token; /* the SCMP_ARCH_* owning this region */
  bool present;   /* token is in the filter */
  int64_t max;    /* highest named number, -1 if none */
};

struct stub_arch {
  uint32_t audit_arch;
  struct region regions[3]; /* by descending lo, the last has lo == 0 */
  size_t n;
};

static struct stub_arch *stub_arch_for(struct stub_arch *a, size_t *n,
                                       uint32_t audit_arch) {
  for (size_t i = 0; i < *n; i++)
    if (a[i].audit_arch == audit_arch)
      return &a[i];
  struct stub_arch *s = &a[(*n)++];
  memset(s, 0, sizeof(*s));
  s->audit_arch = audit_arch;
  return s;
}

static void add_token(struct stub_arch *a, size_t *n, uint32_t token) {
  struct stub_arch *s;
  switch (token) {
  case SCMP_ARCH_X86_64:
  case SCMP_ARCH_X32:
    /* Both arrive as AUDIT_ARCH_X86_64. */
    s = stub_arch_for(a, n, AUDIT_ARCH_X86_64);
    if (s->n == 0) {
      s->regions[0] = (struct region){X32_BIT + 512, SCMP_ARCH_X32, false, -1};
      s->regions[1] = (struct region){X32_BIT, SCMP_ARCH_X32, false, -1};
      s->regions[2] = (struct region){0, SCMP_ARCH_X86_64, false, -1};
      s->n = 3;
    }
    break;
  case SCMP_ARCH_ARM:
    s = stub_arch_for(a, n, token);
    if (s->n == 0) {
      s->regions[0] = (struct region){ARM_PRIVATE, token, false, -1};
      s->regions[1] = (struct region){0, token, false, -1};
      s->n = 2;
    }
    break;
  default:
    /* SCMP_ARCH_* values are the kernel's AUDIT_ARCH_* values. */
    s = stub_arch_for(a, n, token);
    if (s->n == 0) {
      s->regions[0] = (struct region){0, token, false, -1};
      s->n = 1;
    }
    break;
  }
  for (size_t i = 0; i < s->n; i++)
    if (s->regions[i].token == token)
      s->regions[i].present = true;
}

static void note_name(struct stub_arch *a, size_t n, const uint32_t *tokens,
                      size_t n_tokens, const char *name) {
  for (size_t t = 0; t < n_tokens; t++) {
    int nr = seccomp_syscall_resolve_name_arch(tokens[t], name);
    if (nr < 0) /* unknown here, or a pseudo number */
      continue;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < a[i].n; j++) {
        struct region *r = &a[i].regions[j];
        if (r->token == tokens[t] && (uint32_t)nr >= r->lo) {
          if (nr > r->max)
            r->max = nr;
          break; /* regions are by descending lo */
        }
      }
  }
}

static bool stub_wanted(const struct hr_seccomp *s) {
  if (s->default_action == SCMP_ACT_ALLOW || s->default_action == SCMP_ACT_LOG)
    return false;
  /* Everything unlisted already gets ENOSYS. */
  return !(s->default_action == SCMP_ACT_ERRNO(0) && s->default_errno_ret.set &&
           s->default_errno_ret.v == ENOSYS);
}

#define STMT(c, kk) ((struct sock_filter){(unsigned short)(c), 0, 0, (kk)})
#define JUMP(c, kk, t, f)                                                      \
  ((struct sock_filter){(unsigned short)(c), (unsigned char)(t),               \
                        (unsigned char)(f), (kk)})

/* Emits the stub into out (NULL to count). Layout:
 *   ld arch
 *   per audit arch: jeq arch ? next : skip-block; ld nr;
 *     per region: [jge lo ? body : skip-body;] body
 *       body = jgt max ? ENOSYS : PROG   (or ja PROG)
 *   ja +1; ret ERRNO(ENOSYS); PROG... */
static size_t emit_stub(const struct stub_arch *a, size_t n,
                        struct sock_filter *out) {
  size_t len = 1 + 2; /* ld arch, ja +1, ret */
  for (size_t i = 0; i < n; i++)
    len += 2 + a[i].n * 2 - 1; /* the lo == 0 region needs no jge */
  if (!out)
    return len;
  size_t enosys = len - 1, prog = len, pc = 0;
  out[pc++] =
      STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  for (size_t i = 0; i < n; i++) {
    size_t block = 1 + a[i].n * 2 - 1;
    out[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, a[i].audit_arch, 0, block);
    pc++;
    out[pc++] =
        STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (size_t j = 0; j < a[i].n; j++) {
      const struct region *r = &a[i].regions[j];
      if (r->lo > 0) {
        out[pc] = JUMP(BPF_JMP | BPF_JGE | BPF_K, r->lo, 0, 1);
        pc++;
      }
      if (r->present && r->max >= 0)
        out[pc] = JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)r->max,
                       enosys - pc - 1, prog - pc - 1);
      else
        out[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(prog - pc - 1));
      pc++;
    }
  }
  out[pc++] = STMT(BPF_JMP | BPF_JA, 1);
  out[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  return pc;
}

/* libseccomp 2.5 can only export to an fd; a memfd keeps it in memory. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **insns,
                      size_t *n, hr_error_t *err) {
  _cleanup_close_ int fd = memfd_create("hrun-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "memfd_create");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return hr_error_set(err, -rc, "libseccomp: export BPF");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hr_error_set(err, errno, "stat exported BPF");
  size_t size = (size_t)st.st_size;
  if (size == 0 || size % sizeof(struct sock_filter) != 0)
    return hr_error_set(err, 0, "exported BPF has a bad size (%zu bytes)",
                        size);
  _cleanup_free_ struct sock_filter *buf = malloc(size);
  if (!buf)
    return hr_error_set(err, ENOMEM, "seccomp filter");
  size_t off = 0;
  while (off < size) {
    ssize_t r = pread(fd, (char *)buf + off, size - off, (off_t)off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return hr_error_set(err, r < 0 ? errno : EIO, "read BPF");
    off += (size_t)r;
  }
  *insns = hr_steal_ptr(buf);
  *n = size / sizeof(struct sock_filter);
  return 0;
}

static int set_attr(scmp_filter_ctx ctx, enum scmp_filter_attr a, uint32_t v,
                    const char *what, hr_error_t *err) {
  int rc = seccomp_attr_set(ctx, a, v);
  if (rc < 0)
    return hr_error_set(err, -rc, "set %s", what);
  return 0;
}

static int build(const struct hr_seccomp *s, uint64_t caps, scmp_filter_ctx ctx,
                 hr_error_t *err) {
  /* The runtime decides no_new_privs itself (process.noNewPrivileges). */
  if (set_attr(ctx, SCMP_FLTATR_CTL_NNP, 0, "no_new_privs attribute", err) <
          0 ||
      set_attr(ctx, SCMP_FLTATR_API_SYSRAWRC, 1, "raw return codes", err) < 0)
    return -1;
  /* Native stays in the filter, as in runc. */
  for (size_t i = 0; i < s->n_archs; i++) {
    int rc = seccomp_arch_add(ctx, s->archs[i]);
    if (rc < 0 && rc != -EEXIST)
      return hr_error_set(err, -rc, "add architecture 0x%x", s->archs[i]);
  }
  uint32_t def = full_action(s->default_action, s->default_errno_ret);
  for (size_t i = 0; i < s->n_rules; i++) {
    const struct hr_seccomp_rule *r = &s->rules[i];
    if (!rule_applies(r, caps))
      continue;
    uint32_t act = full_action(r->action, r->errno_ret);
    /* libseccomp rejects rules with the default action; they are no-ops
     * (runc skips them too). */
    if (act == def)
      continue;
    if (add_rule(ctx, r, i, act, err) < 0)
      return -1;
  }
  return 0;
}

int hr_seccomp_compile(const struct hr_seccomp *s, uint64_t bounding_caps,
                       struct hr_seccomp_program *out, hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  uint32_t def = full_action(s->default_action, s->default_errno_ret);
  _cleanup_scmp_ scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx)
    return hr_error_set(err, 0,
                        "cannot initialise libseccomp with "
                        "the default action");
  if (build(s, bounding_caps, ctx, err) < 0)
    return -1;
  _cleanup_free_ struct sock_filter *body = NULL;
  size_t n_body = 0;
  if (export_bpf(ctx, &body, &n_body, err) < 0)
    return -1;

  struct stub_arch archs[MAX_ARCHS];
  size_t n_archs = 0, n_stub = 0;
  if (stub_wanted(s)) {
    uint32_t tokens[MAX_ARCHS];
    size_t n_tokens = 0;
    tokens[n_tokens++] = seccomp_arch_native();
    for (size_t i = 0; i < s->n_archs && n_tokens < MAX_ARCHS; i++) {
      bool dup = false;
      for (size_t j = 0; j < n_tokens; j++)
        dup = dup || tokens[j] == s->archs[i];
      if (!dup)
        tokens[n_tokens++] = s->archs[i];
    }
    for (size_t i = 0; i < n_tokens; i++)
      add_token(archs, &n_archs, tokens[i]);
    /* Every named syscall counts, whatever its action or capability
     * condition: the profile knows it, so its default applies. */
    for (size_t i = 0; i < s->n_rules; i++)
      for (size_t j = 0; j < s->rules[i].n_names; j++)
        note_name(archs, n_archs, tokens, n_tokens, s->rules[i].names[j]);
    n_stub = emit_stub(archs, n_archs, NULL);
  }
  if (n_stub + n_body > MAX_INSNS)
    return hr_error_set(err, 0,
                        "filter has %zu instructions, more than the "
                        "kernel's %d",
                        n_stub + n_body, MAX_INSNS);
  out->insns = calloc(n_stub + n_body, sizeof(*out->insns));
  if (!out->insns)
    return hr_error_set(err, ENOMEM, "seccomp filter");
  if (n_stub)
    emit_stub(archs, n_archs, out->insns);
  memcpy(out->insns + n_stub, body, n_body * sizeof(*body));
  out->len = (unsigned short)(n_stub + n_body);
  /* WAIT_KILLABLE_RECV only means something with NEW_LISTENER (the kernel
   * rejects it alone); libseccomp likewise sets it only when a notify
   * listener is used, which hrun does not support. */
  out->flags =
      s->filter_flags & ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return 0;
}

int hr_seccomp_install(const struct hr_seccomp_program *p, hr_error_t *err) {
  if (!p->insns || p->len == 0)
    return hr_error_set(err, EINVAL, "empty filter");
  struct sock_fprog prog = {.len = p->len, .filter = p->insns};
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
  if (r == 0)
    return 0;
  if (r > 0) /* TSYNC: the id of a thread that could not be synchronised */
    return hr_error_set(err, 0, "load filter: cannot sync thread %ld", r);
  if (errno == EACCES)
    return hr_error_set(err, errno,
                        "load filter (needs no_new_privs or "
                        "CAP_SYS_ADMIN)");
  return hr_error_set(err, errno, "load filter (flags 0x%x)", p->flags);
}

void hr_seccomp_program_free(struct hr_seccomp_program *p) {
  if (!p)
    return;
  free(p->insns);
  memset(p, 0, sizeof(*p));
}
