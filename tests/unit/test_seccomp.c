/* linux.seccomp parsing: a full valid document and a table of broken ones,
 * each with the JSON path its error must name. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/seccomp.h"
#include "unit.h"

static int parse_text(const char *text, struct hr_seccomp *s, hr_error_t *err) {
  json_error_t jerr;
  _cleanup_json_ json_t *j = json_loads(text, 0, &jerr);
  if (!j)
    return hr_error_set(err, 0, "test JSON: %s", jerr.text);
  return hr_seccomp_parse(j, "linux.seccomp", s, err);
}

TEST(seccomp_parse_valid_fixture) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_json_ json_t *doc = NULL;
  CHECK_INT(hr_json_load_file("fixtures/seccomp/valid.json", "valid.json", &doc,
                              &err),
            0);
  struct hr_seccomp s;
  CHECK_INT(hr_seccomp_parse(doc, "linux.seccomp", &s, &err), 0);
  if (err) {
    CHECK_STR(hr_error_msg(err), "");
    return;
  }
  CHECK_INT(s.default_action, SCMP_ACT_ERRNO(0));
  CHECK(s.default_errno_ret.set);
  CHECK_INT(s.default_errno_ret.v, 38);
  CHECK_INT(s.n_archs, 9);
  CHECK_INT(s.archs[0], SCMP_ARCH_X86_64);
  CHECK_INT(s.archs[1], SCMP_ARCH_X86);
  CHECK_INT(s.archs[2], SCMP_ARCH_X32);
  CHECK_INT(s.archs[3], SCMP_ARCH_AARCH64);
  CHECK_INT(s.archs[4], SCMP_ARCH_ARM);
  CHECK_INT(s.archs[5], SCMP_ARCH_S390X);
  CHECK_INT(s.archs[6], SCMP_ARCH_PPC64LE);
  CHECK_INT(s.archs[7], SCMP_ARCH_RISCV64);
  CHECK_INT(s.archs[8], SCMP_ARCH_MIPSEL64N32);
  CHECK_INT(s.n_flags, 4);
  CHECK_INT(s.filter_flags, SECCOMP_FILTER_FLAG_TSYNC |
                                SECCOMP_FILTER_FLAG_LOG |
                                SECCOMP_FILTER_FLAG_SPEC_ALLOW |
                                SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  CHECK_STR(s.listener_path, "/run/listener.sock");
  CHECK_STR(s.listener_metadata, "meta");
  CHECK_INT(s.n_rules, 13);
  CHECK_INT(s.rules[0].n_names, 3);
  CHECK_STR(s.rules[0].names[2], "no_such_syscall_xyz");
  CHECK(s.rules[0].names[3] == NULL);
  CHECK_INT(s.rules[0].action, SCMP_ACT_ALLOW);
  CHECK(!s.rules[0].errno_ret.set);
  CHECK_INT(s.rules[1].action, SCMP_ACT_ERRNO(0));
  CHECK_INT(s.rules[1].errno_ret.v, 42);
  CHECK_INT(s.rules[2].n_args, 1);
  CHECK_INT(s.rules[2].args[0].value, 0xffffffffu);
  CHECK_INT(s.rules[2].args[0].op, SCMP_CMP_EQ);
  CHECK_INT(s.rules[3].args[0].op, SCMP_CMP_MASKED_EQ);
  CHECK_INT(s.rules[3].args[0].value, 0x7e020000);
  CHECK_INT(s.rules[4].action, SCMP_ACT_TRACE(0));
  CHECK_INT(s.rules[4].errno_ret.v, 7);
  CHECK_INT(s.rules[5].action, SCMP_ACT_KILL_THREAD);
  CHECK_INT(s.rules[6].action, SCMP_ACT_KILL_PROCESS);
  CHECK_INT(s.rules[7].action, SCMP_ACT_KILL_THREAD);
  CHECK_INT(s.rules[8].action, SCMP_ACT_TRAP);
  CHECK_INT(s.rules[9].action, SCMP_ACT_LOG);
  CHECK_INT(s.rules[10].includes_caps, 1ull << CAP_SYS_ADMIN);
  CHECK_INT(s.rules[10].excludes_caps, 0);
  CHECK_INT(s.rules[11].excludes_caps,
            (1ull << CAP_SYS_ADMIN) | (1ull << CAP_BPF));
  CHECK_INT(s.rules[12].n_args, 6);
  for (unsigned i = 0; i < 6; i++) {
    CHECK_INT(s.rules[12].args[i].index, i);
    CHECK_INT(s.rules[12].args[i].value, i + 1);
  }
  CHECK_INT(s.rules[12].args[0].op, SCMP_CMP_NE);
  CHECK_INT(s.rules[12].args[1].op, SCMP_CMP_LT);
  CHECK_INT(s.rules[12].args[2].op, SCMP_CMP_LE);
  CHECK_INT(s.rules[12].args[3].op, SCMP_CMP_GE);
  CHECK_INT(s.rules[12].args[4].op, SCMP_CMP_GT);
  CHECK_INT(s.rules[12].args[5].op, SCMP_CMP_EQ);
  hr_seccomp_free(&s);
  hr_seccomp_free(&s); /* idempotent */
}

