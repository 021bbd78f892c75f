/* Starts and stops tests/registry/fakereg.py (path in $CK_FAKEREG) for the
 * C registry tests.  Uses only libc, so unit and integration tests share it. */
#ifndef CK_TEST_FAKE_H
#define CK_TEST_FAKE_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct fake {
	pid_t pid;
	char *dir;       /* temporary directory: port file and request log */
	char addr[64];   /* "127.0.0.1:PORT" */
	char log[512];   /* one line per request: "METHOD PATH RANGE AUTH" */
} fake;

/* Starts fakereg.py in `mode` and waits until it listens; false if not. */
bool fake_start(fake *f, const char *mode);
void fake_stop(fake *f);
/* Whether the request log holds `needle`. */
bool fake_log_has(const fake *f, const char *needle);

#endif
