/* ck_container_commit (podman commit): the container's changes as a new
 * image, its config taken from the container's settings, with the
 * Dockerfile instructions of --change applied on top. */
#define _GNU_SOURCE
#include "container_int.h"
#include "rootfs/rootfs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int ck_container_commit_options_init(ck_commit_options *opts, unsigned int version)
{
	static const ck_commit_options init = CK_COMMIT_OPTIONS_INIT;

	return ck__versioned_init(opts, &init, sizeof(init), version, CK_COMMIT_OPTIONS_VERSION,
	                          "ck_container_commit_options_init: opts", "ck_commit_options");
}

/* The settings being built: maps keep the order of first appearance. */
typedef struct build {
	ck__strmap env, labels, exposed, volumes;
	char **cmd, **entrypoint;
	char *workdir, *user, *stop_signal;
} build;

static void build_free(build *b)
{
	ck__strmap_free(&b->env);
	ck__strmap_free(&b->labels);
	ck__strmap_free(&b->exposed);
	ck__strmap_free(&b->volumes);
	ck_strv_free(b->cmd);
	ck_strv_free(b->entrypoint);
	free(b->workdir);
	free(b->user);
	free(b->stop_signal);
}

/* A JSON array of strings ("[...]" form), or NULL if `text` is not one. */
static char **json_words(const char *text)
{
	yajl_val v = yajl_tree_parse(text, NULL, 0);
	char **out = NULL;

	if (v && YAJL_IS_ARRAY(v) && (out = calloc(v->u.array.len + 1, sizeof(char *)))) {
		for (size_t i = 0; i < v->u.array.len; i++) {
			const char *s = YAJL_GET_STRING(v->u.array.values[i]);
			if (!s || !(out[i] = strdup(s))) {
				ck_strv_free(out);
				out = NULL;
				break;
			}
		}
	}
	yajl_tree_free(v);
	return out;
}

/* Space-separated words, a double-quoted one kept whole (quotes dropped). */
static char **split_words(const char *text)
{
	size_t n = 0, len = strlen(text);
	char **out = calloc(len / 2 + 2, sizeof(char *)), *buf = malloc(len + 1);

	if (!out || !buf) {
		free(out);
		free(buf);
		return NULL;
	}
	for (const char *p = text; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t k = 0;
		bool quoted = false;
		for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				buf[k++] = *p;
		}
		buf[k] = '\0';
		if (!(out[n++] = strdup(buf))) {
			ck_strv_free(out);
			free(buf);
			return NULL;
		}
	}
	free(buf);
	return out;
}

static int set_str(char **dst, const char *val)
{
	free(*dst);
	return (*dst = ck__strdup(val)) ? CK_OK : ck__oom();
}

/* "K=V K2=V2" pairs into `m` (LABEL, and ENV's = form). */
static int pairs(ck__strmap *m, const char *rest, const char *instr)
{
	char **w = split_words(rest);
	int rc = w ? CK_OK : ck__oom();

	for (size_t i = 0; rc == CK_OK && w[i]; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i]) {
			rc = ck__error_set(CK_EINVAL, "invalid %s \"%s\": use KEY=VALUE", instr, w[i]);
			break;
		}
		*eq = '\0';
		rc = ck__strmap_set(m, w[i], eq + 1);
	}
	ck_strv_free(w);
	return rc;
}

