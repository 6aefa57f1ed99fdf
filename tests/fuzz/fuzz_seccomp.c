/* linux.seccomp: hr_seccomp_parse, then hr_seccomp_compile with libseccomp
 * (for an empty and a full bounding set, so includes/excludes rules take
 * both branches). The compiled program must fit the kernel's limit. */
#include "fuzz.h"
#include "hrun/seccomp.h"

static void compile(const struct hr_seccomp *s, uint64_t caps) {
  struct hr_seccomp_program prog = {0};
  hr_error_t err = NULL;
  int rc = hr_seccomp_compile(s, caps, &prog, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    FUZZ_CHECK(prog.insns != NULL);
    FUZZ_CHECK(prog.len > 0 && prog.len <= 4096); /* BPF_MAXINSNS */
    hr_seccomp_program_free(&prog);
  }
  hr_error_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *root = fuzz_load_json(data, size, "config.json");
  if (!root)
    return 0;
  /* a whole config is also accepted as input: use its linux.seccomp */
  json_t *obj = root;
  json_t *lx = json_object_get(root, "linux");
  if (json_is_object(json_object_get(lx, "seccomp")))
    obj = json_object_get(lx, "seccomp");
  struct hr_seccomp s;
  hr_error_t err = NULL;
  int rc = hr_seccomp_parse(obj, "linux.seccomp", &s, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    FUZZ_CHECK(s.n_rules == 0 || s.rules != NULL);
    for (size_t i = 0; i < s.n_rules; i++) {
      FUZZ_CHECK(s.rules[i].names != NULL);
      FUZZ_CHECK(s.rules[i].names[s.rules[i].n_names] == NULL);
      for (size_t a = 0; a < s.rules[i].n_args; a++)
        FUZZ_CHECK(s.rules[i].args[a].index < 6);
    }
    compile(&s, 0);
    compile(&s, ~(uint64_t)0);
    hr_seccomp_free(&s);
  }
  hr_error_free(&err);
  json_decref(root);
  return 0;
}
