/* The command groups of the ck CLI, one file each. */
#ifndef CK_CLI_COMMANDS_H
#define CK_CLI_COMMANDS_H

#include "util.h"

/* Each takes the arguments after its own name and returns the exit code. */
int cmd_volume(ck_app *app, int argc, char **argv);
int cmd_system(ck_app *app, int argc, char **argv);
int cmd_info(ck_app *app, int argc, char **argv);
int cmd_version(ck_app *app, int argc, char **argv);

#endif
