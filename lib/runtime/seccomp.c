/* The default seccomp profile: the same policy as podman's and moby's
 * default profile, written as an allow-list.
 *
 * Why an allow-list rather than "allow everything but a deny list": a new
 * kernel's new system calls stay refused until someone looks at them, and
 * the arguments-based rules (personality, clone) can only be expressed as
 * permissions: libseccomp cannot AND two comparisons on the same argument,
 * so "deny personality unless the value is one of five" has no deny form.
 *
 * The policy:
 * - defaultAction SCMP_ACT_ERRNO, defaultErrnoRet EPERM;
 * - the ordinary system calls below are allowed;
 * - system calls that only make sense with a capability are allowed when the
 *   container holds it (CAP_SYS_ADMIN: mount, unshare, setns, ...), so that
 *   --cap-add keeps working as it does with podman;
 * - personality is allowed only for PER_LINUX, PER_LINUX32, UNAME26 and the
 *   query 0xffffffff (not ADDR_NO_RANDOMIZE and friends);
 * - clone is allowed without namespace flags only (unless CAP_SYS_ADMIN);
 *   clone3, whose flags seccomp cannot see, fails with ENOSYS so that libc
 *   falls back to clone;
 * - always refused: acct, add_key, keyctl, request_key, bpf, kexec, module
 *   loading, nfsservctl, uselib, ustat, sysfs, _sysctl, vm86, io_uring, ...
 *   (absent from the lists below).
 * Names that the runtime's libseccomp does not know are skipped by both
 * crun and runc, so the list may name system calls of newer kernels.
 *
 * One walk (ck__seccomp_walk) reports the profile; the config's JSON section
 * (below) and the BPF program crun is handed (seccomp_bpf.c) are both made
 * from it, so they cannot disagree. */
#define _GNU_SOURCE
#include "runtime_int.h"

#include <string.h>

static const char *const allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
	"close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
	"epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
	"faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
	"fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl",
	"fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
	"fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
	"futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
	"getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
	"getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
	"get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
	"gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
	"inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
	"io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
	"io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
	"listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
	"lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
	"mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
	"mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
	"msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
	"ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
	"process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read",
	"readahead", "readdir", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
	"recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
	"renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
	"sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
	"sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
	"semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
	"sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
	"setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
	"setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
	"setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
	"setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr",
	"shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaction", "sigaltstack", "signal",
	"signalfd", "signalfd4", "sigpending", "sigprocmask", "sigreturn", "sigsuspend", "socket",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
	"symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
	"time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
	"timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
	"truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
	"utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
	"writev",
	/* architecture-specific */
	"arch_prctl", "modify_ldt", "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
	"breakpoint", "cacheflush", "set_tls",
	NULL,
};

/* Allowed when the container holds one of the two capabilities (-1: none). */
static const char *const sys_admin[] = {
	"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	"lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
	"pivot_root", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "swapoff",
	"swapon", "umount", "umount2", "unshare", NULL,
};
static const char *const sys_boot[] = { "reboot", NULL };
static const char *const sys_chroot[] = { "chroot", NULL };
static const char *const sys_module[] = { "delete_module", "finit_module", "init_module", NULL };
static const char *const sys_pacct[] = { "acct", NULL };
static const char *const sys_ptrace[] = {
	"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace",
	"userfaultfd", NULL,
};
static const char *const sys_rawio[] = { "iopl", "ioperm", NULL };
static const char *const sys_time[] = {
	"clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday",
	"stime", NULL,
};
static const char *const sys_tty_config[] = { "vhangup", NULL };
static const char *const sys_nice[] = {
	"get_mempolicy", "mbind", "move_pages", "set_mempolicy", "set_mempolicy_home_node", NULL,
};
static const char *const dac_read_search[] = { "name_to_handle_at", "open_by_handle_at", NULL };
static const char *const syslog_calls[] = { "syslog", NULL };
static const char *const bpf_calls[] = { "bpf", NULL };
static const char *const perfmon_calls[] = { "perf_event_open", NULL };

static const struct {
	int cap;
	const char *const *names;
} by_cap[] = {
	{ CK__CAP_SYS_ADMIN, sys_admin },
	{ CK__CAP_SYS_BOOT, sys_boot },
	{ CK__CAP_SYS_CHROOT, sys_chroot },
	{ CK__CAP_SYS_MODULE, sys_module },
	{ CK__CAP_SYS_PACCT, sys_pacct },
	{ CK__CAP_SYS_PTRACE, sys_ptrace },
	{ CK__CAP_SYS_RAWIO, sys_rawio },
	{ CK__CAP_SYS_TIME, sys_time },
	{ CK__CAP_SYS_TTY_CONFIG, sys_tty_config },
	{ CK__CAP_SYS_NICE, sys_nice },
	{ CK__CAP_DAC_READ_SEARCH, dac_read_search },
	{ CK__CAP_SYSLOG, syslog_calls },
	{ CK__CAP_BPF, bpf_calls },
	{ CK__CAP_PERFMON, perfmon_calls },
};

/* CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
 * CLONE_NEWPID | CLONE_NEWNET */
