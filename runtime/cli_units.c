/* Memory sizes on the command line, as runc's flags take them. */
#include <stdint.h>
#include <string.h>

#include "hrun/cli.h"

/* docker/go-units RAMInBytes, as runc uses: "512", "512m", "1.5g", "2GiB",
 * "64 kb"; binary multiples, case-insensitive. */
int hr_cli_parse_ram(const char *s, int64_t *out) {
  const char *p = s;
  uint64_t ip = 0, frac = 0, frac_div = 1;
  if (*p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (ip > (UINT64_MAX - 9) / 10)
      return -1;
    ip = ip * 10 + (uint64_t)(*p - '0');
  }
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9')
      return -1;
    for (; *p >= '0' && *p <= '9'; p++)
      if (frac_div < 1000000000000ull) { /* 12 digits are plenty */
        frac = frac * 10 + (uint64_t)(*p - '0');
        frac_div *= 10;
      }
  }
  if (*p == ' ')
    p++;
  static const char units[] = "kmgtp";
  uint64_t mult = 1;
  const char *u = *p ? strchr(units, *p | 0x20) : NULL;
  if (u) {
    for (const char *x = units; x <= u; x++)
      mult *= 1024;
    p++;
  }
  if (*p == 'i' || *p == 'I')
    p++;
  if (*p == 'b' || *p == 'B')
    p++;
  if (*p)
    return -1;
  if (ip > (uint64_t)INT64_MAX / mult)
    return -1;
  uint64_t v = ip * mult;
  /* frac/frac_div * mult without overflow: mult <= 2^50, frac_div <= 10^12 */
  long double f = (long double)frac * (long double)mult / (long double)frac_div;
  if ((long double)(INT64_MAX - v) < f)
    return -1;
  *out = (int64_t)(v + (uint64_t)f);
  return 0;
}
