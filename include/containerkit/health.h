/* Healthchecks and sd_notify: a container's health command, run on
 * schedule by its monitor (no systemd timer), its recorded results, a way to
 * wait for a state, and how readiness is told to systemd through
 * $NOTIFY_SOCKET, as podman's --health-* and --sdnotify options do.
 * Since 1.1. */
#ifndef CONTAINERKIT_HEALTH_H
#define CONTAINERKIT_HEALTH_H

#include "common.h"
#include "container.h"

CK_BEGIN_DECLS

/** A container's health. */
typedef enum ck_health_status {
	CK_HEALTH_NONE = 0,      /**< it has no healthcheck, or it never ran */
	CK_HEALTH_STARTING = 1,  /**< checks run, none has passed yet */
	CK_HEALTH_HEALTHY = 2,   /**< the last check passed */
	CK_HEALTH_UNHEALTHY = 3  /**< `retries` checks in a row failed (after the start period) */
} ck_health_status;

/** Masks of states for ck_container_health_wait(). */
#define CK_HEALTH_MASK(status) (1u << (status))

/** What the monitor does when the container turns unhealthy. */
typedef enum ck_health_on_failure {
	CK_HEALTH_ON_FAILURE_NONE = 0,
	CK_HEALTH_ON_FAILURE_KILL = 1,    /**< SIGKILL; the restart policy applies */
	CK_HEALTH_ON_FAILURE_RESTART = 2, /**< kill and run it again, whatever the restart policy */
	CK_HEALTH_ON_FAILURE_STOP = 3     /**< stop it as ck_container_stop() does */
} ck_health_on_failure;

/** "none", "starting", "healthy", "unhealthy" (podman's words; "" for an
 *  unknown value). */
CK_EXTERN const char *ck_health_status_name(ck_health_status status);

/** Parses a duration as Go writes them ("30s", "1m30s", "500ms", "2h",
 *  "1.5s", "0"), into nanoseconds.  CK_EINVAL naming the text. */
CK_EXTERN int ck_duration_parse(int64_t *ns, const char *text);

/* ----------------------------------------------------------- the spec */

/** --health-cmd: a JSON array of strings (["CMD","/bin/check"],
 *  ["CMD-SHELL","curl -f ..."] or a bare command list, which is taken as
 *  "CMD") or a plain string, run with the container's /bin/sh -c
 *  (["CMD-SHELL", text]).  "none" disables the image's healthcheck, as
 *  --no-healthcheck.  Replaces the image's HEALTHCHECK command; timings not
 *  set come from the image, else podman's defaults (interval 30s, timeout
 *  30s, start period 0, 3 retries). */
CK_EXTERN int ck_container_spec_set_health_cmd(ck_container_spec *spec, const char *text);
/** The same as an array: "CMD" ARGS..., "CMD-SHELL" TEXT, or "NONE"
 *  (NULL-terminated). */
CK_EXTERN int ck_container_spec_set_health_test(ck_container_spec *spec, const char *const *test);
/** --health-interval: time between checks, at least one second; 0 means
 *  "disable" (checks run only when asked, ck_container_healthcheck_run()). */
CK_EXTERN int ck_container_spec_set_health_interval(ck_container_spec *spec, int64_t ns);
/** --health-timeout: a check running longer is killed and counts as
 *  failed; at least one second. */
CK_EXTERN int ck_container_spec_set_health_timeout(ck_container_spec *spec, int64_t ns);
/** --health-start-period: failures during this time after each start do not
 *  count toward `retries` (a pass still makes it healthy); 0 or more. */
CK_EXTERN int ck_container_spec_set_health_start_period(ck_container_spec *spec, int64_t ns);
/** --health-retries: failures in a row that make it unhealthy; at least 1. */
CK_EXTERN int ck_container_spec_set_health_retries(ck_container_spec *spec, unsigned int retries);
/** --health-on-failure: "none", "kill", "restart" or "stop". */
CK_EXTERN int ck_container_spec_set_health_on_failure(ck_container_spec *spec, const char *action);
/** --no-healthcheck: no healthcheck, even the image's.  Conflicts with a
 *  health command (create fails with CK_EINVAL). */
CK_EXTERN int ck_container_spec_set_no_healthcheck(ck_container_spec *spec, int on);

/** --sdnotify: how systemd learns that the container is ready, through the
 *  datagram socket named by $NOTIFY_SOCKET.  The socket is read from the
 *  environment of the process that calls ck_container_create() (recorded
 *  with the container), or of the one that calls ck_container_start() when
 *  it has one (a unit's ExecStart).
 *  - "conmon" (the default): once the container runs, its monitor sends
 *    MAINPID=<the monitor's pid> and READY=1;
 *  - "container": the socket is bind-mounted into the container at
 *    /run/notify/notify.sock and NOTIFY_SOCKET is set there, so that the
 *    container's own process sends READY=1; the monitor sends only MAINPID;
 *  - "healthy": MAINPID when it runs, READY=1 after the first passing
 *    healthcheck (create fails with CK_EINVAL without a healthcheck);
 *  - "ignore": nothing is sent, nor passed to the OCI runtime.
 *  Without $NOTIFY_SOCKET nothing is sent in any mode. */
