/* OCI images: a content-addressed store, archives (oci-archive,
 * docker-archive, OCI layout directories, plain rootfs tarballs), and pull
 * and push.  Registry options and login are in registry.h, root filesystems
 * in rootfs.h; this header includes both.
 *
 * References are normalized as podman does: "busybox" is searched through
 * the configured short-name registries (containerkit.conf
 * `search_registries`), "localhost/NAME" names a local image, a missing tag
 * means ":latest", and "@sha256:HEX" pins a digest.
 *
 * A ck_image handle is a snapshot of the image's record; it is not
 * thread-safe.  Getters return borrowed strings that live as long as the
 * handle. */
#ifndef CONTAINERKIT_IMAGE_H
#define CONTAINERKIT_IMAGE_H

#include "common.h"
/* Declarations that lived here first, kept reachable through this header. */
#include "registry.h"
#include "rootfs.h"

CK_BEGIN_DECLS

typedef struct ck_image ck_image;

/** A parsed image reference: registry, repository, tag and digest, as
 *  podman normalises them.  Immutable once parsed; it may be read from
 *  several threads. */
typedef struct ck_image_reference ck_image_reference;

/** Parses `text` ("[docker://][REGISTRY/]REPO[:TAG][@DIGEST]").  A name
 *  without a registry gets `default_registry` (NULL: "docker.io", where a
 *  one-component repository gains "library/"); a reference with neither tag
 *  nor digest gets the tag "latest".  No store or registry is consulted:
 *  to find a short name the way `ck run busybox` does, use
 *  ck_image_lookup().  `*out` belongs to the caller
 *  (ck_image_reference_free()).  CK_EINVAL names what is wrong (an empty
 *  reference, an uppercase repository, a bad tag or digest). */
CK_EXTERN int ck_image_reference_parse(ck_image_reference **out, const char *text, const char *default_registry);
/** The fully qualified name: "registry/repo:tag", "registry/repo@digest" or
 *  "registry/repo:tag@digest".  Borrowed, lives as long as the handle. */
CK_EXTERN const char *ck_image_reference_name(const ck_image_reference *ref);
/** The registry: "docker.io", "quay.io", "127.0.0.1:5000", "localhost".
 *  Borrowed. */
CK_EXTERN const char *ck_image_reference_registry(const ck_image_reference *ref);
/** The repository path within the registry ("library/busybox").  Borrowed. */
CK_EXTERN const char *ck_image_reference_repository(const ck_image_reference *ref);
/** The registry and repository ("docker.io/library/busybox"), as podman's
 *  REPOSITORY column shows it.  Borrowed. */
CK_EXTERN const char *ck_image_reference_repository_name(const ck_image_reference *ref);
/** The tag, or NULL for a reference by digest alone.  Borrowed. */
CK_EXTERN const char *ck_image_reference_tag(const ck_image_reference *ref);
/** The digest ("sha256:HEX"), or NULL.  Borrowed. */
CK_EXTERN const char *ck_image_reference_digest(const ck_image_reference *ref);
/** 1 if `text` names no registry ("busybox", "library/busybox"): such a
 *  name is searched for through the short-name registries; 0 otherwise. */
CK_EXTERN int ck_image_reference_is_short(const char *text);
/** Frees the handle; NULL is ignored. */
CK_EXTERN void ck_image_reference_free(ck_image_reference *ref);

/** Pulls `ref` from its registry.  Blobs already in the store are skipped;
 *  every blob, config and manifest is verified against its digest; a
 *  dropped download is resumed.  The image appears only when complete.
 *  `*out` (if not NULL) is the pulled image, owned by the caller. */
CK_EXTERN int ck_image_pull(ck_image **out, ck_context *ctx, const char *ref,
                            const ck_registry_options *opts);

/** When an image is pulled before use (`--pull`). */
typedef enum ck_image_pull_policy {
	CK_PULL_MISSING = 0, /**< only when it is not in the store (podman's default) */
	CK_PULL_ALWAYS = 1,  /**< always; a failed pull is an error */
	CK_PULL_NEVER = 2,   /**< never; a missing image is CK_ENOTFOUND */
	CK_PULL_NEWER = 3    /**< when the registry's differs; if the registry cannot be asked, the local one */
} ck_image_pull_policy;

/** Parses a --pull value: "always", "missing", "never" or "newer" (and
 *  podman's "ifmissing", "ifnewer", "true", "false"), in any case.
 *  CK_EINVAL names a bad value. */
CK_EXTERN int ck_image_pull_policy_parse(ck_image_pull_policy *out, const char *text);

/** The image `ref` names, looked up in the store and pulled as `policy`
 *  says (what `podman run --pull` does before creating a container).
 *  `*out` belongs to the caller (ck_image_free()).  Errors as
 *  ck_image_lookup() and ck_image_pull(). */
