/* The command groups of the ck CLI, one file each. */
#ifndef CK_CLI_COMMANDS_H
#define CK_CLI_COMMANDS_H

#include "util.h"

/* Each takes the arguments after its own name and returns the exit code. */
int cmd_volume(ck_app *app, int argc, char **argv);
int cmd_network(ck_app *app, int argc, char **argv); /* network.c */
int cmd_system(ck_app *app, int argc, char **argv);
int system_df(ck_app *app, int argc, char **argv);    /* system_df.c */
int system_prune(ck_app *app, int argc, char **argv);
int cmd_info(ck_app *app, int argc, char **argv);
int cmd_version(ck_app *app, int argc, char **argv);
int cmd_pull(ck_app *app, int argc, char **argv);   /* registry.c */
int cmd_push(ck_app *app, int argc, char **argv);
int cmd_login(ck_app *app, int argc, char **argv);
int cmd_logout(ck_app *app, int argc, char **argv);
int cmd_load(ck_app *app, int argc, char **argv);   /* load_save.c */
int cmd_save(ck_app *app, int argc, char **argv);
int cmd_image(ck_app *app, int argc, char **argv);   /* image.c, image_edit.c */
int cmd_images(ck_app *app, int argc, char **argv);
int cmd_history(ck_app *app, int argc, char **argv);
int cmd_tag(ck_app *app, int argc, char **argv);
int cmd_untag(ck_app *app, int argc, char **argv);
int cmd_rmi(ck_app *app, int argc, char **argv);
int cmd_import(ck_app *app, int argc, char **argv);
/* ctr_*.c: `ck container ...`; the top-level spellings are in ctr.h */
int cmd_container(ck_app *app, int argc, char **argv);
int cmd_healthcheck(ck_app *app, int argc, char **argv);
int cmd_pod(ck_app *app, int argc, char **argv); /* pod.c */
int cmd_autoupdate(ck_app *app, int argc, char **argv); /* autoupdate.c */
int cmd_generate(ck_app *app, int argc, char **argv); /* systemd.c */
int cmd_systemd(ck_app *app, int argc, char **argv);
int cmd_kube(ck_app *app, int argc, char **argv); /* kube.c */
int cmd_play(ck_app *app, int argc, char **argv);
int kube_generate(ck_app *app, int argc, char **argv); /* `ck generate kube` */
/* ck run as ck-systemd-generator (systemd.generator(7)): argv[0] and the directories. */
int systemd_generator(ck_app *app, int argc, char **argv);

#endif
