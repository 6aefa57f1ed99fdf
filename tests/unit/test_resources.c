#include <jansson.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/resources.h"
#include "unit.h"

static int parse_str(const char *json, struct hr_resources *r,
                     hr_error_t *err) {
  json_error_t je;
  _cleanup_json_ json_t *j = json_loads(json, 0, &je);
  if (!j) {
    unit_fail(__FILE__, __LINE__, "bad test JSON: %s: %s", json, je.text);
    memset(r, 0, sizeof(*r));
    return -2;
  }
  return hr_resources_parse(j, "linux.resources", r, err);
}

TEST(resources_parse_full_fixture) {
  _cleanup_json_ json_t *j = NULL;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(
      hr_json_load_file("fixtures/resources/full.json", "full.json", &j, &err),
      0);
  struct hr_resources r;
  CHECK_INT(hr_resources_parse(j, "linux.resources", &r, &err), 0);
  if (err)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  CHECK_STR(r.path, "linux.resources");
  CHECK(r.memory.present);
  CHECK(r.memory.limit.set && r.memory.limit.v == 536870912);
  CHECK(r.memory.reservation.set && r.memory.reservation.v == 268435456);
  CHECK(r.memory.swap.set && r.memory.swap.v == 1073741824);
  CHECK(r.memory.check_before_update);
  CHECK(r.memory.has_disable_oom_killer && !r.memory.disable_oom_killer);
  CHECK(r.cpu.shares.set && r.cpu.shares.v == 1024);
  CHECK(r.cpu.quota.set && r.cpu.quota.v == 50000);
  CHECK(r.cpu.period.set && r.cpu.period.v == 100000);
  CHECK(r.cpu.burst.set && r.cpu.burst.v == 10000);
  CHECK(r.cpu.idle.set && r.cpu.idle.v == 0);
  CHECK_STR(r.cpu.cpus, "0-1,3");
  CHECK_STR(r.cpu.mems, "0");
  CHECK(r.pids.limit.set && r.pids.limit.v == 100);
  CHECK(r.block_io.weight.set && r.block_io.weight.v == 500);
  CHECK_INT(r.block_io.n_weight_device, 1);
  CHECK_INT(r.block_io.weight_device[0].major, 8);
  CHECK_INT(r.block_io.weight_device[0].weight.v, 300);
  CHECK_INT(r.block_io.n_throttle[HR_THROTTLE_READ_BPS], 1);
  CHECK_INT(r.block_io.throttle[HR_THROTTLE_READ_BPS][0].rate, 1048576);
  CHECK_INT(r.block_io.n_throttle[HR_THROTTLE_WRITE_IOPS], 1);
  CHECK_INT(r.n_hugepages, 1);
  CHECK_STR(r.hugepages[0].page_size, "2MB");
  CHECK_INT(r.n_devices, 3);
  CHECK(!r.devices[0].allow && r.devices[0].type == 'a');
  CHECK_STR(r.devices[0].access, "rwm");
  CHECK_INT(r.devices[0].major, -1);
  CHECK(r.devices[1].allow && r.devices[1].type == 'c');
  CHECK_INT(r.devices[1].major, 10);
  CHECK_INT(r.devices[1].minor, 200);
  CHECK_STR(r.devices[1].access, "rw");
  CHECK_INT(r.devices[2].minor, -1);
  CHECK_INT(r.n_unified, 1);
  CHECK_STR(r.unified[0].key, "memory.high");
  CHECK_STR(r.unified[0].value, "400000000");
  CHECK_INT(r.rdma.n, 1);
  CHECK_STR(r.rdma.keys[0], "mlx5_1");
  CHECK_STR(r.rdma.limits[0].device, "mlx5_1");
  CHECK(r.rdma.limits[0].hca_handles.set && !r.rdma.limits[0].hca_objects.set);
  CHECK(hr_resources_any(&r));
  hr_resources_free(&r);
}

TEST(resources_parse_empty_is_nothing) {
  struct hr_resources r;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(parse_str("{}", &r, &err), 0);
  CHECK(!hr_resources_any(&r));
  hr_resources_free(&r);
  /* Present-but-empty sections and "unset" values request nothing. */
  CHECK_INT(parse_str("{\"memory\":{},\"cpu\":{\"cpus\":\"\"},\"devices\":[],"
                      "\"unified\":{},\"hugepageLimits\":[]}",
                      &r, &err),
            0);
  CHECK(!hr_resources_any(&r));
  CHECK(r.cpu.cpus == NULL);
  hr_resources_free(&r);
}

