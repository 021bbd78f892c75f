/* dlopen on first use, once per process, under one mutex; a failure is an
 * error for the caller, never a message or an abort. */
#define _GNU_SOURCE
#include "dynlib.h"
#include "core.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void load(ck__dynlib *lib)
{
	pthread_mutex_lock(&load_lock);
	if (__atomic_load_n(&lib->state, __ATOMIC_ACQUIRE) == 0) {
		int state = -1;
		/* RTLD_NOW: a library that would fail later fails here, once. */
		void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *why = dlerror();
			snprintf(lib->error, sizeof(lib->error), "%s", why ? why : "dlopen failed");
		} else {
			const char *missing = lib->bind(h);
			if (missing)
				snprintf(lib->error, sizeof(lib->error), "%s has no symbol %s (too old?)", lib->soname,
				         missing);
			else
				state = 1;
			/* Never closed: the table points into it for the process's life. */
		}
		__atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&load_lock);
}

static int unloaded_error(const ck__dynlib *lib)
{
	return ck__error_set(CK_EUNSUPPORTED, "cannot load %s: %s (install the %s package)", lib->soname,
	                     lib->error[0] ? lib->error : "it was not loaded", lib->package);
}

int ck__dynlib_require(ck__dynlib *lib)
{
	if (!ck__dynlib_ready(lib))
		load(lib);
	if (ck__dynlib_ready(lib))
		return CK_OK;
	return unloaded_error(lib);
}

bool ck__dynlib_need(ck__dynlib *lib)
{
	if (!ck__dynlib_ready(lib))
		load(lib);
	if (ck__dynlib_ready(lib))
		return true;
	unloaded_error(lib);
	return false;
}

void ck__dynlib_unloaded(ck__dynlib *lib)
{
	unloaded_error(lib);
}
