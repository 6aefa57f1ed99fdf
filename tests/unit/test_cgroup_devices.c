#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "unit.h"

/* An interpreter for the instructions hr_devfilter_build emits, so the
 * program's decisions are tested without privileges (the kernel has no
 * BPF_PROG_TEST_RUN for cgroup device programs). Anything else fails. */
static int run(const struct bpf_insn *p, size_t n, int type, int access,
               uint32_t major, uint32_t minor) {
  uint64_t reg[11] = {0};
  uint32_t ctx[3] = {((uint32_t)access << 16) | (uint32_t)type, major, minor};
  size_t pc = 0;
  for (int steps = 0; steps < 100000 && pc < n; steps++) {
    const struct bpf_insn *i = &p[pc++];
    uint64_t src =
        BPF_SRC(i->code) == BPF_X ? reg[i->src_reg] : (uint64_t)(int64_t)i->imm;
    switch (BPF_CLASS(i->code)) {
    case BPF_LDX:
      if (i->src_reg != BPF_REG_1 || BPF_SIZE(i->code) != BPF_W || i->off % 4 ||
          i->off < 0 || i->off > 8)
        return -2;
      reg[i->dst_reg] = ctx[i->off / 4];
      break;
    case BPF_ALU: {
      uint32_t d = (uint32_t)reg[i->dst_reg], s = (uint32_t)src;
      switch (BPF_OP(i->code)) {
      case BPF_AND:
        d &= s;
        break;
      case BPF_RSH:
        d >>= s;
        break;
      case BPF_MOV:
        d = s;
        break;
      default:
        return -2;
      }
      reg[i->dst_reg] = d; /* 32-bit ops zero-extend */
      break;
    }
    case BPF_ALU64:
      if (BPF_OP(i->code) != BPF_MOV)
        return -2;
      reg[i->dst_reg] = src;
      break;
    case BPF_JMP32: {
      uint32_t d = (uint32_t)reg[i->dst_reg], s = (uint32_t)src;
      bool jump;
      if (BPF_OP(i->code) == BPF_JNE)
        jump = d != s;
      else if (BPF_OP(i->code) == BPF_JEQ)
        jump = d == s;
      else
        return -2;
      if (jump)
        pc += (size_t)i->off;
      break;
    }
    case BPF_JMP:
      if (BPF_OP(i->code) == BPF_EXIT)
        return (int)reg[0];
      return -2;
    default:
      return -2;
    }
  }
  return -3; /* fell off the end */
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

struct probe {
  int type, access;
  uint32_t major, minor;
  int want;
};

static void check_program(const char *what, const struct hr_device_rule *rules,
                          size_t n, const struct probe *probes, size_t np) {
  _cleanup_free_ struct bpf_insn *p = NULL;
  size_t ni = 0;
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_devfilter_build(rules, n, &p, &ni, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "%s: %s", what, hr_error_msg(err));
    return;
  }
  for (size_t i = 0; i < np; i++) {
    int got = run(p, ni, probes[i].type, probes[i].access, probes[i].major,
                  probes[i].minor);
    if (got != probes[i].want)
      unit_fail(__FILE__, __LINE__,
                "%s: probe %zu (%c %u:%u access %d) -> %d, expected %d", what,
                i, probes[i].type == B ? 'b' : 'c', probes[i].major,
                probes[i].minor, probes[i].access, got, probes[i].want);
  }
}

TEST(devfilter_defaults_only) {
  struct probe t[] = {
      {C, R | W, 1, 3, 1},    {C, M, 1, 3, 1},     {C, R, 1, 5, 1},
      {C, R | W, 1, 7, 1},    {C, R, 1, 8, 1},     {C, R, 1, 9, 1},
      {C, R | W, 5, 0, 1},    {C, R | W, 5, 2, 1}, {C, R | W, 136, 0, 1},
      {C, R | W, 136, 77, 1}, {C, R, 1, 4, 0},     {C, R, 5, 1, 0},
      {B, R, 1, 3, 0},        {B, R, 8, 0, 0},     {C, R, 10, 200, 0},
      {C, R, 137, 0, 0},
  };
  check_program("defaults", NULL, 0, t, sizeof(t) / sizeof(t[0]));
}

TEST(devfilter_later_rules_override_earlier) {
  struct hr_device_rule deny_all_then_tun[] = {
      {false, 'a', -1, -1, "rwm"},
      {true, 'c', 10, 200, "rw"},
      {true, 'c', 4, -1, "rwm"},
  };
  struct probe t1[] = {
      {C, R | W, 10, 200, 1}, {C, R, 10, 200, 1},  {C, M, 10, 200, 0},
      {C, R | M, 10, 200, 0}, {C, R | W, 4, 7, 1}, {B, R, 4, 7, 0},
      {C, R, 10, 201, 0},     {C, R | W, 1, 3, 1}, {B, R | W | M, 8, 0, 0},
  };
  check_program("deny all, allow tun", deny_all_then_tun, 3, t1,
                sizeof(t1) / sizeof(t1[0]));

  struct hr_device_rule allow_then_deny[] = {
      {true, 'c', 10, 200, "rwm"},
      {false, 'c', 10, 200, "w"},
  };
  /* A deny of "w" refuses any request that includes writing. */
  struct probe t2[] = {
      {C, R, 10, 200, 1},
      {C, M, 10, 200, 1},
      {C, W, 10, 200, 0},
      {C, R | W, 10, 200, 0},
  };
  check_program("allow then deny w", allow_then_deny, 2, t2,
                sizeof(t2) / sizeof(t2[0]));

  struct hr_device_rule deny_then_allow[] = {
      {false, 'c', 10, 200, "rwm"},
      {true, 'c', 10, 200, "rwm"},
  };
  struct probe t3[] = {{C, R | W, 10, 200, 1}};
  check_program("deny then allow", deny_then_allow, 2, t3, 1);

  /* The container's default devices win over the config's denies. */
  struct hr_device_rule deny_null[] = {{false, 'c', 1, 3, "rwm"}};
  struct probe t4[] = {{C, R | W, 1, 3, 1}};
  check_program("deny null", deny_null, 1, t4, 1);
}

