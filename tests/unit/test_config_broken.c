/* A corpus of broken config.json documents. Each one is either raw text or
 * a small valid base document with one value replaced (or deleted), loaded
 * through hr_config_load from a temp bundle, and the error must name the
 * JSON path and the reason. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"
#include "unit.h"

static const char base_config[] =
    "{\"ociVersion\":\"1.0.2\","
    " \"root\":{\"path\":\"rootfs\"},"
    " \"hostname\":\"h\","
    " \"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]},"
    " \"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
    "\"source\":\"proc\"}],"
    " \"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},"
    "{\"type\":\"uts\"}]}}";

#define NS3 "{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"}"

struct broken {
  const char *raw;   /* whole document, or NULL to patch the base */
  const char *path;  /* dotted path into the base document */
  const char *value; /* JSON text; NULL deletes the member */
  const char *want;  /* expected substring, after "config.json: " */
};

static const struct broken corpus[] = {
    /* the document itself */
    {"{\"ociVersion\": \"1.0\",", NULL, NULL, "invalid JSON"},
    {"", NULL, NULL, "invalid JSON"},
    {"null", NULL, NULL, "invalid JSON"},
    {"[1, 2]", NULL, NULL, "must be a JSON object"},
    {"{\"ociVersion\":\"1\",\"ociVersion\":\"2\"}", NULL, NULL, "invalid JSON"},
    {"{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\\u0000x\"}}", NULL, NULL,
     "invalid JSON"},
    /* top level */
    {NULL, "ociVersion", NULL, "ociVersion: is required"},
    {NULL, "ociVersion", "1", "ociVersion: must be a string"},
    {NULL, "ociVersion", "\"\"", "ociVersion: must not be empty"},
    {NULL, "root", NULL, "root: is required"},
    {NULL, "root", "\"rootfs\"", "root: must be an object"},
    {NULL, "root.path", NULL, "root.path: is required"},
    {NULL, "root.path", "5", "root.path: must be a string"},
    {NULL, "root.readonly", "\"yes\"", "root.readonly: must be a boolean"},
    {NULL, "hostname", "[]", "hostname: must be a string"},
    {NULL, "linux.namespaces", "[{\"type\":\"pid\"},{\"type\":\"mount\"}]",
     "hostname: unable to set hostname without a private UTS namespace"},
    /* process */
    {NULL, "process", "\"sh\"", "process: must be an object"},
    {NULL, "process.args", "[]",
     "process.args: must be a non-empty array of strings"},
    {NULL, "process.args", "\"sh\"",
     "process.args: must be a non-empty array of strings"},
    {NULL, "process.args", "[\"sh\", 1]", "process.args[1]: must be a string"},
    {NULL, "process.args", NULL, "process.args: is required"},
    {NULL, "process.cwd", "\"tmp\"", "process.cwd: must be an absolute path"},
    {NULL, "process.cwd", NULL, "process.cwd: is required"},
    {NULL, "process.env", "[\"PATH=/bin\", \"NOEQUALS\"]",
     "process.env[1]: must be \"KEY=VALUE\" with a non-empty key"},
    {NULL, "process.env", "[\"=value\"]", "process.env[0]: must be \"KEY="},
    {NULL, "process.env", "{}", "process.env: must be an array of strings"},
    {NULL, "process.terminal", "\"true\"",
     "process.terminal: must be a boolean"},
    {NULL, "process.consoleSize", "{\"height\":\"x\",\"width\":1}",
     "process.consoleSize.height: must be an integer"},
    {NULL, "process.user", "{\"uid\":-1}",
     "process.user.uid: value -1 out of range"},
    {NULL, "process.user", "{\"gid\":4294967295}",
     "process.user.gid: value 4294967295 out of range [0, 4294967294]"},
    {NULL, "process.user", "{\"uid\":1.5}",
     "process.user.uid: must be an integer"},
    {NULL, "process.user", "{\"additionalGids\":[1,\"x\"]}",
     "process.user.additionalGids[1]: must be an integer"},
    {NULL, "process.capabilities",
     "{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_SYS_ADMIN\","
     "\"CAP_FOO\"]}",
     "process.capabilities.bounding[3]: unknown capability \"CAP_FOO\""},
    {NULL, "process.capabilities", "{\"effective\":[\"cap_chown\"]}",
     "process.capabilities.effective[0]: unknown capability \"cap_chown\""},
    {NULL, "process.capabilities", "{\"permitted\":[\"CHOWN\"]}",
     "process.capabilities.permitted[0]: unknown capability \"CHOWN\""},
    {NULL, "process.capabilities", "{\"ambient\":[\"CAP_12\"]}",
     "process.capabilities.ambient[0]: unknown capability \"CAP_12\""},
    {NULL, "process.capabilities", "{\"inheritable\":\"CAP_KILL\"}",
     "process.capabilities.inheritable: must be an array of strings"},
    {NULL, "process.rlimits",
     "[{\"type\":\"RLIMIT_BOGUS\",\"hard\":1,\"soft\":1}]",
     "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\""},
    {NULL, "process.rlimits",
     "[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":2048}]",
     "process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"},
    {NULL, "process.rlimits",
     "[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":1},"
     "{\"type\":\"RLIMIT_NOFILE\",\"hard\":2,\"soft\":2}]",
     "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    /* beyond uint64 (up to 2^64-1 is accepted: test_json_big.c) */
    {"{\"ociVersion\":\"1.0.2\",\"process\":{\"rlimits\":[{\"type\":"
     "\"RLIMIT_CORE\",\"hard\":18446744073709551616,\"soft\":1}]}}",
     NULL, NULL, "invalid JSON at line 1 column 93: too big integer"},
    {NULL, "process.rlimits", "[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]",
     "process.rlimits[0].hard: is required"},
    {NULL, "process.rlimits",
     "[{\"type\":\"RLIMIT_CORE\",\"soft\":-1,"
     "\"hard\":1}]",
     "process.rlimits[0].soft: value -1 out of range"},
    {NULL, "process.rlimits", "[\"RLIMIT_CORE\"]",
     "process.rlimits[0]: must be an object"},
    {NULL, "process.oomScoreAdj", "1001",
     "process.oomScoreAdj: value 1001 out of range [-1000, 1000]"},
    {NULL, "process.oomScoreAdj", "-1001",
     "process.oomScoreAdj: value -1001 out of range"},
    {NULL, "process.noNewPrivileges", "1",
     "process.noNewPrivileges: must be a boolean"},
    {NULL, "process.ioPriority", "{\"class\":\"IOPRIO_CLASS_RT\"}",
     "process.ioPriority: not supported"},
    {NULL, "process.scheduler", "{\"policy\":\"SCHED_FIFO\"}",
     "process.scheduler: not supported"},
    /* mounts */
    {NULL, "mounts", "{}", "mounts: must be an array"},
    {NULL, "mounts", "[5]", "mounts[0]: must be an object"},
    {NULL, "mounts", "[{\"type\":\"tmpfs\"}]",
     "mounts[0].destination: is required"},
    {NULL, "mounts", "[{\"destination\":\"/proc\"},{\"destination\":\"tmp\"}]",
     "mounts[1].destination: must be an absolute path"},
    {NULL, "mounts", "[{\"destination\":\"/a/../etc\"}]",
     "mounts[0].destination: must not contain \"..\""},
    {NULL, "mounts", "[{\"destination\":\"/..\"}]",
     "mounts[0].destination: must not contain \"..\""},
    {NULL, "mounts", "[{\"destination\":\"/x\",\"type\":\"\"}]",
     "mounts[0].type: invalid mount type \"\""},
    {NULL, "mounts", "[{\"destination\":\"/x\",\"type\":\"../bin/sh\"}]",
     "mounts[0].type: invalid mount type \"../bin/sh\""},
    {NULL, "mounts", "[{\"destination\":\"/x\",\"source\":7}]",
     "mounts[0].source: must be a string"},
    {NULL, "mounts", "[{\"destination\":\"/x\",\"options\":\"ro\"}]",
     "mounts[0].options: must be an array of strings"},
    {NULL, "mounts",
     "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"tmpcopyup\"]"
     "}]",
     "mounts[0].options[0]: mount option \"tmpcopyup\" is not supported"},
    {NULL, "mounts",
     "[{\"destination\":\"/x\",\"source\":\"/y\",\"options\":[\"rbind\","
     "\"rro\"]}]",
     "mounts[0].options[1]: recursive mount option \"rro\" is not supported"},
    {NULL, "mounts", "[{\"destination\":\"/x\",\"type\":\"bind\"}]",
     "mounts[0].source: is required for a bind mount"},
    /* linux */
    {NULL, "linux", "[]", "linux: must be an object"},
    {NULL, "linux.namespaces", "[" NS3 ",{\"type\":\"foo\"}]",
     "linux.namespaces[3].type: unknown namespace type \"foo\""},
    {NULL, "linux.namespaces", "[" NS3 ",{\"type\":\"pid\"}]",
     "linux.namespaces[3]: duplicate namespace \"pid\""},
    {NULL, "linux.namespaces", "[" NS3 ",{\"path\":\"/proc/1/ns/net\"}]",
     "linux.namespaces[3].type: is required"},
    {NULL, "linux.namespaces",
     "[" NS3 ",{\"type\":\"network\",\"path\":\"netns\"}]",
     "linux.namespaces[3].path: must be an absolute path"},
    {NULL, "linux.namespaces", "[" NS3 ",{\"type\":\"user\"}]",
     "linux.uidMappings: required when a user namespace is created"},
    {NULL, "linux.uidMappings",
     "[{\"containerID\":0,\"hostID\":1000,"
     "\"size\":1}]",
     "linux.uidMappings: set but no user namespace is requested"},
    {NULL, "linux.gidMappings",
     "[{\"containerID\":0,\"hostID\":1000,"
     "\"size\":0}]",
     "linux.gidMappings[0].size: must be greater than 0"},
    {NULL, "linux.uidMappings",
     "[{\"containerID\":4294967295,\"hostID\":0,"
     "\"size\":2}]",
     "linux.uidMappings[0]: range exceeds the 32-bit id space"},
    {NULL, "linux.uidMappings", "[{\"hostID\":0,\"size\":1}]",
     "linux.uidMappings[0].containerID: is required"},
    {NULL, "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"x\"}]",
     "linux.devices[0].type: must be one of \"c\", \"b\", \"u\", \"p\""},
    {NULL, "linux.devices",
     "[{\"path\":\"dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}]",
     "linux.devices[0].path: must be an absolute path"},
    {NULL, "linux.devices",
     "[{\"path\":\"/dev/../etc/shadow\",\"type\":\"c\",\"major\":1,"
     "\"minor\":3}]",
     "linux.devices[0].path: must not contain \"..\""},
    {NULL, "linux.devices", "[{\"path\":\"/dev/null\",\"type\":\"c\"}]",
     "linux.devices[0].major: is required"},
    {NULL, "linux.devices",
     "[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":-1,\"minor\":3}]",
     "linux.devices[0].major: value -1 out of range"},
    {NULL, "linux.cgroupsPath", "42", "linux.cgroupsPath: must be a string"},
    {NULL, "linux.cgroupsPath", "\"/a/../../b\"",
     "linux.cgroupsPath: must not contain \"..\""},
    {NULL, "linux.rootfsPropagation", "\"bogus\"",
     "linux.rootfsPropagation: unknown propagation \"bogus\""},
    {NULL, "linux.maskedPaths", "[\"/proc/kcore\",\"proc/keys\"]",
     "linux.maskedPaths[1]: must be an absolute path"},
    {NULL, "linux.readonlyPaths", "[\"/proc/../etc\"]",
     "linux.readonlyPaths[0]: must not contain \"..\""},
    {NULL, "linux.sysctl", "{\"net.ipv4.ip_forward\":1}",
     "linux.sysctl.net.ipv4.ip_forward: must be a string"},
    {NULL, "linux.sysctl", "{\"net.ipv4.ip_forward\":\"1\"}",
     "linux.sysctl.net.ipv4.ip_forward: not allowed in the host's network "
     "namespace"},
    {NULL, "linux.sysctl", "{\"kernel.shmmax\":\"1\"}",
     "linux.sysctl.kernel.shmmax: not allowed in the host's ipc namespace"},
    {NULL, "linux.sysctl", "{\"vm.swappiness\":\"1\"}",
     "linux.sysctl.vm.swappiness: not in a separate kernel namespace"},
    {NULL, "linux.sysctl", "{\"../../../etc/passwd\":\"x\"}",
     "linux.sysctl: invalid key \"../../../etc/passwd\""},
    {NULL, "linux.sysctl", "{\"\":\"x\"}",
     "linux.sysctl: keys must not be "
     "empty"},
    {NULL, "linux.intelRdt", "{\"closID\":\"x\"}",
     "linux.intelRdt: not supported"},
    {NULL, "linux.memoryPolicy", "{\"mode\":\"MPOL_BIND\"}",
     "linux.memoryPolicy: not supported"},
    {NULL, "linux.timeOffsets", "{\"monotonic\":{\"secs\":1}}",
     "linux.timeOffsets: requires a new time namespace"},
    {NULL, "linux.personality", "{\"domain\":\"BSD\"}",
     "linux.personality.domain: unknown domain \"BSD\""},
    {NULL, "linux.personality", "{\"domain\":\"LINUX\",\"flags\":[\"x\"]}",
     "linux.personality.flags: not supported"},
    {NULL, "linux.mountLabel", "false", "linux.mountLabel: must be a string"},
    {NULL, "linux.resources", "{\"memory\":{\"limit\":\"lots\"}}",
     "linux.resources"},
    {NULL, "linux.resources", "[]", "linux.resources: must be an object"},
    {NULL, "linux.seccomp", "{\"defaultAction\":5}", "linux.seccomp"},
    /* hooks */
    {NULL, "hooks", "[]", "hooks: must be an object"},
    {NULL, "hooks.prestart", "[{\"path\":\"hook\"}]",
     "hooks.prestart[0].path: must be an absolute path"},
    {NULL, "hooks.createRuntime", "{}",
     "hooks.createRuntime: must be an "
     "array"},
    {NULL, "hooks.createContainer", "[{\"args\":[\"x\"]}]",
     "hooks.createContainer[0].path: is required"},
    {NULL, "hooks.startContainer", "[\"/bin/true\"]",
     "hooks.startContainer[0]: must be an object"},
    {NULL, "hooks.poststart", "[{\"path\":\"/bin/true\",\"timeout\":-1}]",
     "hooks.poststart[0].timeout: value -1 out of range"},
    {NULL, "hooks.poststop",
     "[{\"path\":\"/bin/true\"},{\"path\":\"/bin/true\",\"timeout\":0}]",
     "hooks.poststop[1].timeout: value 0 out of range"},
    {NULL, "hooks.poststop", "[{\"path\":\"/bin/true\",\"args\":[1]}]",
     "hooks.poststop[0].args[0]: must be a string"},
    /* annotations */
    {NULL, "annotations", "[]", "annotations: must be an object"},
    {NULL, "annotations", "{\"a\":\"b\",\"c\":1}",
     "annotations.c: must be a string"},
};

