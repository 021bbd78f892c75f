/* ck inspect, ps, port and top: what the containers are and what runs in
 * them, printed as podman prints it. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctr.h"
#include "listing.h"

/* ------------------------------------------------------ a JSON builder */

/* "key": "value", */
static void sb_kv(sbuf *b, const char *key, const char *val)
{
	sb_str(b, key);
	sb_cat(b, ": ");
	sb_str(b, val);
	sb_cat(b, ", ");
}

static jnode *new_array(size_t cap)
{
	jnode *a = calloc(1, sizeof(*a));
	if (!a || !(a->vals = calloc(cap ? cap : 1, sizeof(*a->vals)))) {
		fputs("Error: out of memory\n", stderr);
		exit(EXIT_CK);
	}
	a->type = J_ARR;
	return a;
}

/* -------------------------------------------------------------- inspect */

enum { T_ALL, T_CONTAINER, T_IMAGE, T_VOLUME };

/* The inspect JSON of `name` as the kind `type` allows, or NULL with the
 * reason in `why`. */
static jnode *inspect_one(ck_app *app, const char *name, int type, char *why, size_t whylen)
{
	char *text = NULL;
	jnode *n = NULL;
	int rc = -1;

	if (type == T_ALL || type == T_CONTAINER) {
		ck_container *ctr = NULL;
		if (ck_container_lookup(&ctr, app->ctx, name) == 0)
			rc = ck_container_inspect(&text, ctr);
		ck_container_free(ctr);
		if (rc < 0 && ck_error_last()->code != CK_ENOTFOUND) {
			snprintf(why, whylen, "%s", ck_error_last()->message);
			return NULL;
		}
	}
	if (rc < 0 && (type == T_ALL || type == T_IMAGE)) {
		ck_image *img = NULL;
		if (ck_image_lookup(&img, app->ctx, name) == 0)
			rc = ck_image_inspect(&text, img);
		ck_image_free(img);
	}
	if (rc < 0 && (type == T_ALL || type == T_VOLUME)) {
		ck_volume *vol = NULL;
		if (ck_volume_lookup(&vol, app->ctx, name) == 0)
			rc = ck_volume_inspect(&text, vol);
		ck_volume_free(vol);
	}
	if (rc == 0 && !(n = json_parse(text))) {
		snprintf(why, whylen, "inspecting %s: the library gave malformed JSON", name);
	} else if (rc < 0) {
		if (type == T_CONTAINER)
			snprintf(why, whylen, "inspecting object: no such container %s", name);
		else if (type == T_ALL)
			snprintf(why, whylen, "inspecting object: no such object: \"%s\"", name);
		else
			snprintf(why, whylen, "inspecting object: no such %s %s",
			         type == T_IMAGE ? "image" : "volume", name);
	}
	ck_free(text);
	return n;
}

static const char inspect_usage[] =
	"Display the configuration of object denoted by ID\n\n"
	"Usage:\n  ck inspect [options] {CONTAINER|IMAGE|VOLUME} [...]\n\nOptions:\n"
	"  -f, --format string   Format the output to a Go template or json (default \"json\")\n"
	"  -s, --size            Display total file size (not supported yet)\n"
	"  -t, --type string     Specify inspect-object type (\"image\", \"container\", \"volume\" or \"all\") "
	"(default \"all\")\n";

