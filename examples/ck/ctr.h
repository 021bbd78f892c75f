/* Private to ck's container commands (ctr_*.c): their option parser, the
 * podman-style texts they share and the entry points of each group. */
#ifndef CK_CLI_CTR_H
#define CK_CLI_CTR_H

#include "util.h"

/* ---- options (ctr_util.c) ----
 * A boolean's state from a flag_hook's val. */
bool flag_on(const char *val);

/* ---- texts ---- */
/* The first 12 characters of an id. */
void short_id(char out[13], const char *id);
/* go-units' HumanSize with 4 significant digits ("1.806MB"). */
void human_size(char *buf, size_t size, double bytes);
/* Go's time.Duration.String() ("37.389ms", "1m2.5s"). */
void go_duration(char *buf, size_t size, int64_t ns);
/* Parses --since/--until: RFC 3339 (with or without fraction and zone),
 * a date "2006-01-02", Unix seconds ("1700000000[.5]") or a Go duration
 * before now ("10m", "1h30m").  Returns false if it is none of those. */
bool parse_time_arg(const char *text, int64_t *ns);
/* Parses an integer argument; prints podman's error and returns false. */
bool parse_int_arg(const char *flag, const char *text, long long min, long long *out);

/* ---- errors ---- */
/* The exit code podman gives for a failure to start or exec: 127 when the
 * command was not found, 126 when it could not be run, else 125.  Prints
 * the library's last error. */
int die_runtime(void);
/* Looks a container up; prints the error on failure. */
int ctr_lookup(ck_container **out, ck_app *app, const char *ref);

/* ---- attached I/O (ctr_util.c) ----
 * Forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 received by
 * ck to the container (podman's --sig-proxy) until proxy_stop(). */
void proxy_start(ck_app *app, const char *id);
void proxy_stop(void);
/* Puts the terminal on fd in raw mode until tty_restore(). */
void tty_raw(int fd);
void tty_restore(void);

/* ---- commands ---- */
int ctr_create(ck_app *app, int argc, char **argv); /* ctr_create.c */
int ctr_run(ck_app *app, int argc, char **argv);
int ctr_start(ck_app *app, int argc, char **argv); /* ctr_life.c */
int ctr_attach(ck_app *app, int argc, char **argv);
int ctr_stop(ck_app *app, int argc, char **argv);
int ctr_kill(ck_app *app, int argc, char **argv);
int ctr_restart(ck_app *app, int argc, char **argv);
int ctr_pause(ck_app *app, int argc, char **argv);
int ctr_unpause(ck_app *app, int argc, char **argv);
int ctr_unmount(ck_app *app, int argc, char **argv);
int ctr_init(ck_app *app, int argc, char **argv);
int ctr_rm(ck_app *app, int argc, char **argv);
int ctr_wait(ck_app *app, int argc, char **argv);
int ctr_prune(ck_app *app, int argc, char **argv);
int ctr_exists(ck_app *app, int argc, char **argv);
int ctr_inspect(ck_app *app, int argc, char **argv); /* ctr_info.c */
int any_inspect(ck_app *app, int argc, char **argv);
int ctr_ps(ck_app *app, int argc, char **argv);
int ctr_port(ck_app *app, int argc, char **argv);
int ctr_top(ck_app *app, int argc, char **argv);
int ctr_stats(ck_app *app, int argc, char **argv); /* ctr_stats.c */
int ctr_logs(ck_app *app, int argc, char **argv);  /* ctr_logs.c */
int ctr_events(ck_app *app, int argc, char **argv);
int ctr_exec(ck_app *app, int argc, char **argv); /* ctr_exec.c */
int ctr_cp(ck_app *app, int argc, char **argv);
int ctr_rename(ck_app *app, int argc, char **argv);
int ctr_mount(ck_app *app, int argc, char **argv); /* ctr_fs.c */
int ctr_diff(ck_app *app, int argc, char **argv);
int ctr_export(ck_app *app, int argc, char **argv);
int ctr_commit(ck_app *app, int argc, char **argv);

#endif
