/* The thread's last error: codes, messages, and their names.  Messages live in
 * a fixed thread-local buffer so that reporting an error never allocates. */
#define _GNU_SOURCE
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Long messages are cut to fit the buffer, on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define CK_MSG_MAX 1024

static __thread char tls_msg[CK_MSG_MAX];
static __thread ck_error tls_err = { CK_OK, 0, NULL };

void ck__error_clear(void)
{
	tls_msg[0] = '\0';
	tls_err.code = CK_OK;
	tls_err.sys_errno = 0;
	tls_err.message = tls_msg;
}

static int set_v(int code, int err, const char *fmt, va_list ap)
{
	int n = vsnprintf(tls_msg, sizeof(tls_msg), fmt, ap);

	/* The cause is appended once: a message that already says it (an
	 * error saved and set again after a cleanup, a helper's or a library's
	 * text that quotes strerror) is kept as it is. */
	if (err && n >= 0 && (size_t)n < sizeof(tls_msg)) {
		char ebuf[128];
		const char *cause = strerror_r(err, ebuf, sizeof(ebuf));
		if (!strstr(tls_msg, cause))
			snprintf(tls_msg + n, sizeof(tls_msg) - (size_t)n, ": %s", cause);
	}
	tls_err.code = code;
	tls_err.sys_errno = err;
	tls_err.message = tls_msg;
	return code;
}

int ck__error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_v(code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int ck__error_errno(int code, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	set_v(code, err, fmt, ap);
	va_end(ap);
	errno = err;
	return code;
}

int ck__error_sys(int code, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_v(code, err, fmt, ap);
	va_end(ap);
	return code;
}

void ck__error_note_errno(int err)
{
	tls_err.sys_errno = err;
}

int ck__error_wrap(int code, const char *fmt, ...)
{
	char prefix[CK_MSG_MAX], old[CK_MSG_MAX];
	va_list ap;

	snprintf(old, sizeof(old), "%s", tls_msg);
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (old[0])
		snprintf(tls_msg, sizeof(tls_msg), "%s: %s", prefix, old);
	else
		snprintf(tls_msg, sizeof(tls_msg), "%s", prefix);
	tls_err.code = code;
	tls_err.message = tls_msg;
	return code;
}

int ck__oom(void)
{
	return ck__error_set(CK_ENOMEM, "out of memory");
}

int ck__errno_code(int err)
{
	switch (err) {
	case ENOMEM: return CK_ENOMEM;
	case ENOENT: return CK_ENOTFOUND;
	case EEXIST: return CK_EEXISTS;
	case EACCES:
	case EPERM: return CK_EPERM;
	case EINVAL: return CK_EINVAL;
	case EBUSY: return CK_EINUSE;
	case ENOSYS:
	case EOPNOTSUPP: return CK_EUNSUPPORTED;
	default: return CK_EIO;
	}
}

const ck_error *ck_error_last(void)
{
	if (!tls_err.message)
		tls_err.message = tls_msg;
	return &tls_err;
}

int ck_backend_set_error(int code, int sys_errno, const char *message)
{
	return ck__error_sys(code, sys_errno, "%s", message ? message : "backend error");
}

static const struct {
	int code;
	const char *name, *text;
} codes[] = {
	{ CK_OK, "CK_OK", "success" },
	{ CK_ERROR, "CK_ERROR", "failure" },
	{ CK_ENOMEM, "CK_ENOMEM", "out of memory" },
	{ CK_EINVAL, "CK_EINVAL", "invalid argument or input" },
	{ CK_ENOTFOUND, "CK_ENOTFOUND", "not found" },
	{ CK_EEXISTS, "CK_EEXISTS", "already exists" },
	{ CK_EAMBIGUOUS, "CK_EAMBIGUOUS", "ambiguous id prefix" },
	{ CK_EINUSE, "CK_EINUSE", "in use" },
	{ CK_EIO, "CK_EIO", "input/output or system error" },
	{ CK_ECORRUPT, "CK_ECORRUPT", "stored data is damaged" },
	{ CK_EPERM, "CK_EPERM", "permission denied" },
	{ CK_EUNSUPPORTED, "CK_EUNSUPPORTED", "not supported" },
	{ CK_ECONFIG, "CK_ECONFIG", "bad configuration" },
	{ CK_ESTATE, "CK_ESTATE", "wrong state for this operation" },
	{ CK_EBUSY, "CK_EBUSY", "busy" },
	{ CK_EVERSION, "CK_EVERSION", "unknown version" },
	{ CK_ERUNTIME, "CK_ERUNTIME", "OCI runtime failure" },
	{ CK_EDIGEST, "CK_EDIGEST", "digest mismatch" },
	{ CK_ENETWORK, "CK_ENETWORK", "network failure" },
	{ CK_ETIMEOUT, "CK_ETIMEOUT", "timed out" },
	{ CK_EAUTH, "CK_EAUTH", "authentication refused" },
	{ CK_EAGAIN, "CK_EAGAIN", "transient condition, try again" },
};

const char *ck_error_name(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "CK_E?";
}

const char *ck_error_describe(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].text;
	return "unknown error code";
}