TEST(resources_parse_edge_values_accepted) {
  const char *ok[] = {
      "{\"memory\":{\"limit\":-1}}",
      "{\"memory\":{\"limit\":100,\"swap\":100}}",
      "{\"memory\":{\"limit\":100,\"swap\":-1}}",
      "{\"memory\":{\"swap\":-1}}",
      "{\"memory\":{\"swap\":0}}",
      "{\"memory\":{\"reservation\":-1}}",
      "{\"cpu\":{\"quota\":-1}}",
      "{\"cpu\":{\"quota\":1000,\"period\":1000}}",
      "{\"cpu\":{\"period\":1000000}}",
      "{\"cpu\":{\"shares\":2}}",
      "{\"cpu\":{\"shares\":262144}}",
      "{\"cpu\":{\"idle\":1}}",
      "{\"cpu\":{\"cpus\":\"0\",\"mems\":\"0-3,7,9-10\"}}",
      "{\"pids\":{\"limit\":-1}}",
      "{\"pids\":{\"limit\":0}}",
      "{\"blockIO\":{\"weight\":10}}",
      "{\"blockIO\":{\"weight\":1000}}",
      "{\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0}]}",
      "{\"hugepageLimits\":[{\"pageSize\":\"64KB\",\"limit\":1}]}",
      ("{\"devices\":[{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,"
       "\"access\":\"m\"}]}"),
      "{\"unified\":{\"cgroup.max.depth\":\"2\",\"io.bfq.weight\":\"5\"}}",
      "{\"network\":{\"classID\":1}}",
  };
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    struct hr_resources r;
    _cleanup_error_ hr_error_t err = NULL;
    if (parse_str(ok[i], &r, &err) != 0)
      unit_fail(__FILE__, __LINE__, "%s: %s", ok[i], hr_error_msg(err));
    hr_resources_free(&r);
  }
}