CK_EXTERN int ck_container_spec_set_sdnotify(ck_container_spec *spec, const char *mode);

/* ---------------------------------------------- the container's config */

#define CK_HEALTHCHECK_CONFIG_VERSION 1

/** A container's healthcheck as recorded at create (spec and image
 *  merged).  Fields are only ever appended; the caller sets `version`. */
typedef struct ck_healthcheck_config {
	unsigned int version;      /**< CK_HEALTHCHECK_CONFIG_VERSION */
	const char *const *test;   /**< "CMD"/"CMD-SHELL" and arguments, NULL-terminated; NULL: no
	                                healthcheck.  Borrowed from the handle (lives as long as it) */
	int64_t interval_ns;       /**< 0: not run on schedule */
	int64_t timeout_ns;
	int64_t start_period_ns;
	unsigned int retries;
	ck_health_on_failure on_failure;
} ck_healthcheck_config;

#define CK_HEALTHCHECK_CONFIG_INIT { CK_HEALTHCHECK_CONFIG_VERSION, NULL, 0, 0, 0, 0, CK_HEALTH_ON_FAILURE_NONE }

/** Fills `*out` (whose `version` the caller set) from the handle.  A
 *  container without a healthcheck gives `test` NULL and CK_OK.
 *  CK_EVERSION for an unknown version. */
CK_EXTERN int ck_container_healthcheck_config(ck_healthcheck_config *out, ck_container *ctr);

/** The sd_notify mode recorded at create: "conmon", "container", "healthy"
 *  or "ignore".  Borrowed from the handle. */
CK_EXTERN const char *ck_container_sdnotify(ck_container *ctr);

/** The health status in the handle's snapshot (cheap: listings have it). */
CK_EXTERN ck_health_status ck_container_health_status(const ck_container *ctr);

/* ------------------------------------------------- results and waiting */

/** Runs the healthcheck once, now, as `podman healthcheck run`: the result
 *  is recorded as a scheduled one is (status, failing streak, log, event,
 *  the on-failure action).  `*status` gets this run's result, as podman
 *  reports it: CK_HEALTH_HEALTHY when the check passed, CK_HEALTH_STARTING
 *  when it failed in the start period, CK_HEALTH_UNHEALTHY when it failed
 *  otherwise (the recorded status turns unhealthy only after `retries`
 *  failures in a row: ck_container_health_read()).  CK_ESTATE if the
 *  container is not running, CK_ENOTFOUND if it has no healthcheck. */
CK_EXTERN int ck_container_healthcheck_run(ck_health_status *status, ck_container *ctr);

/** A container's health as recorded, read fresh from the store
 *  (podman inspect's State.Health).  Immutable; may be shared by threads. */
typedef struct ck_container_health ck_container_health;

/** Reads the health record.  `*out` belongs to the caller
 *  (ck_container_health_free()). */
CK_EXTERN int ck_container_health_read(ck_container_health **out, ck_container *ctr);
CK_EXTERN ck_health_status ck_container_health_get_status(const ck_container_health *health);
/** Failed checks in a row (those in the start period not counted). */
CK_EXTERN unsigned int ck_container_health_failing_streak(const ck_container_health *health);
/** The number of results kept (the last five, oldest first). */
CK_EXTERN size_t ck_container_health_log_count(const ck_container_health *health);

#define CK_HEALTH_LOG_ENTRY_VERSION 1

/** One result.  Fields are only ever appended; the caller sets `version`. */
typedef struct ck_health_log_entry {
	unsigned int version;   /**< CK_HEALTH_LOG_ENTRY_VERSION */
	int64_t start_ns;       /**< ns since the epoch */
	int64_t end_ns;
	int exit_code;          /**< the command's (0: passed); -1 when it could not run or timed out */
	const char *output;     /**< its stdout and stderr (at most 4 KiB); borrowed from `health` */
} ck_health_log_entry;

#define CK_HEALTH_LOG_ENTRY_INIT { CK_HEALTH_LOG_ENTRY_VERSION, 0, 0, 0, NULL }

/** Fills `*out` (whose `version` the caller set) with result `index`.
 *  CK_ENOTFOUND past the end, CK_EVERSION for an unknown version. */
CK_EXTERN int ck_container_health_log_entry(ck_health_log_entry *out, const ck_container_health *health,
                                            size_t index);
/** Accepts NULL. */
CK_EXTERN void ck_container_health_free(ck_container_health *health);

/** Waits until the container's health is one of `mask`
 *  (CK_HEALTH_MASK(CK_HEALTH_HEALTHY) | ...), polling the record with a
 *  short backoff; `*status` (if not NULL) gets the status seen last.
 *  Returns CK_OK when it is, CK_ESTATE when the container stops running
 *  first (the caller tells a crash from a kill by the exit code),
 *  CK_ETIMEOUT after `timeout_ms` (-1: no limit).  The handle is refreshed.
 *  An auto-update asks: healthy within the start period?  (mask HEALTHY |
 *  UNHEALTHY, timeout the start period plus one interval and one check's
 *  timeout.) */
CK_EXTERN int ck_container_health_wait(ck_health_status *status, ck_container *ctr, unsigned int mask,
                                       int timeout_ms);

CK_END_DECLS

#endif
