/* Recorded create commands rewritten for units with --new (replay.c). */
#ifndef CK_SYSTEMD_REPLAY_H
#define CK_SYSTEMD_REPLAY_H

#include "systemd_int.h"

typedef struct ck__replay {
	ck__cmd start;   /* the whole command: executable, global flags, run/pod create, options */
	ck__cmd root;    /* the global flags alone, for the unit's other commands */
	char *restart;   /* the container's --restart, or NULL */
	char **env;      /* "K=V" the unit's environment must hold (-e K), or NULL */
} ck__replay;

/* `argv`: a container's create command; `pod_id_file`: for a member of a
 * pod whose unit is generated with it (its --pod goes), else NULL;
 * `ctr_env`: the container's environment; `what` names it in errors.
 * CK_EINVAL when there is no command, or it is not `run`/`create`. */
int ck__replay_container(ck__replay *r, char *const *argv, const char *exe, const char *pod_id_file,
                         char *const *ctr_env, const char *what);
/* The same for a pod's `pod create`, with the unit's pid and id files. */
int ck__replay_pod(ck__replay *r, char *const *argv, const char *exe, const char *pid_file, const char *id_file,
                   const char *what);
void ck__replay_free(ck__replay *r);

#endif
