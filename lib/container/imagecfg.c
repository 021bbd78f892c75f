/* What an image's config contributes to a container, as podman takes it:
 * Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Labels and
 * StopSignal, and Healthcheck. */
#define _GNU_SOURCE
#include "container_int.h"
#include "imagecfg.h"
#include "image/image.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX (8u << 20)

void ck__imagecfg_free(ck__imagecfg *ic)
{
	if (!ic)
		return;
	ck_strv_free(ic->entrypoint);
	ck_strv_free(ic->cmd);
	ck_strv_free(ic->env);
	ck_strv_free(ic->exposed);
	free(ic->workdir);
	free(ic->user);
	free(ic->stop_signal);
	ck__strmap_free(&ic->labels);
	ck_strv_free(ic->health.test);
	memset(ic, 0, sizeof(*ic));
}

static int opt_strv(char ***out, bool *present, yajl_val cfg, const char *key)
{
	yajl_val v = cfg ? yajl_tree_get(cfg, (const char *[]){ key, NULL }, yajl_t_any) : NULL;

	*out = NULL;
	if (present)
		*present = v && YAJL_IS_ARRAY(v);
	if (!v || !YAJL_IS_ARRAY(v))
		return CK_OK;
	return ck__strv_from_json(out, v);
}

static int opt_str(char **out, yajl_val cfg, const char *key)
{
	const char *s = cfg ? ck__json_str(cfg, key) : NULL;
	*out = NULL;
	if (!s || !*s)
		return CK_OK;
	*out = strdup(s);
	return *out ? CK_OK : ck__oom();
}

int ck__imagecfg_read(ck__imagecfg *ic, ck_context *ctx, const char *image_id)
{
	char digest[80], *json = NULL, *path;
	size_t len = 0;
	yajl_val tree = NULL, cfg, ports;
	int rc;

	memset(ic, 0, sizeof(*ic));
	snprintf(digest, sizeof(digest), "sha256:%s", image_id);
	/* The store verified the blob when it was written, and `ck system
	 * check` verifies it again; hashing it at every create would cost
	 * more than the rest of the create (loading libcrypto). */
	if (!(path = ck__blob_path(ctx, digest)))
		return ck__error_set(CK_ECORRUPT, "image id %.12s is not a valid digest", image_id);
	rc = ck__read_file(&json, &len, path, CONFIG_MAX);
	free(path);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "cannot read the config of image %.12s", image_id);
	rc = ck__json_parse(&tree, json, "image config", CK_ECORRUPT);
	free(json);
	if (rc != CK_OK)
		return ck__error_wrap(rc, "image %.12s", image_id);
	cfg = ck__json_obj(tree, "config");
	if ((rc = opt_strv(&ic->entrypoint, &ic->has_entrypoint, cfg, "Entrypoint")) ||
	    (rc = opt_strv(&ic->cmd, NULL, cfg, "Cmd")) || (rc = opt_strv(&ic->env, NULL, cfg, "Env")) ||
	    (rc = opt_str(&ic->workdir, cfg, "WorkingDir")) || (rc = opt_str(&ic->user, cfg, "User")) ||
	    (rc = opt_str(&ic->stop_signal, cfg, "StopSignal")) ||
	    (rc = ck__strmap_from_json(&ic->labels, cfg ? ck__json_obj(cfg, "Labels") : NULL)))
		goto out;
	/* Docker's HEALTHCHECK: durations in nanoseconds, 0 for "unset". */
	yajl_val hc = cfg ? ck__json_obj(cfg, "Healthcheck") : NULL;
	if (hc && (rc = opt_strv(&ic->health.test, NULL, hc, "Test")) != CK_OK)
		goto out;
	if (hc) {
		ic->health.interval = ck__ctr_json_int(hc, "Interval", 0);
		ic->health.timeout = ck__ctr_json_int(hc, "Timeout", 0);
		ic->health.start_period = ck__ctr_json_int(hc, "StartPeriod", 0);
		ic->health.retries = (int)ck__ctr_json_int(hc, "Retries", 0);
	}
	ports = cfg ? ck__json_obj(cfg, "ExposedPorts") : NULL;
	for (size_t i = 0; ports && i < ports->u.object.len && rc == CK_OK; i++)
		rc = ck__strv_push(&ic->exposed, ports->u.object.keys[i]);
out:
	yajl_tree_free(tree);
	if (rc != CK_OK)
		ck__imagecfg_free(ic);
	return rc;
}
