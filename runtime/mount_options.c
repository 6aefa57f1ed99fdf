/* Mount options (the strings in a mount's "options") -> MS_* flags,
 * propagation and filesystem data, following runc's table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "config_internal.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

enum opt_kind { OPT_SET, OPT_CLEAR, OPT_PROPAGATION, OPT_BIND, OPT_NOOP };

static const struct {
  const char *name;
  enum opt_kind kind;
  unsigned long flag;
} mount_opts[] = {
    {"defaults", OPT_NOOP, 0},
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nodev", OPT_SET, MS_NODEV},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"noatime", OPT_SET, MS_NOATIME},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"bind", OPT_BIND, MS_BIND},
    {"rbind", OPT_BIND, MS_BIND | MS_REC},
    {"private", OPT_PROPAGATION, MS_PRIVATE},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"shared", OPT_PROPAGATION, MS_SHARED},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", OPT_PROPAGATION, MS_SLAVE},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
};

/* Recursive mount attributes (mount_setattr with AT_RECURSIVE). Nothing
 * applies them yet, so accepting them would silently drop e.g. a read-only
 * request for submounts: reject them by name. */
static const char *const recursive_opts[] = {
    "rro",          "rrw",       "rnosuid",      "rsuid",
    "rnodev",       "rdev",      "rnoexec",      "rexec",
    "rnodiratime",  "rdiratime", "rrelatime",    "rnorelatime",
    "rnoatime",     "ratime",    "rstrictatime", "rnostrictatime",
    "rnosymfollow", "rsymfollow"};

/* Options of other runtimes that change what is mounted. */
static const char *const unsupported_opts[] = {"tmpcopyup",    "idmap",
                                               "ridmap",       "copy-symlink",
                                               "src-nofollow", "dest-nofollow"};

static bool is_unsupported(const char *o) {
  for (size_t i = 0; i < sizeof(unsupported_opts) / sizeof(unsupported_opts[0]);
       i++) {
    size_t n = strlen(unsupported_opts[i]);
    /* idmap may carry a value ("idmap=uids=0-1000-10;...") */
    if (strncmp(o, unsupported_opts[i], n) == 0 &&
        (o[n] == '\0' || o[n] == '='))
      return true;
  }
  return false;
}

static int append_data(char **data, const char *o, hr_error_t *err) {
  size_t old = *data ? strlen(*data) : 0, n = strlen(o);
  char *nd = realloc(*data, old + n + 2);
  if (!nd)
    return hr_error_set(err, ENOMEM, "mount data");
  if (old)
    nd[old++] = ',';
  memcpy(nd + old, o, n + 1);
  *data = nd;
  return 0;
}

int hr_mount_options_parse(struct hr_mount *m, const char *path,
                           hr_error_t *err) {
  /* Derived fields are recomputed from scratch so the call is idempotent. */
  free(m->data);
  m->data = NULL;
  m->flags = m->clear_flags = m->propagation = 0;
  m->bind = m->recursive = false;
  if (!path)
    path = "";
  _cleanup_free_ char *data = NULL;

  for (size_t i = 0; i < m->n_options && m->options[i]; i++) {
    const char *o = m->options[i];
    if (o[0] == '\0')
      return hr_error_set(err, 0, "%s.options[%zu]: must not be empty", path,
                          i);
    size_t k, nk = sizeof(mount_opts) / sizeof(mount_opts[0]);
    for (k = 0; k < nk; k++)
      if (strcmp(o, mount_opts[k].name) == 0)
        break;
    if (k < nk) {
      unsigned long f = mount_opts[k].flag;
      switch (mount_opts[k].kind) {
      case OPT_SET:
        m->flags |= f;
        m->clear_flags &= ~f;
        break;
      case OPT_CLEAR:
        m->clear_flags |= f;
        m->flags &= ~f;
        break;
      case OPT_BIND:
        m->bind = true;
        m->flags |= MS_BIND;
        if (f & MS_REC) {
          m->recursive = true;
          m->flags |= MS_REC;
        }
        break;
      case OPT_PROPAGATION:
        /* Only one propagation type can be applied; the last one wins. */
        m->propagation = f;
        break;
      case OPT_NOOP:
        break;
      }
      continue;
    }
    for (k = 0; k < sizeof(recursive_opts) / sizeof(recursive_opts[0]); k++)
      if (strcmp(o, recursive_opts[k]) == 0)
        return hr_error_set(err, 0,
                            "%s.options[%zu]: recursive mount option \"%s\" "
                            "is not supported",
                            path, i, o);
    if (is_unsupported(o))
      return hr_error_set(err, 0,
                          "%s.options[%zu]: mount option \"%s\" is not "
                          "supported",
                          path, i, o);
    /* Anything else is for the filesystem (mode=755, size=64k, ...). */
    if (append_data(&data, o, err) < 0)
      return -1;
  }
  if (m->type && strcmp(m->type, "bind") == 0) {
    m->bind = true;
    m->flags |= MS_BIND;
  }
  m->data = hr_steal_ptr(data);
  return 0;
}