static int inspect_cmd(ck_app *app, int argc, char **argv, int type)
{
	const char *format = "json", *as = NULL;
	strv names = { 0 };
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "format", 'f', F_STR, &format, 0 },
		{ "size", 's', F_IGNORE, NULL, 0 },
		{ "type", 't', F_STR, &as, 0 },
		{ "latest", 'l', F_REFUSE, "--latest is not supported", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, inspect_usage, &names), failed = 0;

	if (rc < 0)
		return 0;
	if (rc == 0 && as && !strcmp(as, "container"))
		type = T_CONTAINER;
	else if (rc == 0 && as && !strcmp(as, "image"))
		type = T_IMAGE;
	else if (rc == 0 && as && !strcmp(as, "volume"))
		type = T_VOLUME;
	else if (rc == 0 && as && strcmp(as, "all") != 0)
		rc = die("invalid type \"%s\": must be one of container, image, volume or all", as);
	if (rc == 0 && names.n == 0)
		rc = die("no names or ids specified");
	if (rc == 0 && !app_context(app))
		rc = EXIT_CK;
	if (rc == 0) {
		jnode *arr = new_array(names.n);
		char (*why)[512] = calloc(names.n, sizeof(*why));
		for (size_t i = 0; why && i < names.n; i++) {
			jnode *n = inspect_one(app, names.v[i], type, why[failed], sizeof(why[0]));
			if (n)
				arr->vals[arr->n++] = n;
			else
				failed++;
		}
		if (!strcmp(format, "json") || !strcmp(format, "{{json .}}"))
			json_print_line(stdout, arr, "     ");
		else
			for (size_t i = 0; i < arr->n && rc == 0; i++)
				rc = print_template(format, arr->vals[i]);
		fflush(stdout);
		for (int i = 0; why && i < failed; i++)
			die("%s", why[i]);
		free(why);
		json_free(arr);
	}
	strv_clear(&names);
	return rc ? rc : failed ? EXIT_CK : 0;
}

int ctr_inspect(ck_app *app, int argc, char **argv)
{
	return inspect_cmd(app, argc, argv, T_CONTAINER);
}

int any_inspect(ck_app *app, int argc, char **argv)
{
	return inspect_cmd(app, argc, argv, T_ALL);
}

/* ------------------------------------------------------------------- ps */

/* podman's PORTS column: "127.0.0.1:8080->80/tcp", a range as
 * "127.0.0.1:8080-8081->80-81/tcp", from the typed mappings. */
static void ps_ports(char *buf, size_t size, const ck_container *ctr)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ck_container_port_count(ctr) && len < size; i++) {
		const ck_port_mapping *p = ck_container_port_byindex(ctr, i);
		char hp[32], cp[32];
		if (!p)
			break;
		if (p->range > 1) {
			snprintf(hp, sizeof(hp), "%u-%u", p->host_port, p->host_port + p->range - 1);
			snprintf(cp, sizeof(cp), "%u-%u", p->container_port, p->container_port + p->range - 1);
		} else {
			snprintf(hp, sizeof(hp), "%u", p->host_port);
			snprintf(cp, sizeof(cp), "%u", p->container_port);
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s:%s->%s/%s", i ? ", " : "",
		                        *p->host_ip ? p->host_ip : "0.0.0.0", hp, cp, p->protocol);
	}
}

static void ps_status(char *buf, size_t size, const ck_container *ctr)
{
	const char *st = ck_container_status(ctr);
	char d[64];
	int64_t now = (int64_t)time(NULL);

	if (!strcmp(st, "running")) {
		human_duration(d, sizeof(d), now - ck_container_started_at(ctr) / 1000000000);
		ck_health_status h = ck_container_health_status(ctr);
		snprintf(buf, size, "Up %s ago%s%s%s", d, h ? " (" : "", h ? ck_health_status_name(h) : "", h ? ")" : "");
	} else if (!strcmp(st, "exited")) {
		human_duration(d, sizeof(d), now - ck_container_finished_at(ctr) / 1000000000);
		snprintf(buf, size, "Exited (%d) %s ago", ck_container_exit_code(ctr), d);
	} else {
		snprintf(buf, size, "%c%s", st[0] ? st[0] - 32 : '?', st[0] ? st + 1 : "");
	}
}

static void ps_command(char *buf, size_t size, const ck_container *ctr, bool no_trunc)
{
	const char *const *cmd = ck_container_command(ctr);
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; cmd && cmd[i] && len + 1 < size; i++) {
		size_t n = strlen(cmd[i]) + (i ? 1 : 0);
		if (n > size - len - 1)
			n = size - len - 1;
		if (i)
			buf[len] = ' ';
		memcpy(buf + len + (i ? 1 : 0), cmd[i], n - (i ? 1 : 0));
		len += n;
		buf[len] = '\0';
	}
	if (!no_trunc && len > 17)
		strcpy(buf + 17, "...");
}

