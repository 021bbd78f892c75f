/* Private to the auto-update module: the report's layout, the policy checks
 * (check.c), the replacement of one container with its gate and rollback
 * (replace.c), and the same through the container's systemd unit (unit.c). */
#ifndef CK_AUTOUPDATE_INT_H
#define CK_AUTOUPDATE_INT_H

#include "core/core.h"
#include <containerkit.h>
#include <containerkit/autoupdate.h>
#include "autoupdate.h"

#define CK__AUTOUPDATE_GATE_DEFAULT 5 /* seconds */
/* The name the previous container waits under during an in-place update. */
#define CK__AU_ASIDE_SUFFIX ".ck-autoupdate-previous"

/* One entry and the strings it points to (all owned). */
typedef struct ck__au_item {
	ck_autoupdate_entry e;
	char *unit, *id, *name, *image, *policy, *reason;
} ck__au_item;

struct ck_autoupdate_report {
	ck__au_item *items;
	size_t n;
};

enum { CK__AU_REGISTRY = 1, CK__AU_LOCAL = 2 };

/* Whether `ctr`'s image changed under its policy: *pending true when the
 * registry's manifest digest (registry) or the image its name points to
 * now (local) differs from the container's.  For the local policy
 * `*new_id` (if not NULL) receives the id the name points to.  Errors name
 * the container and the cause (a name that is not fully qualified, an
 * unreachable registry). */
int ck__au_check(bool *pending, char **new_id, ck_context *ctx, ck_container *ctr, int policy,
                 const ck_autoupdate_options *o);

/* Moves `ctr` to the image its name points to now (pulled first for the
 * registry policy), as described at ck_autoupdate_run().  Fills `it`'s
 * result, reason and (after an update) id. */
void ck__au_replace(ck__au_item *it, ck_context *ctx, ck_container *ctr, int policy,
                    const ck_autoupdate_options *o);

/* Whether the update of a container counts as good; the one place that
 * decides.  Without a healthcheck: it runs, and keeps running for
 * `timeout_s` seconds (0: CK__AUTOUPDATE_GATE_DEFAULT) without an exit or a
 * restart.  With one: it turns healthy within its start period plus one
 * interval plus one check's timeout (or `timeout_s` when not 0), and fails when it turns unhealthy or
 * stops first.  The error says how it ended. */
int ck__au_gate(ck_context *ctx, ck_container *ctr, unsigned int timeout_s);

/* Takes the lock of an in-place update of the container named `name`
 * (<runroot>/locks/autoupdate-NAME.lock, without waiting): CK_EBUSY naming
 * it while another process updates it.  A killed holder releases it. */
int ck__au_lock(ck__lock *lk, ck_context *ctx, const char *name);
/* Puts right what interrupted updates left aside (leftover.c), as the
 * check's repair does; logs what it did. */
int ck__au_leftovers(ck_context *ctx);

/* Sets an item's reason from the thread's last error ("what: message"). */
int ck__au_reason(ck__au_item *it, const char *what);
/* Adds "; what: <last error>" to an item's reason. */
void ck__au_add_reason(ck__au_item *it, const char *what);

/* Points the container's image name to the newest image: a pull of `ref`
 * for the registry policy, nothing for the local one (the name is there). */
int ck__au_fetch(ck_context *ctx, const ck_autoupdate_options *o, int policy, const char *ref);

/* Moves `ctr`, which runs under systemd unit it->unit, to the new image by
 * restarting that unit (a unit made with --new creates the container again
 * from the image name), then gates the container it brought up; a failed
 * gate tags the previous image again and restarts the unit once more. */
void ck__au_restart_unit(ck__au_item *it, ck_context *ctx, ck_container *ctr, int policy,
                         const ck_autoupdate_options *o);

#endif
