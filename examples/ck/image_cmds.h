/* Private to ck's image commands (image.c, image_edit.c): the commands
 * that change images, for the `ck image` group table. */
#ifndef CK_CLI_IMAGE_CMDS_H
#define CK_CLI_IMAGE_CMDS_H

#include "util.h"

extern const char image_tag_usage[], image_untag_usage[], image_rm_usage[], image_prune_usage[],
	image_import_usage[];
int image_tag(ck_app *app, int argc, char **argv);
int image_untag(ck_app *app, int argc, char **argv);
int image_rm(ck_app *app, int argc, char **argv);
int image_prune(ck_app *app, int argc, char **argv);
int image_import(ck_app *app, int argc, char **argv);

#endif