static void ps_created(char *buf, size_t size, const ck_container *ctr)
{
	char d[48];
	human_duration(d, sizeof(d), (int64_t)time(NULL) - ck_container_created(ctr) / 1000000000);
	snprintf(buf, size, "%s ago", d);
}

/* podman's zero time.Time as Unix seconds */
static long long unix_or_zero(int64_t ns)
{
	return ns ? (long long)(ns / 1000000000) : -62135596800LL;
}

/* podman's Ports array from the typed mappings; null if none. */
static void ps_ports_json(sbuf *b, const ck_container *ctr)
{
	size_t n = ck_container_port_count(ctr);

	if (n == 0) {
		sb_cat(b, "null");
		return;
	}
	sb_cat(b, "[");
	for (size_t i = 0; i < n; i++) {
		const ck_port_mapping *p = ck_container_port_byindex(ctr, i);
		if (!p)
			break;
		sb_printf(b, "%s{\"host_ip\": ", i ? ", " : "");
		sb_str(b, p->host_ip);
		sb_printf(b, ", \"container_port\": %u, \"host_port\": %u, \"range\": %u, \"protocol\": ",
		          p->container_port, p->host_port, p->range);
		sb_str(b, p->protocol);
		sb_cat(b, "}");
	}
	sb_cat(b, "]");
}

/* The headers of `ps --format "table ..."` that are not the field name
 * upper-cased and split into words, as podman names them. */
static const char *const ps_headers[] = {
	"ID", "CONTAINER ID", "CreatedHuman", "CREATED", "Pod", "POD ID", "PodName", "PODNAME",
	"Cgroup", "CGROUPNS", "User", "USERNS", "Networks", "NETWORKS", NULL,
};

/* One container as podman's `ps --format json` prints it, or (`tmpl`) with
 * the fields its templates see: ID, Names, Command, Mounts and Ports as
 * text, CreatedHuman and RunningFor. */