TEST(devfilter_allow_all_and_partial_deny) {
  struct hr_device_rule rules[] = {
      {true, 'a', -1, -1, "rwm"},
      {false, 'b', 8, -1, "w"},
  };
  struct probe t[] = {
      {B, R, 8, 0, 1},
      {B, R | W, 8, 0, 0},
      {B, W, 8, 16, 0},
      {B, W, 9, 0, 1},
      {C, R | W, 10, 200, 1},
      /* A block device with the numbers of a default char device. */
      {B, W, 1, 3, 1},
  };
  check_program("allow all, deny b 8:* w", rules, 2, t,
                sizeof(t) / sizeof(t[0]));
}

TEST(devfilter_program_shape) {
  _cleanup_free_ struct bpf_insn *p = NULL;
  size_t n = 0;
  _cleanup_error_ hr_error_t err = NULL;
  /* Prologue 6; each default c MAJ:MIN rwm block = type, major, minor
   * checks + verdict (5); pts has no minor check (4); final deny 2. */
  CHECK_INT(hr_devfilter_build(NULL, 0, &p, &n, &err), 0);
  CHECK_INT(n, 6 + 7 * 5 + 4 + 2);
  CHECK_INT(p[n - 1].code, BPF_JMP | BPF_EXIT);
  CHECK_INT(p[n - 2].imm, 0); /* default deny */
  free(p);
  p = NULL;
  /* An unconditional rule ends the program: nothing after it could run
   * (the verifier rejects unreachable code), so no default deny either. */
  struct hr_device_rule all = {true, 'a', -1, -1, "rwm"};
  CHECK_INT(hr_devfilter_build(&all, 1, &p, &n, &err), 0);
  CHECK_INT(n, 6 + 7 * 5 + 4 + 2);
  CHECK_INT(p[n - 2].imm, 1);
  free(p);
  p = NULL;
  /* The rule "c 10:200 rw" (allow): type, 3 access insns, major, minor,
   * verdict. It is tested right after the defaults. */
  struct hr_device_rule tun = {true, 'c', 10, 200, "rw"};
  CHECK_INT(hr_devfilter_build(&tun, 1, &p, &n, &err), 0);
  CHECK_INT(n, 6 + 7 * 5 + 4 + 8 + 2);
  const struct bpf_insn *blk = &p[6 + 7 * 5 + 4];
  CHECK_INT(blk[0].code, BPF_JMP32 | BPF_JNE | BPF_K);
  CHECK_INT(blk[0].imm, BPF_DEVCG_DEV_CHAR);
  CHECK_INT(blk[0].off, 7);
  CHECK_INT(blk[2].imm, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
  CHECK_INT(blk[3].code, BPF_JMP32 | BPF_JNE | BPF_X);
  CHECK_INT(blk[4].imm, 10);
  CHECK_INT(blk[5].imm, 200);
  CHECK_INT(blk[5].off, 2);
  CHECK_INT(blk[6].imm, 1);
}

TEST(devfilter_large_numbers) {
  /* JMP32 compares exactly also above 2^31 (an imm would sign-extend). */
  struct hr_device_rule r[] = {{true, 'c', 4000000000LL, 4294967295LL, "r"}};
  struct probe t[] = {{C, R, 4000000000u, 4294967295u, 1},
                      {C, R, 4000000000u, 4294967294u, 0}};
  check_program("large", r, 1, t, 2);
}

TEST(devfilter_rejects_invalid_rules) {
  struct hr_device_rule bad[] = {
      {true, 'x', 1, 1, "r"}, {true, 'c', -2, 1, "r"}, {true, 'c', 1, 1, ""}};
  for (size_t i = 0; i < 3; i++) {
    _cleanup_free_ struct bpf_insn *p = NULL;
    size_t n;
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(hr_devfilter_build(&bad[i], 1, &p, &n, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), "invalid device rule 0");
  }
}

TEST(devfilter_passes_the_verifier) {
  /* Loading (never attaching) runs the kernel verifier. It needs
   * CAP_BPF/CAP_SYS_ADMIN; without them this part is skipped. */
  struct hr_device_rule rules[] = {
      {false, 'a', -1, -1, "rwm"}, {true, 'c', 10, 200, "rw"},
      {true, 'b', 8, -1, "m"},     {false, 'c', 4, 1, "w"},
      {true, 'a', 7, -1, "r"},
  };
  struct {
    const struct hr_device_rule *r;
    size_t n;
  } progs[] = {{NULL, 0}, {rules, 5}, {rules + 1, 4}};
  for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
    _cleanup_free_ struct bpf_insn *p = NULL;
    size_t n;
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(hr_devfilter_build(progs[i].r, progs[i].n, &p, &n, &err), 0);
    int fd = hr_devfilter_load(p, n, &err);
    if (fd < 0) {
      int e = hr_error_errno(err);
      if (e == EPERM || e == EACCES || e == ENOSYS || e == EINVAL) {
        /* EINVAL without a verifier message: no cgroup-device BPF here. */
        if (e != EINVAL || !strstr(hr_error_msg(err), "(")) {
          fprintf(stderr, "  skip: bpf load not permitted here: %s\n",
                  hr_error_msg(err));
          return;
        }
      }
      unit_fail(__FILE__, __LINE__, "program %zu: %s", i, hr_error_msg(err));
      continue;
    }
    close(fd);
  }
}
