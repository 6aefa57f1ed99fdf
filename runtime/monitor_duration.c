/* Go's time.ParseDuration syntax, for runc's `events --interval`. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/monitor.h"

static double unit_ns(const char *u, size_t n) {
  static const struct {
    const char *name;
    double ns;
  } units[] = {{"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
               {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
    if (strlen(units[i].name) == n && !strncmp(units[i].name, u, n))
      return units[i].ns;
  return 0;
}

int hr_parse_duration_ms(const char *s, uint64_t *ms, hr_error_t *err) {
  const char *p = s;
  double total = 0;
  if (*p == '+')
    p++;
  if (!strcmp(p, "0")) {
    *ms = 0;
    return 0;
  }
  if (!*p)
    goto bad;
  while (*p) {
    if (!isdigit((unsigned char)*p) && *p != '.')
      goto bad;
    char *end;
    double v = strtod(p, &end);
    if (end == p)
      goto bad;
    const char *u = end;
    while (*end && !isdigit((unsigned char)*end) && *end != '.')
      end++;
    double ns = unit_ns(u, (size_t)(end - u));
    if (ns == 0)
      goto bad;
    total += v * ns;
    p = end;
  }
  if (total > 1e18)
    goto bad;
  *ms = (uint64_t)(total / 1e6);
  if ((double)*ms * 1e6 < total)
    (*ms)++; /* round up: a non-zero interval never becomes 0 */
  return 0;
bad:
  return hr_error_set(err, 0, "--interval: invalid duration \"%s\"", s);
}