static jnode *ps_json(ck_context *ctx, const ck_container *ctr, bool no_trunc, bool tmpl)
{
	char id[13], buf[4096];
	const char *const *cmd = ck_container_command(ctr);
	ck_container_mount_list *mounts = NULL;
	size_t nlabels = ck_container_label_count(ctr);
	jnode *n;
	sbuf b = { 0 };

	short_id(id, ck_container_id(ctr));
	/* a record that cannot be read shows no mounts, as inspect would fail */
	if (ck_container_mounts_read(&mounts, ctr) < 0)
		mounts = NULL;
	sb_cat(&b, "{");
	sb_printf(&b, "\"AutoRemove\": %s, ", ck_container_auto_remove(ctr) == 1 ? "true" : "false");
	if (tmpl) {
		ps_command(buf, sizeof(buf), ctr, no_trunc);
		sb_kv(&b, "Command", buf);
	} else {
		sb_cat(&b, "\"Command\": [");
		for (size_t i = 0; cmd && cmd[i]; i++) {
			if (i)
				sb_cat(&b, ", ");
			sb_str(&b, cmd[i]);
		}
		sb_cat(&b, "], ");
	}
	ps_created(buf, sizeof(buf), ctr);
	sb_kv(&b, "CreatedAt", buf);
	if (tmpl) {
		sb_kv(&b, "CreatedHuman", buf);
		sb_kv(&b, "RunningFor", buf);
		sb_kv(&b, "ID", no_trunc ? ck_container_id(ctr) : id);
	}
	sb_printf(&b, "\"Exited\": %s, ", !strcmp(ck_container_status(ctr), "exited") ? "true" : "false");
	sb_printf(&b, "\"ExitedAt\": %lld, ", unix_or_zero(ck_container_finished_at(ctr)));
	sb_printf(&b, "\"ExitCode\": %d, ", ck_container_exit_code(ctr) < 0 ? 0 : ck_container_exit_code(ctr));
	sb_kv(&b, "Id", ck_container_id(ctr));
	sb_kv(&b, "Image", ck_container_image_name(ctr));
	sb_kv(&b, "ImageID", ck_container_image_id(ctr));
	sb_cat(&b, "\"IsInfra\": false, \"Labels\": ");
	if (nlabels) {
		sb_cat(&b, "{");
		for (size_t i = 0; i < nlabels; i++) {
			const char *k = "", *v = "";
			ck_container_label_byindex(&k, &v, ctr, i);
			sb_cat(&b, i ? ", " : "");
			sb_str(&b, k);
			sb_cat(&b, ": ");
			sb_str(&b, v);
		}
		sb_cat(&b, "}, ");
	} else {
		sb_cat(&b, "null, ");
	}
	sb_cat(&b, tmpl ? "\"Mounts\": \"" : "\"Mounts\": [");
	for (size_t i = 0; i < ck_container_mount_list_count(mounts); i++) {
		const char *d = ck_container_mount_list_byindex(mounts, i)->destination;
		if (tmpl) {
			sb_printf(&b, "%s%s", i ? "," : "", d);
		} else {
			sb_cat(&b, i ? ", " : "");
			sb_str(&b, d);
		}
	}
	sb_cat(&b, tmpl ? "\", " : "], ");
	if (tmpl) {
		sb_kv(&b, "Names", ck_container_name(ctr));
	} else {
		sb_cat(&b, "\"Names\": [");
		sb_str(&b, ck_container_name(ctr));
		sb_cat(&b, "], ");
	}
	{
		const char *pod_id = ck_container_pod_id(ctr);
		ck_pod *pod = NULL;
		if (pod_id && ck_pod_lookup(&pod, ctx, pod_id) < 0)
			pod = NULL;
		sb_printf(&b, "\"Namespaces\": {}, \"Networks\": [], \"Pid\": %d, \"Pod\": ", ck_container_pid(ctr));
		sb_str(&b, pod_id ? pod_id : "");
		sb_cat(&b, ", \"PodName\": ");
		sb_str(&b, pod ? ck_pod_name(pod) : "");
		sb_cat(&b, ", ");
		ck_pod_free(pod);
	}
	if (tmpl) {
		ps_ports(buf, sizeof(buf), ctr);
		sb_kv(&b, "Ports", buf);
	} else {
		sb_cat(&b, "\"Ports\": ");
		ps_ports_json(&b, ctr);
		sb_cat(&b, ", ");
	}
	sb_printf(&b, "\"Size\": null, \"StartedAt\": %lld, ", unix_or_zero(ck_container_started_at(ctr)));
	sb_kv(&b, "State", ck_container_status(ctr));
	ps_status(buf, sizeof(buf), ctr);
	sb_kv(&b, "Status", buf);
	sb_printf(&b, "\"Created\": %lld}", (long long)(ck_container_created(ctr) / 1000000000));
	n = json_parse(sb_take(&b));
	free(b.s);
	ck_container_mount_list_free(mounts);
	return n;
}

/* ps --sort: podman's keys, each ascending except created (oldest first,
 * the listing's own order) and size (ck measures no sizes, so all are
 * equal and the order stays). Sorting is stable, as Go's sort is for the
 * short lists ps shows, so ties keep the order of creation. */
static const char *const ps_sort_keys[] = { "command", "created", "id", "image", "names", "runningfor", "size",
	                                    "status", NULL };
static int ps_sort_key;

static int ps_cmp(const void *pa, const void *pb)
{
	const ck_container *a = *(ck_container *const *)pa, *b = *(ck_container *const *)pb;
	char ca[4096], cb[4096];
	int c = 0;

	switch (ps_sort_key) {
	case 0:
		ps_command(ca, sizeof(ca), a, true);
		ps_command(cb, sizeof(cb), b, true);
		c = strcmp(ca, cb);
		break;
	case 2: c = strcmp(ck_container_id(a), ck_container_id(b)); break;
	case 3: c = strcmp(ck_container_image_name(a), ck_container_image_name(b)); break;
	case 4: c = strcmp(ck_container_name(a), ck_container_name(b)); break;
	case 5: /* podman compares the start times: never started first */
		c = (ck_container_started_at(a) > ck_container_started_at(b)) -
		    (ck_container_started_at(a) < ck_container_started_at(b));
		break;
	case 7: c = strcmp(ck_container_status(a), ck_container_status(b)); break;
	default: break;
	}
	/* ties: the order of creation (qsort is not stable) */
	return c ? c : (ck_container_created(a) > ck_container_created(b)) - (ck_container_created(a) < ck_container_created(b));
}

