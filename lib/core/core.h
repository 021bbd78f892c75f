/* Internal API of the core module, shared by every module above it:
 * errors, memory and strings, paths and files, locks, JSON, ids, logging and
 * the context's internals.  Never exported. */
#ifndef CK_CORE_H
#define CK_CORE_H

#include <containerkit.h>
#include <containerkit/sys/backend.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#define CK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CK_UNUSED __attribute__((unused))

/* ---- errors (error.c) ---- */
/* Clears the thread's error; every public entry point calls it first. */
void ck__error_clear(void);
/* Sets the thread's error and returns `code`. */
int ck__error_set(int code, const char *fmt, ...) CK_PRINTF(2, 3);
/* Same, recording errno and appending ": strerror(errno)", unless the
 * message already holds that text (so a saved message set again after a
 * cleanup does not say its cause twice). */
int ck__error_errno(int code, const char *fmt, ...) CK_PRINTF(2, 3);
/* Same with an explicit errno value. */
int ck__error_sys(int code, int err, const char *fmt, ...) CK_PRINTF(3, 4);
/* Records `err` as the current error's sys_errno, its message unchanged:
 * for a cause read from another program's words (the OCI runtime's). */
void ck__error_note_errno(int err);
/* Prefixes the current message with "what: " (context for a lower error). */
int ck__error_wrap(int code, const char *fmt, ...) CK_PRINTF(2, 3);
/* Sets CK_ENOMEM and returns it. */
int ck__oom(void);
/* Maps an errno to the closest CK_E code. */
int ck__errno_code(int err);

/* Exports `old` as a second name of the public function `fn`, which was
 * renamed: both symbols stay (ABI.md), and deprecated.h declares `old`. */
#define CK__ALIAS(old, fn) extern __typeof__(fn) old __attribute__((alias(#fn)))

#define CK_ENTER() ck__error_clear()

/* ---- memory and strings (mem.c) ---- */
char *ck__strdup(const char *s);                  /* NULL on OOM or NULL input */
char *ck__asprintf(const char *fmt, ...) CK_PRINTF(1, 2); /* NULL on OOM */
char *ck__path_join(const char *a, const char *b); /* "a/b", NULL on OOM */
size_t ck__strv_len(char *const *v);
int ck__strv_push(char ***v, const char *s);      /* appends a copy; CK_ENOMEM */
bool ck__str_has_prefix(const char *s, const char *prefix);

/* ---- podman's --filter lists (filter.c) ----
 * Each filter is KEY=VALUE; its key must be one of `keys` (NULL-
 * terminated), and `fn` gets the key's index, the value and the whole
 * filter.  Errors name the filter and the object's kind ("image"):
 * "invalid image filter \"F\": use KEY=VALUE", "...: unknown key \"K\"
 * (known: a, b)" and, with CK__FILTER_NONEMPTY, "...: the value is empty"
 * and, for label, "...: the label key is empty". */
#define CK__FILTER_NONEMPTY 0x1u
typedef int (*ck__filter_fn)(size_t key, const char *val, const char *flt, void *payload);
int ck__filters_parse(const char *kind, const char *const *keys, unsigned int flags,
                      const char *const *filters, ck__filter_fn fn, void *payload);
/* A boolean filter value: true, 1, false or 0. */
int ck__filter_bool(bool *out, const char *kind, const char *flt, const char *val);
/* label=KEY or label=KEY=VALUE against an object's labels, which `get`
 * looks up (NULL when absent). */
typedef const char *(*ck__label_get_fn)(const void *obj, const char *key);
bool ck__label_filter_match(const char *want, ck__label_get_fn get, const void *obj);

/* A growable byte buffer that remembers an allocation failure. */
typedef struct ck__buf {
	char *data;
	size_t len, cap;
	bool oom;
} ck__buf;
void ck__buf_add(ck__buf *b, const void *data, size_t len);
void ck__buf_puts(ck__buf *b, const char *s);
void ck__buf_printf(ck__buf *b, const char *fmt, ...) CK_PRINTF(2, 3);
/* Returns the NUL-terminated contents and resets the buffer, or NULL (and
 * sets CK_ENOMEM) if any append failed. */
char *ck__buf_take(ck__buf *b);
void ck__buf_free(ck__buf *b);

