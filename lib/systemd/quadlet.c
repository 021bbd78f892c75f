/* placeholder */
#include "systemd_int.h"
int ck_systemd_quadlet_generate(ck_systemd_units **out, const char *const *paths, const ck_systemd_options *opts)
{
	(void)paths; (void)opts;
	*out = NULL;
	return ck__error_set(CK_EUNSUPPORTED, "not yet");
}
