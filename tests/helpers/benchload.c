/* benchload: static workloads for the enforcement benchmarks
 * (integration/bench/). It runs alone in a busybox rootfs, so it is linked
 * statically and needs nothing but the kernel.
 *
 *   benchload spin THREADS [SECONDS]     busy loop on THREADS threads
 *                                        (forever when SECONDS is 0/absent)
 *   benchload alloc [STEP_KB]            allocate and touch STEP_KB (1024)
 *                                        at a time until killed; after each
 *                                        step prints "USEC_REALTIME KB"
 *   benchload forks [HOLD_SECONDS]       fork children that wait, until fork
 *                                        fails; prints "forks N errno E
 *                                        tasks T" (T = N + 1, this process
 *                                        included, and pids.current if
 *                                        readable), holds for HOLD_SECONDS
 *   benchload dio read|write DEV BS SECONDS [WARMUP_SECONDS]
 *                                        O_DIRECT sequential I/O of BS-byte
 *                                        blocks for WARMUP_SECONDS (not
 *                                        counted: a throttle's first slice),
 *                                        then SECONDS; prints "bytes B ops N
 *                                        usec U" of the measured part
 * Exit status 0 on success, 2 on a usage error, 1 on any other failure. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int usage(void) {
  fputs("usage: benchload spin THREADS [SECONDS] | alloc [STEP_KB] | "
        "forks [HOLD_SECONDS] | dio read|write DEV BS SECONDS\n",
        stderr);
  return 2;
}

static void put(const char *s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(1, s, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

static volatile uint64_t sink;

static void *spin_thread(void *arg) {
  uint64_t end = (uint64_t)(uintptr_t)arg;
  uint64_t x = 0;
  for (;;) {
    for (int i = 0; i < 1000000; i++)
      x += (uint64_t)i * 7u;
    sink = x;
    if (end && now_us(CLOCK_MONOTONIC) >= end)
      return NULL;
  }
}

static int spin(int threads, int seconds) {
  if (threads < 1 || threads > 64 || seconds < 0)
    return usage();
  uint64_t end =
      seconds ? now_us(CLOCK_MONOTONIC) + (uint64_t)seconds * 1000000u : 0;
  pthread_t t[64];
  for (int i = 1; i < threads; i++)
    if (pthread_create(&t[i], NULL, spin_thread, (void *)(uintptr_t)end))
      return 1;
  spin_thread((void *)(uintptr_t)end);
  for (int i = 1; i < threads; i++)
    pthread_join(t[i], NULL);
  return 0;
}

static int alloc(long step_kb) {
  if (step_kb < 4)
    return usage();
  size_t step = (size_t)step_kb * 1024u;
  long page = sysconf(_SC_PAGESIZE);
  uint64_t total = 0;
  char line[64];
  for (;;) {
    char *p = mmap(NULL, step, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      perror("benchload: mmap");
      return 1;
    }
    for (size_t off = 0; off < step; off += (size_t)page)
      p[off] = 1;
    total += (uint64_t)step_kb;
    snprintf(line, sizeof(line), "%llu %llu\n",
             (unsigned long long)now_us(CLOCK_REALTIME),
             (unsigned long long)total);
    put(line);
  }
}

static long read_long(const char *path) {
  FILE *f = fopen(path, "re");
  long v = -1;
  if (f) {
    if (fscanf(f, "%ld", &v) != 1)
      v = -1;
    fclose(f);
  }
  return v;
}

static int forks(int hold) {
  enum { MAX = 100000 };
  pid_t *kids = calloc(MAX, sizeof(pid_t));
  if (!kids)
    return 1;
  long n = 0;
  int e = 0;
  while (n < MAX) {
    pid_t p = fork();
    if (p < 0) {
      e = errno;
      break;
    }
    if (p == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      pause();
      _exit(0);
    }
    kids[n++] = p;
  }
  char line[128];
  snprintf(line, sizeof(line),
           "forks %ld errno %s tasks %ld pids.current %ld\n", n,
           e == EAGAIN ? "EAGAIN"
           : e         ? strerror(e)
                       : "none",
           n + 1, read_long("/sys/fs/cgroup/pids.current"));
  put(line);
  if (hold > 0)
    sleep((unsigned)hold);
  /* by pid, never by process group: the group may reach outside */
  for (long i = 0; i < n; i++)
    kill(kids[i], SIGKILL);
  for (long i = 0; i < n; i++)
    waitpid(kids[i], NULL, 0);
  free(kids);
  return 0;
}

static int dio(const char *mode, const char *dev, long bs, int seconds,
               int warmup) {
  bool wr = !strcmp(mode, "write");
  if ((!wr && strcmp(mode, "read") != 0) || bs < 512 || bs % 512 || seconds < 1)
    return usage();
  int fd = open(dev, (wr ? O_WRONLY : O_RDONLY) | O_DIRECT | O_CLOEXEC);
  if (fd < 0) {
    perror("benchload: open");
    return 1;
  }
  uint64_t size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) < 0)
    size = (uint64_t)lseek(fd, 0, SEEK_END);
  if (size < (uint64_t)bs) {
    fputs("benchload: device too small\n", stderr);
    return 1;
  }
  void *buf = NULL;
  if (posix_memalign(&buf, 4096, (size_t)bs)) {
    fputs("benchload: out of memory\n", stderr);
    return 1;
  }
  memset(buf, 0x5a, (size_t)bs);
  uint64_t t = now_us(CLOCK_MONOTONIC);
  uint64_t measure = t + (uint64_t)warmup * 1000000u, start = t;
  uint64_t end = measure + (uint64_t)seconds * 1000000u;
  uint64_t bytes = 0, ops = 0, off = 0;
  bool counting = warmup == 0;
  while (t < end) {
    if (off + (uint64_t)bs > size)
      off = 0;
    ssize_t r = wr ? pwrite(fd, buf, (size_t)bs, (off_t)off)
                   : pread(fd, buf, (size_t)bs, (off_t)off);
    if (r < 0 && errno == EINTR)
      continue;
    if (r != bs) {
      perror("benchload: O_DIRECT I/O");
      return 1;
    }
    off += (uint64_t)bs;
    t = now_us(CLOCK_MONOTONIC);
    if (counting) {
      bytes += (uint64_t)bs;
      ops++;
    } else if (t >= measure) {
      /* the I/O that crossed the mark is not counted: start from here */
      counting = true;
      start = t;
    }
  }
  char line[128];
  snprintf(line, sizeof(line), "bytes %llu ops %llu usec %llu\n",
           (unsigned long long)bytes, (unsigned long long)ops,
           (unsigned long long)(t - start));
  put(line);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  const char *cmd = argv[1];
  if (!strcmp(cmd, "spin") && argc >= 3)
    return spin(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
  if (!strcmp(cmd, "alloc"))
    return alloc(argc > 2 ? atol(argv[2]) : 1024);
  if (!strcmp(cmd, "forks"))
    return forks(argc > 2 ? atoi(argv[2]) : 0);
  if (!strcmp(cmd, "dio") && (argc == 6 || argc == 7))
    return dio(argv[2], argv[3], atol(argv[4]), atoi(argv[5]),
               argc == 7 ? atoi(argv[6]) : 0);
  return usage();
}
