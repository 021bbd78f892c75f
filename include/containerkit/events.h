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

#define CK_EVENT_VERSION 1

/** One event, typed (podman's events.Event).  The library fills it; fields
 *  are only ever appended, and `version` says which a caller may read.  It
 *  and every string in it are valid only during the callback that receives
 *  it.  Strings are never NULL ("" when the event has no such value).
 *  Since 1.1. */
typedef struct ck_event {
	unsigned int version;    /**< CK_EVENT_VERSION of the library that made it */
	const char *type;        /**< "container", "image", "volume", "pod", ... */
	const char *status;      /**< the action: "create", "start", "died", "remove", ... */
	const char *id;          /**< the object's id ("" for a volume, named by `name`) */
	const char *name;
	const char *image;       /**< a container event's image name */
	int64_t time_ns;         /**< when it happened, ns since the epoch */
	int has_exit_code;       /**< 1 when `exit_code` is set (died events) */
	int exit_code;           /**< the container's exit code (-1: not known) */
	size_t attribute_count;  /**< pairs in `attributes` */
	/** key, value, key, value, ...: 2 * attribute_count strings (the
	 *  container's labels, and "name"/"image" as podman adds them). */
	const char *const *attributes;
} ck_event;

/** Receives one event; return non-zero to stop.  While following it is
 *  also called about once a second with `event` NULL, so that the caller
 *  can stop.  Since 1.1. */
typedef int (*ck_event_entry_fn)(const ck_event *event, void *payload);

/** Reads the events as ck_events_read() does (the same options, filters,
 *  order and following), handing each over typed.  Returns CK_OK when the
 *  events (up to now, or to `until_ns`) are read, the callback's non-zero
 *  value if it stopped the reading, CK_EINVAL for a NULL `ctx` or `fn` or
 *  an unknown filter (the message names it), CK_EVERSION for unknown
 *  options, CK_EIO when the log cannot be read.  Since 1.1. */
CK_EXTERN int ck_events_read_v2(ck_context *ctx, const ck_events_options *opts, ck_event_entry_fn fn,
                                void *payload);

/** The value of attribute `key` of `event` (a label, "name", "image"), or
 *  NULL when it has none.  Borrowed from the event.  Since 1.1. */
CK_EXTERN const char *ck_event_attribute(const ck_event *event, const char *key);

/** The event as one line of JSON, as the log holds it and ck_events_read()
 *  hands it over (without a newline).  `*out` is the caller's (ck_free()).
 *  CK_EINVAL for NULL, CK_ENOMEM.  Since 1.1. */
CK_EXTERN int ck_event_json(char **out, const ck_event *event);

CK_END_DECLS

#endif
