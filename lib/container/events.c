/* Container events: the object's id, name and image, and its labels as
 * attributes, as podman writes them. */
#define _GNU_SOURCE
#include "container_int.h"

#include <stdlib.h>
#include <string.h>

void ck__ctr_event(ck_context *ctx, const ck__ctr_config *c, const char *status, int exit_code)
{
	const char **attrs = calloc(2 * c->labels.n + 3, sizeof(*attrs));
	size_t k = 0;

	if (attrs) {
		attrs[k++] = "image";
		attrs[k++] = c->image_name;
		for (size_t i = 0; i < c->labels.n; i++) {
			attrs[k++] = c->labels.keys[i];
			attrs[k++] = c->labels.vals[i];
		}
	}
	ck__event_write(ctx, "container", status, c->id, c->name, c->image_name, attrs,
	                !strcmp(status, "died") ? exit_code : -2);
	free(attrs);
}
