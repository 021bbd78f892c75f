/* Mounts of a container: parsing -v and --mount, refusing what podman
 * refuses, and at create time resolving host paths and named volumes
 * (creating those used for the first time, and anonymous ones). */
#define _GNU_SOURCE
#include "container_int.h"
#include "volume/volume.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

void ck__mnt_free(ck__mnt *m)
{
	if (!m)
		return;
	free(m->source);
	free(m->destination);
	ck_strv_free(m->options);
	memset(m, 0, sizeof(*m));
}

int ck__mnt_copy(ck__mnt *dst, const ck__mnt *src)
{
	*dst = *src;
	dst->source = ck__strdup(src->source);
	dst->destination = ck__strdup(src->destination);
	dst->options = NULL;
	if ((src->source && !dst->source) || !dst->destination ||
	    ck__strv_dup(&dst->options, (const char *const *)src->options) != CK_OK) {
		ck__mnt_free(dst);
		return ck__oom();
	}
	return CK_OK;
}

/* Options passed through to the mount as they are. */
static const char *const passthrough[] = {
	"nosuid", "nodev", "noexec", "suid", "dev", "exec", "private", "rprivate", "shared",
	"rshared", "slave", "rslave", "unbindable", "runbindable", NULL,
};

static bool is_passthrough(const char *o)
{
	for (size_t i = 0; passthrough[i]; i++)
		if (strcmp(passthrough[i], o) == 0)
			return true;
	return false;
}

static int set_destination(ck__mnt *m, const char *dest, const char *text)
{
	if (!dest || dest[0] != '/')
		return ck__error_set(CK_EINVAL, "invalid mount \"%s\": the destination \"%s\" is not an absolute "
		                                "path", text, dest ? dest : "");
	if (!(m->destination = ck__path_clean(dest, NULL)))
		return ck__oom();
	if (strcmp(m->destination, "/") == 0)
		return ck__error_set(CK_EINVAL, "invalid mount \"%s\": cannot mount over / in the container", text);
	return CK_OK;
}

/* Volume names may not look like paths; anything with '/' is a host path. */
static bool is_host_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || strchr(s, '/') != NULL;
}

int ck__mnt_parse_volume(ck__mnt *m, const char *source, const char *dest, const char *options)
{
	char text[512], *opts = NULL, *save = NULL;
	bool seen_ro = false, seen_rw = false;
	int rc;

	memset(m, 0, sizeof(*m));
	m->tmpfs_mode = -1;
	snprintf(text, sizeof(text), "%s%s%s%s%s", source ? source : "", source ? ":" : "", dest,
	         options ? ":" : "", options ? options : "");
	if ((rc = set_destination(m, dest, text)) != CK_OK)
		goto fail;
	if (!source) {
		m->type = CK__MNT_VOLUME;
		m->anonymous = true;
	} else if (!*source) {
		rc = ck__error_set(CK_EINVAL, "invalid volume \"%s\": the source is empty", text);
		goto fail;
	} else if (is_host_path(source)) {
		m->type = CK__MNT_BIND;
		if (!(m->source = strdup(source))) {
			rc = ck__oom();
			goto fail;
		}
	} else {
		m->type = CK__MNT_VOLUME;
		if ((rc = ck__validate_name(source, "volume")) != CK_OK)
			goto fail;
		if (!(m->source = strdup(source))) {
			rc = ck__oom();
			goto fail;
		}
	}
	if (options && !(opts = strdup(options))) {
		rc = ck__oom();
		goto fail;
	}
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro") || !strcmp(o, "rw")) {
			if ((o[1] == 'o' && seen_rw) || (o[1] == 'w' && seen_ro)) {
				rc = ck__error_set(CK_EINVAL, "invalid volume \"%s\": ro and rw conflict", text);
				goto fail;
			}
			seen_ro |= o[1] == 'o';
			seen_rw |= o[1] == 'w';
			m->ro = seen_ro;
		} else if (!strcmp(o, "z") || !strcmp(o, "Z")) {
			if (m->relabel && m->relabel != o[0]) {
				rc = ck__error_set(CK_EINVAL, "invalid volume \"%s\": z and Z conflict", text);
				goto fail;
			}
			m->relabel = o[0];
		} else if (!strcmp(o, "nocopy")) {
			m->nocopy = true;
		} else if (!strcmp(o, "bind") || !strcmp(o, "rbind")) {
			if ((rc = ck__strv_push(&m->options, o)) != CK_OK)
				goto fail;
		} else if (is_passthrough(o)) {
			if ((rc = ck__strv_push(&m->options, o)) != CK_OK)
				goto fail;
		} else {
			rc = ck__error_set(CK_EINVAL, "invalid volume \"%s\": unknown option \"%s\" (use ro, rw, z, Z, "
			                              "nosuid, nodev, noexec, bind, rbind, a propagation or nocopy)",
			                   text, o);
			goto fail;
		}
	}
	free(opts);
	return CK_OK;
