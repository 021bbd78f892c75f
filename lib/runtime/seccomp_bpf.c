/* The default seccomp profile compiled to BPF before crun runs, and cached.
 *
 * crun compiles a config's seccomp section with libseccomp at every start:
 * about 15-20 ms of a 35 ms `crun run`.  Given the compiled program in the
 * annotation run.oci.seccomp_bpf_data (base64), it loads that instead.  The
 * library compiles the profile once per capability set, making the same
 * libseccomp calls in the same order as crun does for the JSON section, so
 * the program is the one crun would have made, byte for byte (the tests
 * compare it with crun's own), and keeps it in the run root.  runc has no
 * such annotation; it keeps compiling the JSON section. */
#define _GNU_SOURCE
#include "runtime_int.h"
#include "runtime/libseccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Changes whenever the same key would name a different program (a change
 * of the translation below, not of the profile: the profile is hashed). */
#define CACHE_FORMAT 1
/* The kernel refuses longer programs, so a longer cache file is damaged. */
#define MAX_PROGRAM (BPF_MAXINSNS * sizeof(struct sock_filter))

/* ---- compiling, as crun does ---- */

typedef struct compiler {
	scmp_filter_ctx filter;
	uint32_t default_action;
} compiler;

/* crun's reading of an action: an ERRNO without errnoRet is EPERM. */
static uint32_t action_of(ck__scmp_action action, int errno_ret)
{
	if (action == CK__SCMP_ALLOW)
		return SCMP_ACT_ALLOW;
	return SCMP_ACT_ERRNO(errno_ret ? (uint32_t)errno_ret : EPERM);
}

static int compile_begin(ck__scmp_action default_action, int default_errno, const char *const *archs,
                         void *payload)
{
	compiler *c = payload;

	c->default_action = action_of(default_action, default_errno);
	if (!(c->filter = seccomp_init(c->default_action)))
		return ck__error_set(CK_EIO, "seccomp_init failed");
	for (size_t i = 0; archs[i]; i++) {
		/* "SCMP_ARCH_X86_64" -> "x86_64", which libseccomp resolves. */
		const char *name = archs[i];
		char lower[32];
		size_t n = 0;
		uint32_t token;
		int rc;

		if (ck__str_has_prefix(name, "SCMP_ARCH_"))
			name += strlen("SCMP_ARCH_");
		for (; name[n] && n < sizeof(lower) - 1; n++)
			lower[n] = (char)tolower((unsigned char)name[n]);
		lower[n] = '\0';
		if (!(token = seccomp_arch_resolve_name(lower)))
			return ck__error_set(CK_EUNSUPPORTED, "libseccomp does not know the architecture %s", archs[i]);
		/* The native one is already in. */
		rc = seccomp_arch_add(c->filter, token);
		if (rc < 0 && rc != -EEXIST)
			return ck__error_sys(CK_EIO, -rc, "cannot add the architecture %s to the filter", archs[i]);
	}
	return CK_OK;
}

