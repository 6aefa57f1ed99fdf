/* exec: the process built from config.json + flags, or from --process. */
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/exec.h"
#include "unit.h"

#define BIT(c) (UINT64_C(1) << (c))

static const char *base_config =
    "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
    " \"process\": {\"args\": [\"sleep\", \"100\"], \"cwd\": \"/\","
    "  \"user\": {\"uid\": 0, \"gid\": 42},"
    "  \"env\": [\"PATH=/bin\", \"TERM=xterm\", \"A=1\"],"
    "  \"capabilities\": {\"bounding\": [\"CAP_KILL\"],"
    "   \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"]},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 64,"
    "   \"soft\": 32}],"
    "  \"oomScoreAdj\": 5},"
    " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}";

static int load_config(const char *text, struct hr_config *c) {
  json_error_t je;
  _cleanup_json_ json_t *root = json_loads(text, 0, &je);
  if (!root) {
    unit_fail(__FILE__, __LINE__, "bad test JSON: %s", je.text);
    return -1;
  }
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_config_parse(root, c, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return -1;
  }
  return 0;
}

static const char *env_get(const struct hr_process *p, const char *key) {
  size_t k = strlen(key);
  for (size_t i = 0; i < p->n_env; i++)
    if (!strncmp(p->env[i], key, k) && p->env[i][k] == '=')
      return p->env[i] + k + 1;
  return NULL;
}

TEST(exec_flags_on_config_process) {
  struct hr_config c;
  if (load_config(base_config, &c) < 0)
    return;
  char *args[] = {"sh", "-c", "echo hi"};
  char *env[] = {"A=2", "NEW=x", "A=3"};
  char *gids[] = {"5", "7"};
  char *caps[] = {"CAP_SYS_ADMIN"};
  struct hr_exec_opts o = {.args = args,
                           .n_args = 3,
                           .env = env,
                           .n_env = 3,
                           .cwd = "/tmp",
                           .user = "1000",
                           .additional_gids = gids,
                           .n_additional_gids = 2,
                           .caps = caps,
                           .n_caps = 1,
                           .tty = 1,
                           .no_new_privs = true};
  struct hr_process p;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), 0);
  if (err) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    hr_config_free(&c);
    return;
  }
  CHECK_INT(p.n_args, 3);
  CHECK_STR(p.args[0], "sh");
  CHECK_STR(p.args[2], "echo hi");
  CHECK(p.args[3] == NULL);
  CHECK_STR(p.cwd, "/tmp");
  /* a later --env wins, the key keeps its place, no duplicates */
  CHECK_INT(p.n_env, 4);
  CHECK_STR(p.env[2], "A=3");
  CHECK_STR(env_get(&p, "NEW"), "x");
  CHECK_STR(env_get(&p, "TERM"), "xterm");
  CHECK(p.env[4] == NULL);
  CHECK_INT(p.user.uid, 1000);
  CHECK_INT(p.user.gid, 42); /* --user UID keeps the gid */
  CHECK_INT(p.user.n_additional_gids, 2);
  CHECK_INT(p.user.additional_gids[1], 7);
  CHECK(p.has_caps);
  CHECK_INT(p.caps.bounding, BIT(5) | BIT(21));
  CHECK_INT(p.caps.effective, BIT(5) | BIT(21));
  CHECK_INT(p.caps.permitted, BIT(5) | BIT(21));
  CHECK_INT(p.caps.inheritable, 0);
  CHECK_INT(p.caps.ambient, 0);
  CHECK(p.terminal);
  CHECK(p.no_new_privileges);
  CHECK_INT(p.n_rlimits, 1);
  CHECK(p.oom_score_adj.set);
  CHECK_INT(p.oom_score_adj.v, 5);
  /* the config itself is untouched */
  CHECK_STR(c.process.args[0], "sleep");
  CHECK_INT(c.process.n_env, 3);
  hr_process_free(&p);
  hr_config_free(&c);
}

