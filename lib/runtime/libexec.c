/* Where the library finds its helper programs (ck-monitor, ck-userns) and
 * the setuid tools that map a user namespace. */
#define _GNU_SOURCE
#include "runtime/userns.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Both come from the build (CMakeLists.txt): the libexec directory of the
 * configured prefix, and the same directory relative to the library
 * directory, which holds for any prefix the tree is installed to. */
#ifndef CK_LIBEXECDIR
#define CK_LIBEXECDIR "/usr/local/libexec/containerkit"
#endif
#ifndef CK_LIBEXEC_RELDIR
#define CK_LIBEXEC_RELDIR "../libexec/containerkit"
#endif

/* What one search saw, for the message when it finds nothing. */
typedef struct {
	char *looked[4];
	size_t n;
	char *not_exec; /* the first candidate that exists but cannot be run */
} search;

static char *exe_in(search *s, const char *dir, const char *name)
{
	char *p;

	if (!dir)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->looked[i], dir))
			return NULL;
	if (s->n < sizeof(s->looked) / sizeof(s->looked[0]) && (s->looked[s->n] = ck__strdup(dir)))
		s->n++;
	if (!(p = ck__path_join(dir, name)))
		return NULL;
	if (access(p, X_OK) == 0)
		return p;
	if (!s->not_exec && access(p, F_OK) == 0) {
		s->not_exec = p;
		return NULL;
	}
	free(p);
	return NULL;
}

static void search_free(search *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->looked[i]);
	free(s->not_exec);
}

/* The directory of the object that holds this code (the shared library, or
 * the program a static build is linked into), with symbolic links
 * resolved. */
static char *own_dir(void)
{
	Dl_info info;
	char *real, *slash;

	if (!dladdr((void *)own_dir, &info) || !info.dli_fname || !strchr(info.dli_fname, '/'))
		return NULL;
	if (!(real = realpath(info.dli_fname, NULL)))
		return NULL;
	slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = '\0';
	else
		*slash = '\0';
	return real;
}

/* `dir`/`rel` with "." and ".." folded away.  `dir` is a resolved path
 * (own_dir()), so folding ".." by name goes where the kernel would, and
 * messages show a plain path. */
static char *join_folded(const char *dir, const char *rel)
{
	char *joined = ck__path_join(dir, rel), *out, *save = NULL;
	size_t len = 0;

	if (!joined || !(out = malloc(strlen(joined) + 2))) {
		free(joined);
		return NULL;
	}
	for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (len > 0 && out[--len] != '/')
				;
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, seg, strlen(seg));
		len += strlen(seg);
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	free(joined);
	return out;
}

/* "a", "a and b", "a, b and c". */
static char *list_of(const search *s)
{
	char *text = ck__strdup(s->n ? s->looked[0] : "nowhere"), *next;

	for (size_t i = 1; text && i < s->n; i++) {
		next = ck__asprintf("%s%s%s", text, i + 1 == s->n ? " and " : ", ", s->looked[i]);
		free(text);
		text = next;
	}
	return text;
}

int ck__libexec_find(char **out, ck_context *ctx, const char *name)
{
	search s = { { NULL }, 0, NULL };
	char *lib_dir = NULL, *installed = NULL, *where = NULL;
	int rc;

	*out = NULL;
	/* An explicit setting is the only place looked: a wrong one fails
	 * here, naming itself, instead of quietly running other helpers. */
	if (ctx->libexec_dir) {
		if ((*out = exe_in(&s, ctx->libexec_dir, name))) {
			rc = CK_OK;
			goto out;
		}
		rc = ck__error_set(CK_ENOTFOUND, "cannot find the helper program %s in %s (set by %s)%s%s%s; set %s "
		                                 "to the directory that holds ck-monitor and ck-userns, or unset it "
		                                 "to use the installed ones",
		                   name, ctx->libexec_dir, ctx->libexec_dir_origin, s.not_exec ? ": " : "",
		                   s.not_exec ? s.not_exec : "", s.not_exec ? " is not executable" : "",
		                   ctx->libexec_dir_origin);
		goto out;
	}
	/* Where the install put them, relative to the library wherever the
	 * prefix is; beside the library (the build tree); the configured
	 * libexec directory. */
	if ((lib_dir = own_dir()))
		installed = join_folded(lib_dir, CK_LIBEXEC_RELDIR);
	if ((*out = exe_in(&s, installed, name)) || (*out = exe_in(&s, lib_dir, name)) ||
	    (*out = exe_in(&s, CK_LIBEXECDIR, name))) {
		rc = CK_OK;
		goto out;
	}
	if (!(where = list_of(&s))) {
		rc = ck__oom();
		goto out;
	}
	rc = ck__error_set(CK_ENOTFOUND, "cannot find the helper program %s (looked in %s%s%s%s); install "
	                                 "it with the library (its install puts the helpers in %s from the "
	                                 "library's directory), or set CK_LIBEXEC_DIR (or libexec_dir of "
	                                 "ck_context_options) to the directory that holds them",
	                   name, where, s.not_exec ? "; " : "", s.not_exec ? s.not_exec : "",
	                   s.not_exec ? " is not executable" : "", CK_LIBEXEC_RELDIR);
out:
	if (rc == CK_OK)
		ck__log(ctx, CK_LOG_DEBUG, "helper program %s: %s", name, *out);
	free(where);
	free(installed);
	free(lib_dir);
	search_free(&s);
	return rc;
}

int ck__userns_tool(char **out, const char *name)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", NULL };

	*out = NULL;
	for (size_t i = 0; dirs[i]; i++) {
		char *p = ck__path_join(dirs[i], name);
		if (!p)
			return ck__oom();
		if (access(p, X_OK) == 0) {
			*out = p;
			return CK_OK;
		}
		free(p);
	}
	return ck__error_set(CK_EUNSUPPORTED, "%s is not installed; a rootless store needs it to own files in "
	                                      "the user's subordinate id range (Debian: apt-get install uidmap)",
	                     name);
}
