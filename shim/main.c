/* Placeholder; the shim lands with the monitor (issue 6). */
#include <stdio.h>

int main(void) {
  fputs("hrun-shim: not built yet\n", stderr);
  return 1;
}
