/* hr_pid_file_write: bare digits, atomically, and a named error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/pid_file.h"
#include "unit.h"

TEST(pid_file_bare_digits_no_temp_left) {
  _cleanup_free_ char *dir = unit_tmpdir();
  char path[512], tmp[600], buf[64] = {0};
  snprintf(path, sizeof(path), "%s/pid", dir);
  snprintf(tmp, sizeof(tmp), "%s.hrun-tmp", path);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(unit_write_file(path, "99999 stale\n"), 0);
  CHECK_INT(hr_pid_file_write(path, 4242, &err), 0);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (f) {
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
  }
  CHECK_STR(buf, "4242");
  CHECK(access(tmp, F_OK) != 0);
  unlink(path);
  rmdir(dir);
}

TEST(pid_file_error_names_the_flag) {
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_pid_file_write("/nonexistent-dir/pid", 1, &err), -1);
  CHECK_STR(hr_error_msg(err),
            "--pid-file: open /nonexistent-dir/pid.hrun-tmp: "
            "No such file or directory");
}
