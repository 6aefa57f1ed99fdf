/* Device access on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program built
 * from linux.resources.devices, loaded and attached with the raw bpf(2)
 * syscall.
 *
 * Semantics follow the v1 devices controller as runc and crun emulate it:
 * everything is denied by default, and the rules are applied in order, a
 * later rule overriding an earlier one. The program therefore tests the
 * rules last-to-first and the first one that matches decides. An allow
 * rule matches when every requested access is in its access set; a deny
 * rule matches when any requested access is in its set (deny "w" on a
 * device refuses an open for read+write). After the config's rules the
 * devices every container needs are allowed (appended, so they win).
 *
 * The kernel hands the program struct bpf_cgroup_dev_ctx:
 *   u32 access_type = (access << 16) | type;  u32 major;  u32 minor. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

static const struct hr_device_rule default_rules[] = {
    {true, 'c', 1, 3, "rwm"},    /* /dev/null */
    {true, 'c', 1, 5, "rwm"},    /* /dev/zero */
    {true, 'c', 1, 7, "rwm"},    /* /dev/full */
    {true, 'c', 1, 8, "rwm"},    /* /dev/random */
    {true, 'c', 1, 9, "rwm"},    /* /dev/urandom */
    {true, 'c', 5, 0, "rwm"},    /* /dev/tty */
    {true, 'c', 5, 2, "rwm"},    /* /dev/ptmx */
    {true, 'c', 136, -1, "rwm"}, /* /dev/pts/N */
};

const struct hr_device_rule *hr_devfilter_defaults(size_t *n) {
  *n = sizeof(default_rules) / sizeof(default_rules[0]);
  return default_rules;
}

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                            int32_t imm) {
  struct bpf_insn i;
  memset(&i, 0, sizeof(i));
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
/* JMP32 compares the low 32 bits, so majors/minors >= 2^31 compare right. */
#define JMP32_IMM(op, dst, imm, off)                                           \
  insn(BPF_JMP32 | (op) | BPF_K, dst, 0, off, imm)
#define JMP32_REG(op, dst, src, off)                                           \
  insn(BPF_JMP32 | (op) | BPF_X, dst, src, off, 0)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *a) {
  int bits = 0;
  for (; *a; a++)
    bits |= *a == 'r'   ? BPF_DEVCG_ACC_READ
            : *a == 'w' ? BPF_DEVCG_ACC_WRITE
            : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
                        : 0;
  return bits;
}

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* Append the block of one rule. Returns true when the rule matches every
 * request, so nothing after it can ever run (and the verifier rejects
 * unreachable instructions). */
static bool emit_rule(const struct hr_device_rule *r, struct bpf_insn *out,
                      size_t *n) {
  struct bpf_insn cond[8];
  size_t nc = 0;
  int acc = access_bits(r->access);
  if (r->type != 'a')
    cond[nc++] =
        JMP32_IMM(BPF_JNE, BPF_REG_2,
                  r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
  if (acc != ACC_ALL) {
    cond[nc++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
    cond[nc++] = ALU32_IMM(BPF_AND, BPF_REG_1, acc);
    if (r->allow) /* skip unless request & acc == request */
      cond[nc++] = JMP32_REG(BPF_JNE, BPF_REG_1, BPF_REG_3, 0);
    else /* skip unless request & acc != 0 */
      cond[nc++] = JMP32_IMM(BPF_JEQ, BPF_REG_1, 0, 0);
  }
  if (r->major >= 0)
    cond[nc++] = JMP32_IMM(BPF_JNE, BPF_REG_4, (int32_t)(uint32_t)r->major, 0);
  if (r->minor >= 0)
    cond[nc++] = JMP32_IMM(BPF_JNE, BPF_REG_5, (int32_t)(uint32_t)r->minor, 0);
  /* Each jump skips the rest of the block: the remaining conditions and the
   * two instructions that return the verdict. */
  for (size_t i = 0; i < nc; i++) {
    uint8_t cls = BPF_CLASS(cond[i].code);
    if (cls == BPF_JMP32 || cls == BPF_JMP)
      cond[i].off = (int16_t)(nc - i - 1 + 2);
    out[(*n)++] = cond[i];
  }
  out[(*n)++] = MOV64_IMM(BPF_REG_0, r->allow ? 1 : 0);
  out[(*n)++] = EXIT();
  return nc == 0;
}

/* The most a block takes (type 1 + access 3 + major 1 + minor 1 + 2). */
#define MAX_BLOCK 8
#define PROLOGUE 6
/* The kernel's limit for a privileged program is 1M instructions; this
 * keeps far below it and bounds the allocation. */
#define MAX_RULES 65536

int hr_devfilter_build(const struct hr_device_rule *rules, size_t n,
                       struct bpf_insn **insns, size_t *n_insns,
                       hr_error_t *err) {
  *insns = NULL;
  *n_insns = 0;
  size_t nd;
  const struct hr_device_rule *defs = hr_devfilter_defaults(&nd);
  if (n > MAX_RULES)
    return hr_error_set(err, E2BIG, "cgroup: more than %d device rules",
                        MAX_RULES);
  for (size_t i = 0; i < n; i++) {
    const struct hr_device_rule *r = &rules[i];
    if (!strchr("acb", r->type) || r->type == '\0' ||
        access_bits(r->access) == 0 || r->major < -1 ||
        r->major > (int64_t)UINT32_MAX || r->minor < -1 ||
        r->minor > (int64_t)UINT32_MAX)
      return hr_error_set(err, EINVAL, "cgroup: invalid device rule %zu", i);
  }
  size_t total = n + nd;
  _cleanup_free_ struct bpf_insn *p =
      calloc(PROLOGUE + total * MAX_BLOCK + 2, sizeof(struct bpf_insn));
  if (!p)
    return hr_error_set(err, ENOMEM, "cgroup: device program");
  size_t k = 0;
  p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0); /* type */
  p[k++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xFFFF);
  p[k++] = LDX_W(BPF_REG_3, BPF_REG_1, 0); /* access */
  p[k++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);
  p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4); /* major */
  p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8); /* minor */
  bool terminal = false;
  /* Last rule first: the defaults, then the config's rules backwards. */
  for (size_t i = total; i-- > 0 && !terminal;)
    terminal = emit_rule(i >= n ? &defs[i - n] : &rules[i], p, &k);
  if (!terminal) {
    p[k++] = MOV64_IMM(BPF_REG_0, 0); /* default deny */
    p[k++] = EXIT();
  }
  *insns = hr_steal_ptr(p);
  *n_insns = k;
  return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's reason: the last line of its log that is not one of the
 * closing statistics ("processed N insns ...", "verification time ..."). */
