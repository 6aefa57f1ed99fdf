/* Placeholder entry point; the CLI lands with the lifecycle commands. */
#include <stdio.h>

int main(void) {
  fputs("hrun: not built yet\n", stderr);
  return 1;
}