static const char ps_usage[] =
	"List containers\n\nUsage:\n  ck ps [options]\n\nOptions:\n"
	"  -a, --all                  Show all the containers, default is only running containers\n"
	"  -f, --filter stringArray   Filter output based on conditions given\n"
	"      --format string        Pretty-print containers to JSON or using a Go template\n"
	"  -n, --last int             Print the n last created containers (all states) (default -1)\n"
	"  -l, --latest               Act on the latest container created\n"
	"      --no-trunc             Display the extended information\n"
	"  -p, --pod                  Print the ID and name of the pod the containers are in\n"
	"      --noheading            Do not print headers\n"
	"  -q, --quiet                Print the numeric IDs of the containers only\n"
	"      --external             Show containers in storage not controlled by ck (there are none)\n"
	"      --sort choice          Sort output by: command, created, id, image, names, runningfor, size, status\n";

/* ps's own flags, and what print_listing's callbacks need: the library
 * lists newest first, --last keeps the newest, and podman prints oldest
 * first, so item i is list[shown - 1 - i]. */
typedef struct ps_run {
	ck_context *ctx;
	ck_container **list;
	size_t shown;
	bool all, pods;
	long long last;
} ps_run;

static int ps_flag(void *payload, int id, const char *val)
{
	ps_run *r = payload;

	switch (id) {
	case 5: if (flag_on(val)) r->last = 1; break;
	case 10:
		for (ps_sort_key = 0; ps_sort_keys[ps_sort_key] && strcmp(ps_sort_keys[ps_sort_key], val);)
			ps_sort_key++;
		if (!ps_sort_keys[ps_sort_key])
			return die("invalid argument \"%s\" for \"--sort\" flag: \"%s\" is not a valid value.  Choose "
			           "from: \"command, created, id, image, names, runningfor, size, status\"", val, val);
		break;
	}
	return 0;
}

static ck_container *ps_item_at(const ps_run *r, size_t i)
{
	return r->list[r->shown - 1 - i];
}

static void ps_quiet(char *buf, size_t size, void *payload, size_t i, const list_flags *f)
{
	const char *id = ck_container_id(ps_item_at(payload, i));

	snprintf(buf, size, "%.*s", f->no_trunc ? (int)strlen(id) : 12, id);
}

static jnode *ps_item(void *payload, size_t i, const list_flags *f)
{
	ps_run *r = payload;
	jnode *j = ps_json(r->ctx, ps_item_at(r, i), f->no_trunc, list_for_template(f));

	/* A container that cannot be shown is left out, as before. */
	return j ? j : json_parse("[]");
}

static void ps_row(table *t, void *payload, size_t i, const list_flags *f)
{
	ps_run *r = payload;
	ck_container *k = ps_item_at(r, i);
	char sid[13], cmd[4096], created[96], status[128], ports[1024], pid[13] = "";
	const char *pod_id = ck_container_pod_id(k);
	ck_pod *pod = NULL;

	short_id(sid, ck_container_id(k));
	ps_command(cmd, sizeof(cmd), k, f->no_trunc);
	ps_created(created, sizeof(created), k);
	ps_status(status, sizeof(status), k);
	ps_ports(ports, sizeof(ports), k);
	if (r->pods && pod_id && ck_pod_lookup(&pod, r->ctx, pod_id) < 0)
		pod = NULL;
	if (pod_id)
		short_id(pid, pod_id);
	table_row(t, (const char *[]){ f->no_trunc ? ck_container_id(k) : sid, ck_container_image_name(k), cmd,
	                               created, status, ports, ck_container_name(k),
	                               f->no_trunc && pod_id ? pod_id : pid, pod ? ck_pod_name(pod) : "" });
	ck_pod_free(pod);
}

