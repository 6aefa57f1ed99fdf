/* Loading JSON documents for hrun: size and depth caps, and integers
 * above INT64_MAX carried through jansson (see scan_document). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"

/* The position of buf[pos] as jansson reports it: 1-based line, and the
 * column in characters (UTF-8 continuation bytes do not count). */
static void locate(const char *buf, size_t pos, int *line, int *col) {
  *line = 1;
  *col = 0;
  for (size_t i = 0; i <= pos; i++) {
    if (buf[i] == '\n') {
      (*line)++;
      *col = 0;
    } else if (((unsigned char)buf[i] & 0xC0) != 0x80)
      (*col)++;
  }
}

static int syntax_error(const char *buf, size_t pos, const char *what,
                        const char *reason, hr_error_t *err) {
  int line, col;
  locate(buf, pos, &line, &col);
  return hr_error_set(err, 0, "%s: invalid JSON at line %d column %d: %s", what,
                      line, col, reason);
}

/* The length of the number token at s (buf need not be NUL-terminated). */
static size_t number_length(const char *s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] && strchr("0123456789+-.eE", s[n]))
    n++;
  return n;
}

/* A decimal literal in (INT64_MAX, UINT64_MAX]: too big for json_int_t.
 * Its value goes to *out when out != NULL. */
static bool big_uint_literal(const char *s, size_t n, uint64_t *out) {
  if (n < 19 || n > 20 || s[0] == '0')
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  if (v <= (uint64_t)INT64_MAX)
    return false;
  if (out)
    *out = v;
  return true;
}

/* The text jansson is given when big literals are rewritten. Each one grows
 * by 8 bytes ("\u0000 and two quotes) and is at least 19 long, so 3/2 of
 * the input is always enough. */
struct rewrite {
  char *out;
  size_t n, cap, copied; /* copied: input bytes already in out */
};

static int rewrite_big(struct rewrite *w, const char *buf, size_t len,
                       size_t at, size_t n, const char *what, hr_error_t *err) {
  if (!w->out) {
    w->cap = len + len / 2 + 16;
    w->out = malloc(w->cap);
    if (!w->out)
      return hr_error_set(err, ENOMEM, "%s", what);
  }
  memcpy(w->out + w->n, buf + w->copied, at - w->copied);
  w->n += at - w->copied;
  w->n += (size_t)sprintf(w->out + w->n, "\"\\u0000%.*s\"", (int)n, buf + at);
  w->copied = at + n;
  return 0;
}

/* One pass over the text before jansson sees it:
 * - jansson has no depth limit of its own, so nesting is capped here and a
 *   hostile document cannot exhaust the stack;
 * - jansson's integers are signed 64-bit, but the runtime spec has uint64
 *   fields (rlimits, where 2^64-1 means unlimited; seccomp argument values).
 *   A literal above INT64_MAX becomes a string of a NUL and its digits
 *   (hr_json_big_uint reads it back). "\u0000" in the document itself is
 *   refused, so such a string cannot come from anywhere else.
 * Strings are skipped so brackets and digits inside them do not count. */
static int scan_document(const char *buf, size_t len, const char *what,
                         struct rewrite *w, hr_error_t *err) {
  int depth = 0;
  bool in_str = false, esc = false;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (in_str) {
      if (esc)
        esc = false;
      else if (c == '\\') {
        esc = true;
        if (len - i > 5 && !memcmp(buf + i + 1, "u0000", 5))
          return syntax_error(buf, i, what, "\\u0000 is not allowed", err);
      } else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"')
      in_str = true;
    else if (c == '{' || c == '[') {
      if (++depth > HR_JSON_MAX_DEPTH)
        return hr_error_set(err, 0, "%s: nesting deeper than %d levels", what,
                            HR_JSON_MAX_DEPTH);
    } else if (c == '}' || c == ']')
      depth--;
    else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t n = number_length(buf + i, len - i);
      if (big_uint_literal(buf + i, n, NULL) &&
          rewrite_big(w, buf, len, i, n, what, err) < 0)
        return -1;
      i += n - 1;
    }
  }
  if (w->out) {
    memcpy(w->out + w->n, buf + w->copied, len - w->copied);
    w->n += len - w->copied;
  }
  return 0;
}

bool hr_json_big_uint(const json_t *v, uint64_t *out) {
  if (!json_is_string(v))
    return false;
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  return n >= 2 && s[0] == '\0' && big_uint_literal(s + 1, n - 1, out);
}

/* jansson's column counts the rewritten text: take off the 8 bytes each big
 * literal before the error, on its line, added. */
static int unshift_column(const char *text, size_t pos, int col) {
  size_t start = pos;
  while (start > 0 && text[start - 1] != '\n')
    start--;
  for (const char *p = text + start;
       (p = memmem(p, (size_t)(text + pos - p), "\\u0000", 6)); p += 6)
    col -= 8;
  return col;
}

int hr_json_load_buffer(const char *buf, size_t len, const char *what,
                        json_t **out, hr_error_t *err) {
  if (len > HR_JSON_MAX_FILE_SIZE)
    return hr_error_set(err, 0, "%s: larger than %u bytes", what,
                        HR_JSON_MAX_FILE_SIZE);
  struct rewrite w = {0};
  _cleanup_free_ char *rewritten = NULL;
  int r = scan_document(buf, len, what, &w, err);
  rewritten = w.out;
  if (r < 0)
    return -1;
  const char *text = rewritten ? rewritten : buf;
  size_t text_len = rewritten ? w.n : len;
  json_error_t jerr;
  json_t *j = json_loadb(
      text, text_len, JSON_REJECT_DUPLICATES | (rewritten ? JSON_ALLOW_NUL : 0),
      &jerr);
  if (!j) {
    size_t pos =
        (size_t)jerr.position < text_len ? (size_t)jerr.position : text_len;
    int col = rewritten ? unshift_column(text, pos, jerr.column) : jerr.column;
    return hr_error_set(err, 0, "%s: invalid JSON at line %d column %d: %s",
                        what, jerr.line, col, jerr.text);
  }
  *out = j;
  return 0;
}

int hr_json_load_fd(int fd, const char *what, json_t **out, hr_error_t *err) {
  size_t cap = 65536, len = 0;
  _cleanup_free_ char *buf = malloc(cap);
  if (!buf)
    return hr_error_set(err, ENOMEM, "%s", what);
  for (;;) {
    if (len == cap) {
      if (cap > HR_JSON_MAX_FILE_SIZE)
        return hr_error_set(err, 0, "%s: larger than %u bytes", what,
                            HR_JSON_MAX_FILE_SIZE);
      char *nb = realloc(buf, cap * 2);
      if (!nb)
        return hr_error_set(err, ENOMEM, "%s", what);
      buf = nb;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "read %s", what);
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  return hr_json_load_buffer(buf, len, what, out, err);
}

int hr_json_load_file(const char *path, const char *what, json_t **out,
                      hr_error_t *err) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hr_error_set(err, errno, "stat %s", path);
  if (!S_ISREG(st.st_mode))
    return hr_error_set(err, 0, "%s: not a regular file", what);
  if (st.st_size > (off_t)HR_JSON_MAX_FILE_SIZE)
    return hr_error_set(err, 0, "%s: larger than %u bytes", what,
                        HR_JSON_MAX_FILE_SIZE);
  return hr_json_load_fd(fd, what, out, err);
}
