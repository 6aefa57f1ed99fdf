#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "test_cgroup_fake.h"
#include "unit.h"

#define CHECK_FILE(root, rel, want)                                            \
  do {                                                                         \
    _cleanup_free_ char *_c = fake_read(root, rel);                            \
    CHECK_STR(_c, want);                                                       \
  } while (0)

TEST(cgroup_create_enables_controllers_in_every_ancestor) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "a");
  fake_cgroup(root, "a/b");
  fake_cgroup(root, "a/b/c");
  /* An ancestor that already delegates memory only gets what is missing. */
  fake_write(root, "a/cgroup.subtree_control", "cpu memory\n");
  struct hr_resources r;
  fake_resources("{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":10},"
                 "\"cpu\":{\"cpus\":\"0\"}}",
                 &r);
  struct hr_cgroup cg;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_create(root, HR_CGROUP_UNIFIED, "a/b/c", &r, &cg, &err),
            0);
  if (err)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  CHECK_FILE(root, "cgroup.subtree_control", "+memory +cpuset +pids");
  CHECK_FILE(root, "a/cgroup.subtree_control", "+cpuset +pids");
  CHECK_FILE(root, "a/b/cgroup.subtree_control", "+memory +cpuset +pids");
  /* The leaf itself delegates nothing: it holds the processes. */
  CHECK_FILE(root, "a/b/c/cgroup.subtree_control", "");
  CHECK_FILE(root, "a/b/c/memory.max", "1048576");
  CHECK_FILE(root, "a/b/c/pids.max", "10");
  CHECK_FILE(root, "a/b/c/cpuset.cpus", "0");
  CHECK_STR(cg.path, "a/b/c");
  CHECK_STR(cg.mount, root);
  CHECK(cg.dirfd >= 0);
  struct stat st;
  CHECK_INT(fstat(cg.dirfd, &st), 0);
  CHECK(S_ISDIR(st.st_mode));
  hr_cgroup_close(&cg);
  CHECK_INT(cg.dirfd, -1);
  hr_resources_free(&r);
  fake_rm(root);
}