int ctr_ps(ck_app *app, int argc, char **argv)
{
	list_flags f = { 0 };
	ps_run r = { .last = -1 };
	size_t n = 0;
	flag_hook h = { ps_flag, &r };
	int rc;

	ps_sort_key = 1; /* created */
	/* Every root filesystem in a ck store belongs to a container that ck
	 * manages (there is no buildah beside it): --external adds nothing. */
	rc = list_begin(app, argc, argv, true, (const flag_def[]){
		LIST_FLAG_DEFS(&f, 0), LIST_NOTRUNC_DEF(&f), { "all", 'a', F_BOOL, &r.all, 0 },
		{ "last", 'n', F_INT, &r.last, -1 }, { "latest", 'l', F_CALL, &h, 5 },
		{ "size", 's', F_REFUSE, "--size is not supported yet", 0 }, { "sort", 0, F_CALL_VAL, &h, 10 },
		{ "pod", 'p', F_BOOL, &r.pods, 0 }, { "external", 0, F_IGNORE, NULL, 0 }, { NULL, 0, 0, 0, 0 },
	}, "ps", ps_usage, NULL);
	r.ctx = app->ctx;
	if (rc == 0 && ck_container_list(&r.list, &n, r.ctx, (r.all || r.last >= 0) ? CK_CONTAINER_LIST_ALL : 0,
	                                 f.filters.v) < 0)
		rc = die_ck();
	else if (rc == 0) {
		r.shown = r.last >= 0 && (size_t)r.last < n ? (size_t)r.last : n;
		/* printed in list[shown-1] ... list[0] order: reversed, sorted,
		 * and reversed back */
		if (ps_sort_key != 1 && r.shown > 1) {
			for (size_t i = 0; i < r.shown / 2; i++) {
				ck_container *t = r.list[i];
				r.list[i] = r.list[r.shown - 1 - i];
				r.list[r.shown - 1 - i] = t;
			}
			qsort(r.list, r.shown, sizeof(*r.list), ps_cmp);
			for (size_t i = 0; i < r.shown / 2; i++) {
				ck_container *t = r.list[i];
				r.list[i] = r.list[r.shown - 1 - i];
				r.list[r.shown - 1 - i] = t;
			}
		}
		rc = print_listing(&(listing){ .n = r.shown, .payload = &r, .quiet_line = ps_quiet, .json = ps_item,
		                               .json_indent = "  ", .headers = ps_headers, .cols = r.pods ? 9 : 7,
		                               .heading = (const char *const[]){ "CONTAINER ID", "IMAGE", "COMMAND",
		                                                                 "CREATED", "STATUS", "PORTS", "NAMES",
		                                                                 "POD ID", "PODNAME" },
		                               .rows = ps_row },
		                   &f);
	}
	ck_container_list_free(r.list, n);
	strv_clear(&f.filters);
	return rc < 0 ? 0 : rc;
}

/* ----------------------------------------------------------------- port */

static const char port_usage[] =
	"List port mappings or a specific mapping for the container\n\n"
	"Usage:\n  ck port [options] CONTAINER [PRIVATE_PORT[/PROTO]]\n\nOptions:\n"
	"  -a, --all   Display port information for all containers\n";

/* One line per published port as podman port prints it ("80/tcp ->
 * 0.0.0.0:8080"), from the typed mappings; with `want` ("80" or "80/udp")
 * only that port's binding. */
