/* linux.cgroupsPath -> a cgroup path relative to the cgroup2 mount. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

/* Append the components of in to *acc ("a/b"), dropping "" and "." and
 * rejecting "..", so the result can never leave the mount. */
static int append_components(char **acc, const char *in, const char *what,
                             hr_error_t *err) {
  const char *p = in;
  while (*p) {
    size_t l = strcspn(p, "/");
    if (l == 2 && p[0] == '.' && p[1] == '.')
      return hr_error_set(err, 0, "%s \"%s\": must not contain \"..\"", what,
                          in);
    if (l > 0 && !(l == 1 && p[0] == '.')) {
      char *n = NULL;
      if (asprintf(&n, "%s%s%.*s", *acc ? *acc : "", *acc && **acc ? "/" : "",
                   (int)l, p) < 0)
        return hr_error_set(err, ENOMEM, "%s", what);
      free(*acc);
      *acc = n;
    }
    p += l;
    p += strspn(p, "/");
  }
  return 0;
}

/* The "0::/path" line of /proc/self/cgroup (present on unified and hybrid
 * hosts alike). */
static int own_cgroup(const char *file, char **out, hr_error_t *err) {
  _cleanup_fclose_ FILE *f = fopen(file, "re");
  if (!f)
    return hr_error_set(err, errno, "cgroup: open %s", file);
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] == '\n')
      line[n - 1] = '\0';
    if (strncmp(line, "0::", 3) == 0) {
      *out = strdup(line + 3);
      if (!*out)
        return hr_error_set(err, ENOMEM, "cgroup: %s", file);
      return 0;
    }
  }
  return hr_error_set(err, 0,
                      "cgroup: no cgroup v2 entry (\"0::\") in %s, cannot "
                      "place a relative cgroupsPath",
                      file);
}

static int systemd_reachable(const char *socket_path, hr_error_t *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof(sa.sun_path))
    return hr_error_set(err, ENAMETOOLONG, "connect %s", socket_path);
  strcpy(sa.sun_path, socket_path);
  /* Non-blocking: a busy systemd with a full backlog must not hang us; it
   * answers EAGAIN, which still proves something listens there. */
  _cleanup_close_ int fd =
      socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return hr_error_set(err, errno, "socket");
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EAGAIN)
    return hr_error_set(err, errno, "connect %s", socket_path);
  return 0;
}

