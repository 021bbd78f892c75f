/* The VFS the backend opens its files through: SQLite's own "unix", except
 * that an existing WAL file is opened without SQLITE_OPEN_CREATE.  With
 * that flag the unix VFS syncs the directory at the first sync of the file
 * in every process, so that a new file's name is durable.  The WAL is kept
 * between processes (SQLITE_FCNTL_PERSIST_WAL, conn.c): its name has been
 * durable since the process that made it synced the directory, and each
 * later process saves an fsync on its first commit.  A WAL that does not
 * exist yet is created as before. */
#include <pthread.h>
#include <unistd.h>

#include "sqlite_int.h"

#define CK_VFS_NAME "containerkit-unix"

static sqlite3_vfs vfs;
static sqlite3_vfs *base;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int vfs_open(sqlite3_vfs *self, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	(void)self;
	if ((flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name && access(name, F_OK) == 0)
		flags &= ~SQLITE_OPEN_CREATE;
	return base->xOpen(base, name, file, flags, out_flags);
}

static void vfs_init(void)
{
	sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");

	if (!unix_vfs)
		return;
	vfs = *unix_vfs;
	vfs.zName = CK_VFS_NAME;
	vfs.pNext = NULL;
	vfs.xOpen = vfs_open;
	if (sqlite3_vfs_register(&vfs, 0) == SQLITE_OK)
		base = unix_vfs;
}

const char *ck__sq_vfs(void)
{
	pthread_once(&once, vfs_init);
	return base ? CK_VFS_NAME : NULL; /* NULL: SQLite's default */
}
