/* ck_system_prune_v2: what a system prune removed, read as a typed list
 * (kind and id by index) against the objects the test made, and its
 * refusals, which remove nothing. */
#include "ctr_common.h"
#include "harness.h"

#include <containerkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ck_volume *make_volume(const char *name)
{
	ck_volume_spec *spec = NULL;
	ck_volume *vol = NULL;

	CK_CHECK_OK(ck_volume_spec_new(&spec));
	CK_CHECK_OK(ck_volume_spec_set_name(spec, name));
	CK_CHECK_OK(ck_volume_create(&vol, tc_ctx(), spec));
	ck_volume_spec_free(spec);
	return vol;
}

/* The index of `id` of `kind` in the list, or -1. */
static long find(const ck_system_prune_list *l, int kind, const char *id)
{
	for (size_t i = 0; i < ck_system_prune_list_count(l); i++)
		if (ck_system_prune_list_kind(l, i) == kind && !strcmp(ck_system_prune_list_id(l, i), id))
			return (long)i;
	return -1;
}

static void system_prune_v2_lists_what_it_removed_typed(void)
{
	ck_system_prune_list *l = (ck_system_prune_list *)1;
	ck_container *ctr = tc_create(tc_spec("true")), *gone = NULL;
	ck_volume *vol = make_volume("prune-typed-vol");
	char id[80] = "";

	if (!ctr || !vol)
		goto out;
	snprintf(id, sizeof(id), "%s", ck_container_id(ctr));
	/* refusals first: they leave both objects in place */
	CK_CHECK_RC(ck_system_prune_v2(&l, tc_ctx(), 0x80), CK_EINVAL);
	CK_CHECK(l == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "unknown flags 0x80");
	CK_CHECK_RC(ck_system_prune_v2(&l, NULL, 0), CK_EINVAL);
	CK_CHECK_RC(ck_system_prune_v2(NULL, tc_ctx(), 0), CK_EINVAL);
	CK_CHECK_OK(ck_container_lookup(&gone, tc_ctx(), id));
	ck_container_free(gone);
	gone = NULL;

	CK_CHECK_OK(ck_system_prune_v2(&l, tc_ctx(), CK_SYSTEM_PRUNE_VOLUMES));
	long c = find(l, CK_PRUNED_CONTAINER, id), v = find(l, CK_PRUNED_VOLUME, "prune-typed-vol");
	CK_CHECK(c >= 0);
	CK_CHECK(v >= 0);
	CK_CHECK(c < v); /* containers go first: they use the volumes */
	CK_CHECK(find(l, CK_PRUNED_IMAGE, id) < 0);
	size_t n = ck_system_prune_list_count(l);
	CK_CHECK(ck_system_prune_list_kind(l, n) == -1);
	CK_CHECK(ck_system_prune_list_id(l, n) == NULL);
	CK_CHECK_RC(ck_container_lookup(&gone, tc_ctx(), id), CK_ENOTFOUND);
	ck_system_prune_list_free(l);
	/* nothing left to remove: an empty list, not NULL */
	CK_CHECK_OK(ck_system_prune_v2(&l, tc_ctx(), CK_SYSTEM_PRUNE_VOLUMES));
	CK_CHECK(l != NULL && find(l, CK_PRUNED_CONTAINER, id) < 0 && find(l, CK_PRUNED_VOLUME, "prune-typed-vol") < 0);
	ck_system_prune_list_free(l);
	CK_CHECK(ck_system_prune_list_count(NULL) == 0);
	ck_system_prune_list_free(NULL);
out:
	ck_container_free(gone);
	ck_container_free(ctr);
	ck_volume_free(vol);
}

CK_TESTS(CK_TEST(system_prune_v2_lists_what_it_removed_typed))
