/* Events: what happened to containers (and other objects), as `podman events`
 * reports it.  Events are appended as JSON lines to a file under the run
 * root, which may be read while it is written. */
#ifndef CONTAINERKIT_EVENTS_H
#define CONTAINERKIT_EVENTS_H

#include "common.h"

CK_BEGIN_DECLS

#define CK_EVENTS_OPTIONS_VERSION 1

/** Options for ck_events_read(). */
typedef struct ck_events_options {
	unsigned int version;       /**< CK_EVENTS_OPTIONS_VERSION */
	/** NULL or a NULL-terminated array of podman's event filters:
	 *  "container=NAME|ID", "event=STATUS" (create, start, died, stop, kill,
	 *  remove, restart, rename, exec, attach...), "type=container|image|
	 *  volume|pod", "image=NAME|ID", "label=KEY[=VALUE]".  Filters of
	 *  different keys must all match; several of the same key match if any
	 *  does. */
	const char *const *filters;
	int64_t since_ns;           /**< only events at or after this time (ns since the epoch); 0: all */
	int64_t until_ns;           /**< only events before this time; with `follow`, stop then; 0: none */
	int follow;                 /**< wait for new events (until `until_ns` or the callback stops) */
} ck_events_options;

#define CK_EVENTS_OPTIONS_INIT { CK_EVENTS_OPTIONS_VERSION, NULL, 0, 0, 0 }

/** Initialises `opts` to the defaults of `version`; CK_EVERSION for a
 *  version this library does not know. */
CK_EXTERN int ck_events_options_init(ck_events_options *opts, unsigned int version);

/** Receives one event as a JSON object in podman's shape: {"ID","Image",
 *  "Name","Status","Time" (RFC 3339 with nanoseconds),"timeNano","Type",
 *  "Attributes":{labels...},"ContainerExitCode" (died events)}.  While
 *  following, it is also called about once a second with `event_json`
 *  NULL, so that the caller can stop.  `event_json` is valid only during the
 *  call.  Return non-zero to stop. */
typedef int (*ck_event_fn)(const char *event_json, void *payload);

/** Reads the events recorded under the context's run root, oldest first.
 *  Returns CK_OK when the events (up to now, or to `until_ns`) are read, or
 *  the callback's non-zero value if it stopped the reading.  `opts` may be
 *  NULL (every event, no following). */
CK_EXTERN int ck_events_read(ck_context *ctx, const ck_events_options *opts, ck_event_fn fn, void *payload);

CK_END_DECLS

#endif