/* "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
static int expand_slice(const char *slice, const char *cgpath, char **out,
                        hr_error_t *err) {
  size_t len = strlen(slice);
  if (strcmp(slice, "-.slice") == 0) {
    *out = strdup("");
    return *out ? 0 : hr_error_set(err, ENOMEM, "cgroupsPath");
  }
  if (len <= 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
    return hr_error_set(err, 0, "cgroupsPath \"%s\": invalid slice \"%s\"",
                        cgpath, slice);
  size_t base = len - 6;
  if (slice[0] == '-' || slice[base - 1] == '-' || strstr(slice, "--"))
    return hr_error_set(err, 0, "cgroupsPath \"%s\": invalid slice \"%s\"",
                        cgpath, slice);
  _cleanup_free_ char *acc = strdup("");
  if (!acc)
    return hr_error_set(err, ENOMEM, "cgroupsPath");
  for (size_t i = 0; i <= base; i++) {
    if (i < base && slice[i] != '-')
      continue;
    char *n = NULL;
    if (asprintf(&n, "%s%s%.*s.slice", acc, *acc ? "/" : "", (int)i, slice) < 0)
      return hr_error_set(err, ENOMEM, "cgroupsPath");
    free(acc);
    acc = n;
  }
  *out = hr_steal_ptr(acc);
  return 0;
}

static int systemd_path(const char *cgpath, const char *id, char **out,
                        hr_error_t *err) {
  _cleanup_free_ char *dflt = NULL;
  if (!cgpath || !*cgpath) {
    if (asprintf(&dflt, "system.slice:hrun:%s", id) < 0)
      return hr_error_set(err, ENOMEM, "cgroupsPath");
    cgpath = dflt;
  }
  const char *c1 = strchr(cgpath, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (!c1 || !c2 || strchr(c2 + 1, ':'))
    return hr_error_set(err, 0,
                        "cgroupsPath \"%s\": expected \"slice:prefix:name\" "
                        "for systemd cgroups",
                        cgpath);
  _cleanup_free_ char *slice = strndup(cgpath, (size_t)(c1 - cgpath));
  _cleanup_free_ char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
  const char *name = c2 + 1;
  if (!slice || !prefix)
    return hr_error_set(err, ENOMEM, "cgroupsPath");
  if (!*name || strchr(name, '/') || strchr(prefix, '/'))
    return hr_error_set(err, 0, "cgroupsPath \"%s\": invalid unit name",
                        cgpath);
  _cleanup_free_ char *sl = NULL, *unit = NULL;
  if (expand_slice(*slice ? slice : "system.slice", cgpath, &sl, err) < 0)
    return -1;
  size_t nl = strlen(name);
  bool is_slice = nl > 6 && strcmp(name + nl - 6, ".slice") == 0;
  int rc;
  if (is_slice)
    rc = asprintf(&unit, "%s", name);
  else if (*prefix)
    rc = asprintf(&unit, "%s-%s.scope", prefix, name);
  else
    rc = asprintf(&unit, "%s.scope", name);
  if (rc < 0)
    return hr_error_set(err, ENOMEM, "cgroupsPath");
  _cleanup_free_ char *acc = NULL;
  if (append_components(&acc, sl, "cgroupsPath", err) < 0 ||
      append_components(&acc, unit, "cgroupsPath", err) < 0)
    return -1;
  *out = hr_steal_ptr(acc);
  return 0;
}

int hr_cgroup_resolve_path_at(const char *cgroups_path, const char *id,
                              bool systemd, const char *self_cgroup,
                              const char *systemd_socket, char **out,
                              hr_error_t *err) {
  *out = NULL;
  if (systemd) {
    if (systemd_reachable(systemd_socket ? systemd_socket
                                         : HR_SYSTEMD_PRIVATE_SOCKET,
                          err) < 0)
      return hr_error_wrap(err, "systemd cgroup driver requested "
                                "(--systemd-cgroup) but systemd is not "
                                "reachable");
    return systemd_path(cgroups_path, id, out, err);
  }
  _cleanup_free_ char *acc = NULL;
  /* Reject ".." before anything else is looked at. */
  if (cgroups_path &&
      append_components(&acc, cgroups_path, "cgroupsPath", err) < 0)
    return -1;
  free(acc);
  acc = NULL;
  if (!cgroups_path || !*cgroups_path) {
    if (append_components(&acc, "hrun", "cgroupsPath", err) < 0 ||
        append_components(&acc, id, "container id", err) < 0)
      return -1;
  } else if (cgroups_path[0] == '/') {
    if (append_components(&acc, cgroups_path, "cgroupsPath", err) < 0)
      return -1;
  } else {
    _cleanup_free_ char *own = NULL;
    if (own_cgroup(self_cgroup ? self_cgroup : "/proc/self/cgroup", &own, err) <
            0 ||
        append_components(&acc, own, "own cgroup", err) < 0 ||
        append_components(&acc, cgroups_path, "cgroupsPath", err) < 0)
      return -1;
  }
  if (!acc || !*acc)
    return hr_error_set(err, 0,
                        "cgroupsPath \"%s\": must not be the cgroup root",
                        cgroups_path ? cgroups_path : "");
  *out = hr_steal_ptr(acc);
  return 0;
}

int hr_cgroup_resolve_path(const char *cgroups_path, const char *id,
                           bool systemd, const char *self_cgroup, char **out,
                           hr_error_t *err) {
  return hr_cgroup_resolve_path_at(cgroups_path, id, systemd, self_cgroup,
                                   HR_SYSTEMD_PRIVATE_SOCKET, out, err);
}
