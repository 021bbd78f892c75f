/* Updating a container that a systemd unit owns: the unit is restarted (a
 * unit made with --new removes its container at stop and creates it again
 * from the image name at start), and the container it brings up is gated as
 * an in-place update is.  Re-creating the container here instead would
 * fight the unit, which owns its cidfile and its main pid. */
#define _GNU_SOURCE
#include "autoupdate_int.h"
#include "container/container.h"
#include "systemd/systemctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The container under `name` after the unit's restart: it must be another
 * one than `old_id` (a unit made without --new restarts the same container,
 * on the same image) and run. */
static int brought_up(ck_container **out, ck_context *ctx, const char *unit, const char *name, const char *old_id)
{
	ck_container *c = NULL;
	int rc;

	*out = NULL;
	if ((rc = ck_container_lookup(&c, ctx, name)) != CK_OK)
		return ck__error_wrap(rc, "unit %s runs no container named %s after its restart", unit, name);
	if (!strcmp(ck_container_id(c), old_id)) {
		ck_container_free(c);
		return ck__error_set(CK_ESTATE, "unit %s started the same container %.12s again, on its old image: "
		                                "only a unit made with `generate systemd --new` (or from a Quadlet "
		                                "file) creates it again from the new image", unit, old_id);
	}
	*out = c;
	return CK_OK;
}

/* The item's id becomes that of the container now under the name. */
static void take_id(ck__au_item *it, const char *id)
{
	char *copy = strdup(id);

	if (copy) {
		free(it->id);
		it->id = copy;
		it->e.container_id = copy;
	}
}

/* Tags the previous image under the name again and restarts the unit once
 * more; each step that fails is added to the reason. */
static void roll_back(ck__au_item *it, ck_context *ctx, const char *name, const char *old_id,
                      const char *old_image, const char *image_name)
{
	ck_image *img = NULL;
	ck_container *c = NULL;
	char what[800];

	if (ck_image_lookup(&img, ctx, old_image) != CK_OK || ck_image_tag(img, image_name) != CK_OK) {
		snprintf(what, sizeof(what), "tagging image %.12s as %s again", old_image, image_name);
		ck__au_add_reason(it, what);
		ck_image_free(img);
		return;
	}
	ck_image_free(img);
	/* A unit whose container kept exiting may have hit its start limit;
	 * the rollback's start must not be refused for that. */
	(void)ck__systemctl_unit(ctx, "reset-failed", it->unit);
	if (ck__systemctl_unit(ctx, "restart", it->unit) != CK_OK) {
		snprintf(what, sizeof(what), "restarting unit %s on the previous image", it->unit);
		ck__au_add_reason(it, what);
		return;
	}
	if (brought_up(&c, ctx, it->unit, name, old_id) != CK_OK) {
		ck__au_add_reason(it, "after the rollback");
		return;
	}
	if (strcmp(ck_container_image_id(c), old_image) != 0 || strcmp(ck_container_status(c), "running") != 0) {
		ck__error_set(CK_ESTATE, "container %.12s is %s on image %.12s", ck_container_id(c),
		              ck_container_status(c), ck_container_image_id(c));
		ck__au_add_reason(it, "after the rollback");
	}
	take_id(it, ck_container_id(c));
	ck_container_free(c);
}

void ck__au_restart_unit(ck__au_item *it, ck_context *ctx, ck_container *ctr, int policy,
                         const ck_autoupdate_options *o)
{
	ck_container *nu = NULL;
	const char *ref = NULL;
	char old_id[65], name[256], *old_image = NULL, *image_name = NULL;
	int rc;

	it->e.result = CK_AUTOUPDATE_FAILED;
	snprintf(old_id, sizeof(old_id), "%s", ck_container_id(ctr));
	snprintf(name, sizeof(name), "%s", ck_container_name(ctr));
	if (!(old_image = ck__strdup(ck_container_image_id(ctr))) ||
	    !(image_name = ck__strdup(ck_container_image_name(ctr)))) {
		ck__oom();
		ck__au_reason(it, "cannot update");
		goto out;
	}
	if ((rc = ck__ctr_image_ref(&ref, ctr)) != CK_OK) {
		ck__au_reason(it, "cannot update");
		goto out;
	}
	if ((rc = ck__au_fetch(ctx, o, policy, ref)) != CK_OK) {
		ck__au_reason(it, "cannot pull the new image");
		goto out;
	}
	/* From here the name points to the new image. */
	if ((rc = ck__systemctl_unit(ctx, "restart", it->unit)) == CK_OK &&
	    (rc = brought_up(&nu, ctx, it->unit, name, old_id)) == CK_OK) {
		take_id(it, ck_container_id(nu));
		rc = ck__au_gate(ctx, nu, o->gate_seconds);
	}
	if (rc == CK_OK) {
		it->e.result = CK_AUTOUPDATE_UPDATED;
		goto out;
	}
	ck__au_reason(it, "the update failed");
	if (!o->rollback)
		goto out; /* the unit stays on the new image, as it ended */
	roll_back(it, ctx, name, old_id, old_image, image_name);
	it->e.result = CK_AUTOUPDATE_ROLLED_BACK;
out:
	ck_container_free(nu);
	free(old_image);
	free(image_name);
}
