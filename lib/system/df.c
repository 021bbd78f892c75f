/* Disk use of the store (podman system df) and its clean-up (podman system
 * prune, with what it removed as strings or as a typed list), read and done
 * through the modules' own calls. */
#define _GNU_SOURCE
#include "core/core.h"

#include <containerkit.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ck_system_df_report_init(ck_system_df_report *out, unsigned int version)
{
	return ck__versioned_init(out, NULL, sizeof(*out), version, CK_SYSTEM_DF_REPORT_VERSION,
	                          "ck_system_df_report_init: out", "ck_system_df_report");
}

/* Bytes of the regular files under `dfd` (closed here); links counted once
 * per directory walk is more than this needs. */
static uint64_t du_fd(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	uint64_t sum = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
		else if (S_ISDIR(st.st_mode) && depth < 256) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				sum += du_fd(sub, depth + 1);
		}
	}
	closedir(d);
	return sum;
}

static uint64_t du(const char *path)
{
	int fd = path ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	return fd < 0 ? 0 : du_fd(fd, 0);
}

static bool running(const char *status)
{
	return !strcmp(status, "running") || !strcmp(status, "paused") || !strcmp(status, "stopping") ||
	       !strcmp(status, "starting") || !strcmp(status, "restarting");
}

int ck_system_df(ck_system_df_report *out, ck_context *ctx)
{
	ck_container **ctrs = NULL;
	ck_image **imgs = NULL;
	ck_volume **vols = NULL;
	size_t nc = 0, ni = 0, nv = 0;
	int rc;

	CK_ENTER();
	if (!out || !ctx)
		return ck__error_set(CK_EINVAL, "ck_system_df: %s is NULL", out ? "ctx" : "out");
	if (out->version == 0 || out->version > CK_SYSTEM_DF_REPORT_VERSION)
		return ck__error_set(CK_EVERSION, "ck_system_df_report version %u is not known", out->version);
	unsigned int version = out->version;
	memset(out, 0, sizeof(*out));
	out->version = version;
	if ((rc = ck_container_list(&ctrs, &nc, ctx, CK_CONTAINER_LIST_ALL, NULL)) != CK_OK ||
	    (rc = ck_image_list(&imgs, &ni, ctx, CK_IMAGE_LIST_ALL, NULL)) != CK_OK ||
	    (rc = ck_volume_list(&vols, &nv, ctx, NULL)) != CK_OK)
		goto out;
	out->containers = nc;
	for (size_t i = 0; i < nc; i++) {
		char *upper = ck__asprintf("%s/rootfs/%s/upper", ctx->root, ck_container_id(ctrs[i]));
		uint64_t size = du(upper);
		bool active = running(ck_container_status(ctrs[i]));
		free(upper);
		out->containers_size += size;
		out->containers_active += active;
		if (!active)
			out->containers_reclaimable += size;
	}
	out->images = ni;
	for (size_t i = 0; i < ni; i++) {
		bool used = false;
		for (size_t c = 0; c < nc && !used; c++)
			used = !strcmp(ck_container_image_id(ctrs[c]), ck_image_id(imgs[i]));
		out->images_size += ck_image_size(imgs[i]);
		out->images_active += used;
		if (!used)
			out->images_reclaimable += ck_image_size(imgs[i]);
	}
	out->volumes = nv;
	for (size_t i = 0; i < nv; i++) {
		uint64_t size = du(ck_volume_mountpoint(vols[i]));
		bool used = ck_volume_users(vols[i]) > 0;
		out->volumes_size += size;
		out->volumes_active += used;
		if (!used)
			out->volumes_reclaimable += size;
	}
	ck__error_clear();
out:
	ck_container_list_free(ctrs, nc);
	ck_image_list_free(imgs, ni);
	ck_volume_list_free(vols, nv);
	return rc;
}

int ck_container_prune(char ***removed, ck_context *ctx, const char *const *filters)
{
	ck_container **list = NULL;
	char **ids = NULL;
	size_t n = 0, k = 0;
	int rc, first = CK_OK;
	char msg[1024] = "";

	CK_ENTER();
	if (removed)
		*removed = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_container_prune: ctx is NULL");
	if ((rc = ck_container_list(&list, &n, ctx, CK_CONTAINER_LIST_ALL, filters)) != CK_OK)
		return rc;
	if (!(ids = calloc(n + 1, sizeof(char *)))) {
		ck_container_list_free(list, n);
		return ck__oom();
	}
	for (size_t i = 0; i < n; i++) {
		const char *st = ck_container_status(list[i]);
		if (strcmp(st, "exited") && strcmp(st, "created"))
			continue;
		if ((rc = ck_container_remove(list[i], 0)) == CK_OK) {
			if (!(ids[k] = ck__strdup(ck_container_id(list[i])))) {
				rc = ck__oom();
				break;
			}
			k++;
		} else if (rc != CK_ENOTFOUND && first == CK_OK) { /* removed meanwhile: fine */
			first = rc;
			snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
		}
	}
	ck_container_list_free(list, n);
	if (rc == CK_ENOMEM) {
		ck_strv_free(ids);
		return rc;
	}
	if (removed)
		*removed = ids;
	else
		ck_strv_free(ids);
	if (first != CK_OK)
		return ck__error_set(first, "%s", msg);
	ck__error_clear();
	return CK_OK;
}

