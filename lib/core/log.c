/* Logging through the context's callback; the library itself never prints. */
#define _GNU_SOURCE
#include "core.h"

#include <stdio.h>

void ck__log(ck_context *ctx, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	ck_log_fn fn;
	void *payload;

	if (!ctx)
		return;
	pthread_mutex_lock(&ctx->log_lock);
	fn = ctx->log_fn;
	payload = ctx->log_payload;
	if (level > ctx->log_level)
		fn = NULL;
	pthread_mutex_unlock(&ctx->log_lock);
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(level, msg, payload);
}
