/* Scope-based cleanup so every exit path frees and closes what it owns. */
#ifndef HRUN_CLEANUP_H
#define HRUN_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hrun/error.h"

static inline void hr_freep(void *p) { free(*(void **)p); }
static inline void hr_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void hr_fclosep(FILE **f) {
  if (*f)
    fclose(*f);
}
static inline void hr_closedirp(DIR **d) {
  if (*d)
    closedir(*d);
}
static inline void hr_json_decrefp(json_t **j) {
  if (*j)
    json_decref(*j);
}
/* Frees a NULL-terminated vector of strings and the strings. */
static inline void hr_strv_free(char **v) {
  if (!v)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}
static inline void hr_strvfreep(char ***v) { hr_strv_free(*v); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(hr_freep)
#define _cleanup_close_ _cleanup_(hr_closep)
#define _cleanup_fclose_ _cleanup_(hr_fclosep)
#define _cleanup_closedir_ _cleanup_(hr_closedirp)
#define _cleanup_json_ _cleanup_(hr_json_decrefp)
#define _cleanup_strv_ _cleanup_(hr_strvfreep)
#define _cleanup_error_ _cleanup_(hr_error_free)

/* Hand ownership out of a cleanup variable. */
#define hr_steal_ptr(p)                                                        \
  ({                                                                           \
    __typeof__(p) _tmp = (p);                                                  \
    (p) = NULL;                                                                \
    _tmp;                                                                      \
  })
#define hr_steal_fd(fd)                                                        \
  ({                                                                           \
    int _tmp = (fd);                                                           \
    (fd) = -1;                                                                 \
    _tmp;                                                                      \
  })

#endif