/* ---- string maps (strmap.c): ordered, unique keys ---- */
typedef struct ck__strmap {
	char **keys, **vals;
	size_t n;
} ck__strmap;
int ck__strmap_set(ck__strmap *m, const char *key, const char *val); /* adds or replaces */
const char *ck__strmap_get(const ck__strmap *m, const char *key);   /* NULL if absent */
/* label=KEY[=VALUE] against a map of labels (filter.c). */
bool ck__label_filter_match_map(const char *want, const ck__strmap *labels);
void ck__strmap_free(ck__strmap *m);
/* Writes the map as a JSON object (its key must already be written). */
void ck__strmap_gen(yajl_gen g, const ck__strmap *m);
/* Reads a JSON object of strings; non-string values are skipped. */
int ck__strmap_from_json(ck__strmap *m, yajl_val obj);

/* ---- versioned structs (version.c) ---- */
/* What ck_<x>_init(out, version) does for a struct that has one layout so
 * far: checks `out` and the version (1..`known`), then sets *out to `init`
 * (`size` bytes; NULL: zeros) with that version.  Errors name `who`
 * ("ck_x_init: out") and `type` ("ck_x"). */
int ck__versioned_init(void *out, const void *init, size_t size, unsigned int version, unsigned int known,
                       const char *who, const char *type);

/* ---- files and paths (fs.c) ---- */
int ck__mkdir_p(const char *path, mode_t mode);
/* `path` taken as absolute and cleaned lexically: no "//", "." or "..",
 * no trailing '/' ("/" stays).  A ".." above "/" stays at "/" and sets
 * `*climbed` (if not NULL).  NULL when out of memory. */
char *ck__path_clean(const char *path, bool *climbed);
/* Writes through a temporary file, fsyncs it, renames it over `path` and
 * fsyncs the directory: readers see the old or the new content, never a mix. */
int ck__write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Writes all of `data` to `fd`, going on after EINTR and short writes;
 * 0, or -1 with errno set. */
int ck__write_all(int fd, const void *data, size_t len);
/* The same, syncing only when `durable`: a file that is made again from the
 * state store whenever it is needed (a bundle's config.json) is replaced
 * atomically but need not survive power loss. */
int ck__write_file_replace(const char *path, const void *data, size_t len, mode_t mode, bool durable);
/* Reads a whole file of at most `max` bytes, NUL-terminated. */
int ck__read_file(char **out, size_t *len, const char *path, size_t max);
int ck__fsync_dir(const char *dir);
/* Removes a file or a directory tree; a missing path is not an error. */
int ck__rm_rf(const char *path);
bool ck__path_exists(const char *path);
bool ck__is_dir(const char *path);

/* ---- locks (lock.c): flock-based, released when the holder dies ---- */
typedef struct ck__lock {
	int fd;
} ck__lock;
#define CK__LOCK_INIT { -1 }
/* Waits at most timeout_ms (-1: forever) and fails with CK_EBUSY after it. */
int ck__lock_acquire(ck__lock *lk, const char *path, bool exclusive, int timeout_ms);
void ck__lock_release(ck__lock *lk);
/* Locks one object of the store (kind "volume", "container", ...) in the run
 * root's locks/ directory. */
int ck__lock_object(ck__lock *lk, ck_context *ctx, const char *kind, const char *id);

/* ---- ids and digests (id.c) ---- */
/* 64 random lowercase hex digits, NUL-terminated. */
int ck__random_id(char out[65]);
int ck__sha256_hex(char out[65], const void *data, size_t len);
bool ck__is_hex(const char *s, size_t n);
/* Validates a user-chosen name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, <= 253 bytes.
 * `what` ("volume", "container") goes into the error message. */
int ck__validate_name(const char *name, const char *what);

/* ---- JSON (json.c): parsing with yajl_tree, writing with yajl_gen ---- */
/* Parses `text`; on failure names `what` and yajl's reason (CK_ECORRUPT or
 * `code`). */
int ck__json_parse(yajl_val *out, const char *text, const char *what, int code);
const char *ck__json_str(yajl_val obj, const char *key);  /* NULL if absent or not a string */
bool ck__json_int(yajl_val obj, const char *key, long long *out);
bool ck__json_bool(yajl_val obj, const char *key, bool *out);
yajl_val ck__json_obj(yajl_val obj, const char *key);     /* NULL unless an object */
yajl_val ck__json_arr(yajl_val obj, const char *key);     /* NULL unless an array */
/* yajl's event parser with its working memory in the struct, so that
 * reading many small records (a listing) costs no allocation per record:
 * open, then parse the whole text (yajl_status_client_canceled when a
 * callback stopped it; on a syntax error `err` gets yajl's reason), then
 * close.  `h` is there for yajl_get_bytes_consumed. */
