/* Where the library finds its helper programs (ck-monitor, ck-userns) and
 * the setuid tools that map a user namespace. */
#define _GNU_SOURCE
#include "runtime/userns.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CK_LIBEXECDIR
#define CK_LIBEXECDIR "/usr/local/libexec/containerkit"
#endif

static char *exe_in(const char *dir, const char *name)
{
	char *p = dir ? ck__path_join(dir, name) : NULL;

	if (p && access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* The directory of the object that holds this code (the shared library, or
 * the program a static build is linked into). */
static char *own_dir(void)
{
	Dl_info info;
	char *real, *slash;

	if (!dladdr((void *)own_dir, &info) || !info.dli_fname || !strchr(info.dli_fname, '/'))
		return NULL;
	if (!(real = realpath(info.dli_fname, NULL)))
		return NULL;
	slash = strrchr(real, '/');
	*slash = '\0';
	return real;
}

int ck__libexec_find(char **out, ck_context *ctx, const char *name)
{
	char *lib_dir = NULL;
	int rc;

	*out = NULL;
	/* An explicit setting wins; then beside the library; then the
	 * install default. */
	if (ctx->libexec_dir && strcmp(ctx->libexec_dir, CK_LIBEXECDIR) != 0 &&
	    (*out = exe_in(ctx->libexec_dir, name)))
		return CK_OK;
	lib_dir = own_dir();
	if ((lib_dir && (*out = exe_in(lib_dir, name))) || (*out = exe_in(ctx->libexec_dir, name)) ||
	    (*out = exe_in(CK_LIBEXECDIR, name))) {
		free(lib_dir);
		return CK_OK;
	}
	rc = ck__error_set(CK_ENOTFOUND, "cannot find the helper program %s (looked in %s%s%s); set "
	                                 "CK_LIBEXEC_DIR to the directory that holds it", name,
	                   ctx->libexec_dir ? ctx->libexec_dir : CK_LIBEXECDIR, lib_dir ? " and " : "",
	                   lib_dir ? lib_dir : "");
	free(lib_dir);
	return rc;
}

int ck__userns_tool(char **out, const char *name)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", NULL };

	*out = NULL;
	for (size_t i = 0; dirs[i]; i++)
		if ((*out = exe_in(dirs[i], name)))
			return CK_OK;
	return ck__error_set(CK_EUNSUPPORTED, "%s is not installed; a rootless store needs it to own files in "
	                                      "the user's subordinate id range (Debian: apt-get install uidmap)",
	                     name);
}
