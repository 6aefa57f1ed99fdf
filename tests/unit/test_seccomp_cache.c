#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/seccomp_cache.h"
#include "unit.h"

static struct sock_filter sample[3] = {
    {0x20, 0, 0, 4}, {0x15, 0, 1, 0xc000003e}, {0x06, 0, 0, 0x7fff0000}};

static const char *only_entry(const char *dir, char *buf, size_t n) {
  DIR *d = opendir(dir);
  struct dirent *de;
  buf[0] = 0;
  while (d && (de = readdir(d)))
    if (!strncmp(de->d_name, ".seccomp-", 9))
      snprintf(buf, n, "%s/%s", dir, de->d_name);
  if (d)
    closedir(d);
  return buf;
}

TEST(seccomp_cache_round_trip) {
  _cleanup_free_ char *dir = unit_tmpdir();
  size_t klen;
  _cleanup_free_ char *key = hr_seccomp_cache_key("{\"a\":1}", 7, 0x420, &klen);
  struct hr_seccomp_program p = {sample, 3, 1};
  struct hr_seccomp_program out = {0};
  CHECK_INT(hr_seccomp_cache_load(dir, key, klen, &out), 0);
  hr_seccomp_cache_store(dir, key, klen, &p);
  CHECK_INT(hr_seccomp_cache_load(dir, key, klen, &out), 1);
  CHECK_INT(out.len, 3);
  CHECK_INT(out.flags, 1);
  CHECK(out.insns && !memcmp(out.insns, sample, sizeof(sample)));
  free(out.insns);
}

TEST(seccomp_cache_key_covers_caps_and_source) {
  _cleanup_free_ char *dir = unit_tmpdir();
  size_t k1, k2, k3;
  _cleanup_free_ char *a = hr_seccomp_cache_key("{}", 2, 1, &k1);
  _cleanup_free_ char *b = hr_seccomp_cache_key("{}", 2, 2, &k2);
  _cleanup_free_ char *c = hr_seccomp_cache_key("[]", 2, 1, &k3);
  struct hr_seccomp_program p = {sample, 3, 0}, out = {0};
  hr_seccomp_cache_store(dir, a, k1, &p);
  CHECK_INT(hr_seccomp_cache_load(dir, b, k2, &out), 0);
  CHECK_INT(hr_seccomp_cache_load(dir, c, k3, &out), 0);
}

/* the file name is only a hash: an entry whose stored key differs (a
 * collision, or a planted file) must never be used */
TEST(seccomp_cache_rejects_other_key_and_bad_files) {
  _cleanup_free_ char *dir = unit_tmpdir();
  size_t klen;
  _cleanup_free_ char *key = hr_seccomp_cache_key("x", 1, 0, &klen);
  struct hr_seccomp_program p = {sample, 3, 0}, out = {0};
  hr_seccomp_cache_store(dir, key, klen, &p);
  char path[4096];
  only_entry(dir, path, sizeof(path));
  CHECK(path[0] != 0);
  /* flip one byte of the stored key */
  int fd = open(path, O_RDWR);
  CHECK(fd >= 0);
  char c;
  off_t at = 21 + 8 + 3; /* magic, key length, inside the key */
  CHECK(pread(fd, &c, 1, at) == 1);
  c ^= 1;
  CHECK(pwrite(fd, &c, 1, at) == 1);
  close(fd);
  CHECK_INT(hr_seccomp_cache_load(dir, key, klen, &out), 0);
  /* a good entry that is group/world writable is not trusted */
  hr_seccomp_cache_store(dir, key, klen, &p);
  CHECK_INT(hr_seccomp_cache_load(dir, key, klen, &out), 1);
  free(out.insns);
  chmod(path, 0666);
  CHECK_INT(hr_seccomp_cache_load(dir, key, klen, &out), 0);
  /* truncated */
  chmod(path, 0600);
  CHECK(truncate(path, 40) == 0);
  CHECK_INT(hr_seccomp_cache_load(dir, key, klen, &out), 0);
  /* no cache dir: always a miss, store is a no-op */
  CHECK_INT(hr_seccomp_cache_load(NULL, key, klen, &out), 0);
  hr_seccomp_cache_store(NULL, key, klen, &p);
}