fail:
	free(opts);
	ck__mnt_free(m);
	return rc;
}

static bool parse_bool_value(const char *v, bool *out)
{
	if (!v || !strcasecmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return true;
	}
	return false;
}

static bool parse_size(const char *v, int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	int64_t mult = 1;
	if (errno || end == v || n < 0)
		return false;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mult = 1024; end++; break;
	case 'm': mult = 1024 * 1024; end++; break;
	case 'g': mult = 1024LL * 1024 * 1024; end++; break;
	default: return false;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || n > INT64_MAX / mult)
		return false;
	*out = n * mult;
	return true;
}

int ck__mnt_parse_mount(ck__mnt *m, const char *text)
{
	char *copy = strdup(text), *save = NULL, *type = NULL, *src = NULL, *dst = NULL;
	int rc = CK_OK;

	memset(m, 0, sizeof(*m));
	m->tmpfs_mode = -1;
	if (!copy)
		return ck__oom();
	for (char *kv = strtok_r(copy, ",", &save); kv && rc == CK_OK; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		bool b;
		if (v)
			*v++ = '\0';
		if (!strcmp(kv, "type"))
			type = v;
		else if (!strcmp(kv, "source") || !strcmp(kv, "src"))
			src = v;
		else if (!strcmp(kv, "target") || !strcmp(kv, "destination") || !strcmp(kv, "dst"))
			dst = v;
		else if ((!strcmp(kv, "ro") || !strcmp(kv, "readonly")) && parse_bool_value(v, &b))
			m->ro = b;
		else if (!strcmp(kv, "rw") && parse_bool_value(v, &b))
			m->ro = !b;
		else if (!strcmp(kv, "relabel") && v && (!strcmp(v, "shared") || !strcmp(v, "private")))
			m->relabel = v[0] == 's' ? 'z' : 'Z';
		else if (!strcmp(kv, "bind-propagation") && v && is_passthrough(v))
			rc = ck__strv_push(&m->options, v);
		else if (!strcmp(kv, "tmpfs-size") && v && parse_size(v, &m->tmpfs_size))
			;
		else if (!strcmp(kv, "tmpfs-mode") && v && *v) {
			char *end;
			long mode = strtol(v, &end, 8);
			if (*end || mode < 0 || mode > 07777)
				rc = ck__error_set(CK_EINVAL, "invalid mount \"%s\": tmpfs-mode=%s is not an octal mode",
				                   text, v);
			m->tmpfs_mode = (int)mode;
		} else if (!v && (!strcmp(kv, "nosuid") || !strcmp(kv, "nodev") || !strcmp(kv, "noexec") ||
		                  !strcmp(kv, "suid") || !strcmp(kv, "dev") || !strcmp(kv, "exec")))
			rc = ck__strv_push(&m->options, kv);
		else if (!strcmp(kv, "volume-nocopy") && parse_bool_value(v, &b))
			m->nocopy = b;
		else
			rc = ck__error_set(CK_EINVAL, "invalid mount \"%s\": unknown or malformed option \"%s%s%s\"",
			                   text, kv, v ? "=" : "", v ? v : "");
	}
	if (rc != CK_OK)
		goto out;
	if (!type || !strcmp(type, "volume")) {
		m->type = CK__MNT_VOLUME;
		if (!src || !*src)
			m->anonymous = true;
		else if (is_host_path(src) || (rc = ck__validate_name(src, "volume")) != CK_OK) {
			if (rc == CK_OK)
				rc = ck__error_set(CK_EINVAL, "invalid mount \"%s\": a volume source is a volume name, "
				                              "not a path (use type=bind)", text);
			goto out;
		}
	} else if (!strcmp(type, "bind")) {
		m->type = CK__MNT_BIND;
		if (!src || !*src) {
			rc = ck__error_set(CK_EINVAL, "invalid mount \"%s\": a bind mount needs a source", text);
			goto out;
		}
	} else if (!strcmp(type, "tmpfs")) {
		m->type = CK__MNT_TMPFS;
		if (src) {
			rc = ck__error_set(CK_EINVAL, "invalid mount \"%s\": a tmpfs has no source", text);
			goto out;
		}
	} else {
		rc = ck__error_set(CK_EUNSUPPORTED, "invalid mount \"%s\": type \"%s\" is not supported (use bind, "
		                                    "volume or tmpfs)", text, type);
		goto out;
	}
	if (m->type != CK__MNT_TMPFS && (m->tmpfs_size || m->tmpfs_mode >= 0)) {
		rc = ck__error_set(CK_EINVAL, "invalid mount \"%s\": tmpfs options on a %s mount", text, type);
		goto out;
	}
	if (src && *src && !(m->source = strdup(src))) {
		rc = ck__oom();
		goto out;
	}
	rc = set_destination(m, dst, text);
out:
	free(copy);
	if (rc != CK_OK)
		ck__mnt_free(m);
	return rc;
}

