/* A tiny static probe for the VM escape tests
 * (integration/tests/41-escapes.sh): copied into a container's rootfs, it makes
 * one attempt per argument and prints what the kernel answered, so the test
 * asserts exact errnos.
 *
 *   probe sys NAME...   one syscall each: unshare-user mount keyctl bpf
 *                       af-alg unknown; prints "NAME=OK" or "NAME=EPERM"
 *   probe id            "uid=U euid=E"
 *   probe openwrite P   open P for writing and write its first byte back
 *                       unchanged: "open=ETXTBSY", "write=EPERM" or "wrote"
 *   probe seals P       the memfd seals of P (open read-only): "seals=0x.."
 *                       or "seals=EINVAL" when P is not a memfd */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif

static const char *err_name(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

static void report(const char *what, long r) {
  if (r < 0)
    printf("%s=%s\n", what, err_name(errno));
  else
    printf("%s=OK\n", what);
}

static long try_syscall(const char *name) {
  if (!strcmp(name, "unshare-user"))
    return unshare(CLONE_NEWUSER);
  if (!strcmp(name, "mount"))
    return mount("none", "/", "tmpfs", 0, "");
  if (!strcmp(name, "keyctl")) /* KEYCTL_GET_KEYRING_ID, session keyring */
    return syscall(SYS_keyctl, 0, -3, 0, 0, 0);
  if (!strcmp(name, "bpf")) { /* BPF_MAP_CREATE with an empty attr */
    char attr[128] = {0};
    return syscall(SYS_bpf, 0, attr, sizeof(attr));
  }
  if (!strcmp(name, "af-alg")) {
    long fd = socket(AF_ALG, SOCK_SEQPACKET, 0);
    if (fd >= 0)
      close((int)fd);
    return fd;
  }
  if (!strcmp(name, "unknown")) /* no architecture has syscall 1000 (yet) */
    return syscall(1000, 0, 0, 0, 0, 0);
  fprintf(stderr, "probe: unknown syscall name %s\n", name);
  errno = EINVAL;
  return -1;
}

static int open_write(const char *path) {
  char b;
  int rfd = open(path, O_RDONLY | O_CLOEXEC);
  if (rfd < 0 || pread(rfd, &b, 1, 0) != 1) {
    printf("read=%s\n", err_name(errno));
    return 1;
  }
  close(rfd);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("open=%s\n", err_name(errno));
    return 0;
  }
  if (pwrite(fd, &b, 1, 0) != 1) {
    printf("write=%s\n", err_name(errno));
    close(fd);
    return 0;
  }
  close(fd);
  printf("wrote\n");
  return 0;
}

static int seals(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("open=%s\n", err_name(errno));
    return 1;
  }
  int s = fcntl(fd, F_GET_SEALS);
  if (s < 0)
    printf("seals=%s\n", err_name(errno));
  else
    printf("seals=0x%x\n", (unsigned)s);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && !strcmp(argv[1], "sys")) {
    for (int i = 2; i < argc; i++)
      report(argv[i], try_syscall(argv[i]));
    return 0;
  }
  if (argc == 2 && !strcmp(argv[1], "id")) {
    printf("uid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
    return 0;
  }
  if (argc == 3 && !strcmp(argv[1], "openwrite"))
    return open_write(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "seals"))
    return seals(argv[2]);
  fprintf(stderr, "usage: probe sys NAME... | id | openwrite PATH | seals "
                  "PATH\n");
  return 2;
}