/* Set (or delete, when value is NULL) a dotted path in the document,
 * creating intermediate objects. */
static int patch(json_t *root, const char *path, const char *value) {
  _cleanup_free_ char *copy = strdup(path);
  json_t *obj = root;
  char *save = NULL;
  char *key = strtok_r(copy, ".", &save);
  for (char *next; (next = strtok_r(NULL, ".", &save)) != NULL; key = next) {
    json_t *child = json_object_get(obj, key);
    if (!child) {
      child = json_object();
      json_object_set_new(obj, key, child);
    }
    obj = child;
  }
  if (!value)
    return json_object_del(obj, key);
  json_error_t jerr;
  json_t *v = json_loads(value, JSON_DECODE_ANY, &jerr);
  if (!v)
    return -1;
  return json_object_set_new(obj, key, v);
}

static void write_config(const char *dir, const char *text, size_t len) {
  char path[512];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  if (!f || fwrite(text, 1, len, f) != len)
    unit_fail(__FILE__, __LINE__, "write %s", path);
  if (f)
    fclose(f);
}

static void remove_bundle(char *dir) {
  char path[512];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  unlink(path);
  rmdir(dir);
  free(dir);
}

TEST(config_base_is_valid) {
  char *dir = unit_tmpdir();
  write_config(dir, base_config, strlen(base_config));
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_load(dir, &c, &err), 0);
  if (err)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  hr_config_free(&c);
  remove_bundle(dir);
}