static int compile_rule(const ck__scmp_rule *r, void *payload)
{
	compiler *c = payload;
	uint32_t action = action_of(r->action, r->errno_ret);
	struct scmp_arg_cmp cmp[6];
	size_t n_cmp = r->n_args < 6 ? r->n_args : 6;
	bool shared_index = false;
	unsigned int seen = 0;

	if (action == c->default_action)
		return CK_OK;
	for (size_t i = 0; i < n_cmp; i++) {
		const ck__scmp_arg *a = &r->args[i];
		if (a->index >= 6)
			return ck__error_set(CK_EINVAL, "seccomp rule for %s: argument index %u", r->names[0], a->index);
		/* libseccomp cannot AND two comparisons of one argument: such
		 * comparisons become rules of their own, as crun makes them. */
		if (seen & (1u << a->index))
			shared_index = true;
		seen |= 1u << a->index;
		cmp[i] = (struct scmp_arg_cmp){
			.arg = a->index,
			.op = a->op == CK__SCMP_CMP_EQ ? SCMP_CMP_EQ : SCMP_CMP_MASKED_EQ,
			.datum_a = a->value,
			.datum_b = a->value_two,
		};
	}
	for (size_t i = 0; r->names[i]; i++) {
		int nr = seccomp_syscall_resolve_name(r->names[i]);
		int rc = 0;

		/* A name this libseccomp does not know: crun skips it too. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		if (!r->n_args)
			rc = seccomp_rule_add(c->filter, action, nr, 0);
		else if (!shared_index)
			rc = seccomp_rule_add_array(c->filter, action, nr, (unsigned int)n_cmp, cmp);
		else
			for (size_t k = 0; k < n_cmp && rc >= 0; k++)
				rc = seccomp_rule_add_array(c->filter, action, nr, 1, &cmp[k]);
		if (rc < 0)
			return ck__error_sys(CK_EIO, -rc, "cannot add the seccomp rule for %s", r->names[i]);
	}
	return CK_OK;
}

/* A program the kernel would refuse at once: not whole instructions, too
 * long, or not ending in a return. */
static bool program_ok(const unsigned char *prog, size_t len)
{
	struct sock_filter last;

	if (len == 0 || len % sizeof(last) || len > MAX_PROGRAM)
		return false;
	memcpy(&last, prog + len - sizeof(last), sizeof(last));
	return BPF_CLASS(last.code) == BPF_RET;
}

static int compile(unsigned char **out, size_t *len, uint64_t caps)
{
	static const ck__scmp_walker walker = { compile_begin, compile_rule };
	compiler c = { NULL, 0 };
	unsigned char *prog = NULL;
	struct stat st;
	int fd = -1, rc;

	if ((rc = ck__seccomp_walk(caps, &walker, &c)) != CK_OK)
		goto out;
	/* libseccomp exports to a file descriptor only. */
	if ((fd = memfd_create("ck-seccomp-bpf", MFD_CLOEXEC)) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot create a memory file for the seccomp program");
		goto out;
	}
	if ((rc = seccomp_export_bpf(c.filter, fd)) < 0) {
		rc = ck__error_sys(CK_EIO, -rc, "cannot export the seccomp program");
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = ck__error_errno(CK_EIO, "cannot read the seccomp program back");
		goto out;
	}
	if (!(prog = malloc(st.st_size ? (size_t)st.st_size : 1))) {
		rc = ck__oom();
		goto out;
	}
	if (pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
		rc = ck__error_errno(CK_EIO, "cannot read the seccomp program back");
		goto out;
	}
	if (!program_ok(prog, (size_t)st.st_size)) {
		rc = ck__error_set(CK_EIO, "libseccomp made a seccomp program of %lld bytes that the kernel would refuse",
		                   (long long)st.st_size);
		goto out;
	}
	*out = prog;
	*len = (size_t)st.st_size;
	prog = NULL;
	rc = CK_OK;
out:
	free(prog);
	if (fd >= 0)
		close(fd);
	if (c.filter)
		seccomp_release(c.filter);
	return rc;
}

/* ---- the cache key ---- */

/* FNV-1a: the inputs are ours, not an adversary's, and 64 bits make a
 * collision between the few keys a host ever has negligible. */
static void hash_bytes(uint64_t *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		*h ^= p[i];
		*h *= 0x100000001b3ULL;
	}
}

static void hash_u64(uint64_t *h, uint64_t v)
{
	hash_bytes(h, &v, sizeof(v));
}

static void hash_str(uint64_t *h, const char *s)
{
	hash_bytes(h, s, strlen(s) + 1);
}

static int hash_begin(ck__scmp_action default_action, int default_errno, const char *const *archs, void *payload)
{
	uint64_t *h = payload;

	hash_u64(h, default_action);
	hash_u64(h, (uint64_t)default_errno);
	for (size_t i = 0; archs[i]; i++)
		hash_str(h, archs[i]);
	hash_u64(h, UINT64_MAX);
	return CK_OK;
}

static int hash_rule(const ck__scmp_rule *r, void *payload)
{
	uint64_t *h = payload;

	hash_u64(h, r->action);
	hash_u64(h, (uint64_t)r->errno_ret);
	for (size_t i = 0; r->names[i]; i++)
		hash_str(h, r->names[i]);
	hash_u64(h, r->n_args);
	for (size_t i = 0; i < r->n_args; i++) {
		hash_u64(h, r->args[i].index);
		hash_u64(h, r->args[i].value);
		hash_u64(h, r->args[i].value_two);
		hash_u64(h, r->args[i].op);
	}
	return CK_OK;
}

/* Everything the program depends on: the profile for these capabilities
 * (hashed whole, so that editing seccomp.c needs no version bump), the
 * capability bits it looks at, libseccomp's version, the native
 * architecture, and the kernel (libseccomp checks some actions against it;
 * crun keys its own cache on the kernel too). */
static void cache_key(char out[17], uint64_t caps)
{
	static const ck__scmp_walker walker = { hash_begin, hash_rule };
	const struct scmp_version *v = seccomp_version();
	uint64_t h = 0xcbf29ce484222325ULL;
	struct utsname u;

	hash_u64(&h, CACHE_FORMAT);
	hash_u64(&h, caps & ck__seccomp_caps_mask());
	hash_u64(&h, v ? v->major : 0);
	hash_u64(&h, v ? v->minor : 0);
	hash_u64(&h, v ? v->micro : 0);
	hash_u64(&h, seccomp_arch_native());
	if (uname(&u) == 0) {
		hash_str(&h, u.release);
		hash_str(&h, u.version);
		hash_str(&h, u.machine);
	}
	ck__seccomp_walk(caps, &walker, &h);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- the cache: <cache_dir>/<key>.bpf ---- */

/* One open and one read; anything the kernel would refuse is a miss (and
 * is replaced). */
static bool cache_read(unsigned char **out, size_t *len, const char *path)
{
	unsigned char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return false;
	if (!(buf = malloc(MAX_PROGRAM + 1))) {
		close(fd);
		return false;
	}
	n = read(fd, buf, MAX_PROGRAM + 1);
	close(fd);
	if (n <= 0 || !program_ok(buf, (size_t)n)) {
		free(buf);
		return false;
	}
	*out = buf;
	*len = (size_t)n;
	return true;
}

/* One compile at a time in a process: libseccomp's probes of the kernel
 * share global state, and two threads writing one cache file would share
 * ck__write_file_replace's temporary name (it holds the pid). */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

int ck__seccomp_bpf(unsigned char **out, size_t *len, ck_context *ctx, uint64_t caps, const char *cache_dir)
{
	char key[17], *path = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = ck__seccomp_require()) != CK_OK)
		return rc;
	if (cache_dir) {
		cache_key(key, caps);
		if (!(path = ck__asprintf("%s/%s.bpf", cache_dir, key)))
			return ck__oom();
		if (cache_read(out, len, path)) {
			free(path);
			return CK_OK;
		}
	}
	pthread_mutex_lock(&compile_lock);
	/* Another thread may have made it meanwhile. */
	if (path && cache_read(out, len, path))
		goto out;
	if ((rc = compile(out, len, caps)) != CK_OK || !path)
		goto out;
	/* Not durable: it is made again if a crash loses it. */
	if (ck__mkdir_p(cache_dir, 0700) != CK_OK ||
	    ck__write_file_replace(path, *out, *len, 0600, false) != CK_OK) {
		ck__log(ctx, CK_LOG_DEBUG, "seccomp: cannot cache the compiled profile: %s", ck_error_last()->message);
		ck__error_clear();
	} else {
		ck__log(ctx, CK_LOG_DEBUG, "seccomp: compiled the profile into %s (%zu instructions)", path,
		        *len / sizeof(struct sock_filter));
	}
out:
	pthread_mutex_unlock(&compile_lock);
	free(path);
	return rc;
}

/* ---- the annotation ---- */

static char *base64(const unsigned char *data, size_t len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*o++ = digits[(v >> 18) & 63];
		*o++ = digits[(v >> 12) & 63];
		*o++ = i + 1 < len ? digits[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? digits[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

int ck__seccomp_bpf_base64(char **out, ck_context *ctx, uint64_t caps, const char *cache_dir)
{
	unsigned char *prog = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = ck__seccomp_bpf(&prog, &len, ctx, caps, cache_dir)) != CK_OK)
		return rc;
	*out = base64(prog, len);
	free(prog);
	return *out ? CK_OK : ck__oom();
}
