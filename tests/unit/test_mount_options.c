#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "unit.h"

/* A mount whose options point at the caller's (static) strings; only the
 * derived `data` is allocated by the parser. */
static int parse_opts(struct hr_mount *m, const char *type, const char **opts,
                      size_t n, hr_error_t *err) {
  memset(m, 0, sizeof(*m));
  m->type = (char *)type;
  m->options = (char **)opts;
  m->n_options = n;
  return hr_mount_options_parse(m, "mounts[0]", err);
}

#define NOPTS(a) (sizeof(a) / sizeof(a[0]) - 1)

TEST(mount_options_set_flags) {
  const char *o[] = {"ro", "nosuid", "nodev", "noexec", "relatime", NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "tmpfs", o, NOPTS(o), &err), 0);
  CHECK_INT(m.flags,
            MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
  CHECK_INT(m.clear_flags, 0);
  CHECK_INT(m.propagation, 0);
  CHECK(!m.bind && !m.recursive);
  CHECK(m.data == NULL);
  free(m.data);
}

TEST(mount_options_more_flags) {
  const char *o[] = {"sync",        "dirsync",    "remount",     "mand",
                     "noatime",     "nodiratime", "strictatime", "lazytime",
                     "nosymfollow", "iversion",   "defaults",    NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "ext4", o, NOPTS(o), &err), 0);
  CHECK_INT(m.flags, MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK |
                         MS_NOATIME | MS_NODIRATIME | MS_STRICTATIME |
                         MS_LAZYTIME | MS_NOSYMFOLLOW | MS_I_VERSION);
  CHECK(m.data == NULL);
  free(m.data);
}

TEST(mount_options_clear_flags) {
  const char *o[] = {"rw",         "suid",     "dev",        "exec",
                     "atime",      "diratime", "norelatime", "nostrictatime",
                     "async",      "nomand",   "nolazytime", "symfollow",
                     "noiversion", NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "tmpfs", o, NOPTS(o), &err), 0);
  CHECK_INT(m.flags, 0);
  CHECK_INT(m.clear_flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                               MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
                               MS_STRICTATIME | MS_SYNCHRONOUS | MS_MANDLOCK |
                               MS_LAZYTIME | MS_NOSYMFOLLOW | MS_I_VERSION);
  free(m.data);
}

TEST(mount_options_last_one_wins) {
  const char *a[] = {"ro", "rw", NULL};
  const char *b[] = {"rw", "ro", NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "tmpfs", a, NOPTS(a), &err), 0);
  CHECK_INT(m.flags & MS_RDONLY, 0);
  CHECK_INT(m.clear_flags, MS_RDONLY);
  CHECK_INT(parse_opts(&m, "tmpfs", b, NOPTS(b), &err), 0);
  CHECK_INT(m.flags, MS_RDONLY);
  CHECK_INT(m.clear_flags, 0);
}

TEST(mount_options_propagation) {
  struct {
    const char *opt;
    unsigned long want;
  } cases[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *o[] = {cases[i].opt, NULL};
    struct hr_mount m;
    hr_error_t err = NULL;
    CHECK_INT(parse_opts(&m, "tmpfs", o, 1, &err), 0);
    CHECK_INT(m.propagation, cases[i].want);
    /* Propagation is applied separately, never mixed into the flags. */
    CHECK_INT(m.flags, 0);
  }
  const char *o[] = {"shared", "rslave", NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, NULL, o, 2, &err), 0);
  CHECK_INT(m.propagation, MS_SLAVE | MS_REC);
}

TEST(mount_options_bind) {
  struct hr_mount m;
  hr_error_t err = NULL;
  const char *b[] = {"bind", "rprivate", NULL};
  CHECK_INT(parse_opts(&m, NULL, b, NOPTS(b), &err), 0);
  CHECK(m.bind);
  CHECK(!m.recursive);
  CHECK_INT(m.flags, MS_BIND);
  CHECK_INT(m.propagation, MS_PRIVATE | MS_REC);

  const char *rb[] = {"rbind", "ro", NULL};
  CHECK_INT(parse_opts(&m, "none", rb, NOPTS(rb), &err), 0);
  CHECK(m.bind);
  CHECK(m.recursive);
  CHECK_INT(m.flags, MS_BIND | MS_REC | MS_RDONLY);

  /* type "bind" alone is a (non-recursive) bind mount */
  CHECK_INT(parse_opts(&m, "bind", NULL, 0, &err), 0);
  CHECK(m.bind);
  CHECK(!m.recursive);
  CHECK_INT(m.flags, MS_BIND);
}

TEST(mount_options_data_joined_in_order) {
  const char *o[] = {"nosuid",      "mode=755",    "strictatime",
                     "size=65536k", "newinstance", "ptmxmode=0666",
                     "gid=5",       NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "devpts", o, NOPTS(o), &err), 0);
  CHECK_STR(m.data, "mode=755,size=65536k,newinstance,ptmxmode=0666,gid=5");
  CHECK_INT(m.flags, MS_NOSUID | MS_STRICTATIME);
  free(m.data);
}

TEST(mount_options_typo_goes_to_data) {
  /* A misspelt flag is not ours to judge: the filesystem rejects it. */
  const char *o[] = {"nosiud", NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "tmpfs", o, 1, &err), 0);
  CHECK_STR(m.data, "nosiud");
  CHECK_INT(m.flags, 0);
  free(m.data);
}

TEST(mount_options_idempotent) {
  const char *o[] = {"ro", "size=1m", NULL};
  struct hr_mount m;
  hr_error_t err = NULL;
  CHECK_INT(parse_opts(&m, "tmpfs", o, 2, &err), 0);
  CHECK_INT(hr_mount_options_parse(&m, "mounts[0]", &err), 0);
  CHECK_STR(m.data, "size=1m");
  CHECK_INT(m.flags, MS_RDONLY);
  free(m.data);
}

TEST(mount_options_rejects) {
  struct {
    const char *opt;
    const char *want;
  } cases[] = {
      {"rro", "mounts[0].options[1]: recursive mount option \"rro\" is not "
              "supported"},
      {"rnosuid", "recursive mount option \"rnosuid\""},
      {"rnoexec", "recursive mount option"},
      {"tmpcopyup", "mounts[0].options[1]: mount option \"tmpcopyup\" is not "
                    "supported"},
      {"idmap", "mount option \"idmap\" is not supported"},
      {"ridmap", "mount option \"ridmap\" is not supported"},
      {"idmap=uids=0-1000-10", "is not supported"},
      {"", "mounts[0].options[1]: must not be empty"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *o[] = {"size=1m", cases[i].opt, NULL};
    struct hr_mount m;
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(parse_opts(&m, "tmpfs", o, 2, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), cases[i].want);
    CHECK(m.data == NULL);
  }
}
