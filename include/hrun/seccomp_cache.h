/* Compiled seccomp filters cached on disk, so a profile is compiled once
 * and reused: libseccomp's compile is the most expensive step of start.
 * An entry stores its whole key (profile text, bounding caps, versions)
 * and is used only when the key matches byte for byte, so a hash
 * collision can never load another profile's filter. */
#ifndef HRUN_SECCOMP_CACHE_H
#define HRUN_SECCOMP_CACHE_H

#include <stddef.h>

#include "hrun/seccomp.h"

/* The key for a profile's source text and the container's bounding set.
 * malloc'd, NUL-terminated; *len excludes the NUL. */
char *hr_seccomp_cache_key(const char *source, size_t source_len,
                           uint64_t bounding_caps, size_t *len);
/* 1 and *out filled on a hit, 0 on a miss (any failure is a miss). */
int hr_seccomp_cache_load(const char *dir, const char *key, size_t key_len,
                          struct hr_seccomp_program *out);
/* Best effort: a failure to store only costs a later recompile. */
void hr_seccomp_cache_store(const char *dir, const char *key, size_t key_len,
                            const struct hr_seccomp_program *p);

#endif
