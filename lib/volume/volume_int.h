/* Private to the volume module: the handle and spec layouts, labels, record
 * encoding, paths and the removal shared by remove and prune. */
#ifndef CK_VOLUME_INT_H
#define CK_VOLUME_INT_H

#include "volume.h"

struct ck_volume_spec {
	char *name;   /* NULL: generated */
	char *driver;
	ck__strmap labels;
};

struct ck_volume {
	ck_context *ctx;
	char *name, *driver, *mountpoint;
	int64_t created;
	ck__strmap labels;
	ck__strmap options;
	char **users; /* container ids, NULL-terminated (may be NULL) */
	size_t nusers;
};

/* <root>/volumes, <root>/volumes/<name> and <root>/volumes/<name>/_data.
 * The name is validated first so that a damaged record can never make a
 * path leave the volumes directory. */
int ck__volume_base(char **out, const ck_context *ctx);
int ck__volume_dir(char **out, const ck_context *ctx, const char *name);
int ck__volume_data_dir(char **out, const ck_context *ctx, const char *name);

/* mkdir(2) that leaves exactly `mode` whatever the umask.  An existing
 * directory is CK_OK when `exist_ok`, else CK_EEXISTS. */
int ck__volume_mkdir(const char *path, mode_t mode, bool exist_ok);

/* The per-volume lock in the run root.  Never take it twice in one process:
 * flock() locks of two descriptors exclude each other. */
int ck__volume_lock(ck__lock *lk, ck_context *ctx, const char *name);

/* Config and state JSON of a new record. */
int ck__volume_config_json(char **out, const char *name, const char *driver, const ck__strmap *labels,
                           const char *mountpoint, int64_t created);
#define CK__VOLUME_STATE_EMPTY "{\"users\":[]}"

/* Builds a handle from a record; CK_ECORRUPT naming the volume if the JSON
 * is not a volume record. */
int ck__volume_from_record(ck_volume **out, ck_context *ctx, const char *name, const char *config,
                           const char *state);

/* Creates <root>/volumes/<name>/_data if it is missing, under the volume
 * lock and only while the record still exists.  `locked`: the caller holds
 * the lock already. */
int ck__volume_ensure_dir(ck_context *ctx, const char *name, bool locked);

/* Removes a volume by exact name: record first (refusing with CK_EINUSE if a
 * container uses it and !force), then the directory through a .trash- name. */
int ck__volume_remove_name(ck_context *ctx, const char *name, bool force);

/* Parsed list filters (see ck_volume_list()). */
typedef struct ck__volume_filter {
	char **names, **labels, **drivers;
	bool dangling_true, dangling_false;
} ck__volume_filter;

int ck__volume_filter_parse(ck__volume_filter *f, const char *const *filters);
bool ck__volume_filter_match(const ck__volume_filter *f, const ck_volume *vol);
void ck__volume_filter_free(ck__volume_filter *f);

#endif