static int apply_change(build *b, const char *change)
{
	char word[16];
	size_t k = 0;
	const char *p = change;

	while (*p == ' ')
		p++;
	while (*p && *p != ' ' && k < sizeof(word) - 1)
		word[k++] = (char)toupper((unsigned char)*p++);
	word[k] = '\0';
	while (*p == ' ')
		p++;
	const char *rest = p;
	if (!strcmp(word, "ONBUILD"))
		return ck__error_set(CK_EUNSUPPORTED, "invalid change \"%s\": ONBUILD is not supported (ck builds "
		                                      "no images from Dockerfiles)", change);
	if (!*rest)
		return ck__error_set(CK_EINVAL, "invalid change \"%s\": %s needs a value", change, word);
	if (!strcmp(word, "CMD") || !strcmp(word, "ENTRYPOINT")) {
		char **v = rest[0] == '[' ? json_words(rest) : NULL;
		if (rest[0] == '[' && !v)
			return ck__error_set(CK_EINVAL, "invalid change \"%s\": not a JSON array of strings", change);
		if (!v) {
			const char *sh[] = { "/bin/sh", "-c", rest, NULL };
			if (ck__strv_dup(&v, sh) != CK_OK)
				return ck__oom();
		}
		char ***dst = word[0] == 'C' ? &b->cmd : &b->entrypoint;
		ck_strv_free(*dst);
		*dst = v;
		return CK_OK;
	}
	if (!strcmp(word, "ENV")) {
		const char *sp = strpbrk(rest, " \t"), *eq = strchr(rest, '=');
		if (eq && (!sp || eq < sp))
			return pairs(&b->env, rest, "ENV");
		if (!sp)
			return ck__error_set(CK_EINVAL, "invalid change \"%s\": ENV needs KEY=VALUE or KEY VALUE", change);
		char *key = strndup(rest, (size_t)(sp - rest));
		int rc = key ? ck__strmap_set(&b->env, key, sp + strspn(sp, " \t")) : ck__oom();
		free(key);
		return rc;
	}
	if (!strcmp(word, "LABEL"))
		return pairs(&b->labels, rest, "LABEL");
	if (!strcmp(word, "EXPOSE") || !strcmp(word, "VOLUME")) {
		bool expose = word[0] == 'E';
		char **w = !expose && rest[0] == '[' ? json_words(rest) : split_words(rest);
		int rc = w ? CK_OK : ck__error_set(CK_EINVAL, "invalid change \"%s\"", change);
		for (size_t i = 0; rc == CK_OK && w[i]; i++) {
			char *key = expose && !strchr(w[i], '/') ? ck__asprintf("%s/tcp", w[i]) : ck__strdup(w[i]);
			if (!key)
				rc = ck__oom();
			else if (!expose && key[0] != '/')
				rc = ck__error_set(CK_EINVAL, "invalid change \"%s\": volume %s is not absolute", change, key);
			else
				rc = ck__strmap_set(expose ? &b->exposed : &b->volumes, key, "");
			free(key);
		}
		ck_strv_free(w);
		return rc;
	}
	if (!strcmp(word, "USER"))
		return set_str(&b->user, rest);
	if (!strcmp(word, "WORKDIR"))
		return rest[0] == '/' ? set_str(&b->workdir, rest)
		                      : ck__error_set(CK_EINVAL, "invalid change \"%s\": WORKDIR must be absolute", change);
	if (!strcmp(word, "STOPSIGNAL")) {
		int sig;
		if (ck__signal_parse(&sig, rest) != CK_OK)
			return ck__error_wrap(CK_EINVAL, "invalid change \"%s\"", change);
		return set_str(&b->stop_signal, rest);
	}
	return ck__error_set(CK_EINVAL, "invalid change \"%s\": use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, "
	                                "STOPSIGNAL, USER, VOLUME or WORKDIR", change);
}

/* The container's own settings, which the image records (as podman does). */
static int from_container(build *b, const ck__ctr_config *c)
{
	int rc = CK_OK;

	for (size_t i = 0; rc == CK_OK && c->env && c->env[i]; i++) {
		char *eq = strchr(c->env[i], '='), *key = eq ? strndup(c->env[i], (size_t)(eq - c->env[i])) : NULL;
		rc = !eq ? CK_OK : key ? ck__strmap_set(&b->env, key, eq + 1) : ck__oom();
		free(key);
	}
	for (size_t i = 0; rc == CK_OK && i < c->labels.n; i++)
		rc = ck__strmap_set(&b->labels, c->labels.keys[i], c->labels.vals[i]);
	for (size_t i = 0; rc == CK_OK && c->exposed && c->exposed[i]; i++)
		rc = ck__strmap_set(&b->exposed, c->exposed[i], "");
	if (rc == CK_OK && c->command && c->command[0])
		rc = ck__strv_dup(&b->cmd, (const char *const *)c->command);
	if (rc == CK_OK && c->entrypoint && c->entrypoint[0])
		rc = ck__strv_dup(&b->entrypoint, (const char *const *)c->entrypoint);
	if (rc == CK_OK && c->workdir)
		rc = set_str(&b->workdir, c->workdir);
	if (rc == CK_OK && c->user)
		rc = set_str(&b->user, c->user);
	return rc;
}

