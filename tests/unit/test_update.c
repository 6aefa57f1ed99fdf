/* hrun update: memory sizes on flags (runc's units.RAMInBytes). */
#include <stdint.h>

#include "hrun/cli.h"
#include "unit.h"

TEST(ram_sizes) {
  struct {
    const char *in;
    int64_t want;
  } ok[] = {
      {"0", 0},
      {"4096", 4096},
      {"512k", 512 * 1024},
      {"512K", 512 * 1024},
      {"64m", 64 << 20},
      {"64MB", 64 << 20},
      {"64MiB", 64 << 20},
      {"1g", 1 << 30},
      {"1.5g", 3 << 29},
      {"2 GB", 2LL << 30},
      {"1t", 1LL << 40},
      {"1p", 1LL << 50},
      {"10b", 10},
  };
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    int64_t v = -7;
    CHECK_INT(hr_cli_parse_ram(ok[i].in, &v), 0);
    CHECK_INT(v, ok[i].want);
  }
}

TEST(ram_sizes_rejected) {
  const char *bad[] = {"",        "-1",  "-5m", "m",   "1x",
                       "1.g",     "1mm", " 1",  "1e3", "99999999999999999999",
                       "9000000p"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int64_t v = 0;
    CHECK_INT(hr_cli_parse_ram(bad[i], &v), -1);
  }
}
