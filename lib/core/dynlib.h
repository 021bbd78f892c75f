/* Libraries loaded on first use.  libarchive, libcurl and libcrypto (with
 * the dozens of libraries they pull in) cost a process more to map and
 * relocate than a whole `ck ps` costs to run, and most calls never use
 * them.  Each is opened with dlopen the first time a caller needs it; a
 * module includes its shim header (core/libcrypto.h, layer/libarchive.h,
 * registry/libcurl.h) instead of the library's own header, and calls the
 * functions by their usual names, which the shim routes through a table of
 * pointers filled in by the load.
 *
 * Entry points that can report an error call the shim's require function
 * first, so a missing library is an ordinary CK_EUNSUPPORTED error naming
 * the file and the package; a call through the table without it aborts with
 * the same message, as the dynamic linker would have at start-up. */
#ifndef CK_CORE_DYNLIB_H
#define CK_CORE_DYNLIB_H

#include <stdbool.h>

typedef struct ck__dynlib {
	const char *soname;  /* "libarchive.so.13" */
	const char *package; /* the Debian package that ships it */
	/* Looks every symbol up with dlsym(handle, ...); returns the name of
	 * the first one missing, or NULL when the table is complete. */
	const char *(*bind)(void *handle);
	int state;           /* 0 not tried, 1 loaded, -1 failed (atomic) */
	char error[480];     /* why it failed */
} ck__dynlib;

/* Loads the library once per process.  CK_OK, or CK_EUNSUPPORTED with the
 * thread's error naming the library, the reason and the package. */
int ck__dynlib_require(ck__dynlib *lib);
/* The same for a caller that cannot report an error: aborts on failure. */
void ck__dynlib_need(ck__dynlib *lib);

static inline bool ck__dynlib_ready(ck__dynlib *lib)
{
	return __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE) == 1;
}

/* A shim header lists its functions as SYMS(X) (X(name) for each) and says
 * CK__DYNLIB_DECLARE(tag, SYMS): the table struct ck__<tag>_tab, the loader
 * ck__<tag>_lib, ck__<tag>_require() and the accessor ck__<tag>(), which
 * loads on first use (aborting if it cannot).  Then it #defines each name
 * to (ck__<tag>()->name), except in the file that defines the table. */
#define CK__DYNLIB_FIELD(name) __typeof__(&name) name;
#define CK__DYNLIB_DECLARE(tag, SYMS)                                                       \
	struct ck__##tag##_tab {                                                           \
		SYMS(CK__DYNLIB_FIELD)                                                     \
	};                                                                                 \
	extern struct ck__##tag##_tab ck__##tag##_tab;                                     \
	extern ck__dynlib ck__##tag##_lib;                                                 \
	static inline int ck__##tag##_require(void)                                        \
	{                                                                                  \
		return ck__dynlib_require(&ck__##tag##_lib);                               \
	}                                                                                  \
	static inline const struct ck__##tag##_tab *ck__##tag(void)                        \
	{                                                                                  \
		if (__builtin_expect(!ck__dynlib_ready(&ck__##tag##_lib), 0))              \
			ck__dynlib_need(&ck__##tag##_lib);                                 \
		return &ck__##tag##_tab;                                                   \
	}

/* The file that defines a table: `#define CK__DYNLIB_BIND`, include the
 * shim, then CK__DYNLIB_DEFINE(tag, SYMS, "soname", "package"). */
#define CK__DYNLIB_LOOKUP(name)                                                     \
	if (!(tab->name = (__typeof__(tab->name))dlsym(h, #name)))                  \
		return #name;
#define CK__DYNLIB_DEFINE(tag, SYMS, soname_, package_)                                     \
	struct ck__##tag##_tab ck__##tag##_tab;                                            \
	static const char *ck__##tag##_bind(void *h)                                       \
	{                                                                                  \
		struct ck__##tag##_tab *tab = &ck__##tag##_tab;                            \
		SYMS(CK__DYNLIB_LOOKUP)                                                    \
		return NULL;                                                               \
	}                                                                                  \
	ck__dynlib ck__##tag##_lib = { .soname = soname_, .package = package_, .bind = ck__##tag##_bind };

#endif
