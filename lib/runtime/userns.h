/* Work on files owned by the user's subordinate ids, which an unprivileged
 * process can neither create, chown nor remove: the helper program
 * ck-userns (libexec/userns) enters a new user namespace, the library maps it
 * with newuidmap/newgidmap (podman's rootless mapping, ck__host_idmaps),
 * and the helper runs one job there as the namespace's root.  Also: where
 * the library finds its helper programs. */
#ifndef CK_RUNTIME_USERNS_H
#define CK_RUNTIME_USERNS_H

#include "runtime/runtime.h"

/* Finds the helper program `name`: only in the context's libexec
 * directory when one is set (the options' libexec_dir or $CK_LIBEXEC_DIR);
 * otherwise where the install put it relative to the loaded library, then
 * beside the library (the build tree), then in the configured libexec
 * directory.  CK_ENOTFOUND naming every place looked and the fix. */
int ck__libexec_find(char **out, ck_context *ctx, const char *name);

/* Finds newuidmap or newgidmap; CK_EUNSUPPORTED naming the uidmap package
 * when it is missing. */
int ck__userns_tool(char **out, const char *name);

typedef struct ck__userns_job {
	const ck__idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	char *const *argv;  /* the job: its words, NULL-terminated (libexec/userns/main.c) */
	const int *fds;     /* handed to the helper as its fds 4, 5, ... */
	size_t n_fds;
	/* Called for each line the job reports before it ends (progress). */
	void (*on_line)(const char *line, void *payload);
	void *payload;
} ck__userns_job;

/* Runs a job in a new user namespace and waits for it.  The helper is
 * spawned with posix_spawn (no fds but its own and job->fds, default
 * signal handling) and dies with the calling thread (PR_SET_PDEATHSIG).
 * `*result` (when not NULL) gets the rest of the job's "ok" line.  On
 * failure the job's own error is set (code, errno and message); a helper
 * that dies without a word, or a namespace that cannot be made or mapped,
 * is CK_EIO or CK_EUNSUPPORTED with the reason. */
int ck__userns_run(char **result, ck_context *ctx, const ck__userns_job *job);

/* ---- the helper's side (fd 3 is its line to the library) ---- */
#define CK__USERNS_FD 3
#define CK__USERNS_FIRST_JOB_FD 4

/* Unshares the user namespace, tells the library, waits until it has
 * written the maps, and becomes root there (uid and gid 0, no
 * supplementary groups).  CK_EIO or CK_EUNSUPPORTED with the reason. */
int ck__userns_enter(void);
/* How many ids, counted from 0, the namespace maps without a gap. */
void ck__userns_span(uint32_t *uids, uint32_t *gids);
/* Writes one line to the library ("p ..." progress, "ok ..."). */
void ck__userns_say(const char *fmt, ...) CK_PRINTF(1, 2);
/* Writes the thread's last error as the job's failure. */
void ck__userns_say_error(void);

#endif
