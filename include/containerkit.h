/* libcontainerkit: run OCI containers and pods from OCI images, rootful or
 * rootless, with state kept in a crash-safe database.  This umbrella header
 * includes every stable public header; the pluggable-backend interfaces under
 * containerkit/sys/ are included separately. */
#ifndef CONTAINERKIT_H
#define CONTAINERKIT_H

#include "containerkit/common.h"
#include "containerkit/version.h"
#include "containerkit/error.h"
#include "containerkit/context.h"
#include "containerkit/volume.h"
#include "containerkit/network.h"
#include "containerkit/registry.h"
#include "containerkit/rootfs.h"
#include "containerkit/image.h"
#include "containerkit/container.h"
#include "containerkit/spec_host.h"
#include "containerkit/container_fs.h"
#include "containerkit/copy.h"
#include "containerkit/pod.h"
#include "containerkit/events.h"
#include "containerkit/health.h"
#include "containerkit/system.h"
#include "containerkit/autoupdate.h"
#include "containerkit/systemd.h"
#include "containerkit/kube.h"
#include "containerkit/deprecated.h"

#endif
