/* Migration between state backends and the whole-store consistency check:
 * thin entry points over the state, container, volume and image modules. */
#include "container/container.h"
#include "image/image.h"
#include "pod/pod.h"
#include "volume/volume.h"

#include <stdlib.h>

static int migrate(char **backup_path, ck_context *ctx, const char *to, ck_system_migrate_progress_fn progress,
                   void *payload, const char *fn)
{
	if (backup_path)
		*backup_path = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "%s: ctx is NULL", fn);
	if (!to)
		return ck__error_set(CK_EINVAL, "%s: the target backend is NULL (use \"sqlite\" or \"lmdb\")", fn);
	return ck__state_migrate(backup_path, ctx, to, progress, payload);
}

int ck_system_migrate_v2(char **backup_path, ck_context *ctx, const char *to,
                         ck_system_migrate_progress_fn progress, void *payload)
{
	CK_ENTER();
	return migrate(backup_path, ctx, to, progress, payload, "ck_system_migrate_v2");
}

/* The 1.0 callback, fed from the versioned struct. */
struct old_progress {
	ck_migrate_progress_fn fn;
	void *payload;
};

static void to_old(const ck_system_migrate_progress *p, void *payload)
{
	const struct old_progress *o = payload;
	o->fn(p->phase, p->objects_done, p->objects_total, o->payload);
}

int ck_system_migrate(char **backup_path, ck_context *ctx, const char *to, ck_migrate_progress_fn progress,
                      void *payload)
{
	struct old_progress o = { progress, payload };

	CK_ENTER();
	return migrate(backup_path, ctx, to, progress ? to_old : NULL, &o, "ck_system_migrate");
}

/* The check itself: the store, then containers, volumes and images. */
static int run_check(ck_check_report **out, ck_context *ctx, unsigned int flags, const char *fn)
{
	ck__check_report r;
	int rc;

	*out = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "%s: ctx is NULL", fn);
	if (flags & ~CK_CHECK_REPAIR)
		return ck__error_set(CK_EINVAL, "%s: unknown flags 0x%x", fn, flags & ~CK_CHECK_REPAIR);
	if ((rc = ck__check_report_init(&r, (flags & CK_CHECK_REPAIR) != 0)) != CK_OK)
		return rc;
	/* The store first: the volume and image checks trust the records they read. */
	rc = ck__state_check(ctx, &r);
	/* Containers before volumes and images: removing a half-made one
	 * releases what it uses. */
	if (rc == CK_OK && !r.unreadable)
		rc = ck__container_check(ctx, &r);
	if (rc == CK_OK && !r.unreadable)
		rc = ck__pod_check(ctx, &r);
	if (rc == CK_OK && !r.unreadable)
		rc = ck__volume_check(ctx, &r);
	if (rc == CK_OK && !r.unreadable)
		rc = ck__image_check(ctx, &r);
	if (rc != CK_OK) {
		ck__check_report_discard(&r);
		return rc;
	}
	if ((rc = ck__check_report_finish(out, &r, ck_context_db_backend(ctx))) != CK_OK)
		return rc;
	if (r.remaining)
		rc = ck__error_set(CK_ECORRUPT, "the store has %zu problem%s%s", r.remaining,
		                   r.remaining == 1 ? "" : "s",
		                   r.repair ? " that could not be repaired" : " (see the report)");
	return rc;
}

int ck_check_report_new(ck_check_report **out, ck_context *ctx, unsigned int flags)
{
	CK_ENTER();
	if (!out)
		return ck__error_set(CK_EINVAL, "ck_check_report_new: out is NULL");
	return run_check(out, ctx, flags, "ck_check_report_new");
}

int ck_system_check(char **report, ck_context *ctx, unsigned int flags)
{
	ck_check_report *rep = NULL;
	char *json = NULL;
	int rc, jrc;

	CK_ENTER();
	if (report)
		*report = NULL;
	rc = run_check(&rep, ctx, flags, "ck_system_check");
	if (!rep)
		return rc;
	if (report) {
		/* The JSON is rendered without losing the check's own error. */
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", ck_error_last()->message);
		if ((jrc = ck_check_report_json(&json, rep)) != CK_OK)
			rc = jrc;
		else if (rc != CK_OK)
			ck__error_set(rc, "%s", saved);
		*report = json;
	}
	ck_check_report_free(rep);
	return rc;
}
