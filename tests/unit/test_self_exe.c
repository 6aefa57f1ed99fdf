/* hr_self_exe_copy: the sealed copy hrun re-executes from. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/self_exe.h"
#include "unit.h"

extern char **environ;

static off_t size_of(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* The unit tests themselves (built with -g): the copy keeps what exec
 * maps, leaves out the debug sections, is sealed, and runs. */
TEST(self_exe_copy_is_sealed_cut_and_runs) {
  _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  CHECK(self >= 0);
  _cleanup_close_ int mfd = -1;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_self_exe_copy(self, &mfd, &err), 0);
  if (mfd < 0)
    return;
  CHECK(hr_self_exe_is_sealed(mfd));
  CHECK(!hr_self_exe_is_sealed(self));
  off_t whole = size_of(self), cut = size_of(mfd);
  CHECK(cut > 0 && cut < whole); /* a symbol table at least is left out */
  Elf64_Ehdr orig, copy;
  CHECK_INT(pread(self, &orig, sizeof(orig), 0), sizeof(orig));
  CHECK_INT(pread(mfd, &copy, sizeof(copy), 0), sizeof(copy));
  CHECK(memcmp(copy.e_ident, ELFMAG, SELFMAG) == 0);
  CHECK_INT(copy.e_entry, orig.e_entry);
  CHECK_INT(copy.e_phnum, orig.e_phnum);
  CHECK_INT(copy.e_shoff, 0);
  CHECK_INT(copy.e_shnum, 0);
  /* every segment is in the copy, byte for byte */
  Elf64_Phdr ph;
  for (int i = 0; i < orig.e_phnum; i++) {
    CHECK_INT(
        pread(self, &ph, sizeof(ph), (off_t)(orig.e_phoff + i * sizeof(ph))),
        sizeof(ph));
    CHECK((off_t)(ph.p_offset + ph.p_filesz) <= cut);
  }
  errno = 0;
  CHECK(write(mfd, "x", 1) < 0 && errno == EPERM);
  CHECK(ftruncate(mfd, 1) < 0);
  /* it runs: the copy of the test runner, with a filter matching no test */
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    char *argv[] = {"unit-tests", "no test has this name", NULL};
    fexecve(mfd, argv, environ);
    _exit(127);
  }
  int st = -1;
  CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Anything else is copied whole. */
TEST(self_exe_copy_of_a_script_is_whole) {
  _cleanup_free_ char *dir = unit_tmpdir();
  _cleanup_free_ char *path = NULL;
  CHECK(asprintf(&path, "%s/script", dir) > 0);
  const char *text = "#!/bin/sh\nexit 0\n";
  CHECK_INT(unit_write_file(path, text), 0);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int mfd = -1;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_self_exe_copy(fd, &mfd, &err), 0);
  CHECK_INT(size_of(mfd), strlen(text));
  char buf[64] = {0};
  CHECK_INT(pread(mfd, buf, sizeof(buf) - 1, 0), strlen(text));
  CHECK_STR(buf, text);
  unlink(path);
  rmdir(dir);
}