TEST(seccomp_parse_minimal) {
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_seccomp s;
  CHECK_INT(parse_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", &s, &err), 0);
  CHECK_INT(s.default_action, SCMP_ACT_ALLOW);
  CHECK_INT(s.n_rules, 0);
  CHECK_INT(s.n_archs, 0);
  CHECK(!s.default_errno_ret.set);
  hr_seccomp_free(&s);
}

TEST(seccomp_names) {
  uint32_t v = 0;
  CHECK_INT(hr_seccomp_arch_from_name("SCMP_ARCH_AARCH64", &v), 0);
  CHECK_INT(v, SCMP_ARCH_AARCH64);
  CHECK_INT(hr_seccomp_arch_from_name("SCMP_ARCH_PPC64", &v), 0);
  CHECK_INT(v, SCMP_ARCH_PPC64);
  CHECK_INT(hr_seccomp_arch_from_name("SCMP_ARCH_x86_64", &v), -1);
  CHECK_INT(hr_seccomp_arch_from_name("x86_64", &v), -1);
  CHECK_INT(hr_seccomp_arch_from_name("SCMP_ARCH_NATIVE", &v), -1);
  CHECK_INT(hr_seccomp_arch_from_name("SCMP_ARCH_", &v), -1);
  CHECK_INT(hr_seccomp_action_from_name("SCMP_ACT_ALLOW", &v), 0);
  CHECK_INT(v, SCMP_ACT_ALLOW);
  CHECK_INT(hr_seccomp_action_from_name("allow", &v), -1);
  CHECK_INT(hr_seccomp_cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
  CHECK_INT(hr_seccomp_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
  CHECK_INT(hr_seccomp_cap_from_name("SYS_ADMIN"), -1);
}

TEST(seccomp_parse_errors_name_the_path) {
  static const struct {
    const char *json, *msg;
  } bad[] = {
      {"[]", "linux.seccomp: must be an object"},
      {"{}", "linux.seccomp.defaultAction: is required"},
      {"{\"defaultAction\": 1}",
       "linux.seccomp.defaultAction: must be a string"},
      {"{\"defaultAction\": \"SCMP_ACT_FOO\"}",
       "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\""},
      {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported"},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
       "linux.seccomp.defaultErrnoRet: value -1 out of range [0, 4095]"},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}",
       "linux.seccomp.defaultErrnoRet: value 4096 out of range [0, 4095]"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
       "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_Z80\"]}",
       "linux.seccomp.architectures[1]: unknown architecture "
       "\"SCMP_ARCH_Z80\""},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
       "\"SCMP_ARCH_X86_64\"}",
       "linux.seccomp.architectures: must be an array of strings"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
       "[\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_BOGUS\"]}",
       "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\""},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
       "[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
       "linux.seccomp.flags[0]: unknown flag"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 3}",
       "linux.seccomp.listenerPath: must be a string"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
       "linux.seccomp.syscalls: must be an array"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
       "linux.seccomp.syscalls[0]: must be an object"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"action\": \"SCMP_ACT_ERRNO\"}]}",
       "linux.seccomp.syscalls[0].names: is required"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}",
       "linux.seccomp.syscalls[0].names: must be a non-empty array"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\", 7], \"action\": \"SCMP_ACT_ERRNO\"}]}",
       "linux.seccomp.syscalls[0].names[1]: must be a string"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\", \"\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
       "linux.seccomp.syscalls[0].names[1]: must not be empty"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"]}]}",
       "linux.seccomp.syscalls[0].action: is required"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
       "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ERRNO\"},"
       "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ERRNO\"},"
       "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ERRNO\"},"
       "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}",
       "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\""},
      {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
       "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"errnoRet\": \"EPERM\"}]}",
       "linux.seccomp.syscalls[0].errnoRet: must be an integer"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_TRACE\", "
       "\"errnoRet\": 65536}]}",
       "linux.seccomp.syscalls[0].errnoRet: value 65536 out of range [0, "
       "65535]"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"args\": {}}]}",
       "linux.seccomp.syscalls[0].args: must be an array"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"args\": [\"x\"]}]}",
       "linux.seccomp.syscalls[0].args[0]: must be an object"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].index: value 6 out of range [0, "
       "5]"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].index: is required"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].value: is required"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"index\": 0, \"value\": -5, \"op\": \"SCMP_CMP_EQ\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].value: value -5 out of range"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"index\": 0, \"value\": 1, \"valueTwo\": 1.5, "
       "\"op\": \"SCMP_CMP_EQ\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].valueTwo: must be an integer"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"index\": 0, \"value\": 1}]}]}",
       "linux.seccomp.syscalls[0].args[0].op: is required"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
       "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, "
       "{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_XOR\"}]}]}",
       "linux.seccomp.syscalls[0].args[1].op: unknown operator "
       "\"SCMP_CMP_XOR\""},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_FLY\"]}}]}",
       "linux.seccomp.syscalls[0].includes.caps[1]: unknown capability "
       "\"CAP_FLY\""},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"excludes\": {\"arches\": [\"amd64\"]}}]}",
       "linux.seccomp.syscalls[0].excludes.arches: not supported"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"includes\": []}]}",
       "linux.seccomp.syscalls[0].includes: must be an object"},
      {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
       "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", "
       "\"includes\": {\"caps\": [\"CAP_BPF\"]}, "
       "\"excludes\": {\"caps\": [\"CAP_BPF\"]}}]}",
       "linux.seccomp.syscalls[0]: a capability is both in includes and "
       "excludes"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    struct hr_seccomp s;
    if (parse_text(bad[i].json, &s, &err) == 0) {
      unit_fail(__FILE__, __LINE__, "case %zu parsed: %s", i, bad[i].json);
      hr_seccomp_free(&s);
      continue;
    }
    CHECK_CONTAINS(hr_error_msg(err), bad[i].msg);
    /* one line, starting with the path */
    CHECK(strchr(hr_error_msg(err), '\n') == NULL);
    CHECK(strncmp(hr_error_msg(err), "linux.seccomp", 13) == 0);
  }
}