TEST(config_broken_corpus) {
  char *dir = unit_tmpdir();
  for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
    const struct broken *b = &corpus[i];
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (b->raw) {
      len = strlen(b->raw);
      write_config(dir, b->raw, len);
    } else {
      _cleanup_json_ json_t *root = json_loads(base_config, 0, NULL);
      if (!root || patch(root, b->path, b->value) < 0) {
        unit_fail(__FILE__, __LINE__, "case %zu: cannot patch %s", i, b->path);
        continue;
      }
      text = json_dumps(root, JSON_COMPACT);
      write_config(dir, text, strlen(text));
    }
    struct hr_config c;
    memset(&c, 0xa5, sizeof(c)); /* the parser must not read stale data */
    _cleanup_error_ hr_error_t err = NULL;
    int r = hr_config_load(dir, &c, &err);
    if (r == 0) {
      unit_fail(__FILE__, __LINE__, "case %zu (%s): accepted, want \"%s\"", i,
                b->raw ? b->raw : b->path, b->want);
      hr_config_free(&c);
      continue;
    }
    const char *msg = hr_error_msg(err);
    if (getenv("HR_UNIT_VERBOSE"))
      fprintf(stderr, "  [%zu] %s\n", i, msg);
    if (strncmp(msg, "config.json: ", 13) != 0 || !strstr(msg, b->want))
      unit_fail(__FILE__, __LINE__, "case %zu (%s): \"%s\" lacks \"%s\"", i,
                b->raw ? b->raw : b->path, msg, b->want);
    /* a failed parse leaves nothing to free, and freeing is harmless */
    CHECK(c.raw == NULL && c.mounts == NULL && c.process.args == NULL);
    hr_config_free(&c);
  }
  remove_bundle(dir);
}