typedef struct ck__json_stream {
	yajl_handle h;
	size_t used;
	_Alignas(16) unsigned char arena[4096];
} ck__json_stream;
int ck__json_stream_open(ck__json_stream *js, const yajl_callbacks *cb, void *ctx);
yajl_status ck__json_stream_parse(ck__json_stream *js, const char *text, char *err, size_t err_size);
void ck__json_stream_close(ck__json_stream *js);
/* Generator helpers; each returns false once the generator has failed. */
yajl_gen ck__json_gen_new(bool beautify);
void ck__json_key_str(yajl_gen g, const char *key, const char *val); /* NULL -> null */
void ck__json_key_int(yajl_gen g, const char *key, long long val);
void ck__json_key_bool(yajl_gen g, const char *key, bool val);
void ck__json_key(yajl_gen g, const char *key);
void ck__json_str_val(yajl_gen g, const char *val);
/* Writes a parsed value back out (used to rewrite one field of a record). */
void ck__json_emit(yajl_gen g, yajl_val v);
/* Copies the generated text into a new string and frees `g`. */
int ck__json_gen_finish(char **out, yajl_gen g);

/* ---- time and host (host.c) ---- */
int64_t ck__now_ns(void);        /* CLOCK_REALTIME */
int64_t ck__mono_ns(void);       /* CLOCK_MONOTONIC */
/* Formats seconds since the epoch as RFC 3339 UTC into buf (>= 32 bytes). */
void ck__rfc3339(char *buf, size_t size, int64_t ns);
/* The kernel's boot id (36 chars + NUL); "unknown" if it cannot be read. */
void ck__boot_id(char out[40]);
/* The start time of process `pid` (field 22 of /proc/PID/stat), 0 when it
 * does not exist or is a zombie. */
unsigned long long ck__proc_start_time(int pid);
void ck__sleep_ms(int ms);

/* ---- events (events.c) ---- */
/* RFC 3339 UTC with nanoseconds ("2024-05-01T10:00:00.123456789Z"); buf >= 40 bytes. */
void ck__rfc3339_nano(char *buf, size_t size, int64_t ns);
/* <runroot>/events/events.log */
/* A parsed line of the event log: `ev` borrows from `tree` and `attrs`
 * (event.c).  Zero-initialise; reuse for each line; free at the end. */
typedef struct ck__event_line {
	ck_event ev;
	yajl_val tree;
	const char **attrs;
	size_t cap;
} ck__event_line;
bool ck__event_line_parse(ck__event_line *l, const char *line);
void ck__event_line_free(ck__event_line *l);
int ck__event_filters_check(const char *const *filters); /* CK_EINVAL naming an unknown one */
bool ck__event_matches(const ck_event *ev, const char *const *filters);
int ck__event_render(char **out, const ck_event *ev);    /* one line, no newline */
char *ck__events_path(const ck_context *ctx);
/* Appends one event (podman's JSON shape) to the event log: `type`
 * ("container", "image", ...), `status` ("create", "died", ...), the
 * object's id, name and image, `attrs` (NULL or "k","v",...,NULL), and
 * `exit_code` (written for "died"; < 0 and not died: none).  Never fails the
 * caller: a write error is logged. */
void ck__event_write(ck_context *ctx, const char *type, const char *status, const char *id, const char *name,
                     const char *image, const char *const *attrs, int exit_code);

/* ---- logging (log.c) ---- */
void ck__log(ck_context *ctx, int level, const char *fmt, ...) CK_PRINTF(3, 4);

/* ---- the context (context.c) ---- */
struct ck__state;
struct ck_context {
	char *root;
	char *runroot;
	char *db_backend;         /* requested backend */
	bool db_backend_explicit; /* from the options or the environment */
	char *runtime;
	char **search_registries;   /* short-name search list, NULL-terminated */
	char **insecure_registries; /* hosts reached without TLS verification */
	char *libexec_dir;          /* helper programs, when set explicitly; else NULL */
	const char *libexec_dir_origin; /* what set it (options or environment), for messages */
	char *config_path;        /* file read, or NULL */
	bool rootless;
	uid_t uid;

	pthread_mutex_t log_lock;
	ck_log_fn log_fn;
	void *log_payload;
	int log_level;

	/* Owned by the state module, which opens it lazily; the close hook keeps
	 * the dependency pointing downward. */
	pthread_mutex_t state_lock;
	struct ck__state *state;
	void (*state_close)(struct ck__state *);
	char active_backend[32];  /* backend in charge once the store is open */
	char marker_backend[32];  /* the store's marker, as last read */
};

/* Paths inside the roots, as new strings (NULL on OOM). */
char *ck__root_path(const ck_context *ctx, const char *rel);
char *ck__runroot_path(const ck_context *ctx, const char *rel);

#endif
