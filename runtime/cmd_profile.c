/* profile list | profile show [--raw] NAME: the built-in profiles. */
#include <stdio.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/profile.h"

static int profile_list(void) {
  size_t n;
  const struct hr_profile_entry *list = hr_profile_list(&n);
  printf("%-10s %s\n", "NAME", "DESCRIPTION");
  for (size_t i = 0; i < n; i++) {
    _cleanup_error_ hr_error_t err = NULL;
    _cleanup_json_ json_t *doc = NULL;
    if (hr_profile_load_raw(list[i].name, &doc, &err) < 0)
      return hr_cli_fail(&err);
    const char *d = json_string_value(json_object_get(doc, "description"));
    printf("%-10s %s%s\n", list[i].name, d ? d : "",
           !strcmp(list[i].name, HR_PROFILE_DEFAULT) ? " (default)" : "");
  }
  return 0;
}

static int profile_show(const char *name, bool raw) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_json_ json_t *doc = NULL;
  if ((raw ? hr_profile_load_raw(name, &doc, &err)
           : hr_profile_load(name, &doc, &err)) < 0)
    return hr_cli_fail(&err);
  _cleanup_free_ char *text =
      json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (!text) {
    hr_error_set(&err, 0, "profile %s: cannot print", name);
    return hr_cli_fail(&err);
  }
  puts(text);
  return 0;
}

int hr_cmd_profile(struct hr_globals *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{"raw", no_argument, NULL, 'r'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    hr_cli_print_help("profile");
    return argc < 2 ? 1 : 0;
  }
  const char *sub = argv[1];
  bool raw = false;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("profile", argc - 1, argv + 1, opts)) != -1) {
    if (c == 'r')
      raw = true;
    else if (c == 'h') {
      hr_cli_print_help("profile");
      return 0;
    } else
      return 1;
  }
  int rest = argc - 1 - optind;
  char **args = argv + 1 + optind;
  if (!strcmp(sub, "list")) {
    if (rest > 0)
      return hr_cli_usage_error("profile list", "unexpected argument \"%s\"",
                                args[0]);
    return profile_list();
  }
  if (!strcmp(sub, "show")) {
    if (rest != 1)
      return hr_cli_usage_error("profile show", rest ? "one profile name"
                                                     : "missing profile name");
    return profile_show(args[0], raw);
  }
  return hr_cli_usage_error("profile", "unknown subcommand \"%s\" (list, show)",
                            sub);
}