TEST(exec_flag_errors) {
  struct hr_config c;
  if (load_config(base_config, &c) < 0)
    return;
  char *args[] = {"true"};
  struct {
    struct hr_exec_opts o;
    const char *want;
  } cases[] = {
      {{.tty = -1}, "args must not be empty"},
      {{.args = args, .n_args = 1, .tty = -1, .cwd = "tmp"},
       "--cwd: \"tmp\" must be an absolute path"},
      {{.args = args, .n_args = 1, .tty = -1, .user = "x"},
       "--user: parsing \"x\" as int for uid failed"},
      {{.args = args, .n_args = 1, .tty = -1, .user = "1:"},
       "--user: invalid gid"},
      {{.args = args, .n_args = 1, .tty = -1, .user = "4294967295"},
       "as int for uid failed"},
      {{.args = args,
        .n_args = 1,
        .tty = -1,
        .env = (char *[]){"=x"},
        .n_env = 1},
       "--env: must be \"KEY=VALUE\""},
      {{.args = args,
        .n_args = 1,
        .tty = -1,
        .caps = (char *[]){"cap_kill"},
        .n_caps = 1},
       "--cap: unknown capability \"cap_kill\""},
      {{.args = args,
        .n_args = 1,
        .tty = -1,
        .additional_gids = (char *[]){"-1"},
        .n_additional_gids = 1},
       "--additional-gids: must be a positive number"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct hr_process p;
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(hr_exec_build_process(&cases[i].o, &c, &p, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), cases[i].want);
    CHECK(p.args == NULL);
  }
  hr_config_free(&c);
}

TEST(exec_process_file) {
  struct hr_config c;
  if (load_config(base_config, &c) < 0)
    return;
  _cleanup_free_ char *dir = unit_tmpdir();
  char path[512];
  snprintf(path, sizeof(path), "%s/process.json", dir);
  unit_write_file(path, "{\"args\": [\"id\"], \"cwd\": \"/srv\","
                        " \"user\": {\"uid\": 7, \"gid\": 8},"
                        " \"env\": [\"X=1\"]}");
  char *ignored_env[] = {"IGNORED=1"};
  struct hr_exec_opts o = {
      .process_file = path, .tty = -1, .env = ignored_env, .n_env = 1};
  struct hr_process p;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), 0);
  if (err) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    hr_config_free(&c);
    return;
  }
  CHECK_STR(p.args[0], "id");
  CHECK_STR(p.cwd, "/srv");
  CHECK_INT(p.user.uid, 7);
  CHECK_INT(p.n_env, 1);
  CHECK(env_get(&p, "IGNORED") == NULL); /* runc ignores flags here */
  /* what the file leaves out comes from the container */
  CHECK(p.has_caps);
  CHECK_INT(p.caps.effective, BIT(5));
  CHECK_INT(p.n_rlimits, 1);
  CHECK_INT(p.rlimits[0].hard, 64);
  CHECK_INT(p.oom_score_adj.v, 5);
  hr_process_free(&p);

  /* errors name the file and the field */
  unit_write_file(path, "{\"args\": [], \"cwd\": \"/\"}");
  hr_error_free(&err);
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), path);
  CHECK_CONTAINS(hr_error_msg(err), ": args");
  unit_write_file(path, "{\"args\": [\"x\"], \"cwd\": \"rel\"}");
  hr_error_free(&err);
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "cwd: must be an absolute path");
  unit_write_file(path, "{not json");
  hr_error_free(&err);
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), path);
  snprintf(path, sizeof(path), "%s/missing.json", dir);
  hr_error_free(&err);
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "missing.json");
  hr_config_free(&c);
}

TEST(exec_process_file_without_caps_gets_none_when_config_has_none) {
  struct hr_config c;
  if (load_config("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"},"
                  " \"process\": {\"args\": [\"a\"], \"cwd\": \"/\"},"
                  " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
                  &c) < 0)
    return;
  char *args[] = {"b"};
  struct hr_exec_opts o = {.args = args, .n_args = 1, .tty = -1};
  struct hr_process p;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_exec_build_process(&o, &c, &p, &err), 0);
  /* never hrun's own full set */
  CHECK(p.has_caps);
  CHECK_INT(p.caps.bounding, 0);
  CHECK_INT(p.caps.effective, 0);
  CHECK_INT(p.caps.permitted, 0);
  hr_process_free(&p);
  hr_config_free(&c);
}

TEST(exec_parse_user_and_env_set) {
  uint32_t uid = 1, gid = 2;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_exec_parse_user("10:20", &uid, &gid, &err), 0);
  CHECK_INT(uid, 10);
  CHECK_INT(gid, 20);
  CHECK_INT(hr_exec_parse_user("0", &uid, &gid, &err), 0);
  CHECK_INT(uid, 0);
  CHECK_INT(gid, 20);
  CHECK_INT(hr_exec_parse_user("-1", &uid, &gid, &err), -1);
  hr_error_free(&err);
  CHECK_INT(hr_exec_parse_user("5:x", &uid, &gid, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "for gid failed");
  CHECK_INT(uid, 0); /* unchanged on error */

  char **env = calloc(1, sizeof(char *));
  size_t n = 0;
  hr_error_free(&err);
  CHECK_INT(hr_env_set(&env, &n, "A=1", &err), 0);
  CHECK_INT(hr_env_set(&env, &n, "AB=2", &err), 0);
  CHECK_INT(hr_env_set(&env, &n, "A=3", &err), 0);
  CHECK_INT(hr_env_set(&env, &n, "E=", &err), 0);
  CHECK_INT(n, 3);
  CHECK_STR(env[0], "A=3");
  CHECK_STR(env[1], "AB=2");
  CHECK_STR(env[2], "E=");
  CHECK(env[3] == NULL);
  CHECK_INT(hr_env_set(&env, &n, "noequals", &err), -1);
  CHECK_INT(n, 3);
  for (size_t i = 0; i < n; i++)
    free(env[i]);
  free(env);

  int cap = -1;
  hr_error_free(&err);
  CHECK_INT(hr_exec_parse_cap("--cap", "CAP_NET_ADMIN", &cap, &err), 0);
  CHECK_INT(cap, 12);
  CHECK_INT(hr_exec_parse_cap("--cap", "CAP_", &cap, &err), -1);
}
