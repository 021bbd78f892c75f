/* libseccomp, loaded on first use (core/dynlib.h): include this instead of
 * <seccomp.h>.  Only the functions listed here may be called.  Unlike the
 * other libraries it is optional: without it the runtime compiles the
 * profile itself (seccomp_bpf.c). */
#ifndef CK_RUNTIME_LIBSECCOMP_H
#define CK_RUNTIME_LIBSECCOMP_H

#include <seccomp.h>
#include "core/dynlib.h"

#define CK__SECCOMP_SYMS(X) \
	X(seccomp_arch_add) \
	X(seccomp_arch_native) \
	X(seccomp_arch_resolve_name) \
	X(seccomp_export_bpf) \
	X(seccomp_init) \
	X(seccomp_release) \
	X(seccomp_rule_add) \
	X(seccomp_rule_add_array) \
	X(seccomp_syscall_resolve_name) \
	X(seccomp_version)

CK__DYNLIB_DECLARE(seccomp, CK__SECCOMP_SYMS)

/* The library's own names, routed through the table. */
#ifndef CK__DYNLIB_BIND
#undef seccomp_arch_add
#define seccomp_arch_add             (ck__seccomp()->seccomp_arch_add)
#undef seccomp_arch_native
#define seccomp_arch_native          (ck__seccomp()->seccomp_arch_native)
#undef seccomp_arch_resolve_name
#define seccomp_arch_resolve_name    (ck__seccomp()->seccomp_arch_resolve_name)
#undef seccomp_export_bpf
#define seccomp_export_bpf           (ck__seccomp()->seccomp_export_bpf)
#undef seccomp_init
#define seccomp_init                 (ck__seccomp()->seccomp_init)
#undef seccomp_release
#define seccomp_release              (ck__seccomp()->seccomp_release)
#undef seccomp_rule_add
#define seccomp_rule_add             (ck__seccomp()->seccomp_rule_add)
#undef seccomp_rule_add_array
#define seccomp_rule_add_array       (ck__seccomp()->seccomp_rule_add_array)
#undef seccomp_syscall_resolve_name
#define seccomp_syscall_resolve_name (ck__seccomp()->seccomp_syscall_resolve_name)
#undef seccomp_version
#define seccomp_version              (ck__seccomp()->seccomp_version)
#endif

#endif