static int print_ports(const ck_container *ctr, const char *want, bool prefix)
{
	char key[64] = "";
	bool found = false;

	if (want)
		snprintf(key, sizeof(key), "%s%s", want, strchr(want, '/') ? "" : "/tcp");
	for (size_t i = 0; i < ck_container_port_count(ctr); i++) {
		const ck_port_mapping *p = ck_container_port_byindex(ctr, i);
		for (unsigned int k = 0; p && k < p->range; k++) {
			char port[64];
			snprintf(port, sizeof(port), "%u/%s", p->container_port + k, p->protocol);
			if (want && strcmp(port, key) != 0)
				continue;
			found = true;
			if (prefix)
				printf("%.12s\t", ck_container_id(ctr));
			if (!want)
				printf("%s -> ", port);
			printf("%s:%u\n", *p->host_ip ? p->host_ip : "0.0.0.0", p->host_port ? p->host_port + k : 0);
		}
	}
	if (want && !found)
		return die("failed to find published port \"%s\"", key);
	return 0;
}

int ctr_port(ck_app *app, int argc, char **argv)
{
	strv args = { 0 };
	bool all = false;
	int rc = parse_flags_in(app, argc, argv, true, (const flag_def[]){
		{ "all", 'a', F_BOOL, &all, 0 },
		{ "latest", 'l', F_REFUSE, "--latest is not supported", 0 },
		{ NULL, 0, F_IGNORE, NULL, 0 },
	}, port_usage, &args);

	if (rc < 0)
		return 0;
	if (rc == 0 && all && args.n)
		rc = die("the use of --all and a container name or id is mutually exclusive");
	if (rc == 0 && !all && (args.n < 1 || args.n > 2))
		rc = die("you must supply a running container name or id, and at most one port");
	if (rc == 0 && all) {
		ck_container **list = NULL;
		size_t n = 0;
		if (!app_context(app) || ck_container_list(&list, &n, app->ctx, 0, NULL) < 0)
			rc = app->ctx ? die_ck() : EXIT_CK;
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = print_ports(list[i], NULL, true);
		ck_container_list_free(list, n);
	} else if (rc == 0) {
		ck_container *ctr = NULL;
		rc = ctr_lookup(&ctr, app, args.v[0]);
		if (rc == 0)
			rc = print_ports(ctr, args.n > 1 ? args.v[1] : NULL, false);
		ck_container_free(ctr);
	}
	strv_clear(&args);
	return rc;
}

/* ------------------------------------------------------------------ top */

static const char top_usage[] =
	"Display the running processes of a container\n\n"
	"Usage:\n  ck top [options] CONTAINER [FORMAT-DESCRIPTORS...]\n\n"
	"Descriptors: user, group, pid, ppid, pgid, %cpu, etime, tty, time, args, comm, nice,\n"
	"vsz, rss, state, huser, hpid (default: user pid ppid %cpu etime tty time args)\n";

int ctr_top(ck_app *app, int argc, char **argv)
{
	const char *name = NULL;
	strv args = { 0 }, desc = { 0 };
	char *copies[64] = { 0 }, *out = NULL;
	size_t ncopies = 0;
	ck_container *ctr = NULL;
	int rc = parse_flags_cmd(app, argc, argv, (const flag_def[]){ { NULL, 0, F_IGNORE, NULL, 0 } },
	                         top_usage, &args);

	if (rc < 0)
		return 0;
	name = args.n ? args.v[0] : NULL;
	for (size_t i = 1; i < args.n && ncopies < 64; i++) {
		/* "pid,args" is one list, as ps -o takes it */
		char *save = NULL;
		if (!(copies[ncopies] = strdup(args.v[i])))
			break;
		for (char *t = strtok_r(copies[ncopies++], ",", &save); t; t = strtok_r(NULL, ",", &save))
			strv_add(&desc, t);
	}
	if (rc == 0 && !name)
		rc = die("you must provide the name or id of a running container");
	if (rc == 0)
		rc = ctr_lookup(&ctr, app, name);
	if (rc == 0 && ck_container_top(&out, ctr, desc.v) < 0)
		rc = die_ck();
	if (rc == 0 && out) {
		fputs(out, stdout);
		if (out[0] && out[strlen(out) - 1] != '\n')
			putchar('\n');
	}
	ck_free(out);
	ck_container_free(ctr);
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	strv_clear(&desc);
	strv_clear(&args);
	return rc;
}
