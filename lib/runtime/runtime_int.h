/* Private helpers shared by the runtime module's files: capability and
 * rlimit tables, podman's default lists, and the pieces of config.json that
 * both the container config and an exec's process.json are built from. */
#ifndef CK_RUNTIME_INT_H
#define CK_RUNTIME_INT_H

#include "runtime/runtime.h"

#include <stdint.h>

/* ---- capabilities (oci_defaults.c) ---- */
#define CK__CAP_MAX 64
/* "CAP_CHOWN" for bit 0; NULL for a bit this build has no name for. */
const char *ck__cap_name(int bit);
/* The bit for "CAP_NET_ADMIN" or "net_admin" (any case); -1 if unknown. */
int ck__cap_from_name(const char *name);
/* Computes the container's capability set: podman's default set, "ALL"
 * (every capability the kernel and the caller's bounding set know), then
 * the named additions, then the named drops.  CK_EINVAL names an unknown
 * capability; CK_EPERM one the caller cannot hand on. */
int ck__caps_compute(uint64_t *out, char *const *cap_add, char *const *cap_drop);
/* Writes ["CAP_A", "CAP_B", ...] for `mask`. */
void ck__caps_gen(yajl_gen g, uint64_t mask);
/* The bit is set in `mask`. */
static inline bool ck__cap_has(uint64_t mask, int bit)
{
	return bit >= 0 && bit < CK__CAP_MAX && (mask >> bit) & 1;
}

/* Bits of the capabilities the seccomp profile looks at. */
enum {
	CK__CAP_DAC_READ_SEARCH = 2,
	CK__CAP_SYS_MODULE = 16,
	CK__CAP_SYS_RAWIO = 17,
	CK__CAP_SYS_CHROOT = 18,
	CK__CAP_SYS_PTRACE = 19,
	CK__CAP_SYS_PACCT = 20,
	CK__CAP_SYS_ADMIN = 21,
	CK__CAP_SYS_BOOT = 22,
	CK__CAP_SYS_NICE = 23,
	CK__CAP_SYS_RESOURCE = 24,
	CK__CAP_SYS_TIME = 25,
	CK__CAP_SYS_TTY_CONFIG = 26,
	CK__CAP_SYSLOG = 34,
	CK__CAP_PERFMON = 38,
	CK__CAP_BPF = 39,
};

/* The calling process holds `bit` in its effective set. */
bool ck__caller_has_cap(int bit);

/* ---- rlimits (oci_defaults.c) ---- */
/* "RLIMIT_NOFILE" for RLIMIT_NOFILE; NULL if unknown. */
const char *ck__rlimit_name(int resource);
/* podman's short name ("nofile") for messages; NULL if unknown. */
const char *ck__rlimit_short_name(int resource);

/* ---- podman's default lists (oci_defaults.c), NULL-terminated ---- */
extern const char *const ck__masked_paths[];
extern const char *const ck__readonly_paths[];

/* ---- seccomp (seccomp.c, seccomp_bpf.c) ---- */
/* The default profile is walked by one function, whose consumers are the
 * config's JSON section and the BPF compiler: the two cannot drift apart. */
typedef enum ck__scmp_action { CK__SCMP_ALLOW, CK__SCMP_ERRNO } ck__scmp_action;
typedef enum ck__scmp_op { CK__SCMP_CMP_EQ, CK__SCMP_CMP_MASKED_EQ } ck__scmp_op;
typedef struct ck__scmp_arg {
	unsigned int index;          /* argument 0..5 */
	uint64_t value, value_two;   /* MASKED_EQ: (arg & value) == value_two */
	ck__scmp_op op;
} ck__scmp_arg;
typedef struct ck__scmp_rule {
	const char *const *names;    /* NULL-terminated */
	ck__scmp_action action;
	int errno_ret;               /* CK__SCMP_ERRNO's errno; 0: none given (EPERM) */
	const ck__scmp_arg *args;    /* all must hold */
	size_t n_args;
} ck__scmp_rule;
typedef struct ck__scmp_walker {
	/* Called once, first: the default action and the architectures
	 * (NULL-terminated; empty: the native one only). */
	int (*begin)(ck__scmp_action default_action, int default_errno, const char *const *archs,
	             void *payload);
	/* Called for each rule, in the profile's order. */
	int (*rule)(const ck__scmp_rule *rule, void *payload);
} ck__scmp_walker;
/* Walks the profile of a container holding `caps`; stops at (and returns)
 * the first callback result that is not CK_OK. */
int ck__seccomp_walk(uint64_t caps, const ck__scmp_walker *w, void *payload);
/* The capability bits the profile looks at. */
uint64_t ck__seccomp_caps_mask(void);
/* Writes the "seccomp" object's value for a container holding `caps`. */
void ck__seccomp_gen(yajl_gen g, uint64_t caps);

/* Compiles the profile for `caps` into the classic BPF program (an array
 * of struct sock_filter; *len is a multiple of 8) that crun makes from the
 * JSON section, byte for byte, with libseccomp (opened on first use).
 * Programs are cached in `cache_dir` (NULL: no cache), made if missing.
 * CK_EUNSUPPORTED when libseccomp cannot be loaded. */
int ck__seccomp_bpf(unsigned char **out, size_t *len, ck_context *ctx, uint64_t caps, const char *cache_dir);
/* The same program as base64, the value of crun's annotation
 * run.oci.seccomp_bpf_data (CK__SECCOMP_BPF_ANNOTATION). */
#define CK__SECCOMP_BPF_ANNOTATION "run.oci.seccomp_bpf_data"
int ck__seccomp_bpf_base64(char **out, ck_context *ctx, uint64_t caps, const char *cache_dir);

/* ---- shared config pieces (oci_config.c) ---- */
/* Writes the "process" object's value.  `host` gives the inherited rlimits. */
int ck__process_gen(yajl_gen g, const ck__oci_params *p, const ck__host *host);

/* Writes an unsigned 64-bit integer (yajl's integers are signed). */
void ck__json_u64(yajl_gen g, uint64_t v);

#endif
