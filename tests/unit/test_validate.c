#include <signal.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/validate.h"
#include "unit.h"

TEST(id_accepts_runc_charset) {
  hr_error_t err = NULL;
  CHECK_INT(hr_validate_id("abc-DEF_1.2+3", &err), 0);
  CHECK(err == NULL);
}

TEST(id_rejects_bad) {
  const char *bad[] = {"", ".", "..", "a/b", "a b", "../x", "é", "a\nb"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(hr_validate_id(bad[i], &err), -1);
    CHECK(err != NULL);
  }
  char longid[1100];
  memset(longid, 'a', sizeof(longid) - 1);
  longid[sizeof(longid) - 1] = 0;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_validate_id(longid, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "longer than");
}

/* the id is a directory name: NAME_MAX (255) fits, 256 would only fail
 * at mkdir with a message that repeats the whole id */
TEST(id_length_is_name_max) {
  char id[257];
  memset(id, 'i', 255);
  id[255] = 0;
  CHECK_INT(hr_validate_id(id, NULL), 0);
  id[255] = 'i';
  id[256] = 0;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_validate_id(id, &err), -1);
  CHECK_STR(hr_error_msg(err), "invalid container id: longer than 255 bytes");
}

TEST(signal_names_and_numbers) {
  struct {
    const char *s;
    int sig;
  } ok[] = {{"KILL", SIGKILL},
            {"SIGKILL", SIGKILL},
            {"sigterm", SIGTERM},
            {"term", SIGTERM},
            {"9", 9},
            {"15", 15},
            {"RTMIN", SIGRTMIN},
            {"RTMIN+2", SIGRTMIN + 2},
            {"SIGRTMAX-1", SIGRTMAX - 1},
            {"WINCH", SIGWINCH}};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    hr_error_t err = NULL;
    int sig = 0;
    CHECK_INT(hr_parse_signal(ok[i].s, &sig, &err), 0);
    CHECK_INT(sig, ok[i].sig);
    hr_error_free(&err);
  }
}

TEST(signal_rejects_invalid) {
  const char *bad[] = {"",   "0",       "-1",      "65",       "FOO", "SIG",
                       "9x", "RTMIN-1", "RTMAX+1", "RTMIN+99", " 9"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    int sig = 0;
    CHECK_INT(hr_parse_signal(bad[i], &sig, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), "invalid signal");
  }
}

/* main.c has the help texts; the unit binary records what was asked. */
static const char *help_printed;
void hr_cli_print_help(const char *cmd) { help_printed = cmd; }

TEST(cli_id_only) {
  const char *id = "stale";
  char *ok[] = {"state", "abc", NULL};
  CHECK_INT(hr_cli_id_only("state", 2, ok, &id), 0);
  CHECK_STR(id, "abc");
  char *help[] = {"state", "--help", NULL};
  CHECK(help_printed == NULL);
  CHECK_INT(hr_cli_id_only("state", 2, help, &id), 0);
  CHECK(id == NULL);
  CHECK_STR(help_printed, "state");
  char *bad_flag[] = {"state", "--bogus", "abc", NULL};
  CHECK_INT(hr_cli_id_only("state", 3, bad_flag, &id), 1);
  char *two[] = {"state", "a", "b", NULL};
  CHECK_INT(hr_cli_id_only("state", 3, two, &id), 1);
  char *none[] = {"state", NULL};
  CHECK_INT(hr_cli_id_only("state", 1, none, &id), 1);
  char *bad_id[] = {"state", "../x", NULL};
  CHECK_INT(hr_cli_id_only("state", 2, bad_id, &id), 1);
}