static const char *verifier_reason(char *log) {
  char *end = log + strlen(log);
  for (;;) {
    while (end > log && end[-1] == '\n')
      *--end = '\0';
    if (end == log)
      return log;
    char *line = end;
    while (line > log && line[-1] != '\n')
      line--;
    if (strncmp(line, "processed ", 10) != 0 &&
        strncmp(line, "verification time", 17) != 0 &&
        strncmp(line, "stack depth", 11) != 0)
      return line;
    *line = '\0';
    end = line;
  }
}

static int load(const struct bpf_insn *insns, size_t n, hr_error_t *err) {
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)insns;
  a.insn_cnt = (uint32_t)n;
  a.license = (uint64_t)(uintptr_t) "GPL";
  int fd = sys_bpf(BPF_PROG_LOAD, &a);
  if (fd < 0 && errno == EPERM) {
    /* Before 5.11 BPF memory was charged to RLIMIT_MEMLOCK. */
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
      fd = sys_bpf(BPF_PROG_LOAD, &a);
  }
  if (fd >= 0)
    return fd;
  int saved = errno;
  /* Once more with the verifier's log, to say why. */
  char *log = calloc(1, 65536);
  if (log) {
    a.log_level = 1;
    a.log_buf = (uint64_t)(uintptr_t)log;
    a.log_size = 65536;
    int fd2 = sys_bpf(BPF_PROG_LOAD, &a);
    if (fd2 >= 0) {
      free(log);
      return fd2;
    }
    const char *why = verifier_reason(log);
    if (*why) {
      hr_error_set(err, saved, "cgroup: load device program (%s)", why);
      free(log);
      return -1;
    }
    free(log);
  }
  return hr_error_set(err, saved, "cgroup: load device program");
}

/* Ids of the device programs attached to the cgroup itself. */
static int query(int cgfd, uint32_t *ids, uint32_t *n, hr_error_t *err) {
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.query.target_fd = (uint32_t)cgfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t)(uintptr_t)ids;
  a.query.prog_cnt = *n;
  if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
    return hr_error_set(err, errno, "cgroup: query device programs");
  *n = a.query.prog_cnt;
  return 0;
}

int hr_cgroup_set_devices(const struct hr_cgroup *cg,
                          const struct hr_device_rule *rules, size_t n,
                          hr_error_t *err) {
  _cleanup_free_ struct bpf_insn *insns = NULL;
  size_t n_insns;
  if (hr_devfilter_build(rules, n, &insns, &n_insns, err) < 0)
    return -1;
  _cleanup_close_ int prog = load(insns, n_insns, err);
  if (prog < 0)
    return -1;
  /* BPF attach wants a real (not O_PATH) descriptor of the directory. */
  _cleanup_close_ int cgfd =
      openat(cg->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgfd < 0)
    return hr_error_set(err, errno, "cgroup: open %s/%s", cg->mount, cg->path);
  /* The kernel allows 64 programs per attach point. */
  uint32_t old[64], n_old = 64;
  if (query(cgfd, old, &n_old, err) < 0)
    return -1;
  union bpf_attr a;
  memset(&a, 0, sizeof(a));
  a.target_fd = (uint32_t)cgfd;
  a.attach_bpf_fd = (uint32_t)prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
    return hr_error_set(err, errno, "cgroup: attach device program to %s/%s",
                        cg->mount, cg->path);
  /* Only now drop the previous programs, so there is no moment without a
   * filter (meanwhile both run, and both must allow). */
  for (uint32_t i = 0; i < n_old; i++) {
    union bpf_attr g;
    memset(&g, 0, sizeof(g));
    g.prog_id = old[i];
    _cleanup_close_ int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
    if (ofd < 0) {
      if (errno == ENOENT)
        continue;
      return hr_error_set(err, errno, "cgroup: open device program %u", old[i]);
    }
    union bpf_attr d;
    memset(&d, 0, sizeof(d));
    d.target_fd = (uint32_t)cgfd;
    d.attach_bpf_fd = (uint32_t)ofd;
    d.attach_type = BPF_CGROUP_DEVICE;
    if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
      return hr_error_set(err, errno, "cgroup: detach old device program %u",
                          old[i]);
  }
  return 0;
}

int hr_devfilter_load(const struct bpf_insn *insns, size_t n, hr_error_t *err) {
  return load(insns, n, err);
}
