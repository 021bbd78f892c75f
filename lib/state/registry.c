/* The table of state backends: the two built-in ones and any a program
 * registers through containerkit/sys/backend.h. */
#include "state.h"
#include "backends.h"

#include <stdlib.h>
#include <string.h>

#define MAX_BACKENDS 16

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const ck_backend_ops *registry[MAX_BACKENDS] = { &ck__backend_sqlite, &ck__backend_lmdb };
static size_t registry_count = 2;

const ck_backend_ops *ck_backend_find(const char *name)
{
	const ck_backend_ops *found = NULL;

	if (!name)
		return NULL;
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < registry_count; i++)
		if (!strcmp(registry[i]->name, name))
			found = registry[i];
	pthread_mutex_unlock(&registry_lock);
	return found;
}

int ck_backend_register(const ck_backend_ops *ops)
{
	int rc = CK_OK;

	CK_ENTER();
	if (!ops || !ops->name || !ops->open || !ops->close || !ops->begin || !ops->commit ||
	    !ops->abort || !ops->get || !ops->put || !ops->del || !ops->scan || !ops->buckets ||
	    !ops->check || !ops->files)
		return ck__error_set(CK_EINVAL, "ck_backend_register: the backend table is incomplete");
	if (ops->version < 1 || ops->version > CK_BACKEND_OPS_VERSION)
		return ck__error_set(CK_EVERSION, "backend \"%s\" has vtable version %u; this library knows 1..%d",
		                     ops->name, ops->version, CK_BACKEND_OPS_VERSION);
	for (const char *p = ops->name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return ck__error_set(CK_EINVAL, "backend name \"%s\" must match [a-z0-9]+", ops->name);
	if (!*ops->name || strlen(ops->name) > 31)
		return ck__error_set(CK_EINVAL, "backend name must be 1 to 31 characters");
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < registry_count; i++)
		if (!strcmp(registry[i]->name, ops->name))
			rc = ck__error_set(CK_EEXISTS, "a state backend named \"%s\" is already registered",
			                   ops->name);
	if (rc == CK_OK && registry_count == MAX_BACKENDS)
		rc = ck__error_set(CK_EINVAL, "too many state backends registered (at most %d)", MAX_BACKENDS);
	if (rc == CK_OK)
		registry[registry_count++] = ops;
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

int ck__backend_lookup(const ck_backend_ops **out, const char *name)
{
	*out = ck_backend_find(name);
	if (*out)
		return CK_OK;
	ck__buf known = { 0 };
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < registry_count; i++)
		ck__buf_printf(&known, "%s%s", i ? ", " : "", registry[i]->name);
	pthread_mutex_unlock(&registry_lock);
	char *k = ck__buf_take(&known);
	int rc = ck__error_set(CK_ECONFIG, "unknown state backend \"%s\" (available: %s)", name, k ? k : "?");
	ck_free(k);
	return rc;
}

/* The allocator of what backends hand over: the C library's, the one the
 * library frees everything with. */
void *ck_backend_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

void ck_backend_free(void *ptr)
{
	free(ptr);
}
