#include "hrun/self_exe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"

extern char **environ;

#define REQUIRED_SEALS                                                         \
  (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool hr_self_exe_is_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

/* How much of the binary exec needs: the ELF header, the program headers
 * and the file contents of every segment. The debug sections and the
 * section table behind them are left out of the copy (they are most of a
 * -g build); *len is the whole size when the file is not an ELF this
 * understands. */
static void exec_extent(int fd, off_t size, off_t *len) {
  *len = size;
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
      eh.e_phnum > 64)
    return;
  Elf64_Phdr ph[64];
  size_t phsz = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
  if (pread(fd, ph, phsz, (off_t)eh.e_phoff) != (ssize_t)phsz)
    return;
  uint64_t end = eh.e_phoff + phsz;
  for (size_t i = 0; i < eh.e_phnum; i++) {
    uint64_t e = ph[i].p_offset + ph[i].p_filesz;
    if (e < ph[i].p_offset)
      return; /* overflow: not a file to cut */
    if (e > end)
      end = e;
  }
  if (end > sizeof(eh) && end < (uint64_t)size)
    *len = (off_t)end;
}

/* A copy cut short has no section table: say so in its header. */
static int drop_section_table(int mfd) {
  Elf64_Ehdr eh;
  if (pread(mfd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
    return -1;
  eh.e_shoff = 0;
  eh.e_shnum = 0;
  eh.e_shstrndx = SHN_UNDEF;
  return pwrite(mfd, &eh, sizeof(eh), 0) == (ssize_t)sizeof(eh) ? 0 : -1;
}

static bool needs_protection(const char *cmd) {
  return !strcmp(cmd, "create") || !strcmp(cmd, "run") || !strcmp(cmd, "exec");
}

int hr_self_exe_copy(int self, int *out, hr_error_t *err) {
  *out = -1;
  struct stat st;
  if (fstat(self, &st) < 0)
    return hr_error_set(err, errno, "stat /proc/self/exe");
  _cleanup_close_ int mfd =
      memfd_create("hrun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return hr_error_set(err, errno, "memfd_create");
  off_t len;
  exec_extent(self, st.st_size, &len);
  off_t left = len, off = 0;
  while (left > 0) {
    ssize_t n = sendfile(mfd, self, &off, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hr_error_set(err, n < 0 ? errno : EIO, "copy /proc/self/exe");
    left -= n;
  }
  if (len < st.st_size && drop_section_table(mfd) < 0)
    return hr_error_set(err, errno, "copy /proc/self/exe");
  if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
    return hr_error_set(err, errno, "seal the hrun copy");
  *out = hr_steal_fd(mfd);
  return 0;
}

int hr_self_exe_protect(const char *cmd, char **argv, hr_error_t *err) {
  if (!needs_protection(cmd))
    return 0;
  _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return hr_error_set(err, errno, "open /proc/self/exe");
  if (hr_self_exe_is_sealed(self))
    return 0;
  _cleanup_close_ int mfd = -1;
  if (hr_self_exe_copy(self, &mfd, err) < 0)
    return -1;
  fexecve(mfd, argv, environ);
  return hr_error_set(err, errno, "re-exec from the sealed copy");
}