TEST(cgroup_create_without_resources_needs_no_controller) {
  /* A hybrid host's unified hierarchy has no controllers at all. */
  char *root = fake_root("");
  struct hr_cgroup cg;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(
      hr_cgroup_create(root, HR_CGROUP_HYBRID, "hrun/abc", NULL, &cg, &err), 0);
  CHECK(fake_exists(root, "hrun/abc"));
  CHECK_FILE(root, "cgroup.subtree_control", "");
  hr_cgroup_close(&cg);
  /* An empty resources object is the same. */
  struct hr_resources r;
  fake_resources("{\"memory\":{},\"devices\":[{\"allow\":false}]}", &r);
  CHECK_INT(hr_cgroup_create(root, HR_CGROUP_HYBRID, "hrun/def", &r, &cg, &err),
            0);
  CHECK(fake_exists(root, "hrun/def"));
  hr_cgroup_close(&cg);
  hr_resources_free(&r);
  /* And it is reusable: an existing empty cgroup is fine. */
  CHECK_INT(
      hr_cgroup_create(root, HR_CGROUP_HYBRID, "hrun/def", NULL, &cg, &err), 0);
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_controller_unavailable_messages) {
  struct {
    const char *controllers, *json;
    enum hr_cgroup_mode mode;
    bool null_mount;
    const char *msg;
  } t[] = {
      {"", "{\"memory\":{\"limit\":1000}}", HR_CGROUP_HYBRID, false,
       "cgroup v2 controller \"memory\" is not available (host uses a hybrid "
       "cgroup layout); cannot apply linux.resources.memory"},
      {"", "{\"pids\":{\"limit\":5}}", HR_CGROUP_LEGACY, true,
       "cgroup v2 controller \"pids\" is not available (host uses cgroup "
       "v1); cannot apply linux.resources.pids"},
      {"cpu memory pids\n",
       "{\"hugepageLimits\":[{\"pageSize\":\"2MB\","
       "\"limit\":0}]}",
       HR_CGROUP_UNIFIED, false,
       "cgroup v2 controller \"hugetlb\" is not available (not enabled in the "
       "kernel); cannot apply linux.resources.hugepageLimits"},
      {"cpu memory\n", "{\"cpu\":{\"mems\":\"0\"}}", HR_CGROUP_UNIFIED, false,
       "controller \"cpuset\" is not available (not enabled in the kernel); "
       "cannot apply linux.resources.cpu.mems"},
      {"cpuset memory\n", "{\"cpu\":{\"period\":100000}}", HR_CGROUP_UNIFIED,
       false, "controller \"cpu\" is not available"},
      {"memory\n", "{\"blockIO\":{\"weight\":100}}", HR_CGROUP_UNIFIED, false,
       "controller \"io\" is not available (not enabled in the kernel); "
       "cannot apply linux.resources.blockIO"},
      {"memory\n", "{\"unified\":{\"misc.max\":\"x 1\"}}", HR_CGROUP_UNIFIED,
       false,
       "controller \"misc\" is not available (not enabled in the kernel); "
       "cannot apply linux.resources.unified.misc.max"},
      {"memory\n", "{\"rdma\":{\"mlx5\":{\"hcaHandles\":1}}}",
       HR_CGROUP_UNIFIED, false, "controller \"rdma\" is not available"},
      /* v1-only settings are reported before controllers. */
      {"", "{\"memory\":{\"limit\":1,\"kernel\":1}}", HR_CGROUP_HYBRID, false,
       "linux.resources.memory.kernel: not supported on cgroup v2"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    char *root = fake_root(t[i].controllers);
    struct hr_resources r;
    fake_resources(t[i].json, &r);
    struct hr_cgroup cg;
    _cleanup_error_ hr_error_t err = NULL;
    int rc = hr_cgroup_create(t[i].null_mount ? NULL : root, t[i].mode, "x/y",
                              &r, &cg, &err);
    CHECK_INT(rc, -1);
    if (!strstr(hr_error_msg(err), t[i].msg))
      unit_fail(__FILE__, __LINE__, "case %zu: \"%s\" lacks \"%s\"", i,
                hr_error_msg(err), t[i].msg);
    /* Nothing was created, nothing delegated. */
    CHECK(!fake_exists(root, "x"));
    CHECK_FILE(root, "cgroup.subtree_control", "");
    hr_resources_free(&r);
    fake_rm(root);
  }
}

TEST(cgroup_check_without_v2_mount) {
  /* No cgroup2 at all: a config without limits is still fine to check. */
  struct hr_resources r;
  fake_resources("{\"unified\":{\"cgroup.max.depth\":\"3\"}}", &r);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_check(NULL, HR_CGROUP_LEGACY, &r, &err), 0);
  CHECK_INT(hr_cgroup_check(NULL, HR_CGROUP_LEGACY, NULL, &err), 0);
  struct hr_cgroup cg;
  CHECK_INT(hr_cgroup_create(NULL, HR_CGROUP_LEGACY, "x", &r, &cg, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "no cgroup v2 hierarchy (host layout: "
                                    "legacy)");
  hr_resources_free(&r);
}

TEST(cgroup_create_removes_half_made_cgroup) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "a");
  /* "a/new" is made here; the fake has no interface files in a new
   * directory, so delegating to its child fails and everything this call
   * created must go, while "a" (which existed) stays. */
  struct hr_resources r;
  fake_resources("{\"memory\":{\"limit\":1048576}}", &r);
  struct hr_cgroup cg;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(
      hr_cgroup_create(root, HR_CGROUP_UNIFIED, "a/new/leaf", &r, &cg, &err),
      -1);
  CHECK_CONTAINS(hr_error_msg(err), "a/new/cgroup.subtree_control");
  CHECK(fake_exists(root, "a"));
  CHECK(!fake_exists(root, "a/new"));
  hr_resources_free(&r);
  hr_error_free(&err);

  /* A failed limit write in a freshly made leaf removes the leaf and the
   * parents made with it. */
  fake_resources("{\"unified\":{\"cgroup.max.depth\":\"3\"}}", &r);
  CHECK_INT(
      hr_cgroup_create(root, HR_CGROUP_UNIFIED, "a/n1/n2/leaf", &r, &cg, &err),
      -1);
  CHECK_STR(hr_error_msg(err), "cgroup: write \"3\" to cgroup.max.depth: No "
                               "such file or directory");
  CHECK(fake_exists(root, "a"));
  CHECK(!fake_exists(root, "a/n1"));
  hr_resources_free(&r);
  fake_rm(root);
}

