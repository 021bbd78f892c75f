/* ck-userns: runs the file work of a rootless store whose files the user's
 * subordinate ids own (layer unpacking, root filesystem copies, removals)
 * as root of a user namespace that the library maps with newuidmap and
 * newgidmap.  Spawned by the library only (lib/runtime/userns.c has the
 * protocol, lib/layer/layer_userns.c the jobs):
 *   ck-userns JOB ARGS... [; JOB ARGS...]
 * fd 3 is the line to the library; fds 4 and up belong to the job. */
#define _GNU_SOURCE
#include "layer/layer.h"
#include "runtime/userns.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || isatty(CK__USERNS_FD) || fcntl(CK__USERNS_FD, F_GETFD) < 0) {
		fprintf(stderr, "ck-userns: a helper of libcontainerkit, run by the library only\n");
		return 2;
	}
	if (ck__userns_enter() != CK_OK) {
		ck__userns_say_error();
		return 1;
	}
	return ck__layer_userns_main(argc - 1, argv + 1);
}