TEST(config_rejects_deep_nesting) {
  /* 70 levels of arrays inside an annotation value */
  char buf[512];
  size_t n = 0;
  n += (size_t)snprintf(buf, sizeof(buf),
                        "{\"ociVersion\":\"1\",\"annotations\":{\"a\":");
  for (int i = 0; i < 70; i++)
    buf[n++] = '[';
  for (int i = 0; i < 70; i++)
    buf[n++] = ']';
  buf[n++] = '}';
  buf[n++] = '}';
  char *dir = unit_tmpdir();
  write_config(dir, buf, n);
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_load(dir, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err),
                 "config.json: nesting deeper than 64 levels");
  remove_bundle(dir);
}

TEST(config_rejects_huge_file) {
  size_t len = HR_JSON_MAX_FILE_SIZE + 16;
  _cleanup_free_ char *big = malloc(len);
  CHECK(big != NULL);
  if (!big)
    return;
  /* valid JSON, just too large: a long annotation value */
  static const char head[] = "{\"ociVersion\":\"1\",\"annotations\":{\"a\":\"";
  memcpy(big, head, sizeof(head) - 1);
  memset(big + sizeof(head) - 1, 'x', len - (sizeof(head) - 1) - 3);
  memcpy(big + len - 3, "\"}}", 3);

  json_t *j = NULL;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_json_load_buffer(big, len, "config.json", &j, &err), -1);
  CHECK(j == NULL);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: larger than 4194304 bytes");
  hr_error_free(&err);

  char *dir = unit_tmpdir();
  write_config(dir, big, len);
  struct hr_config c;
  CHECK_INT(hr_config_load(dir, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: larger than 4194304 bytes");
  CHECK(strstr(hr_error_msg(err), "config.json: config.json") == NULL);
  remove_bundle(dir);
}

TEST(config_rejects_nul_in_string) {
  /* jansson refuses \u0000 when decoding; a document built in memory can
   * still carry one, and the accessors must catch it. */
  _cleanup_json_ json_t *root = json_loads(base_config, 0, NULL);
  CHECK(root != NULL);
  if (!root)
    return;
  json_object_set_new(json_object_get(root, "process"), "cwd",
                      json_stringn("/a\0b", 4));
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_parse(root, &c, &err), -1);
  CHECK_STR(hr_error_msg(err), "process.cwd: must not contain NUL bytes");
  hr_error_free(&err);

  json_object_set_new(json_object_get(root, "process"), "cwd",
                      json_string("/"));
  json_object_set_new(root, "annotations", json_pack("{s:s#}", "k", "v\0w", 3));
  CHECK_INT(hr_config_parse(root, &c, &err), -1);
  CHECK_STR(hr_error_msg(err), "annotations.k: must not contain NUL bytes");
  hr_error_free(&err);

  json_object_set_new(root, "annotations", json_object());
  json_object_set_new(json_object_get(root, "process"), "args",
                      json_pack("[s#]", "s\0h", 3));
  CHECK_INT(hr_config_parse(root, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "process.args[0]");
  hr_error_free(&err);

  /* a raw NUL byte in the file */
  static const char raw[] = "{\"ociVersion\":\"1\0\"}";
  char *dir = unit_tmpdir();
  write_config(dir, raw, sizeof(raw) - 1);
  CHECK_INT(hr_config_load(dir, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: invalid JSON");
  remove_bundle(dir);
}

TEST(config_resources_error_is_prefixed) {
  /* Whatever resources_parse.c makes of this, the error must say where. */
  _cleanup_json_ json_t *root = json_loads(base_config, 0, NULL);
  CHECK(root != NULL);
  if (!root)
    return;
  CHECK_INT(patch(root, "linux.resources", "{\"pids\":{\"limit\":\"many\"}}"),
            0);
  _cleanup_free_ char *text = json_dumps(root, 0);
  char *dir = unit_tmpdir();
  write_config(dir, text, strlen(text));
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_load(dir, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: linux.resources");
  remove_bundle(dir);
}

/* Near misses that must be accepted, each with a check of the result. */
static struct hr_config *parse_patched(const char *path, const char *value,
                                       struct hr_config *c) {
  _cleanup_json_ json_t *root = json_loads(base_config, 0, NULL);
  _cleanup_error_ hr_error_t err = NULL;
  if (!root || patch(root, path, value) < 0) {
    unit_fail(__FILE__, __LINE__, "cannot patch %s", path);
    return NULL;
  }
  if (hr_config_parse(root, c, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "%s=%s: %s", path, value, hr_error_msg(err));
    return NULL;
  }
  return c;
}

TEST(config_accepts_edge_cases) {
  struct hr_config c;
  if (parse_patched("mounts",
                    "[{\"destination\":\"/dev//shm/./\",\"type\":\"tmpfs\"},"
                    "{\"destination\":\"/\"},"
                    "{\"destination\":\"/a..b/..c\",\"type\":\"x\"}]",
                    &c)) {
    CHECK_STR(c.mounts[0].destination, "/dev/shm");
    CHECK_STR(c.mounts[1].destination, "/");
    CHECK_STR(c.mounts[2].destination, "/a..b/..c");
    hr_config_free(&c);
  }
  /* a FIFO needs no device numbers */
  if (parse_patched("linux.devices", "[{\"path\":\"/dev/f\",\"type\":\"p\"}]",
                    &c)) {
    CHECK_INT(c.linux.devices[0].type, 'p');
    CHECK(!c.linux.devices[0].file_mode.set);
    hr_config_free(&c);
  }
  /* joining a user namespace needs no mappings; an empty path creates */
  if (parse_patched("linux.namespaces",
                    "[" NS3 ",{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"},"
                    "{\"type\":\"ipc\",\"path\":\"\"}]",
                    &c)) {
    CHECK_STR(c.linux.ns[HR_NS_USER].path, "/proc/1/ns/user");
    CHECK(c.linux.ns[HR_NS_IPC].present);
    CHECK(c.linux.ns[HR_NS_IPC].path == NULL);
    hr_config_free(&c);
  }
  if (parse_patched("linux.namespaces",
                    "[" NS3 ",{\"type\":\"ipc\"},{\"type\":\"network\"}]",
                    &c)) {
    hr_config_free(&c);
  }
  /* sysctls inside namespaces the container owns */
  {
    _cleanup_json_ json_t *root = json_loads(base_config, 0, NULL);
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(patch(root, "linux.namespaces",
                    "[" NS3 ",{\"type\":\"ipc\"},{\"type\":\"network\"}]"),
              0);
    CHECK_INT(patch(root, "linux.sysctl",
                    "{\"kernel.shmmax\":\"1\",\"fs.mqueue.msg_max\":\"10\","
                    "\"net.ipv4.ip_forward\":\"1\","
                    "\"kernel.domainname\":\"x\"}"),
              0);
    CHECK_INT(hr_config_parse(root, &c, &err), 0);
    CHECK_INT(c.linux.n_sysctl, 4);
    hr_config_free(&c);
    CHECK_INT(patch(root, "linux.sysctl", "{\"kernel.hostname\":\"x\"}"), 0);
    CHECK_INT(hr_config_parse(root, &c, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), "linux.sysctl.kernel.hostname: not "
                                      "allowed");
  }
  if (parse_patched("linux.personality", "{\"domain\":\"LINUX32\"}", &c)) {
    CHECK(c.linux.personality_domain.set);
    CHECK_INT(c.linux.personality_domain.v, 8 /* PER_LINUX32 */);
    hr_config_free(&c);
  }
  /* no hostname, no UTS namespace, no process, no linux: still valid */
  {
    _cleanup_json_ json_t *root = json_loads(
        "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/r\"}}", 0, NULL);
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(hr_config_parse(root, &c, &err), 0);
    CHECK(!c.has_process);
    CHECK(c.process.args == NULL);
    CHECK_INT(c.n_mounts, 0);
    hr_config_free(&c);
    /* ...but a domainname needs one */
    CHECK_INT(patch(root, "domainname", "\"example.org\""), 0);
    CHECK_INT(hr_config_parse(root, &c, &err), -1);
    CHECK_STR(hr_error_msg(err), "domainname: unable to set domainname "
                                 "without a private UTS namespace");
  }
  /* with a new time namespace, offsets are still refused (not dropped) */
  {
    _cleanup_json_ json_t *root = json_loads(base_config, 0, NULL);
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(patch(root, "linux.namespaces", "[" NS3 ",{\"type\":\"time\"}]"),
              0);
    CHECK_INT(patch(root, "linux.timeOffsets", "{}"), 0);
    CHECK_INT(hr_config_parse(root, &c, &err), -1);
    CHECK_STR(hr_error_msg(err), "linux.timeOffsets: not supported");
  }
  /* unknown members are ignored, as the spec requires */
  if (parse_patched("linux.futureThing", "{\"x\":1}", &c))
    hr_config_free(&c);
  if (parse_patched("process.futureThing", "[1]", &c))
    hr_config_free(&c);
  /* explicit nulls are absent fields */
  if (parse_patched("hooks", "{\"prestart\":null}", &c)) {
    CHECK_INT(c.n_hooks[HR_HOOK_PRESTART], 0);
    hr_config_free(&c);
  }
}