CK_EXTERN int ck_image_get(ck_image **out, ck_context *ctx, const char *ref, ck_image_pull_policy policy,
                           const ck_registry_options *opts);

/** Pushes local image `image` to `dest` (a reference, optionally prefixed
 *  "docker://").  With `dest` NULL, the manifest is written under the
 *  reference `image` names (a second tag of the image pushes as that tag; a
 *  reference with a digest pushes by digest); an image given by id goes to
 *  its first name.  Blobs the registry already has are skipped.  `*digest` (if not
 *  NULL) receives the pushed manifest's digest (ck_free()). */
CK_EXTERN int ck_image_push(char **digest, ck_context *ctx, const char *image, const char *dest,
                            const ck_registry_options *opts);

/** Archive formats. */
#define CK_ARCHIVE_OCI        0 /**< oci-archive: an OCI layout in a tar */
#define CK_ARCHIVE_DOCKER     1 /**< docker-archive: `docker save` format */
#define CK_ARCHIVE_OCI_DIR    2 /**< an OCI layout directory */

/** Loads every image in `path`: an oci-archive or docker-archive (plain,
 *  gzip or zstd compressed) or an OCI layout directory; the format is
 *  detected.  `*names` (if not NULL) receives a NULL-terminated array of the
 *  loaded images' names, or their ids when unnamed (ck_strv_free()).  On
 *  failure no image of the archive is added.  `progress` (may be NULL)
 *  gets each entry copied, skipped or unpacked (objects_total stays 0).
 *  Since 1.1; ck_image_load() (deprecated.h) takes the old callback. */
CK_EXTERN int ck_image_load_v2(char ***names, ck_context *ctx, const char *path, ck_image_progress_fn progress,
                               void *payload);

/** Saves `images` (NULL-terminated names or ids) into `path` in `format`.
 *  docker-archive and oci-archive accept several images.  The file is
 *  written through a temporary and renamed into place. */
CK_EXTERN int ck_image_save(ck_context *ctx, const char *path, int format, const char *const *images);

/** Creates a one-layer image from a tarball of a root filesystem (plain or
 *  compressed), as `podman import` does.  `name` may be NULL. */
CK_EXTERN int ck_image_import(ck_image **out, ck_context *ctx, const char *tarball, const char *name);

/** Looks an image up by name (normalized), full or prefix id, or digest. */
CK_EXTERN int ck_image_lookup(ck_image **out, ck_context *ctx, const char *ref);

/** List flags. */
#define CK_IMAGE_LIST_ALL (1u << 0) /**< include untagged images */
/** Include the untagged images that no other image is built on (whose
 *  layers do not start another image's), as podman's `images` does without
 *  -a; CK_IMAGE_LIST_ALL includes those it hides too.  Since 1.1. */
#define CK_IMAGE_LIST_DANGLING (1u << 1)

/** Lists images, newest first.  `filters` is NULL or NULL-terminated podman
 *  filters: "reference=PATTERN", "label=KEY[=VALUE]", "dangling=true|false"
 *  (dangling: untagged, and no image is built on it, as podman says),
 *  "before=IMAGE", "since=IMAGE".  `*out` holds `*count` handles
 *  (ck_image_list_free()). */
CK_EXTERN int ck_image_list(ck_image ***out, size_t *count, ck_context *ctx, unsigned int flags,
                            const char *const *filters);
CK_EXTERN void ck_image_list_free(ck_image **list, size_t count);
/** Accepts NULL. */
CK_EXTERN void ck_image_free(ck_image *img);

/** The image id: the hex SHA-256 of its config (64 characters). */
CK_EXTERN const char *ck_image_id(const ck_image *img);
/** The manifest digest, "sha256:HEX". */
CK_EXTERN const char *ck_image_digest(const ck_image *img);
/** The image's names, a NULL-terminated array (possibly empty). */
CK_EXTERN const char *const *ck_image_names(const ck_image *img);
/** Creation time from the config, in seconds since the epoch (0 if unset). */
CK_EXTERN int64_t ck_image_created(const ck_image *img);
/** Sum of the sizes of the unpacked layers, in bytes. */
CK_EXTERN uint64_t ck_image_size(const ck_image *img);

/** The image as JSON in the shape of `podman image inspect` (one object). */
CK_EXTERN int ck_image_inspect(char **out, const ck_image *img);
/** The config's history as a JSON array, newest first, as `podman history`
 *  shows it: {"id","created","createdBy","size","comment"}. */
CK_EXTERN int ck_image_history(char **out, const ck_image *img);

/** The platform the image was built for ("linux", "amd64"), or NULL.
 *  Borrowed, lives as long as the handle. */
CK_EXTERN const char *ck_image_os(const ck_image *img);
CK_EXTERN const char *ck_image_architecture(const ck_image *img);
/** "repo@digest" for every repository the image is named in, as podman's
 *  RepoDigests.  `*out` is a NULL-terminated array (possibly empty) the
 *  caller frees with ck_strv_free(). */