/* Directories whose relabelling would break the host (podman refuses them
 * whatever SELinux says). */
static const char *const system_dirs[] = {
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt",
	"/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
	"/usr/local", "/usr/sbin", "/var", "/var/lib", "/var/log", "/var/tmp", NULL,
};

int ck__mnt_check_relabel(const ck__mnt *m)
{
	char real[PATH_MAX];
	const char *p = m->source;

	if (!m->relabel || m->type != CK__MNT_BIND || !p)
		return CK_OK;
	if (realpath(p, real))
		p = real;
	for (size_t i = 0; system_dirs[i]; i++)
		if (strcmp(p, system_dirs[i]) == 0)
			return ck__error_set(CK_EPERM, "relabeling content in %s is not allowed (volume %s:%s:%c): it "
			                               "is a system directory", p, m->source, m->destination,
			                     m->relabel);
	return CK_OK;
}

/* ---- relabelling (SELinux hosts only) ---- */

/* The label podman gives shared content (z).  A private label (Z) needs a
 * per-container MCS pair that the process label must carry as well, which
 * this version does not set: Z gets the shared label too. */
#define SHARED_LABEL "system_u:object_r:container_file_t:s0"

static int relabel_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (lsetxattr(path, "security.selinux", SHARED_LABEL, sizeof(SHARED_LABEL), 0) < 0 && errno != ENOTSUP)
		return errno;
	return 0;
}

int ck__mnt_relabel(const ck__mnt *m)
{
	int err;

	if (!m->relabel || m->type != CK__MNT_BIND || !m->source)
		return CK_OK;
	if ((err = nftw(m->source, relabel_one, 32, FTW_PHYS | FTW_MOUNT)) != 0)
		return ck__error_sys(CK_EIO, err > 0 ? err : errno, "cannot relabel %s for SELinux", m->source);
	return CK_OK;
}