#define CLONE_NS_FLAGS 0x7E020000ULL
#define ERRNO_EPERM 1
#define ERRNO_ENOSYS 38

/* In the order the runtime adds them, the native architecture first. */
static const char *const archs[] = {
#if defined(__x86_64__)
	"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#elif defined(__i386__)
	"SCMP_ARCH_X86",
#elif defined(__aarch64__)
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#elif defined(__arm__)
	"SCMP_ARCH_ARM",
#endif
	/* Elsewhere: an empty list means the native architecture only. */
	NULL,
};

static const char *const personality_name[] = { "personality", NULL };
static const char *const clone_name[] = { "clone", NULL };
static const char *const clone3_name[] = { "clone3", NULL };

uint64_t ck__seccomp_caps_mask(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < sizeof(by_cap) / sizeof(by_cap[0]); i++)
		mask |= 1ULL << by_cap[i].cap;
	return mask;
}

int ck__seccomp_walk(uint64_t caps, const ck__scmp_walker *w, void *payload)
{
	static const uint64_t personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffffULL };
	/* (flags & CLONE_NS_FLAGS) == 0 */
	static const ck__scmp_arg no_ns_flags = { 0, CLONE_NS_FLAGS, 0, CK__SCMP_CMP_MASKED_EQ };
	ck__scmp_rule r;
	int rc;

	if ((rc = w->begin(CK__SCMP_ERRNO, ERRNO_EPERM, archs, payload)) != CK_OK)
		return rc;
	r = (ck__scmp_rule){ allowed, CK__SCMP_ALLOW, 0, NULL, 0 };
	if ((rc = w->rule(&r, payload)) != CK_OK)
		return rc;
	for (size_t i = 0; i < sizeof(by_cap) / sizeof(by_cap[0]); i++) {
		if (!ck__cap_has(caps, by_cap[i].cap))
			continue;
		r = (ck__scmp_rule){ by_cap[i].names, CK__SCMP_ALLOW, 0, NULL, 0 };
		if ((rc = w->rule(&r, payload)) != CK_OK)
			return rc;
	}
	for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++) {
		ck__scmp_arg is = { 0, personalities[i], 0, CK__SCMP_CMP_EQ };
		r = (ck__scmp_rule){ personality_name, CK__SCMP_ALLOW, 0, &is, 1 };
		if ((rc = w->rule(&r, payload)) != CK_OK)
			return rc;
	}
	if (ck__cap_has(caps, CK__CAP_SYS_ADMIN))
		return CK_OK;
	r = (ck__scmp_rule){ clone_name, CK__SCMP_ALLOW, 0, &no_ns_flags, 1 };
	if ((rc = w->rule(&r, payload)) != CK_OK)
		return rc;
	r = (ck__scmp_rule){ clone3_name, CK__SCMP_ERRNO, ERRNO_ENOSYS, NULL, 0 };
	return w->rule(&r, payload);
}

/* ---- the JSON section ---- */

static const char *action_name(ck__scmp_action a)
{
	return a == CK__SCMP_ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO";
}

static int json_begin(ck__scmp_action default_action, int default_errno, const char *const *arch_names,
                      void *payload)
{
	yajl_gen g = payload;

	yajl_gen_map_open(g);
	ck__json_key_str(g, "defaultAction", action_name(default_action));
	if (default_errno)
		ck__json_key_int(g, "defaultErrnoRet", default_errno);
	ck__json_key(g, "architectures");
	yajl_gen_array_open(g);
	for (size_t i = 0; arch_names[i]; i++)
		ck__json_str_val(g, arch_names[i]);
	yajl_gen_array_close(g);
	ck__json_key(g, "syscalls");
	yajl_gen_array_open(g);
	return CK_OK;
}

static int json_rule(const ck__scmp_rule *r, void *payload)
{
	yajl_gen g = payload;

	yajl_gen_map_open(g);
	ck__json_key(g, "names");
	yajl_gen_array_open(g);
	for (size_t i = 0; r->names[i]; i++)
		ck__json_str_val(g, r->names[i]);
	yajl_gen_array_close(g);
	ck__json_key_str(g, "action", action_name(r->action));
	if (r->errno_ret)
		ck__json_key_int(g, "errnoRet", r->errno_ret);
	if (r->n_args) {
		ck__json_key(g, "args");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < r->n_args; i++) {
			const ck__scmp_arg *a = &r->args[i];
			yajl_gen_map_open(g);
			ck__json_key_int(g, "index", a->index);
			ck__json_key(g, "value");
			ck__json_u64(g, a->value);
			ck__json_key(g, "valueTwo");
			ck__json_u64(g, a->value_two);
			ck__json_key_str(g, "op", a->op == CK__SCMP_CMP_EQ ? "SCMP_CMP_EQ" : "SCMP_CMP_MASKED_EQ");
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
	return CK_OK;
}

void ck__seccomp_gen(yajl_gen g, uint64_t caps)
{
	static const ck__scmp_walker json = { json_begin, json_rule };

	ck__seccomp_walk(caps, &json, g);
	yajl_gen_array_close(g); /* "syscalls" */
	yajl_gen_map_close(g);
}
