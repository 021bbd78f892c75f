/* Private to the container module: an image's config as create uses it
 * (imagecfg.c). */
#ifndef CK_CONTAINER_IMAGECFG_H
#define CK_CONTAINER_IMAGECFG_H

#include "container_int.h"

typedef struct ck__imagecfg {
	char **entrypoint, **cmd, **env, **exposed; /* NULL when the image has none */
	bool has_entrypoint;
	char *workdir, *user, *stop_signal;         /* NULL when unset or empty */
	ck__strmap labels;
	ck__health_image health;                    /* test NULL: no HEALTHCHECK */
} ck__imagecfg;

/* Reads the config blob of image `image_id` (verified against its digest). */
int ck__imagecfg_read(ck__imagecfg *ic, ck_context *ctx, const char *image_id);
void ck__imagecfg_free(ck__imagecfg *ic);

#endif
