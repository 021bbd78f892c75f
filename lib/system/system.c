/* Migration between state backends and the whole-store consistency check:
 * thin entry points over the state, container, volume and image modules. */
#include "container/container.h"
#include "image/image.h"
#include "pod/pod.h"
#include "volume/volume.h"

#include <stdlib.h>

int ck_system_migrate(char **backup_path, ck_context *ctx, const char *to,
                      ck_migrate_progress_fn progress, void *payload)
{
	CK_ENTER();
	if (backup_path)
		*backup_path = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_system_migrate: ctx is NULL");
	if (!to)
		return ck__error_set(CK_EINVAL, "ck_system_migrate: the target backend is NULL "
		                                "(use \"sqlite\" or \"lmdb\")");
	return ck__state_migrate(backup_path, ctx, to, progress, payload);
}

int ck_system_check(char **report, ck_context *ctx, unsigned int flags)
{
	ck__check_report r;
	char *json = NULL;
	int rc;

	CK_ENTER();
	if (report)
		*report = NULL;
	if (!ctx)
		return ck__error_set(CK_EINVAL, "ck_system_check: ctx is NULL");
	if (flags & ~CK_CHECK_REPAIR)
		return ck__error_set(CK_EINVAL, "ck_system_check: unknown flags 0x%x", flags & ~CK_CHECK_REPAIR);
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
		yajl_gen_free(r.problems);
		return rc;
	}
	if ((rc = ck__check_report_finish(&json, &r, ck_context_db_backend(ctx))) != CK_OK)
		return rc;
	if (r.remaining) {
		rc = ck__error_set(CK_ECORRUPT, "the store has %zu problem%s%s", r.remaining,
		                   r.remaining == 1 ? "" : "s",
		                   r.repair ? " that could not be repaired" : " (see the report)");
	}
	if (report)
		*report = json;
	else
		free(json);
	return rc;
}
