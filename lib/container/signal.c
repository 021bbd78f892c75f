/* Signal names as podman takes them ("KILL", "SIGKILL", "9", "RTMIN+3"),
 * and ck_container_signal_parse(). */
#define _GNU_SOURCE
#include "container_int.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "SIGHUP", SIGHUP },     { "SIGINT", SIGINT },       { "SIGQUIT", SIGQUIT },   { "SIGILL", SIGILL },
	{ "SIGTRAP", SIGTRAP },   { "SIGABRT", SIGABRT },     { "SIGIOT", SIGIOT },     { "SIGBUS", SIGBUS },
	{ "SIGFPE", SIGFPE },     { "SIGKILL", SIGKILL },     { "SIGUSR1", SIGUSR1 },   { "SIGSEGV", SIGSEGV },
	{ "SIGUSR2", SIGUSR2 },   { "SIGPIPE", SIGPIPE },     { "SIGALRM", SIGALRM },   { "SIGTERM", SIGTERM },
	{ "SIGSTKFLT", SIGSTKFLT }, { "SIGCHLD", SIGCHLD },   { "SIGCLD", SIGCHLD },    { "SIGCONT", SIGCONT },
	{ "SIGSTOP", SIGSTOP },   { "SIGTSTP", SIGTSTP },     { "SIGTTIN", SIGTTIN },   { "SIGTTOU", SIGTTOU },
	{ "SIGURG", SIGURG },     { "SIGXCPU", SIGXCPU },     { "SIGXFSZ", SIGXFSZ },   { "SIGVTALRM", SIGVTALRM },
	{ "SIGPROF", SIGPROF },   { "SIGWINCH", SIGWINCH },   { "SIGIO", SIGIO },       { "SIGPOLL", SIGPOLL },
	{ "SIGPWR", SIGPWR },     { "SIGSYS", SIGSYS },
};

/* The kernel's real-time range, not glibc's (which reserves two). */
#define RTMIN 34
#define RTMAX 64

const char *ck__signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

static bool parse_uint(const char *s, long *out)
{
	char *end;
	if (!*s || !isdigit((unsigned char)*s))
		return false;
	*out = strtol(s, &end, 10);
	return *end == '\0';
}

int ck__signal_parse(int *out, const char *text)
{
	const char *name;
	long n;

	*out = 0;
	if (!text || !*text)
		return ck__error_set(CK_EINVAL, "invalid signal: the signal is %s", text ? "empty" : "NULL");
	if (parse_uint(text, &n)) {
		if (n < 1 || n > RTMAX)
			return ck__error_set(CK_EINVAL, "invalid signal \"%s\": out of range 1..%d", text, RTMAX);
		*out = (int)n;
		return CK_OK;
	}
	name = strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcasecmp(signals[i].name + 3, name) == 0) {
			*out = signals[i].sig;
			return CK_OK;
		}
	}
	if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
		bool max = strncasecmp(name, "RTMAX", 5) == 0;
		const char *rest = name + 5;
		long off = 0;
		if (*rest) {
			if ((*rest != '+' && *rest != '-') || !parse_uint(rest + 1, &off))
				goto bad;
			if ((*rest == '+') == max)
				goto bad; /* RTMIN-n and RTMAX+n are out of range */
			if (*rest == '-')
				off = -off;
		}
		n = (max ? RTMAX : RTMIN) + off;
		if (n < RTMIN || n > RTMAX)
			goto bad;
		*out = (int)n;
		return CK_OK;
	}
bad:
	return ck__error_set(CK_EINVAL, "invalid signal \"%s\" (use a name such as TERM or KILL, or a number "
	                                "from 1 to %d)", text, RTMAX);
}

int ck_container_signal_parse(int *signal, const char *text)
{
	CK_ENTER();
	if (!signal)
		return ck__error_set(CK_EINVAL, "ck_container_signal_parse: signal is NULL");
	return ck__signal_parse(signal, text);
}
