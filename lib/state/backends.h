/* The backends built into the library, registered by the state module. */
#ifndef CK_STATE_BACKENDS_H
#define CK_STATE_BACKENDS_H

#include <containerkit/sys/backend.h>

extern const ck_backend_ops ck__backend_sqlite;
extern const ck_backend_ops ck__backend_lmdb;

#endif