/* NULL-terminated copies of a map's keys, values, or "K=V" pairs. */
static char **map_strv(const ck__strmap *m, int what)
{
	char **v = calloc(m->n + 1, sizeof(char *));
	for (size_t i = 0; v && i < m->n; i++) {
		v[i] = what == 0 ? strdup(m->keys[i]) : what == 1 ? strdup(m->vals[i])
		                                                   : ck__asprintf("%s=%s", m->keys[i], m->vals[i]);
		if (!v[i]) {
			ck_strv_free(v);
			return NULL;
		}
	}
	return v;
}

int ck_container_commit(ck_image **out, ck_container *ctr, const ck_commit_options *opts)
{
	ck_commit_options dflt = CK_COMMIT_OPTIONS_INIT;
	ck__commit_cfg cc = { 0 };
	build b = { 0 };
	char *upper = NULL, *by = NULL;
	bool paused = false;
	int rc;

	CK_ENTER();
	if (out)
		*out = NULL;
	if (!out || !ctr)
		return ck__error_set(CK_EINVAL, "ck_container_commit: %s is NULL", out ? "ctr" : "out");
	if (!opts)
		opts = &dflt;
	if (opts->version == 0 || opts->version > CK_COMMIT_OPTIONS_VERSION)
		return ck__error_set(CK_EVERSION, "ck_commit_options version %u is not known", opts->version);
	if (opts->format != CK_COMMIT_FORMAT_OCI && opts->format != CK_COMMIT_FORMAT_DOCKER)
		return ck__error_set(CK_EINVAL, "ck_container_commit: unknown format %d", opts->format);
	CK__CTR_FULL(ctr);
	/* Everything that can be refused is, before anything is written. */
	rc = from_container(&b, &ctr->cfg);
	for (size_t i = 0; rc == CK_OK && opts->changes && opts->changes[i]; i++)
		rc = apply_change(&b, opts->changes[i]);
	if (rc != CK_OK)
		goto out;
	rc = ck__rootfs_upper(&upper, ctr->ctx, ctr->cfg.id);
	if (rc == CK_ENOTFOUND) { /* never ran: nothing changed, an empty layer */
		ck__error_clear();
		rc = CK_OK;
	}
	if (rc != CK_OK)
		goto out;
	if (opts->pause && !strcmp(ck_container_status(ctr), "running")) {
		if ((rc = ck_container_pause(ctr)) != CK_OK)
			goto out;
		paused = true;
	}
	cc.name = opts->name;
	cc.author = opts->author;
	cc.message = opts->message;
	cc.docker = opts->format == CK_COMMIT_FORMAT_DOCKER;
	cc.created_by = by = ck__asprintf("ck commit %s", ctr->cfg.name);
	cc.cmd = b.cmd;
	cc.entrypoint = b.entrypoint;
	cc.workdir = b.workdir;
	cc.user = b.user;
	cc.stop_signal = b.stop_signal;
	if (!by || !(cc.env = map_strv(&b.env, 2)) || !(cc.exposed = map_strv(&b.exposed, 0)) ||
	    !(cc.volumes = map_strv(&b.volumes, 0)) || !(cc.label_keys = map_strv(&b.labels, 0)) ||
	    !(cc.label_vals = map_strv(&b.labels, 1)))
		rc = ck__oom();
	else
		rc = ck__image_commit_tree(out, ctr->ctx, ctr->cfg.image_id, upper, &cc);
	if (paused) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", ck_error_last()->message);
		int urc = ck_container_unpause(ctr);
		if (rc != CK_OK) /* the commit's error, which the unpause cleared */
			ck__error_set(rc, "%s", msg);
		else if (urc != CK_OK)
			rc = ck__error_wrap(urc, "committed, but cannot unpause container %s", ctr->cfg.name);
	}
	if (rc == CK_OK)
		ck__ctr_event(ctr->ctx, &ctr->cfg, "commit", -1);
	else
		rc = ck__error_wrap(rc, "cannot commit container %s", ctr->cfg.name);
out:
	ck_strv_free(cc.env);
	ck_strv_free(cc.exposed);
	ck_strv_free(cc.volumes);
	ck_strv_free(cc.label_keys);
	ck_strv_free(cc.label_vals);
	build_free(&b);
	free(upper);
	free(by);
	return rc;
}

/* The names these functions had before 1.1 (deprecated.h). */
CK__ALIAS(ck_commit_options_init, ck_container_commit_options_init);
