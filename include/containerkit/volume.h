/* Named volumes: a directory under the storage root plus a record in the
 * state store, as `podman volume` manages them.
 *
 * A ck_volume handle is a snapshot of the record taken when it was looked up;
 * it is not thread-safe.  Getters return borrowed strings that live as long
 * as the handle. */
#ifndef CONTAINERKIT_VOLUME_H
#define CONTAINERKIT_VOLUME_H

#include "common.h"

CK_BEGIN_DECLS

typedef struct ck_volume ck_volume;
typedef struct ck_volume_spec ck_volume_spec;

/** A new, empty volume spec: no name (one is generated), driver "local",
 *  no labels.  Free with ck_volume_spec_free(). */
CK_EXTERN int ck_volume_spec_new(ck_volume_spec **out);
/** Accepts NULL. */
CK_EXTERN void ck_volume_spec_free(ck_volume_spec *spec);
/** Sets the name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 bytes.  An invalid
 *  name fails with CK_EINVAL here, before anything is created. */
CK_EXTERN int ck_volume_spec_set_name(ck_volume_spec *spec, const char *name);
/** Sets the driver.  Only "local" is supported (CK_EUNSUPPORTED otherwise). */
CK_EXTERN int ck_volume_spec_set_driver(ck_volume_spec *spec, const char *driver);
/** Adds or replaces a label.  `key` must be non-empty; `value` may be "". */
CK_EXTERN int ck_volume_spec_set_label(ck_volume_spec *spec, const char *key, const char *value);
/** Adds a label from "KEY=VALUE" (or "KEY", meaning an empty value), as the
 *  CLI's --label takes it. */
CK_EXTERN int ck_volume_spec_add_label_string(ck_volume_spec *spec, const char *key_value);

/** Creates the volume: its record and its directory.  Fails with CK_EEXISTS if
 *  the name is taken.  On failure nothing is left behind.  On success `*out`
 *  (if `out` is not NULL) is a handle owned by the caller. */
CK_EXTERN int ck_volume_create(ck_volume **out, ck_context *ctx, const ck_volume_spec *spec);

/** Looks a volume up by its full name or a unique prefix of it.
 *  CK_ENOTFOUND if nothing matches, CK_EAMBIGUOUS if several do.  A volume
 *  directory found missing is recreated (empty), and a warning logged. */
CK_EXTERN int ck_volume_lookup(ck_volume **out, ck_context *ctx, const char *name);

/** Lists volumes, sorted by name.  Like ck_volume_lookup(), it recreates
 *  (and logs a warning for) a volume directory found missing, so that every
 *  mountpoint it returns exists.  `filters` is NULL or a NULL-terminated
 *  array of podman filters: "name=NAME" (substring), "label=KEY",
 *  "label=KEY=VALUE", "driver=DRIVER", "dangling=true|false".  Filters of
 *  different keys must all match; several of the same key match if any does.
 *  `*out` is an array of `*count` handles freed with ck_volume_list_free(). */
CK_EXTERN int ck_volume_list(ck_volume ***out, size_t *count, ck_context *ctx,
                             const char *const *filters);
/** Frees a list returned by ck_volume_list().  Accepts NULL. */
CK_EXTERN void ck_volume_list_free(ck_volume **list, size_t count);

/** Removes the volume's record and its directory.  A volume used by a
 *  container fails with CK_EINUSE unless `flags` has CK_REMOVE_FORCE.  The
 *  handle stays valid (as a snapshot) and must still be freed. */
CK_EXTERN int ck_volume_remove(ck_volume *vol, unsigned int flags);

/** Removes every volume that no container uses and that matches `filters`
 *  (as for ck_volume_list()).  `*removed` (if not NULL) receives a
 *  NULL-terminated array of the removed names, freed with ck_strv_free(). */
CK_EXTERN int ck_volume_prune(char ***removed, ck_context *ctx, const char *const *filters);

/** Releases a handle.  Accepts NULL. */
CK_EXTERN void ck_volume_free(ck_volume *vol);

/** The volume's name and its driver ("local").  Borrowed: they live as
 *  long as the handle. */
CK_EXTERN const char *ck_volume_name(const ck_volume *vol);
CK_EXTERN const char *ck_volume_driver(const ck_volume *vol);
/** Host path of the volume's data directory. */
CK_EXTERN const char *ck_volume_mountpoint(const ck_volume *vol);
/** Creation time, in seconds since the epoch. */
CK_EXTERN int64_t ck_volume_created(const ck_volume *vol);
/** The value of label `key`, or NULL if it is not set. */
CK_EXTERN const char *ck_volume_label(const ck_volume *vol, const char *key);
/** Number of containers using the volume. */
CK_EXTERN size_t ck_volume_users(const ck_volume *vol);

/** The volume as JSON in the shape of `podman volume inspect` (one object).
 *  `*out` belongs to the caller (ck_free()). */
CK_EXTERN int ck_volume_inspect(char **out, const ck_volume *vol);

CK_END_DECLS

#endif
