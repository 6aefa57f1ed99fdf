#include "hrun/seccomp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"

#define CACHE_MAGIC "hrun-seccomp-cache-1\n"
#define MAX_ENTRY (8u << 20)

char *hr_seccomp_cache_key(const char *source, size_t source_len,
                           uint64_t bounding_caps, size_t *len) {
  const struct scmp_version *v = seccomp_version();
  char *key = NULL;
  int n =
      asprintf(&key,
               "hrun " HRUN_VERSION "\nlibseccomp %u.%u.%u\narch %u\n"
               "caps %016" PRIx64 "\n%.*s",
               v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
               seccomp_arch_native(), bounding_caps, (int)source_len, source);
  if (n < 0)
    return NULL;
  *len = (size_t)n;
  return key;
}

/* FNV-1a names the file; the stored key is what decides a hit. */
static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static int entry_path(char *buf, size_t n, const char *dir, const char *key,
                      size_t key_len) {
  int w = snprintf(buf, n, "%s/.seccomp-%016" PRIx64, dir, fnv1a(key, key_len));
  return w > 0 && (size_t)w < n ? 0 : -1;
}

static int read_all(int fd, char *buf, size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t r = read(fd, buf + off, n - off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    off += (size_t)r;
  }
  return 0;
}

int hr_seccomp_cache_load(const char *dir, const char *key, size_t key_len,
                          struct hr_seccomp_program *out) {
  char path[4096];
  if (!dir || entry_path(path, sizeof(path), dir, key, key_len) < 0)
    return 0;
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
      st.st_uid != geteuid() || (st.st_mode & 022) ||
      st.st_size > (off_t)MAX_ENTRY)
    return 0;
  size_t size = (size_t)st.st_size;
  size_t head = sizeof(CACHE_MAGIC) - 1 + sizeof(uint64_t) + key_len +
                sizeof(uint32_t) + sizeof(uint16_t);
  if (size < head)
    return 0;
  _cleanup_free_ char *buf = malloc(size);
  if (!buf || read_all(fd, buf, size) < 0)
    return 0;
  const char *p = buf;
  if (memcmp(p, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0)
    return 0;
  p += sizeof(CACHE_MAGIC) - 1;
  uint64_t stored_len;
  memcpy(&stored_len, p, sizeof(stored_len));
  p += sizeof(stored_len);
  if (stored_len != key_len || memcmp(p, key, key_len) != 0)
    return 0;
  p += key_len;
  uint32_t flags;
  uint16_t len;
  memcpy(&flags, p, sizeof(flags));
  p += sizeof(flags);
  memcpy(&len, p, sizeof(len));
  p += sizeof(len);
  size_t bytes = (size_t)len * sizeof(struct sock_filter);
  if (len == 0 || (size_t)(buf + size - p) != bytes)
    return 0;
  struct sock_filter *insns = malloc(bytes);
  if (!insns)
    return 0;
  memcpy(insns, p, bytes);
  out->insns = insns;
  out->len = len;
  out->flags = flags;
  return 1;
}

void hr_seccomp_cache_store(const char *dir, const char *key, size_t key_len,
                            const struct hr_seccomp_program *p) {
  char path[4096], tmp[4200];
  if (!dir || entry_path(path, sizeof(path), dir, key, key_len) < 0)
    return;
  snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
  _cleanup_close_ int fd =
      open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return;
  uint64_t klen = key_len;
  uint32_t flags = p->flags;
  uint16_t len = p->len;
  struct iovec_like {
    const void *b;
    size_t n;
  } parts[] = {{CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1},
               {&klen, sizeof(klen)},
               {key, key_len},
               {&flags, sizeof(flags)},
               {&len, sizeof(len)},
               {p->insns, (size_t)p->len * sizeof(struct sock_filter)}};
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
    if (write(fd, parts[i].b, parts[i].n) != (ssize_t)parts[i].n) {
      unlink(tmp);
      return;
    }
  }
  /* rename makes the entry appear whole or not at all */
  if (rename(tmp, path) < 0)
    unlink(tmp);
}