TEST(resources_parse_errors_name_the_path) {
  struct {
    const char *json, *msg;
  } bad[] = {
      {"[]", "linux.resources: must be an object"},
      {"{\"memory\":1}", "linux.resources.memory: must be an object"},
      {"{\"memory\":{\"limit\":-2}}", "linux.resources.memory.limit: value -2 "
                                      "out of range"},
      {"{\"memory\":{\"limit\":\"1G\"}}",
       "linux.resources.memory.limit: must be an integer"},
      {"{\"memory\":{\"reservation\":-5}}",
       "linux.resources.memory.reservation: value -5"},
      {"{\"memory\":{\"swap\":100}}",
       "linux.resources.memory.swap: requires memory.limit to be set"},
      {"{\"memory\":{\"limit\":-1,\"swap\":100}}",
       "linux.resources.memory.swap: requires memory.limit"},
      {"{\"memory\":{\"limit\":200,\"swap\":100}}",
       "linux.resources.memory.swap: must be greater than or equal to "
       "memory.limit"},
      {"{\"memory\":{\"swap\":-3}}", "linux.resources.memory.swap: value -3"},
      {"{\"memory\":{\"swappiness\":101}}",
       "linux.resources.memory.swappiness: value 101 out of range [0, 100]"},
      {"{\"memory\":{\"disableOOMKiller\":1}}",
       "linux.resources.memory.disableOOMKiller: must be a boolean"},
      {"{\"cpu\":{\"quota\":0}}",
       "linux.resources.cpu.quota: must be -1 (unlimited) or at least 1000"},
      {"{\"cpu\":{\"quota\":-2}}", "linux.resources.cpu.quota: value -2"},
      {"{\"cpu\":{\"quota\":999}}", "linux.resources.cpu.quota: must be -1"},
      {"{\"cpu\":{\"period\":999}}",
       "linux.resources.cpu.period: must be between 1000 and 1000000"},
      {"{\"cpu\":{\"period\":1000001}}", "linux.resources.cpu.period: must be "
                                         "between"},
      {"{\"cpu\":{\"shares\":-1}}", "linux.resources.cpu.shares: value -1"},
      {"{\"cpu\":{\"idle\":2}}", "linux.resources.cpu.idle: value 2 out of "
                                 "range [0, 1]"},
      {"{\"cpu\":{\"quota\":5000,\"burst\":6000}}",
       "linux.resources.cpu.burst: must not be greater than cpu.quota"},
      {"{\"cpu\":{\"idle\":1,\"shares\":512}}",
       "linux.resources.cpu.shares: cannot be combined with cpu.idle 1"},
      {"{\"cpu\":{\"cpus\":\"0-\"}}", "linux.resources.cpu.cpus: \"0-\" is "
                                      "not a list"},
      {"{\"cpu\":{\"cpus\":\"3-1\"}}", "linux.resources.cpu.cpus"},
      {"{\"cpu\":{\"cpus\":\"1,,2\"}}", "linux.resources.cpu.cpus"},
      {"{\"cpu\":{\"mems\":\"a\"}}", "linux.resources.cpu.mems: \"a\""},
      {"{\"cpu\":{\"mems\":\" 0\"}}", "linux.resources.cpu.mems"},
      {"{\"pids\":{}}", "linux.resources.pids.limit: is required"},
      {"{\"pids\":{\"limit\":-2}}", "linux.resources.pids.limit: value -2"},
      {"{\"blockIO\":{\"weight\":9}}",
       "linux.resources.blockIO.weight: must be between 10 and 1000, got 9"},
      {"{\"blockIO\":{\"weight\":1001}}", "linux.resources.blockIO.weight"},
      {"{\"blockIO\":{\"leafWeight\":5}}", "linux.resources.blockIO."
                                           "leafWeight: must be between"},
      {"{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0}]}}",
       "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight"},
      {"{\"blockIO\":{\"weightDevice\":[{\"minor\":0,\"weight\":10}]}}",
       "linux.resources.blockIO.weightDevice[0].major: is required"},
      {"{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":"
       "5}]}}",
       "linux.resources.blockIO.weightDevice[0].weight: must be between"},
      {"{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":-1,"
       "\"rate\":1}]}}",
       "linux.resources.blockIO.throttleReadBpsDevice[0].minor: value -1"},
      {"{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0}"
       "]}}",
       "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: is required"},
      {"{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}",
       "linux.resources.hugepageLimits[0].pageSize: \"2M\" is not a page "
       "size"},
      {"{\"hugepageLimits\":[{\"pageSize\":\"../x\",\"limit\":1}]}",
       "linux.resources.hugepageLimits[0].pageSize"},
      {"{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}",
       "linux.resources.hugepageLimits[0].limit: is required"},
      {"{\"devices\":[{\"type\":\"c\"}]}",
       "linux.resources.devices[0].allow: is required"},
      {"{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}",
       "linux.resources.devices[0].type: must be \"a\", \"c\" or \"b\""},
      {"{\"devices\":[{\"allow\":true,\"type\":\"p\"}]}",
       "linux.resources.devices[0].type"},
      {"{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}",
       "linux.resources.devices[0].access: must be a non-empty combination"},
      {"{\"devices\":[{\"allow\":true,\"access\":\"\"}]}",
       "linux.resources.devices[0].access"},
      {"{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}",
       "linux.resources.devices[0].access"},
      {"{\"devices\":[{\"allow\":true},{\"allow\":true,\"major\":-2}]}",
       "linux.resources.devices[1].major: value -2"},
      {"{\"devices\":[{\"allow\":true,\"minor\":4294967296}]}",
       "linux.resources.devices[0].minor: value 4294967296 out of range"},
      {"{\"unified\":{\"a/b\":\"1\"}}",
       "linux.resources.unified: key \"a/b\" must not contain \"/\""},
      {"{\"unified\":{\"memory..max\":\"1\"}}",
       "linux.resources.unified: key \"memory..max\" must not contain \"..\""},
      {"{\"unified\":{\"memory\":\"1\"}}",
       "linux.resources.unified: key \"memory\" must have the form "
       "controller.file"},
      {"{\"unified\":{\".max\":\"1\"}}", "must have the form"},
      {"{\"unified\":{\"cgroup.procs\":\"1\"}}",
       "linux.resources.unified: key \"cgroup.procs\" is not a resource "
       "limit"},
      {"{\"unified\":{\"cgroup.subtree_control\":\"+cpu\"}}",
       "is not a resource limit"},
      {"{\"unified\":{\"memory.max\":1}}",
       "linux.resources.unified.memory.max: must be a string"},
      {"{\"rdma\":{\"mlx 5\":{}}}", "linux.resources.rdma: invalid device "
                                    "name"},
      {"{\"rdma\":{\"mlx5\":{\"hcaHandles\":-1}}}",
       "linux.resources.rdma.mlx5.hcaHandles: value -1"},
      {"{\"network\":{\"classID\":-1}}", "linux.resources.network.classID"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct hr_resources r;
    _cleanup_error_ hr_error_t err = NULL;
    int rc = parse_str(bad[i].json, &r, &err);
    if (rc != -1) {
      unit_fail(__FILE__, __LINE__, "accepted: %s", bad[i].json);
      hr_resources_free(&r);
      continue;
    }
    if (!strstr(hr_error_msg(err), bad[i].msg))
      unit_fail(__FILE__, __LINE__, "%s: \"%s\" does not contain \"%s\"",
                bad[i].json, hr_error_msg(err), bad[i].msg);
    /* Failure leaves nothing to free (and freeing again is harmless). */
    hr_resources_free(&r);
  }
}

TEST(resources_parse_update_path_prefix) {
  _cleanup_json_ json_t *j = json_loads("{\"memory\":{\"limit\":-7}}", 0, NULL);
  struct hr_resources r;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_resources_parse(j, "resources", &r, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "resources.memory.limit: value -7");
}