CK_EXTERN int ck_image_repo_digests(char ***out, const ck_image *img);

#define CK_IMAGE_HISTORY_ENTRY_VERSION 1

/** One step of an image's history.  The library fills it; fields are only
 *  ever appended, and `version` says which a caller may read. */
typedef struct ck_image_history_entry {
	unsigned int version;   /**< CK_IMAGE_HISTORY_ENTRY_VERSION of the library that made it */
	const char *id;         /**< the image id for the newest step, else "<missing>" */
	int64_t created;        /**< seconds since the epoch, 0 if unknown */
	const char *created_by; /**< the command that made the step ("" if none) */
	uint64_t size;          /**< bytes its layer adds unpacked (0 for an empty layer) */
	const char *comment;    /**< "" if none */
	int empty_layer;        /**< 1 if the step made no layer */
} ck_image_history_entry;

/** An image's history, newest first (ck_image_history_read()). */
typedef struct ck_image_history_list ck_image_history_list;

/** Reads the history from the image's config (one entry per layer when
 *  the config has none, as podman shows it).  `*out` belongs to the caller
 *  (ck_image_history_list_free()).  CK_ECORRUPT or CK_EIO when the config cannot
 *  be read. */
CK_EXTERN int ck_image_history_read(ck_image_history_list **out, const ck_image *img);
CK_EXTERN size_t ck_image_history_list_count(const ck_image_history_list *history);
/** Entry `i` (0 is the newest), or NULL past the end.  Borrowed, lives as
 *  long as the list. */
CK_EXTERN const ck_image_history_entry *ck_image_history_list_byindex(const ck_image_history_list *history, size_t i);
/** Accepts NULL. */
CK_EXTERN void ck_image_history_list_free(ck_image_history_list *history);

/** The defaults an image gives its containers, from its config
 *  (ck_image_config_read()).  Immutable; strings are borrowed and live as
 *  long as the handle. */
typedef struct ck_image_config ck_image_config;

/** Reads the image's config.  `*out` belongs to the caller
 *  (ck_image_config_free()). */
CK_EXTERN int ck_image_config_read(ck_image_config **out, const ck_image *img);
/** User, WorkingDir, StopSignal and author, or NULL when unset. */
CK_EXTERN const char *ck_image_config_user(const ck_image_config *config);
CK_EXTERN const char *ck_image_config_workdir(const ck_image_config *config);
CK_EXTERN const char *ck_image_config_stop_signal(const ck_image_config *config);
CK_EXTERN const char *ck_image_config_author(const ck_image_config *config);
/** Entrypoint, Cmd, Env ("KEY=VALUE"), ExposedPorts ("80/tcp") and Volumes
 *  (paths): NULL-terminated arrays, empty when unset, never NULL for a
 *  valid handle. */
CK_EXTERN const char *const *ck_image_config_entrypoint(const ck_image_config *config);
CK_EXTERN const char *const *ck_image_config_cmd(const ck_image_config *config);
CK_EXTERN const char *const *ck_image_config_env(const ck_image_config *config);
CK_EXTERN const char *const *ck_image_config_exposed_ports(const ck_image_config *config);
CK_EXTERN const char *const *ck_image_config_volumes(const ck_image_config *config);
/** The number of labels, and label `i` (in the config's order);
 *  CK_ENOTFOUND past the end. */
CK_EXTERN size_t ck_image_config_label_count(const ck_image_config *config);
CK_EXTERN int ck_image_config_label_byindex(const char **key, const char **value, const ck_image_config *config,
                                            size_t i);
/** The value of label `key`, or NULL. */
CK_EXTERN const char *ck_image_config_label(const ck_image_config *config, const char *key);
/** Accepts NULL. */
CK_EXTERN void ck_image_config_free(ck_image_config *config);

/** Adds a name ("repo[:tag]", normalized).  A name held by another image
 *  moves to this one. */
CK_EXTERN int ck_image_tag(ck_image *img, const char *name);
/** Removes one name, or every name when `name` is NULL. */
CK_EXTERN int ck_image_untag(ck_image *img, const char *name);
/** Removes the image, whatever names it has (as `podman rmi ID`), and the
 *  blobs and layers no other image uses.  An image used by a container or a
 *  root filesystem fails with CK_EINUSE unless `flags` has CK_REMOVE_FORCE. */
CK_EXTERN int ck_image_remove(ck_image *img, unsigned int flags);

/** Prune flags. */
#define CK_IMAGE_PRUNE_ALL (1u << 0) /**< also unused tagged images, not only dangling ones */

/** Removes dangling images (with CK_IMAGE_PRUNE_ALL: every image no
 *  container uses).  `*removed` (if not NULL) receives their ids. */
CK_EXTERN int ck_image_prune(char ***removed, ck_context *ctx, unsigned int flags);

CK_END_DECLS

#endif
