/* state and list. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/validate.h"

int hr_cmd_state(struct hr_globals *g, int argc, char **argv) {
  const char *id;
  if (hr_cli_id_only("state", argc, argv, &id))
    return 1;
  if (!id)
    return 0;
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_state s;
  if (hr_state_load(g->root, id, &s, &err) < 0)
    return hr_cli_fail(&err);
  _cleanup_json_ json_t *j = hr_state_to_json(&s, hr_state_status(g->root, &s));
  hr_state_free(&s);
  if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) < 0)
    return 1;
  putchar('\n');
  return 0;
}

int hr_cmd_list(struct hr_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  bool quiet = false;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("list", argc, argv, opts)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'q':
      quiet = true;
      break;
    case 'h':
      hr_cli_print_help("list");
      return 0;
    default:
      return 1;
    }
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return hr_cli_usage_error("list", "--format: unknown format \"%s\"",
                              format);
  _cleanup_json_ json_t *all = json_array();
  _cleanup_closedir_ DIR *d = opendir(g->root);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.' || hr_validate_id(de->d_name, NULL) < 0)
      continue;
    struct hr_state s;
    if (hr_state_load(g->root, de->d_name, &s, NULL) < 0)
      continue;
    json_t *j = hr_state_to_json(&s, hr_state_status(g->root, &s));
    hr_state_free(&s);
    if (j)
      json_array_append_new(all, j);
  }
  size_t i;
  json_t *v;
  if (quiet) {
    json_array_foreach(all, i, v) {
      puts(json_string_value(json_object_get(v, "id")));
    }
    return 0;
  }
  if (!strcmp(format, "json")) {
    json_dumpf(all, stdout, JSON_COMPACT);
    putchar('\n');
    return 0;
  }
  int w = 2;
  json_array_foreach(all, i, v) {
    int l = (int)strlen(json_string_value(json_object_get(v, "id")));
    if (l > w)
      w = l;
  }
  printf("%-*s   %-7s   %-8s   %-40s   %-30s   %s\n", w, "ID", "PID", "STATUS",
         "BUNDLE", "CREATED", "OWNER");
  json_array_foreach(all, i, v) {
    printf("%-*s   %-7lld   %-8s   %-40s   %-30s   %s\n", w,
           json_string_value(json_object_get(v, "id")),
           (long long)json_integer_value(json_object_get(v, "pid")),
           json_string_value(json_object_get(v, "status")),
           json_string_value(json_object_get(v, "bundle")),
           json_string_value(json_object_get(v, "created")),
           json_string_value(json_object_get(v, "owner")));
  }
  return 0;
}
