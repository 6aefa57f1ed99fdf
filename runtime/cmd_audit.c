/* audit [--format text|json] [--min-score N] [--profile NAME [--force]]
 * [BUNDLE]: check a bundle's config.json against the hardened baseline.
 * Exit 0, 1 on errors, 2 when the score is below --min-score. */
#include <stdio.h>
#include <string.h>

#include "hrun/audit.h"
#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/profile.h"

#define EXIT_BELOW_MIN_SCORE 2

int hr_cmd_audit(struct hr_globals *g, int argc, char **argv) {
  (void)g;
  enum { O_FORMAT = 256, O_MIN, O_PROFILE, O_FORCE };
  static const struct option opts[] = {
      {"format", required_argument, NULL, O_FORMAT},
      {"min-score", required_argument, NULL, O_MIN},
      {"profile", required_argument, NULL, O_PROFILE},
      {"force", no_argument, NULL, O_FORCE},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  _cleanup_error_ hr_error_t err = NULL;
  const char *format = "text", *profile = NULL;
  bool force = false;
  int min_score = 0;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("audit", argc, argv, opts)) != -1) {
    switch (c) {
    case O_FORMAT:
      format = optarg;
      break;
    case O_MIN:
      if (hr_cli_parse_int("--min-score", optarg, &min_score, &err) < 0)
        return hr_cli_fail(&err);
      if (min_score > 100)
        return hr_cli_usage_error("audit", "--min-score: %d is above 100",
                                  min_score);
      break;
    case O_PROFILE:
      profile = optarg;
      break;
    case O_FORCE:
      force = true;
      break;
    case 'h':
      hr_cli_print_help("audit");
      return 0;
    default:
      return 1;
    }
  }
  if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
    return hr_cli_usage_error("audit", "--format: \"%s\" (text or json)",
                              format);
  if (force && !profile)
    return hr_cli_usage_error("audit", "--force needs --profile");
  if (argc - optind > 1)
    return hr_cli_usage_error("audit", "unexpected argument \"%s\"",
                              argv[optind + 1]);
  const char *bundle = optind < argc ? argv[optind] : ".";

  struct hr_config cfg;
  if (hr_profile_config_load(bundle, profile, force, &cfg, &err) < 0)
    return hr_cli_fail(&err);
  struct hr_audit_report rep;
  int r = hr_audit_config(&cfg, &rep, &err);
  hr_config_free(&cfg);
  if (r < 0)
    return hr_cli_fail(&err);
  int code = rep.score < min_score ? EXIT_BELOW_MIN_SCORE : 0;
  if (!strcmp(format, "json")) {
    _cleanup_json_ json_t *j = hr_audit_to_json(&rep, bundle);
    if (j && profile)
      json_object_set_new(j, "profile", json_string(profile));
    _cleanup_free_ char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (!text) {
      hr_audit_report_free(&rep);
      hr_error_set(&err, 0, "audit: cannot print the report");
      return hr_cli_fail(&err);
    }
    puts(text);
  } else {
    if (profile)
      printf("with profile %s%s applied in memory\n", profile,
             force ? " --force" : "");
    hr_audit_print_text(&rep, bundle, stdout);
    if (code)
      printf("below the minimum score %d%%\n", min_score);
  }
  hr_audit_report_free(&rep);
  return code;
}