/* The removals of a system prune, one id list per kind in the order of
 * ck_system_pruned_kind. */
static int prune_parts(char **parts[4], ck_context *ctx, unsigned int flags, const char *fn)
{
	int rc;

	if (!ctx)
		return ck__error_set(CK_EINVAL, "%s: ctx is NULL", fn);
	if (flags & ~(CK_SYSTEM_PRUNE_ALL | CK_SYSTEM_PRUNE_VOLUMES))
		return ck__error_set(CK_EINVAL, "%s: unknown flags 0x%x", fn,
		                     flags & ~(CK_SYSTEM_PRUNE_ALL | CK_SYSTEM_PRUNE_VOLUMES));
	/* podman's order: what uses the others goes first */
	if ((rc = ck_container_prune(&parts[0], ctx, NULL)) == CK_OK &&
	    (rc = ck_pod_prune(&parts[1], ctx)) == CK_OK &&
	    (!(flags & CK_SYSTEM_PRUNE_VOLUMES) || (rc = ck_volume_prune(&parts[2], ctx, NULL)) == CK_OK))
		rc = ck_image_prune(&parts[3], ctx, (flags & CK_SYSTEM_PRUNE_ALL) ? CK_IMAGE_PRUNE_ALL : 0);
	return rc;
}

static size_t parts_count(char **const parts[4])
{
	size_t n = 0;
	for (int p = 0; p < 4; p++)
		for (size_t i = 0; parts[p] && parts[p][i]; i++)
			n++;
	return n;
}

int ck_system_prune(char ***removed, ck_context *ctx, unsigned int flags)
{
	char **parts[4] = { NULL, NULL, NULL, NULL };
	int rc;

	CK_ENTER();
	if (removed)
		*removed = NULL;
	rc = prune_parts(parts, ctx, flags, "ck_system_prune");
	if (rc == CK_OK && removed) {
		size_t k = 0;
		char **all = calloc(parts_count(parts) + 1, sizeof(char *));
		if (!all)
			rc = ck__oom();
		for (int p = 0; all && p < 4; p++)
			for (size_t i = 0; parts[p] && parts[p][i]; i++) {
				static const char *const kinds[] = { "container", "pod", "volume", "image" };
				if (!(all[k] = ck__asprintf("%s %s", kinds[p], parts[p][i]))) {
					ck_strv_free(all);
					all = NULL;
					rc = ck__oom();
					break;
				}
				k++;
			}
		*removed = all;
	}
	for (int p = 0; p < 4; p++)
		ck_strv_free(parts[p]);
	return rc;
}

struct ck_system_prune_list {
	size_t n;
	int *kinds;
	char **ids; /* owned, n of them */
};

void ck_system_prune_list_free(ck_system_prune_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->ids[i]);
	free(l->ids);
	free(l->kinds);
	free(l);
}

int ck_system_prune_v2(ck_system_prune_list **out, ck_context *ctx, unsigned int flags)
{
	char **parts[4] = { NULL, NULL, NULL, NULL };
	ck_system_prune_list *l = NULL;
	int rc;

	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_system_prune_v2: out is NULL");
	*out = NULL;
	rc = prune_parts(parts, ctx, flags, "ck_system_prune_v2");
	if (rc == CK_OK) {
		size_t n = parts_count(parts);
		if (!(l = calloc(1, sizeof(*l))) || !(l->kinds = calloc(n + 1, sizeof(int))) ||
		    !(l->ids = calloc(n + 1, sizeof(char *)))) {
			ck_system_prune_list_free(l);
			l = NULL;
			rc = ck__oom();
		}
		/* the ids move into the list: nothing to copy, nothing to fail */
		for (int p = 0; l && p < 4; p++)
			for (size_t i = 0; parts[p] && parts[p][i]; i++) {
				l->kinds[l->n] = p;
				l->ids[l->n++] = parts[p][i];
				parts[p][i] = NULL;
			}
	}
	for (int p = 0; p < 4; p++)
		ck_strv_free(parts[p]); /* all moved (the arrays only), or none */
	*out = l;
	return rc;
}

size_t ck_system_prune_list_count(const ck_system_prune_list *l)
{
	return l ? l->n : 0;
}

int ck_system_prune_list_kind(const ck_system_prune_list *l, size_t i)
{
	return l && i < l->n ? l->kinds[i] : -1;
}

const char *ck_system_prune_list_id(const ck_system_prune_list *l, size_t i)
{
	return l && i < l->n ? l->ids[i] : NULL;
}
