/* The contents of an archive or OCI layout being loaded: every entry is hashed
 * as it streams by and kept in memory (small) or staged in a private
 * temporary directory (large), so nothing reaches the blob store before the
 * whole archive has been read and checked.  Entry names are validated, never
 * used as paths: staged files are named by sequence number. */
#define _GNU_SOURCE
#include "archive_int.h"

#include "layer/libarchive.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMALL_MAX ((uint64_t)256 * 1024)   /* entries up to this size stay in memory ... */
#define MEM_MAX ((uint64_t)64 << 20)       /* ... while all of them fit in this */
#define ENTRIES_MAX 200000
#define LINK_DEPTH_MAX 16
#define BUF_SIZE (1u << 20)

/* ---- paths ---- */

/* Joins `base` (a normalized directory, or "") and `rel`, dropping empty and
 * "." components.  ".." pops a component when `dotdot` allows it, else is
 * refused; going above the top is always refused.  "" is the top itself. */
static int path_resolve(char **out, const char *base, const char *rel, bool dotdot)
{
	size_t cap = strlen(base) + strlen(rel) + 2, len = 0;
	char *buf = malloc(cap), *work = ck__asprintf("%s/%s", base, rel), *save = NULL;
	int rc = CK_OK;

	*out = NULL;
	if (!buf || !work) {
		free(buf);
		free(work);
		return ck__oom();
	}
	for (char *c = strtok_r(work, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (!dotdot || len == 0) {
				rc = CK_EINVAL;
				break;
			}
			while (len > 0 && buf[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash */
			continue;
		}
		if (len)
			buf[len++] = '/';
		memcpy(buf + len, c, strlen(c));
		len += strlen(c);
	}
	buf[len] = '\0';
	free(work);
	if (rc < 0)
		free(buf);
	else
		*out = buf;
	return rc;
}

/* The normalized name of an archive entry; "" for the top directory. */
static int entry_name(char **out, ck__arc *a, const char *raw)
{
	if (!raw || !*raw)
		return ck__error_set(CK_EINVAL, "%s: an entry has an empty or unreadable name", a->path);
	if (raw[0] == '/')
		return ck__error_set(CK_EINVAL, "%s: entry \"%s\" has an absolute path; refused", a->path, raw);
	if (path_resolve(out, "", raw, false) == CK_EINVAL)
		return ck__error_set(CK_EINVAL, "%s: entry \"%s\" has a \"..\" component that leads outside the "
		                     "archive; refused", a->path, raw);
	return *out ? CK_OK : ck__oom();
}

/* A symbolic link's target as an entry name, refusing one that leaves the
 * archive. */
static int link_target(char **out, ck__arc *a, const char *name, const char *target)
{
	const char *slash = strrchr(name, '/');
	char *dir = slash ? strndup(name, (size_t)(slash - name)) : strdup("");
	int rc;

	if (!dir)
		return ck__oom();
	if (!target || !*target || target[0] == '/')
		rc = CK_EINVAL;
	else
		rc = path_resolve(out, dir, target, true);
	free(dir);
	if (rc == CK_EINVAL)
		return ck__error_set(CK_EINVAL, "%s: link \"%s\" -> \"%s\" points outside the archive; refused",
		                     a->path, name, target ? target : "");
	return rc < 0 ? ck__oom() : CK_OK;
}

/* The digest a name promises: "blobs/sha256/HEX", "HEX.tar", "HEX.json". */
static bool name_digest(const char *name, char out[72])
{
	const char *base = strrchr(name, '/');
	size_t n;

	if (ck__str_has_prefix(name, "blobs/sha256/"))
		base = name + 13;
	else
		base = base ? base + 1 : name;
	n = strlen(base);
	if (n < 64 || !ck__is_hex(base, 64) || (n != 64 && strcmp(base + 64, ".tar") && strcmp(base + 64, ".json")))
		return false;
	for (size_t i = 0; i < 64; i++)
		if (base[i] >= 'A' && base[i] <= 'F')
			return false;
	snprintf(out, 72, "sha256:%.64s", base);
	return true;
}

/* ---- entries ---- */

static void entry_free(ck__arc_entry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->link);
	free(e->data);
	if (e->staged)
		unlink(e->staged);
	free(e->staged);
	free(e);
}

static int entry_new(ck__arc_entry **out, ck__arc *a, char *name)
{
	if (a->n >= ENTRIES_MAX) {
		free(name);
		return ck__error_set(CK_EINVAL, "%s: more than %d entries; not an image archive", a->path,
		                     ENTRIES_MAX);
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		ck__arc_entry **v = realloc(a->e, cap * sizeof(*v));
		if (!v) {
			free(name);
			return ck__oom();
		}
		a->e = v;
		a->cap = cap;
	}
	if (!(*out = calloc(1, sizeof(**out)))) {
		free(name);
		return ck__oom();
	}
	a->e[a->n] = *out;
	(*out)->name = name;
	(*out)->seq = a->n++;
	a->sorted = false;
	return CK_OK;
}

/* Where an entry's bytes come from. */
typedef struct reader {
	struct archive *ar;
	int fd;
} reader;

static ssize_t reader_read(reader *r, void *buf, size_t len)
{
	ssize_t n;

	if (r->ar)
		return archive_read_data(r->ar, buf, len);
	do
		n = read(r->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static int reader_error(reader *r, ck__arc *a, const char *name)
{
	if (r->ar)
		return ck__error_set(CK_ECORRUPT, "%s: entry %s: %s (truncated or damaged archive?)", a->path, name,
		                     archive_error_string(r->ar) ? archive_error_string(r->ar) : "read error");
	return ck__error_errno(CK_EIO, "%s: cannot read %s", a->path, name);
}

/* Reads one file's content (`size` bytes, or unknown when < 0) into a new
 * entry named `name` (taken over). */
static int take_file(ck__arc *a, reader *r, char *name, int64_t size, char *buf)
{
	ck__arc_entry *e;
	ck__sha256 h = { 0 };
	char guess[72], hex[65];
	bool hash_only, in_mem;
	int fd = -1, rc;

	if ((rc = entry_new(&e, a, name)) < 0)
		return rc;
	hash_only = name_digest(e->name, guess) && ck__blob_exists(a->ctx, guess);
	in_mem = !hash_only && size >= 0 && (uint64_t)size <= SMALL_MAX && a->mem_bytes + (uint64_t)size <= MEM_MAX;
	if (in_mem) {
		if (!(e->data = malloc((size_t)size + 1)))
			return ck__oom();
		a->mem_bytes += (uint64_t)size;
	} else if (!hash_only) {
		if (!(e->staged = ck__asprintf("%s/%zu", a->tmp.path, e->seq)))
			return ck__oom();
		fd = open(e->staged, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = ck__error_errno(CK_EIO, "%s: cannot stage entry %s in %s", a->path, e->name, e->staged);
			free(e->staged);
			e->staged = NULL;
			return rc;
		}
	}
	if ((rc = ck__sha256_init(&h)) < 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	for (;;) {
		ssize_t n = reader_read(r, buf, BUF_SIZE);
		if (n == 0)
			break;
		if (n < 0) {
			rc = reader_error(r, a, e->name);
			break;
		}
		if (in_mem && e->size + (uint64_t)n > (uint64_t)size) {
			rc = ck__error_set(CK_ECORRUPT, "%s: entry %s is longer than its header says", a->path, e->name);
			break;
		}
		ck__sha256_update(&h, buf, (size_t)n);
		if (e->magic_len < sizeof(e->magic)) {
			size_t m = sizeof(e->magic) - e->magic_len < (size_t)n ? sizeof(e->magic) - e->magic_len : (size_t)n;
			memcpy(e->magic + e->magic_len, buf, m);
			e->magic_len += m;
		}
		if (in_mem)
			memcpy(e->data + e->size, buf, (size_t)n);
		else if (fd >= 0 && ck__write_all(fd, buf, (size_t)n) < 0) {
			rc = ck__error_errno(CK_EIO, "%s: cannot stage entry %s in %s", a->path, e->name, e->staged);
			break;
		}
		e->size += (uint64_t)n;
	}
	if (rc == CK_OK && size >= 0 && e->size != (uint64_t)size)
		rc = ck__error_set(CK_ECORRUPT, "%s: entry %s ends after %llu of %lld bytes (truncated archive?)",
		                   a->path, e->name, (unsigned long long)e->size, (long long)size);
	if (fd >= 0 && close(fd) < 0 && rc == CK_OK)
		rc = ck__error_errno(CK_EIO, "%s: cannot stage entry %s in %s", a->path, e->name, e->staged);
	if (rc == CK_OK)
		rc = ck__sha256_final(&h, hex);
	ck__sha256_free(&h);
	if (rc < 0)
		return rc;
	if (in_mem)
		e->data[e->size] = '\0';
	snprintf(e->digest, sizeof(e->digest), "sha256:%s", hex);
	e->in_store = hash_only;
	if (a->progress)
		a->progress("copy", e->digest, e->size, e->size, a->payload);
	return CK_OK;
}

static int entry_cmp(const void *x, const void *y)
{
	const ck__arc_entry *a = *(ck__arc_entry *const *)x, *b = *(ck__arc_entry *const *)y;
	int c = strcmp(a->name, b->name);
	return c ? c : (a->seq < b->seq ? -1 : a->seq > b->seq);
}

/* Sorts by name; of several entries with one name the last wins, as when
 * a tar is extracted. */
static void sort_entries(ck__arc *a)
{
	size_t w = 0;

	qsort(a->e, a->n, sizeof(*a->e), entry_cmp);
	for (size_t i = 0; i < a->n; i++) {
		if (i + 1 < a->n && !strcmp(a->e[i]->name, a->e[i + 1]->name)) {
			entry_free(a->e[i]);
			continue;
		}
		a->e[w++] = a->e[i];
	}
	a->n = w;
	a->sorted = true;
}

static int read_archive(ck__arc *a)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ent;
	char *buf = malloc(BUF_SIZE), *name = NULL;
	reader r = { ar, -1 };
	int fd = -1, rc = CK_OK;

	if (!ar || !buf) {
		archive_read_free(ar);
		free(buf);
		return ck__oom();
	}
	archive_read_support_filter_all(ar);
	archive_read_support_format_tar(ar);
	if ((fd = open(a->path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = ck__error_errno(errno == ENOENT ? CK_ENOTFOUND : ck__errno_code(errno), "cannot open %s", a->path);
		goto out;
	}
	if (archive_read_open_fd(ar, fd, 128 * 1024) != ARCHIVE_OK) {
		/* libarchive looks for the format as it opens: a failure that is
		 * not a system error means the content is not a (compressed) tar */
		int err = archive_errno(ar);
		if (err <= 0 || err == EILSEQ)
			rc = ck__error_set(CK_EINVAL, "%s is neither an oci-archive nor a docker-archive: %s", a->path,
			                   archive_error_string(ar));
		else
			rc = ck__error_sys(CK_EIO, err, "cannot read %s: %s", a->path, archive_error_string(ar));
		goto out;
	}
	for (;;) {
		int ar_rc = archive_read_next_header(ar, &ent);
		if (ar_rc == ARCHIVE_EOF)
			break;
		if (ar_rc == ARCHIVE_WARN)
			ck__log(a->ctx, CK_LOG_WARN, "%s: %s", a->path, archive_error_string(ar));
		else if (ar_rc != ARCHIVE_OK) {
			if (a->n == 0)
				rc = ck__error_set(CK_EINVAL, "%s is neither an oci-archive nor a docker-archive: %s",
				                   a->path, archive_error_string(ar));
			else
				rc = ck__error_set(CK_ECORRUPT, "%s: damaged or truncated archive after entry %s: %s",
				                   a->path, a->e[a->n - 1]->name, archive_error_string(ar));
			break;
		}
		if ((rc = entry_name(&name, a, archive_entry_pathname(ent))) < 0)
			break;
		const char *hard = archive_entry_hardlink(ent);
		mode_t type = archive_entry_filetype(ent);
		ck__arc_entry *e;
		if (hard || type == AE_IFLNK) {
			char *target = NULL;
			if (!*name)
				rc = ck__error_set(CK_EINVAL, "%s: the archive's top directory is a link; refused", a->path);
			else if (hard && hard[0] == '/')
				rc = ck__error_set(CK_EINVAL, "%s: hard link \"%s\" -> \"%s\" points outside the archive; "
				                   "refused", a->path, name, hard);
			else if (hard && path_resolve(&target, "", hard, false) < 0)
				rc = ck__error_set(CK_EINVAL, "%s: hard link \"%s\" -> \"%s\" points outside the archive; "
				                   "refused", a->path, name, hard);
			else if (!hard)
				rc = link_target(&target, a, name, archive_entry_symlink(ent));
			if (rc < 0) {
				free(name);
				free(target);
			} else if ((rc = entry_new(&e, a, name)) == CK_OK) { /* takes name, even when failing */
				e->link = target;
			} else {
				free(target);
			}
			name = NULL;
		} else if (type == AE_IFDIR) {
			free(name);
			name = NULL;
		} else if (type == AE_IFREG) {
			if (!*name) {
				rc = ck__error_set(CK_EINVAL, "%s: a file entry without a name; refused", a->path);
				free(name);
			} else
				rc = take_file(a, &r, name, archive_entry_size_is_set(ent) ? archive_entry_size(ent) : -1,
				               buf);
			name = NULL;
		} else {
			rc = ck__error_set(CK_EINVAL, "%s: entry \"%s\" is a %s, not a file, directory or link; refused",
			                   a->path, name,
			                   type == AE_IFCHR ? "character device" : type == AE_IFBLK ? "block device" :
			                   type == AE_IFIFO ? "fifo" : type == AE_IFSOCK ? "socket" : "special file");
		}
		free(name);
		name = NULL;
		if (rc < 0)
			break;
	}
	if (rc == CK_OK)
		sort_entries(a);
out:
	archive_read_free(ar);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* Reads the file `name` of a layout directory into a new entry. */
static int read_dir_entry(ck__arc_entry **out, ck__arc *a, const char *name)
{
	char *path = ck__path_join(a->path, name), *copy = ck__strdup(name), *buf = NULL, guess[72];
	struct stat st;
	reader r = { NULL, -1 };
	int rc = CK_OK;

	*out = NULL;
	if (!path || !copy) {
		rc = ck__oom();
		goto out;
	}
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0) {
		if (errno != ENOENT)
			rc = ck__error_errno(CK_EIO, "cannot open %s", path);
		goto out;
	}
	if (fstat(r.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = ck__error_set(CK_ECORRUPT, "%s is not a regular file", path);
		goto out;
	}
	if (name_digest(name, guess) && ck__blob_exists(a->ctx, guess)) {
		/* The store holds it (verified when it went in): no need to read. */
		if ((rc = entry_new(out, a, copy)) == CK_OK) {
			copy = NULL;
			(*out)->in_store = true;
			(*out)->size = (uint64_t)st.st_size;
			memcpy((*out)->digest, guess, sizeof(guess));
		}
		goto out;
	}
	if (!(buf = malloc(BUF_SIZE))) {
		rc = ck__oom();
		goto out;
	}
	if ((rc = take_file(a, &r, copy, st.st_size, buf)) == CK_OK)
		*out = a->e[a->n - 1];
	copy = NULL;
out:
	if (r.fd >= 0)
		close(r.fd);
	free(buf);
	free(copy);
	free(path);
	return rc;
}

int ck__arc_open(ck__arc *a, ck_context *ctx, const char *path, ck_progress_fn progress, void *payload)
{
	struct stat st;
	int rc;

	memset(a, 0, sizeof(*a));
	a->tmp.fd = -1;
	a->ctx = ctx;
	a->progress = progress;
	a->payload = payload;
	if (!(a->path = ck__strdup(path)))
		return ck__oom();
	if (stat(path, &st) < 0)
		return ck__error_errno(errno == ENOENT ? CK_ENOTFOUND : CK_EIO, "cannot open %s", path);
	a->is_dir = S_ISDIR(st.st_mode);
	if (a->is_dir) {
		char *marker = ck__path_join(path, "oci-layout");
		bool ok = marker && ck__path_exists(marker);
		free(marker);
		if (!ok)
			return ck__error_set(CK_EINVAL, "%s is a directory but not an OCI layout (it has no oci-layout "
			                     "file)", path);
	}
	ck__tmpdir_sweep(ctx);
	if ((rc = ck__tmpdir_create(&a->tmp, ctx, "load")) < 0)
		return rc;
	return a->is_dir ? CK_OK : read_archive(a);
}

void ck__arc_close(ck__arc *a)
{
	for (size_t i = 0; i < a->n; i++)
		entry_free(a->e[i]);
	free(a->e);
	ck__tmpdir_remove(&a->tmp);
	free(a->path);
	memset(a, 0, sizeof(*a));
	a->tmp.fd = -1;
}

static ck__arc_entry *lookup(ck__arc *a, const char *name)
{
	if (a->sorted) {
		size_t lo = 0, hi = a->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(name, a->e[mid]->name);
			if (c == 0)
				return a->e[mid];
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		return NULL;
	}
	for (size_t i = a->n; i-- > 0;)
		if (!strcmp(a->e[i]->name, name))
			return a->e[i];
	return NULL;
}

int ck__arc_find(ck__arc_entry **out, ck__arc *a, const char *name)
{
	ck__arc_entry *e;
	char *norm = NULL;
	int rc;

	*out = NULL;
	if ((rc = entry_name(&norm, a, name)) < 0)
		return rc;
	e = lookup(a, norm);
	if (!e && a->is_dir && (rc = read_dir_entry(&e, a, norm)) < 0) {
		free(norm);
		return rc;
	}
	free(norm);
	for (int depth = 0; e && e->link; depth++) {
		if (depth == LINK_DEPTH_MAX)
			return ck__error_set(CK_ECORRUPT, "%s: entry %s: too many levels of links", a->path, name);
		e = lookup(a, e->link);
	}
	*out = e;
	return CK_OK;
}

int ck__arc_get(ck__arc_entry **out, ck__arc *a, const char *name, const char *what)
{
	int rc = ck__arc_find(out, a, name);

	if (rc == CK_OK && !*out)
		rc = ck__error_set(CK_ECORRUPT, "%s: %s: the archive has no entry %s", a->path, what, name);
	return rc;
}

int ck__arc_blob(ck__arc_entry **out, ck__arc *a, const char *digest, int64_t size, const char *what)
{
	char hex[65], *name;
	ck__arc_entry *e;
	int rc;

	*out = NULL;
	if ((rc = ck__digest_parse(digest, hex)) < 0)
		return ck__error_wrap(rc, "%s: %s", a->path, what);
	if (!(name = ck__asprintf("blobs/sha256/%s", hex)))
		return ck__oom();
	rc = ck__arc_find(&e, a, name);
	if (rc == CK_OK && !e)
		rc = ck__error_set(CK_ECORRUPT, "%s: %s: blob %s is not in the %s", a->path, what, digest,
		                   a->is_dir ? "layout" : "archive");
	else if (rc == CK_OK && strcmp(e->digest, digest) != 0)
		rc = ck__error_set(CK_EDIGEST, "%s: %s: %s does not match its digest (its content has digest %s)",
		                   a->path, what, name, e->digest);
	else if (rc == CK_OK && size >= 0 && e->size != (uint64_t)size)
		rc = ck__error_set(CK_ECORRUPT, "%s: %s: %s has %llu bytes but its descriptor says %lld", a->path, what,
		                   name, (unsigned long long)e->size, (long long)size);
	free(name);
	if (rc == CK_OK)
		*out = e;
	return rc;
}

int ck__arc_read(char **data, size_t *len, ck__arc *a, const ck__arc_entry *e, size_t max)
{
	int rc;

	*data = NULL;
	if (e->size > max)
		return ck__error_set(CK_ECORRUPT, "%s: entry %s is too large (%llu bytes, at most %zu)", a->path,
		                     e->name, (unsigned long long)e->size, max);
	if (e->data) {
		if (!(*data = malloc(e->size + 1)))
			return ck__oom();
		memcpy(*data, e->data, e->size + 1);
		*len = e->size;
		return CK_OK;
	}
	if (e->staged)
		rc = ck__read_file(data, len, e->staged, max);
	else
		rc = ck__blob_read(data, len, a->ctx, e->digest, max);
	return rc < 0 ? ck__error_wrap(rc, "%s: entry %s", a->path, e->name) : CK_OK;
}

/* Moves a staged file into the blob store: it was hashed on the way in, so
 * only durability is left to do.  As blob.c does, a blob another writer
 * stored meanwhile is kept (same digest, same content). */
static int adopt(ck__arc *a, const ck__arc_entry *e)
{
	char *dst = ck__blob_path(a->ctx, e->digest), *slash;
	int fd, rc = CK_OK;

	if (!dst)
		return ck__oom();
	slash = strrchr(dst, '/');
	*slash = '\0';
	rc = ck__mkdir_p(dst, 0700);
	*slash = '/';
	if (rc == CK_OK && ((fd = open(e->staged, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0 || close(fd) < 0))
		rc = ck__error_errno(CK_EIO, "%s: cannot sync the staged copy of %s", a->path, e->name);
	if (rc == CK_OK && renameat2(AT_FDCWD, e->staged, AT_FDCWD, dst, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			unlink(e->staged);
		else if ((errno != EINVAL && errno != ENOSYS) || rename(e->staged, dst) < 0)
			rc = ck__error_errno(CK_EIO, "%s: cannot move %s into the blob store as %s", a->path, e->name,
			                     dst);
	}
	if (rc == CK_OK) {
		*slash = '\0';
		rc = ck__fsync_dir(dst);
	}
	free(dst);
	return rc;
}

int ck__arc_ingest(ck__arc *a, const ck__arc_entry *e)
{
	int rc;

	if (ck__blob_exists(a->ctx, e->digest)) {
		if (a->progress)
			a->progress("skip", e->digest, e->size, e->size, a->payload);
		return CK_OK;
	}
	if (e->data)
		rc = ck__blob_put(NULL, a->ctx, e->data, e->size, e->digest);
	else if (e->staged)
		rc = adopt(a, e);
	else
		rc = ck__error_set(CK_ENOTFOUND, "%s: blob %s (entry %s) disappeared from the store during the load",
		                   a->path, e->digest, e->name);
	if (rc < 0)
		return rc;
	if (a->progress)
		a->progress("write", e->digest, e->size, e->size, a->payload);
	return CK_OK;
}