TEST(cgroup_create_rejected_write_keeps_existing_cgroup) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "ctr");
  /* Tests may run as root: a directory in place of the file forces the
   * write to fail (EISDIR) whatever the permissions. */
  _cleanup_free_ char *p = NULL;
  if (asprintf(&p, "%s/ctr/cpu.max", root) < 0)
    abort();
  unlink(p);
  mkdir(p, 0755);
  struct hr_resources r;
  fake_resources("{\"pids\":{\"limit\":5},\"cpu\":{\"quota\":-1}}", &r);
  struct hr_cgroup cg;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_create(root, HR_CGROUP_UNIFIED, "ctr", &r, &cg, &err),
            -1);
  CHECK_STR(hr_error_msg(err),
            "cgroup: write \"max 100000\" to cpu.max: Is a directory");
  CHECK(fake_exists(root, "ctr"));
  CHECK_FILE(root, "ctr/pids.max", "5");
  CHECK_INT(cg.dirfd, -1);
  hr_resources_free(&r);
  fake_rm(root);
}

TEST(cgroup_create_refuses_busy_cgroup) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "ctr");
  fake_write(root, "ctr/cgroup.procs", "4242\n");
  struct hr_cgroup cg;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_create(root, HR_CGROUP_UNIFIED, "ctr", NULL, &cg, &err),
            -1);
  CHECK_CONTAINS(hr_error_msg(err), "/ctr already exists and has processes");
  CHECK(fake_exists(root, "ctr"));
  fake_rm(root);
}

TEST(cgroup_create_rejects_bad_relative_paths) {
  char *root = fake_root(FAKE_CONTROLLERS);
  const char *bad[] = {"", "/abs", "a/../b", "..", "a//b", "./a"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct hr_cgroup cg;
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(
        hr_cgroup_create(root, HR_CGROUP_UNIFIED, bad[i], NULL, &cg, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), "cgroup: invalid path");
  }
  fake_rm(root);
}

TEST(cgroup_open_and_update) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "p");
  fake_cgroup(root, "p/ctr");
  fake_write(root, "p/ctr/memory.current", "1000\n");
  struct hr_cgroup cg;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_open(root, HR_CGROUP_UNIFIED, "p/missing", &cg, &err),
            -1);
  CHECK_INT(hr_error_errno(err), ENOENT);
  hr_error_free(&err);
  CHECK_INT(hr_cgroup_open(root, HR_CGROUP_UNIFIED, "p/ctr", &cg, &err), 0);

  /* checkBeforeUpdate refuses a limit below the current usage... */
  struct hr_resources r;
  _cleanup_json_ json_t *j = json_loads(
      "{\"memory\":{\"limit\":500,\"checkBeforeUpdate\":true}}", 0, NULL);
  CHECK_INT(hr_resources_parse(j, "resources", &r, &err), 0);
  CHECK_INT(hr_cgroup_update(&cg, &r, &err), -1);
  CHECK_STR(hr_error_msg(err), "resources.memory.limit: unable to set memory "
                               "limit to 500 (current usage: 1000)");
  CHECK_FILE(root, "p/ctr/memory.max", "");
  hr_error_free(&err);
  hr_resources_free(&r);
  /* ...and applies one above it, delegating memory on the way. */
  fake_resources("{\"memory\":{\"limit\":2000,\"checkBeforeUpdate\":true}}",
                 &r);
  CHECK_INT(hr_cgroup_update(&cg, &r, &err), 0);
  CHECK_FILE(root, "p/ctr/memory.max", "2000");
  CHECK_FILE(root, "cgroup.subtree_control", "+memory");
  CHECK_FILE(root, "p/cgroup.subtree_control", "+memory");
  hr_resources_free(&r);
  /* Without checkBeforeUpdate a low limit is written (the kernel reclaims
   * or OOM-kills, as with runc). */
  fake_resources("{\"memory\":{\"limit\":500}}", &r);
  CHECK_INT(hr_cgroup_update(&cg, &r, &err), 0);
  CHECK_FILE(root, "p/ctr/memory.max", "500");
  hr_resources_free(&r);
  /* Update validates like create. */
  fake_resources("{\"memory\":{\"kernelTCP\":5}}", &r);
  CHECK_INT(hr_cgroup_update(&cg, &r, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "memory.kernelTCP: not supported");
  hr_resources_free(&r);
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_list_has_whole_words_only) {
  CHECK(hr_cgroup_list_has("cpuset cpu io\n", "cpu"));
  CHECK(hr_cgroup_list_has("cpuset cpu io\n", "io"));
  CHECK(!hr_cgroup_list_has("cpuset io\n", "cpu"));
  CHECK(!hr_cgroup_list_has("memory", "mem"));
  CHECK(!hr_cgroup_list_has("", "cpu"));
}
