#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "test_cgroup_fake.h"
#include "unit.h"

static char *resolve(const char *cgpath, bool systemd, const char *self,
                     const char *sock, hr_error_t *err) {
  char *out = NULL;
  if (hr_cgroup_resolve_path_at(cgpath, "ID", systemd, self, sock, &out, err) <
      0)
    return NULL;
  return out;
}

TEST(cgroup_resolve_absolute_and_default) {
  struct {
    const char *in, *want;
  } t[] = {
      {"/default/ID", "default/ID"},
      {"//a//./b/", "a/b"},
      {"/k8s.io/abc:def", "k8s.io/abc:def"},
      {NULL, "hrun/ID"},
      {"", "hrun/ID"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    _cleanup_free_ char *out =
        resolve(t[i].in, false, "/nonexistent", "/nonexistent", &err);
    CHECK_STR(out, t[i].want);
  }
}

TEST(cgroup_resolve_relative_uses_own_cgroup) {
  char *dir = unit_tmpdir();
  _cleanup_free_ char *self = NULL;
  if (asprintf(&self, "%s/cgroup", dir) < 0)
    abort();
  /* A hybrid host lists v1 hierarchies too; only "0::" counts. */
  unit_write_file(self, "12:pids:/user.slice\n1:name=systemd:/user.slice/x\n"
                        "0::/user.slice/session-1.scope\n");
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_free_ char *a = resolve("foo/bar", false, self, NULL, &err);
  CHECK_STR(a, "user.slice/session-1.scope/foo/bar");
  unit_write_file(self, "0::/\n");
  _cleanup_free_ char *b = resolve("./foo", false, self, NULL, &err);
  CHECK_STR(b, "foo");
  /* v1 only: there is no own v2 cgroup to be relative to. */
  unit_write_file(self, "1:name=systemd:/x\n");
  _cleanup_free_ char *c = resolve("foo", false, self, NULL, &err);
  CHECK(c == NULL);
  CHECK_CONTAINS(hr_error_msg(err), "no cgroup v2 entry (\"0::\")");
  hr_error_free(&err);
  /* Outside our cgroup namespace root the kernel shows "/.." paths. */
  unit_write_file(self, "0::/../../x\n");
  _cleanup_free_ char *d = resolve("foo", false, self, NULL, &err);
  CHECK(d == NULL);
  CHECK_CONTAINS(hr_error_msg(err), "must not contain \"..\"");
  fake_rm(dir);
}

TEST(cgroup_resolve_rejects_dotdot_and_root) {
  const char *bad[] = {"/a/../b", "../x", "a/..", "/..", "/a/b/../../.."};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    char *out = resolve(bad[i], false, "/nonexistent", NULL, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(hr_error_msg(err), "must not contain \"..\"");
  }
  const char *root[] = {"/", "//", "/./"};
  for (size_t i = 0; i < sizeof(root) / sizeof(root[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    char *out = resolve(root[i], false, "/nonexistent", NULL, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(hr_error_msg(err), "must not be the cgroup root");
  }
}

TEST(cgroup_resolve_systemd_unreachable) {
  char *dir = unit_tmpdir();
  _cleanup_free_ char *sock = NULL;
  if (asprintf(&sock, "%s/private", dir) < 0)
    abort();
  _cleanup_error_ hr_error_t err = NULL;
  char *out = resolve("system.slice:docker:abc", true, NULL, sock, &err);
  CHECK(out == NULL);
  _cleanup_free_ char *want = NULL;
  if (asprintf(&want,
               "systemd cgroup driver requested (--systemd-cgroup) but "
               "systemd is not reachable: connect %s: No such file or "
               "directory",
               sock) < 0)
    abort();
  CHECK_STR(hr_error_msg(err), want);
  fake_rm(dir);
}

TEST(cgroup_resolve_systemd_form) {
  char *dir = unit_tmpdir();
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/private", dir);
  _cleanup_close_ int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(l >= 0);
  CHECK_INT(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
  CHECK_INT(listen(l, 8), 0);
  struct {
    const char *in, *want;
  } t[] = {
      {"system.slice:docker:abc", "system.slice/docker-abc.scope"},
      {"machine-a-b.slice:p:n",
       "machine.slice/machine-a.slice/machine-a-b.slice/p-n.scope"},
      {":hrun:x", "system.slice/hrun-x.scope"},
      {"user.slice::x", "user.slice/x.scope"},
      {"-.slice:p:n", "p-n.scope"},
      {"system.slice:p:sub.slice", "system.slice/sub.slice"},
      {NULL, "system.slice/hrun-ID.scope"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    _cleanup_free_ char *out = resolve(t[i].in, true, NULL, sa.sun_path, &err);
    if (!out || strcmp(out, t[i].want) != 0)
      unit_fail(__FILE__, __LINE__, "%s -> %s, expected %s", t[i].in,
                out ? out : hr_error_msg(err), t[i].want);
  }
  struct {
    const char *in, *msg;
  } bad[] = {
      {"/abs/path", "expected \"slice:prefix:name\""},
      {"a:b", "expected \"slice:prefix:name\""},
      {"a.slice:b:c:d", "expected"},
      {"a.slice:p:n/../x", "invalid unit name"},
      {"a.slice:p:", "invalid unit name"},
      {"nosuffix:p:n", "invalid slice \"nosuffix\""},
      {"a--b.slice:p:n", "invalid slice"},
      {"-a.slice:p:n", "invalid slice"},
      {"a/b.slice:p:n", "invalid slice"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    char *out = resolve(bad[i].in, true, NULL, sa.sun_path, &err);
    if (out) {
      unit_fail(__FILE__, __LINE__, "%s accepted as %s", bad[i].in, out);
      free(out);
      continue;
    }
    if (!strstr(hr_error_msg(err), bad[i].msg))
      unit_fail(__FILE__, __LINE__, "%s: \"%s\" lacks \"%s\"", bad[i].in,
                hr_error_msg(err), bad[i].msg);
  }
  fake_rm(dir);
}

TEST(cgroup_mode_from_magic) {
  CHECK_INT(hr_cgroup_mode_from_magic(CGROUP2_SUPER_MAGIC, 0),
            HR_CGROUP_UNIFIED);
  CHECK_INT(hr_cgroup_mode_from_magic(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC),
            HR_CGROUP_HYBRID);
  CHECK_INT(hr_cgroup_mode_from_magic(TMPFS_MAGIC, 0), HR_CGROUP_LEGACY);
  CHECK_INT(hr_cgroup_mode_from_magic(TMPFS_MAGIC, TMPFS_MAGIC),
            HR_CGROUP_LEGACY);
  CHECK_INT(hr_cgroup_mode_from_magic(0, 0), HR_CGROUP_NONE);
  CHECK_INT(hr_cgroup_mode_from_magic(EXT4_SUPER_MAGIC, 0), HR_CGROUP_NONE);
  CHECK_STR(hr_cgroup_mode_name(HR_CGROUP_HYBRID), "hybrid");
}

TEST(cgroup_detect_mode_missing_mount) {
  enum hr_cgroup_mode mode = HR_CGROUP_UNIFIED;
  char *v2 = (char *)"x";
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_detect_mode("/nonexistent/hrun-test", &mode, &v2, &err),
            0);
  CHECK_INT(mode, HR_CGROUP_NONE);
  CHECK(v2 == NULL);
}
