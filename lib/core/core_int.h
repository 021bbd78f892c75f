/* Private to the core module: the configuration file reader. */
#ifndef CK_CORE_INT_H
#define CK_CORE_INT_H

#include "core.h"

typedef struct ck__config {
	char *root, *runroot, *db_backend, *runtime, *log_level;
	char *search_registries, *insecure_registries; /* comma-separated */
} ck__config;

int ck__config_parse(ck__config *cfg, const char *path, const char *text);
/* CK_ENOTFOUND (and no error set) when the file is missing and !must_exist. */
int ck__config_load(ck__config *cfg, const char *path, bool must_exist);
void ck__config_free(ck__config *cfg);
int ck__parse_log_level(const char *s, int *out);

#endif
