/* The context: the root object every other handle is reached from.  It holds
 * the storage root, the run root, the state backend, the OCI runtime, and
 * the logging callback.
 *
 * Thread safety: a context may be used from several threads at once.  Handles
 * obtained from it (volumes, ...) are not thread-safe themselves; use one
 * handle per thread or lock around it. */
#ifndef CONTAINERKIT_CONTEXT_H
#define CONTAINERKIT_CONTEXT_H

#include "common.h"

CK_BEGIN_DECLS

/** Log levels, from the most to the least important. */
typedef enum ck_log_level {
	CK_LOG_ERROR = 0,
	CK_LOG_WARN  = 1,
	CK_LOG_INFO  = 2,
	CK_LOG_DEBUG = 3,
	CK_LOG_TRACE = 4
} ck_log_level;

/** Receives one log line (without a trailing newline).  Called on the thread
 *  that logs; `message` is valid only during the call. */
typedef void (*ck_log_fn)(int level, const char *message, void *payload);

/* The names by the ck_<module>_<noun> rule (since 1.1).  The 1.0 names
 * stay the primary ones here, because ck_context_options, whose layout
 * the ABI records, is declared with them. */
typedef ck_log_level ck_context_log_level; /**< ck_log_level */
typedef ck_log_fn ck_context_log_fn;       /**< ck_log_fn */

/** Do not read CK_* environment variables. */
#define CK_CONTEXT_NO_ENV    (1u << 0)
/** Do not read any containerkit.conf. */
#define CK_CONTEXT_NO_CONFIG (1u << 1)

/** Version 2 appended `libexec_dir`; version 1 structs are still accepted. */
#define CK_CONTEXT_OPTIONS_VERSION 2

/** Options for ck_context_open().  Initialise with CK_CONTEXT_OPTIONS_INIT or
 *  ck_context_options_init(); every NULL or zero field means "the default".
 *
 *  Each setting is taken from, in order: this struct, the environment
 *  (CK_ROOT, CK_RUNROOT, CK_DB_BACKEND, CK_RUNTIME, CK_LOG_LEVEL, CK_CONFIG),
 *  the configuration file, and the built-in default.  The configuration file
 *  is `config_path`, else $CK_CONFIG, else /etc/containerkit/containerkit.conf
 *  for root and $XDG_CONFIG_HOME/containerkit/containerkit.conf (falling back
 *  to ~/.config) for other users.  docs/containerkit.conf.5.md describes it.
 *
 *  Defaults: root /var/lib/containerkit and run root /run/containerkit for
 *  root; $XDG_DATA_HOME/containerkit (~/.local/share/containerkit) and
 *  $XDG_RUNTIME_DIR/containerkit (/tmp/containerkit-UID) for other users;
 *  backend "sqlite"; runtime "crun".
 *
 *  Helper programs: the library runs two programs of its own, ck-monitor
 *  (one per running container) and ck-userns (rootless file work).  It
 *  looks for them in `libexec_dir`, else in $CK_LIBEXEC_DIR; either one,
 *  when set, is the only place looked.  Otherwise it looks where its own
 *  install put them, found from the directory of the loaded library
 *  (<libdir>/../libexec/containerkit for the default layout, wherever the
 *  prefix is), then beside the library (a build tree), then in the
 *  libexec directory configured at build time.  A missing helper fails
 *  the call that needs it with CK_ENOTFOUND naming every place looked. */
typedef struct ck_context_options {
	unsigned int version;     /**< CK_CONTEXT_OPTIONS_VERSION */
	const char *root;         /**< storage root (records, volumes, images) */
	const char *runroot;      /**< run root (locks, runtime state) */
	const char *db_backend;   /**< "sqlite" or "lmdb" */
	const char *runtime;      /**< OCI runtime name or path: "crun", "runc" */
	const char *config_path;  /**< configuration file to read */
	ck_log_fn log_fn;                 /**< logging callback, or NULL for none */
	void *log_payload;        /**< handed to log_fn */
	int log_level;            /**< most verbose level passed to log_fn; -1 = default (CK_LOG_WARN) */
	unsigned int flags;       /**< CK_CONTEXT_NO_ENV | CK_CONTEXT_NO_CONFIG */
	/* Version 2. */
	const char *libexec_dir;  /**< directory of ck-monitor and ck-userns (see above) */
} ck_context_options;

#define CK_CONTEXT_OPTIONS_INIT \
	{ CK_CONTEXT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, NULL }

/** Initialises `opts` for the given struct version (pass
 *  CK_CONTEXT_OPTIONS_VERSION; an older version initialises only the fields
 *  that version has).  Returns CK_EVERSION for an unknown version. */
CK_EXTERN int ck_context_options_init(ck_context_options *opts, unsigned int version);

/** Opens a context.  `opts` may be NULL for the defaults of the calling user.
 *  The state store is opened on first use, so a damaged store does not stop
 *  ck_system_check() or ck_system_reset() from running.  On success `*out`
 *  belongs to the caller (ck_context_free()).  Fails with CK_ECONFIG for a bad
 *  configuration file or value, CK_EVERSION for an unknown options version,
 *  CK_EIO when a directory cannot be created. */
CK_EXTERN int ck_context_open(ck_context **out, const ck_context_options *opts);

/** Closes the context and its store.  Accepts NULL.  Handles obtained from the
 *  context must be freed first. */
CK_EXTERN void ck_context_free(ck_context *ctx);

/** Replaces the logging callback.  `fn` NULL turns logging off. */
CK_EXTERN int ck_context_set_log(ck_context *ctx, int level, ck_context_log_fn fn, void *payload);

/** Storage root.  Borrowed: lives as long as the context. */
CK_EXTERN const char *ck_context_root(const ck_context *ctx);
/** Run root.  Borrowed: lives as long as the context. */
CK_EXTERN const char *ck_context_runroot(const ck_context *ctx);
/** Name of the state backend in charge ("sqlite" or "lmdb").  Borrowed: valid
 *  until the next call that may switch it (ck_system_migrate()). */
CK_EXTERN const char *ck_context_db_backend(const ck_context *ctx);
/** OCI runtime name or path.  Borrowed: lives as long as the context. */
CK_EXTERN const char *ck_context_runtime(const ck_context *ctx);
/** The configuration file that was read, or NULL if none was.  Borrowed. */
CK_EXTERN const char *ck_context_config_path(const ck_context *ctx);
/** 1 if the context runs rootless (not as uid 0), 0 otherwise. */
CK_EXTERN int ck_context_is_rootless(const ck_context *ctx);

CK_END_DECLS

#endif
