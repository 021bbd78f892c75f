/* ck create and ck run: the spec flags shared by both, then creating, and
 * for run starting (detached or attached) with podman's exit codes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctr.h"

enum {
	O_NAME = 1, O_LABEL, O_ENV, O_ENVFILE, O_VOLUME, O_MOUNT, O_WORKDIR, O_USER, O_ENTRYPOINT,
	O_HOSTNAME, O_REPLACE, O_INIT, O_INITPATH, O_READONLY, O_CAPADD, O_CAPDROP,
	O_ULIMIT, O_MEMORY, O_CPUS, O_PIDS, O_RESTART, O_RUNTIME, O_NETWORK, O_IP, O_MAC, O_NETALIAS, O_POD, O_PUBLISH,
	O_GROUPADD, O_STOPSIGNAL, O_STOPTIMEOUT, O_LOGOPT,
	O_PULL, O_ANNOTATION, O_IPC, O_PIDNS, O_UTS, O_PRIVILEGED, O_SECOPT, O_SHMSIZE,
	O_UMASK, O_TZ, O_SYSTEMD, O_LABELFILE, O_ENVHOST, O_LOGDRIVER, O_ATTACH, O_TIMEOUT,
	O_CGROUPS, O_PODIDFILE, O_MONPIDFILE, O_HCMD, O_HINTERVAL, O_HRETRIES,
	O_HSTART, O_HTIMEOUT, O_HONFAIL, O_NOHEALTH, O_SDNOTIFY, O_DEVICE, O_TMPFS, O_ADDHOST, O_DNS,
	O_DNSSEARCH, O_DNSOPT, O_NOHOSTS, O_UNSETENV, O_UNSETENVALL, O_PIDFILE,
};

#define SPEC_FLAGS_USAGE \
	"      --cap-add strings        Add capabilities to the container\n" \
	"      --cap-drop strings       Drop capabilities from the container\n" \
	"      --cgroups string         Control container cgroup configuration (\"enabled\"|\"no-conmon\")\n" \
	"      --cidfile string         Write the container ID to the file\n" \
	"      --conmon-pidfile string  Path to the file that will receive the PID of the container's monitor\n" \
	"      --cpus float             Number of CPUs\n" \
	"      --device stringArray     Add a host device to the container (HOST[:CONTAINER][:PERMISSIONS])\n" \
	"      --no-hosts               Do not create /etc/hosts within the container, instead use the image's\n" \
	"      --tmpfs stringArray      Mount a temporary filesystem (tmpfs) into a container (DEST[:OPTIONS])\n" \
	"      --unsetenv stringArray   Unset environment default variables in container\n" \
	"      --unsetenv-all           Unset all default environment variables in container\n" \
	"      --pidfile string         Write the container process ID to the file\n" \
	"      --entrypoint string      Overwrite the default ENTRYPOINT of the image (a string or a JSON array)\n" \
	"  -e, --env stringArray        Set environment variables in container\n" \
	"      --env-file stringArray   Read in a file of environment variables\n" \
	"      --annotation strings     Add annotations to container (key=value)\n" \
	"      --add-host host:ip       Add a custom host-to-IP mapping (host:ip)\n" \
	"      --dns strings            Set custom DNS servers\n" \
	"      --dns-option strings     Set custom DNS options\n" \
	"      --dns-search strings     Set custom DNS search domains\n" \
	"  -a, --attach strings         Attach to STDIN, STDOUT or STDERR\n" \
	"      --env-host               Use all current host environment variables in container\n" \
	"      --group-add strings      Add additional groups to the primary container process\n" \
	"      --ipc string             IPC namespace to use (host or private)\n" \
	"      --label-file strings     Read in a line delimited file of labels\n" \
	"      --log-driver string      Logging driver for the container: k8s-file or none\n" \
	"      --pid string             PID namespace to use (host or private)\n" \
	"      --privileged             Give every capability of the caller, and no seccomp filter\n" \
	"      --rmi                    Remove the image after the container exits (run --rm)\n" \
	"      --security-opt strings   label=disable, seccomp=unconfined or no-new-privileges\n" \
	"      --shm-size string        Size of /dev/shm (format: <number>[<unit>], unit b, k, m or g)\n" \
	"      --systemd string         Recorded only: true, false or always\n" \
	"      --timeout uint           Maximum seconds the container may run before it is killed\n" \
	"      --tz string              Set timezone in container (a zone name, or local)\n" \
	"      --umask string           Set umask in container (default \"0022\")\n" \
	"      --uts string             UTS namespace to use (host or private)\n" \
	"      --health-cmd string      Set a healthcheck command for the container ('none' disables the existing healthcheck)\n" \
	"      --health-interval string Set an interval for the healthcheck (a value of disable results in no automatic timer setup) (default \"30s\")\n" \
	"      --health-on-failure string  Action to take once the container turns unhealthy (none, kill, restart, stop) (default \"none\")\n" \
	"      --health-retries uint    The number of retries allowed before a healthcheck is considered to be unhealthy (default 3)\n" \
	"      --health-start-period string  The initialization time needed for a container to bootstrap (default \"0s\")\n" \
	"      --health-timeout string  The maximum time allowed to complete the healthcheck before an interval is considered failed (default \"30s\")\n" \
	"  -h, --hostname string        Set container hostname\n" \
	"      --init                   Run an init binary inside the container that forwards signals and reaps processes\n" \
	"      --init-path string       Path to the container-init binary\n" \
	"  -i, --interactive            Keep STDIN open even if not attached\n" \
	"  -l, --label stringArray      Set metadata on container\n" \
	"      --log-opt stringArray    Logging driver options (max-size=SIZE)\n" \
	"  -m, --memory string          Memory limit (format: <number>[<unit>], where unit = b, k, m or g)\n" \
	"      --mount stringArray      Attach a filesystem mount to the container\n" \
	"      --name string            Assign a name to the container\n" \
	"      --ip string              Specify a static IPv4 address for the container\n" \
	"      --mac-address string     Container MAC address (e.g. 92:d0:c6:0a:29:33)\n" \
	"      --network string         Connect a container to a network: bridge, NAME[:ip=..,alias=..], slirp4netns, none, host, private, ns:PATH\n" \
	"      --network-alias strings  Add network-scoped alias for the container\n" \
	"      --no-healthcheck         Disable healthchecks on container\n" \
	"      --pids-limit int         Tune container pids limit (0 for unlimited)\n" \
	"      --pod string             Run container in an existing pod, or new:NAME to create one\n" \
	"      --pod-id-file string     Run container in an existing pod and read the pod's ID from the specified file\n" \
	"  -p, --publish strings        Publish a container's port, or a range of ports, to the host\n" \
	"      --pull string            Pull image policy (default \"missing\")\n" \
	"  -q, --quiet                  Suppress output information when pulling images\n" \
	"      --read-only              Make containers root filesystem read-only\n" \
	"      --replace                If a container with the same name exists, replace it\n" \
	"      --restart string         Restart policy: no, on-failure[:max_retry], always, unless-stopped\n" \
	"      --rm                     Remove container (and pod if created) after exit\n" \
	"      --runtime string         Path or name of the OCI runtime (crun, runc)\n" \
	"      --sdnotify string        control sd-notify behavior: conmon, container, healthy or ignore (default \"conmon\")\n" \
	"      --stop-signal string     Signal to stop a container. Default is SIGTERM\n" \
	"      --stop-timeout uint      Timeout (in seconds) to stop a container. Default is 10\n" \
	"  -t, --tty                    Allocate a pseudo-TTY for container\n" \
	"      --ulimit strings         Ulimit options (NAME=SOFT[:HARD], or host)\n" \
	"  -u, --user string            Username or UID (format: <name|uid>[:<group|gid>])\n" \
	"  -v, --volume stringArray     Bind mount a volume into the container (SRC:DST[:OPTS])\n" \
	"  -w, --workdir string         Working directory inside the container\n"

/* --tmpfs DEST[:OPTIONS], podman's mount options ("rw,size=64m,mode=1777,
 * noexec"), as the --mount of a tmpfs that the library takes. */
static int tmpfs_flag(ck_container_spec *s, const char *val)
{
	const char *colon = strchr(val, ':');
	char *opts = colon ? strdup(colon + 1) : NULL, *save = NULL;
	sbuf m = { 0 };
	int rc = 0;

	sb_printf(&m, "type=tmpfs,destination=%.*s", (int)(colon ? (size_t)(colon - val) : strlen(val)), val);
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o && rc == 0; o = strtok_r(NULL, ",", &save)) {
		if (!strncmp(o, "size=", 5))
			sb_printf(&m, ",tmpfs-size=%s", o + 5);
		else if (!strncmp(o, "mode=", 5))
			sb_printf(&m, ",tmpfs-mode=%s", o + 5);
		else if (!strcmp(o, "ro") || !strcmp(o, "rw") || !strcmp(o, "nosuid") || !strcmp(o, "nodev") ||
		         !strcmp(o, "noexec") || !strcmp(o, "suid") || !strcmp(o, "dev") || !strcmp(o, "exec"))
			sb_printf(&m, ",%s", o);
		else if (strcmp(o, "tmpcopyup") && strcmp(o, "notmpcopyup")) /* ck copies nothing up into a tmpfs */
			rc = die("invalid --tmpfs %s: option \"%s\" is not supported (size, mode, ro, rw, nosuid, nodev, "
			         "noexec)", val, o);
	}
	if (rc == 0 && ck_container_spec_add_mount_string(s, sb_take(&m)) < 0)
		rc = die_ck();
	free(opts);
	free(m.s);
	return rc;
}

typedef struct run_opts {
	ck_container_spec *spec;
	bool detach, rm, interactive, tty, sig_proxy, quiet, rmi, network_set, in_pod;
	int attach; /* -a: 1 stdin, 2 stdout, 4 stderr; 0: podman's default (all) */
	const char *cidfile, *restart, *image, *new_pod, *pod;
	char *pod_id; /* --pod-id-file's */
	ck_image_pull_policy pull;
	strv args; /* the image, then the command */
	strv entrypoint;
	jnode *ep_json;
} run_opts;

/* "10m" or "1g" for --log-opt max-size (go-units: decimal). */
static bool parse_size(const char *text, long long *out)
{
	char *end;
	double v = strtod(text, &end);
	double mult = 1;

	if (end == text || v < 0)
		return false;
	switch (*end) {
	case 'k': case 'K': mult = 1e3; end++; break;
	case 'm': case 'M': mult = 1e6; end++; break;
	case 'g': case 'G': mult = 1e9; end++; break;
	default: break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return false;
	*out = (long long)(v * mult);
	return true;
}

/* --entrypoint: a JSON array of strings, or one string as the whole command. */
static int set_entrypoint(run_opts *r, const char *val)
{
	strv_clear(&r->entrypoint);
	json_free(r->ep_json);
	r->ep_json = NULL;
	if (val[0] == '[' && (r->ep_json = json_parse(val)) && r->ep_json->type == J_ARR) {
		for (size_t i = 0; i < r->ep_json->n; i++) {
			if (r->ep_json->vals[i]->type != J_STR)
				return die("invalid --entrypoint %s: a JSON array must hold strings", val);
			strv_add(&r->entrypoint, r->ep_json->vals[i]->str);
		}
	} else if (val[0]) {
		strv_add(&r->entrypoint, val);
	}
	static const char *const none[] = { NULL };
	if (ck_container_spec_set_entrypoint(r->spec, r->entrypoint.v ? r->entrypoint.v : none) < 0)
		return die_ck();
	return 0;
}

/* --label-file: one KEY=VALUE label a line; empty lines and # comments are
 * skipped, as podman's. */
static int label_file(ck_container_spec *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!f)
		return die("open %s: %s", path, strerror(errno));
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		char *p = line + strspn(line, " \t");
		if (*p && *p != '#' && ck_container_spec_add_label_string(s, p) < 0)
			rc = die("%s: %s", path, ck_error_last()->message);
	}
	free(line);
	fclose(f);
	return rc;
}

static int spec_flag(void *payload, int id, const char *val)
{
	run_opts *r = payload;
	ck_container_spec *s = r->spec;
	long long n;
	int rc = 0;

	switch (id) {
	case O_NAME: rc = ck_container_spec_set_name(s, val); break;
	case O_LABEL: rc = ck_container_spec_add_label_string(s, val); break;
	case O_ENV: rc = ck_container_spec_add_env_string(s, val); break;
	case O_ENVFILE: rc = ck_container_spec_add_env_file(s, val); break;
	case O_VOLUME: rc = ck_container_spec_add_volume_string(s, val); break;
	case O_MOUNT: rc = ck_container_spec_add_mount_string(s, val); break;
	case O_WORKDIR: rc = ck_container_spec_set_workdir(s, val); break;
	case O_USER: rc = ck_container_spec_set_user(s, val); break;
	case O_ENTRYPOINT: return set_entrypoint(r, val);
	case O_HOSTNAME: rc = ck_container_spec_set_hostname(s, val); break;
	case O_REPLACE: rc = ck_container_spec_set_replace(s, flag_on(val)); break;
	case O_INIT: rc = ck_container_spec_set_init(s, flag_on(val)); break;
	case O_INITPATH: rc = ck_container_spec_set_init_path(s, val); break;
	case O_READONLY: rc = ck_container_spec_set_read_only(s, flag_on(val)); break;
	case O_CAPADD: rc = ck_container_spec_add_cap(s, val); break;
	case O_CAPDROP: rc = ck_container_spec_drop_cap(s, val); break;
	case O_ULIMIT:
		/* "host" is what the library does anyway: inherit ck's limits */
		if (strcmp(val, "host") != 0)
			rc = ck_container_spec_add_ulimit_string(s, val);
		break;
	case O_MEMORY: rc = ck_container_spec_set_memory_string(s, val); break;
	case O_CPUS: {
		char *end;
		double cpus = strtod(val, &end);
		if (end == val || *end || cpus < 0)
			return die("invalid argument \"%s\" for \"--cpus\" flag: must be a number of CPUs", val);
		rc = ck_container_spec_set_cpus(s, cpus);
		break;
	}
	case O_PIDS:
		if (!parse_int_arg("--pids-limit", val, -1, &n))
			return EXIT_CK;
		rc = ck_container_spec_set_pids_limit(s, n < 0 ? 0 : n);
		break;
	case O_RESTART:
		r->restart = val;
		rc = ck_container_spec_set_restart_policy(s, val);
		break;
	case O_RUNTIME: rc = ck_container_spec_set_runtime(s, val); break;
	case O_NETWORK:
		r->network_set = true;
		rc = ck_container_spec_set_network(s, val);
		break;
	case O_IP: rc = ck_container_spec_set_ip(s, val); break;
	case O_MAC: rc = ck_container_spec_set_mac_address(s, val); break;
	case O_NETALIAS: rc = ck_container_spec_add_network_alias(s, val); break;
	case O_ADDHOST: rc = ck_container_spec_add_host(s, val); break;
	case O_DNS: rc = ck_container_spec_add_dns(s, val); break;
	case O_DNSSEARCH: rc = ck_container_spec_add_dns_search(s, val); break;
	case O_DNSOPT: rc = ck_container_spec_add_dns_option(s, val); break;
	case O_POD:
		r->in_pod = true;
		/* "new:NAME" makes the pod first (do_create) */
		if (!strncmp(val, "new:", 4))
			r->new_pod = val + 4;
		else
			r->new_pod = NULL;
		r->pod = r->new_pod ? r->new_pod : val;
		rc = ck_container_spec_set_pod(s, r->pod);
		break;
	case O_PUBLISH: rc = ck_container_spec_add_port_string(s, val); break;
	case O_GROUPADD: rc = ck_container_spec_add_group(s, val); break;
	case O_STOPSIGNAL: rc = ck_container_spec_set_stop_signal(s, val); break;
	case O_STOPTIMEOUT:
		if (!parse_int_arg("--stop-timeout", val, 0, &n))
			return EXIT_CK;
		rc = ck_container_spec_set_stop_timeout(s, (unsigned int)n);
		break;
	case O_LOGOPT:
		if (!strncmp(val, "max-size=", 9)) {
			if (!strcmp(val + 9, "-1"))
				n = -1;
			else if (!parse_size(val + 9, &n))
				return die("invalid --log-opt %s: max-size takes a size such as 10m", val);
			rc = ck_container_spec_set_log_size_max(s, n);
		} else if (strncmp(val, "max-file=", 9) != 0 && strncmp(val, "tag=", 4) != 0 &&
		           strncmp(val, "path=", 5) != 0) {
			return die("invalid --log-opt %s: supported options are max-size, max-file, tag, path", val);
		}
		break;
	case O_PULL:
		if (ck_image_pull_policy_parse(&r->pull, val) < 0)
			return die_ck();
		break;
	case O_HCMD: rc = ck_container_spec_set_health_cmd(s, val); break;
	case O_HINTERVAL:
	case O_HSTART:
	case O_HTIMEOUT: {
		static const char *const names[] = { "--health-interval", "--health-start-period", "--health-timeout" };
		const char *flag = names[id == O_HINTERVAL ? 0 : id == O_HSTART ? 1 : 2];
		int64_t ns = 0;
		if (!(id == O_HINTERVAL && !strcmp(val, "disable")) && ck_duration_parse(&ns, val) < 0)
			return die("invalid %s \"%s\": %s", flag, val, ck_error_last()->message);
		rc = id == O_HINTERVAL ? ck_container_spec_set_health_interval(s, ns)
		     : id == O_HSTART  ? ck_container_spec_set_health_start_period(s, ns)
		                       : ck_container_spec_set_health_timeout(s, ns);
		break;
	}
	case O_HRETRIES:
		if (!parse_int_arg("--health-retries", val, 0, &n))
			return EXIT_CK;
		rc = ck_container_spec_set_health_retries(s, n > 1000000 ? 1000001u : (unsigned int)n);
		break;
	case O_HONFAIL: rc = ck_container_spec_set_health_on_failure(s, val); break;
	case O_NOHEALTH: rc = ck_container_spec_set_no_healthcheck(s, flag_on(val)); break;
	case O_SDNOTIFY: rc = ck_container_spec_set_sdnotify(s, val); break;
	case O_ANNOTATION: rc = ck_container_spec_add_annotation(s, val); break;
	case O_DEVICE: rc = ck_container_spec_add_device(s, val); break;
	case O_TMPFS: return tmpfs_flag(s, val);
	case O_NOHOSTS: rc = ck_container_spec_set_no_hosts(s, flag_on(val)); break;
	case O_UNSETENV: rc = ck_container_spec_unset_env(s, val); break;
	case O_UNSETENVALL: rc = ck_container_spec_set_unset_env_all(s, flag_on(val)); break;
	case O_PIDFILE: rc = ck_container_spec_set_pid_file(s, val); break;
	case O_IPC: rc = ck_container_spec_set_namespace(s, "ipc", val); break;
	case O_PIDNS: rc = ck_container_spec_set_namespace(s, "pid", val); break;
	case O_UTS: rc = ck_container_spec_set_namespace(s, "uts", val); break;
	case O_PRIVILEGED: rc = ck_container_spec_set_privileged(s, flag_on(val)); break;
	case O_SECOPT: rc = ck_container_spec_add_security_opt(s, val); break;
	case O_SHMSIZE: {
		/* podman's sizes here are 1024-based, as --memory's */
		char *end;
		double v = strtod(val, &end), mult = 1;
		switch (*end) {
		case 'b': case 'B': end++; break;
		case 'k': case 'K': mult = 1024, end++; break;
		case 'm': case 'M': mult = 1024 * 1024, end++; break;
		case 'g': case 'G': mult = 1024.0 * 1024 * 1024, end++; break;
		default: break;
		}
		if (end == val || *end || v <= 0)
			return die("invalid --shm-size %s: use a size such as 64m", val);
		rc = ck_container_spec_set_shm_size(s, (int64_t)(v * mult));
		break;
	}
	case O_UMASK: rc = ck_container_spec_set_umask(s, val); break;
	case O_TZ: rc = ck_container_spec_set_timezone(s, val); break;
	case O_SYSTEMD: rc = ck_container_spec_set_systemd(s, val); break;
	case O_LABELFILE: return label_file(s, val);
	case O_ENVHOST:
		if (flag_on(val))
			for (char **e = environ; *e; e++)
				if (strchr(*e, '=') && ck_container_spec_add_env_string(s, *e) < 0)
					return die_ck();
		break;
	case O_LOGDRIVER: rc = ck_container_spec_set_log_driver(s, val); break;
	case O_TIMEOUT:
		if (!parse_int_arg("--timeout", val, 0, &n) || n > 100000000)
			return n > 100000000 ? die("invalid --timeout %s: too large", val) : EXIT_CK;
		rc = ck_container_spec_set_timeout(s, (unsigned int)n);
		break;
	case O_ATTACH:
		if (!strcasecmp(val, "stdin"))
			r->attach |= 1;
		else if (!strcasecmp(val, "stdout"))
			r->attach |= 2;
		else if (!strcasecmp(val, "stderr"))
			r->attach |= 4;
		else
			return die("invalid stream \"%s\" for --attach - must be one of stdin, stdout, or stderr", val);
		break;
	case O_CGROUPS:
		/* The monitor has a cgroup of its own either way; under a service
		 * manager the unit's cgroup keeps the ck process that started it. */
		if (strcmp(val, "enabled") != 0 && strcmp(val, "no-conmon") != 0)
			return die("invalid --cgroups %s: supported modes are enabled and no-conmon", val);
		break;
	case O_PODIDFILE: {
		free(r->pod_id);
		if (!(r->pod_id = read_id_file(val, "pod ID file")))
			return EXIT_CK;
		rc = ck_container_spec_set_pod(s, r->pod = r->pod_id);
		r->new_pod = NULL;
		r->in_pod = true;
		break;
	}
	case O_MONPIDFILE: rc = ck_container_spec_set_monitor_pid_file(s, val); break;
	default: break;
	}
	return rc < 0 ? die_ck() : 0;
}

static void run_opts_free(run_opts *r)
{
	ck_container_spec_free(r->spec);
	strv_clear(&r->args);
	free(r->pod_id);
	strv_clear(&r->entrypoint);
	json_free(r->ep_json);
}

/* Parses the flags, the image and the command into `r`; the options end
 * at the image, as podman's do. */
static int parse_spec(run_opts *r, ck_app *app, int argc, char **argv, const char *usage)
{
	/* Both commands take every flag; -d and --sig-proxy mean something only to run. */
	flag_hook h = { spec_flag, r };
#define V(name, sh, id) { name, sh, F_CALL_VAL, &h, id }
#define B(name, sh, id) { name, sh, F_CALL, &h, id }
	const flag_def defs[] = {
		V("name", 0, O_NAME), V("label", 'l', O_LABEL), V("env", 'e', O_ENV), V("env-file", 0, O_ENVFILE),
		V("volume", 'v', O_VOLUME), V("mount", 0, O_MOUNT), V("workdir", 'w', O_WORKDIR), V("user", 'u', O_USER),
		V("entrypoint", 0, O_ENTRYPOINT), V("hostname", 'h', O_HOSTNAME),
		{ "cidfile", 0, F_STR, &r->cidfile, 0 }, B("replace", 0, O_REPLACE), B("init", 0, O_INIT),
		V("init-path", 0, O_INITPATH), B("read-only", 0, O_READONLY), V("cap-add", 0, O_CAPADD),
		V("cap-drop", 0, O_CAPDROP), V("ulimit", 0, O_ULIMIT), V("memory", 'm', O_MEMORY), V("cpus", 0, O_CPUS),
		V("pids-limit", 0, O_PIDS), V("restart", 0, O_RESTART), V("runtime", 0, O_RUNTIME),
		V("network", 0, O_NETWORK), V("net", 0, O_NETWORK), V("pod", 0, O_POD), V("ip", 0, O_IP),
		V("mac-address", 0, O_MAC), V("network-alias", 0, O_NETALIAS), V("add-host", 0, O_ADDHOST),
		V("dns", 0, O_DNS), V("dns-search", 0, O_DNSSEARCH), V("dns-option", 0, O_DNSOPT),
		V("publish", 'p', O_PUBLISH), { "detach", 'd', F_BOOL, &r->detach, 0 }, { "rm", 0, F_BOOL, &r->rm, 0 },
		{ "interactive", 'i', F_BOOL, &r->interactive, 0 }, { "tty", 't', F_BOOL, &r->tty, 0 },
		V("group-add", 0, O_GROUPADD), V("stop-signal", 0, O_STOPSIGNAL), V("stop-timeout", 0, O_STOPTIMEOUT),
		V("log-opt", 0, O_LOGOPT), V("pull", 0, O_PULL), { "quiet", 'q', F_BOOL, &r->quiet, 0 },
		{ "sig-proxy", 0, F_BOOL, &r->sig_proxy, 0 }, V("annotation", 0, O_ANNOTATION), V("ipc", 0, O_IPC),
		V("pid", 0, O_PIDNS), V("uts", 0, O_UTS), B("privileged", 0, O_PRIVILEGED),
		V("security-opt", 0, O_SECOPT), V("shm-size", 0, O_SHMSIZE), V("umask", 0, O_UMASK), V("tz", 0, O_TZ),
		V("systemd", 0, O_SYSTEMD), V("label-file", 0, O_LABELFILE), B("env-host", 0, O_ENVHOST),
		V("log-driver", 0, O_LOGDRIVER), { "rmi", 0, F_BOOL, &r->rmi, 0 }, V("attach", 'a', O_ATTACH),
		V("timeout", 0, O_TIMEOUT), V("cgroups", 0, O_CGROUPS), V("device", 0, O_DEVICE), V("tmpfs", 0, O_TMPFS),
		B("no-hosts", 0, O_NOHOSTS), V("unsetenv", 0, O_UNSETENV), B("unsetenv-all", 0, O_UNSETENVALL),
		V("pidfile", 0, O_PIDFILE), V("pod-id-file", 0, O_PODIDFILE), V("conmon-pidfile", 0, O_MONPIDFILE),
		V("health-cmd", 0, O_HCMD), V("health-interval", 0, O_HINTERVAL), V("health-retries", 0, O_HRETRIES),
		V("health-start-period", 0, O_HSTART), V("health-timeout", 0, O_HTIMEOUT),
		V("health-on-failure", 0, O_HONFAIL), B("no-healthcheck", 0, O_NOHEALTH), V("sdnotify", 0, O_SDNOTIFY),
		{ NULL, 0, F_IGNORE, NULL, 0 },
	};
#undef V
#undef B
	int rc;

	memset(r, 0, sizeof(*r));
	r->sig_proxy = true;
	if (ck_container_spec_new(&r->spec) < 0)
		return die_ck();
	if ((rc = parse_flags_cmd(app, argc, argv, defs, usage, &r->args)) != 0)
		return rc;
	if (!r->args.n)
		return die_args(usage, "an image is required");
	r->image = r->args.v[0];
	if (r->rmi && !r->rm)
		return die("the --rmi option does not work without --rm");
	if (r->rm && r->restart && strcmp(r->restart, "no") && r->restart[0])
		return die("--rm conflicts with --restart %s: a container that is removed when it exits cannot be "
		           "restarted; drop --rm, or use --restart no", r->restart);
	if (ck_container_spec_set_remove(r->spec, r->rm) < 0 || ck_container_spec_set_stdin(r->spec, r->interactive) < 0 ||
	    ck_container_spec_set_tty(r->spec, r->tty) < 0 || ck_container_spec_set_image(r->spec, r->image) < 0 ||
	    ck_container_spec_set_create_command(r->spec, (const char *const *)app->argv) < 0)
		return die_ck();
	/* Run by a unit of `ck generate systemd`: the unit's name goes with
	 * the container (as podman labels it), so that an update knows which
	 * unit to restart. */
	const char *unit = getenv("PODMAN_SYSTEMD_UNIT");
	if (unit && *unit && ck_container_spec_set_label(r->spec, "PODMAN_SYSTEMD_UNIT", unit) < 0)
		return die_ck();
	if (r->args.n > 1 && ck_container_spec_set_command(r->spec, r->args.v + 1) < 0)
		return die_ck();
	return 0;
}

/* Looks the image up, pulling it first as the --pull policy says (podman's
 * default, "missing", pulls an image that is not in local storage). */
static int maybe_pull(ck_app *app, run_opts *r)
{
	ck_image *img = NULL;

	if (ck_image_get(&img, app->ctx, r->image, r->pull, NULL) < 0)
		return die_ck();
	ck_image_free(img);
	return 0;
}

/* Whether the pod `ref` shares its network with its members (one made
 * with --no-infra does not); an unknown pod is left to the create's error. */
static bool pod_shares_net(ck_app *app, const char *ref)
{
	ck_pod *pod = NULL;
	bool net = true;

	if (ck_pod_lookup(&pod, app->ctx, ref) == 0) {
		net = false;
		for (const char *const *ns = ck_pod_shares(pod); ns && *ns; ns++)
			net = net || !strcmp(*ns, "net");
	}
	ck_pod_free(pod);
	return net;
}

/* Parses, creates, and writes the cidfile.  *out is the new container. */
static int do_create(ck_container **out, run_opts *r, ck_app *app, int argc, char **argv,
                     const char *usage)
{
	int rc = parse_spec(r, app, argc, argv, usage), cidfd = -1;

	*out = NULL;
	if (rc)
		return rc;
	if (!app_context(app))
		return EXIT_CK;
	/* podman's default network: the bridge when rootful, slirp4netns when
	 * rootless (a pod's members use the pod's, when it shares one; the
	 * library's own default is "none") */
	if (!r->network_set && (!r->in_pod || (!r->new_pod && !pod_shares_net(app, r->pod))) &&
	    ck_container_spec_set_network(r->spec, default_network(app)) < 0)
		return die_ck();
	if ((rc = maybe_pull(app, r)) != 0)
		return rc;
	if (r->cidfile && (rc = id_file_claim(&cidfd, r->cidfile, "container", "cidfile")) != 0)
		return rc;
	ck_pod *pod = NULL;
	ck_pod_spec *ps = NULL;
	if (r->new_pod && (ck_pod_spec_new(&ps) < 0 || ck_pod_spec_set_name(ps, r->new_pod) < 0 ||
	                   ck_pod_spec_set_network(ps, default_network(app)) < 0 ||
	                   ck_pod_create(&pod, app->ctx, ps) < 0))
		rc = die_ck();
	ck_pod_spec_free(ps);
	if (rc == 0 && ck_container_create(out, app->ctx, r->spec) < 0) {
		rc = die_ck();
		if (pod) /* the pod made for it goes too */
			ck_pod_remove(pod, CK_REMOVE_FORCE);
	}
	ck_pod_free(pod);
	if (cidfd >= 0 && id_file_finish(cidfd, r->cidfile, "cidfile", rc == 0 ? ck_container_id(*out) : NULL) != 0) {
		ck_container_remove(*out, CK_REMOVE_FORCE);
		ck_container_free(*out);
		*out = NULL;
		rc = EXIT_CK;
	}
	return rc;
}

static const char create_usage[] =
	"Create but do not start a container\n\n"
	"Usage:\n  ck create [options] IMAGE [COMMAND [ARG...]]\n\nOptions:\n" SPEC_FLAGS_USAGE;

/* --rmi, as `rmi IMAGE` after a --rm container: the name goes if the
 * image has others, else the image, unless a container uses it. */
static void rmi_after_rm(ck_app *app, const run_opts *r)
{
	ck_image *img = NULL;

	if (!r->rmi || !r->rm || r->detach || !app->ctx)
		return;
	if (ck_image_lookup(&img, app->ctx, r->image) == 0) {
		const char *const *names = ck_image_names(img);
		int e = names && names[0] && names[1] ? ck_image_untag(img, r->image) : ck_image_remove(img, 0);
		if (e < 0 && ck_error_last()->code != CK_EINUSE)
			print_ck_error();
	}
	ck_image_free(img);
}

int ctr_create(ck_app *app, int argc, char **argv)
{
	run_opts r;
	ck_container *ctr = NULL;
	int rc = do_create(&ctr, &r, app, argc, argv, create_usage);

	if (rc == 0)
		printf("%s\n", ck_container_id(ctr));
	if (rc >= 0)
		rmi_after_rm(app, &r);
	ck_container_free(ctr);
	run_opts_free(&r);
	return rc < 0 ? 0 : rc;
}

/* Runs attached: the container's exit code, or podman's 125/126/127. */
static int run_attached(ck_app *app, ck_container *ctr, run_opts *r)
{
	ck_attach_options ao = CK_ATTACH_OPTIONS_INIT;
	int code = -1, rc;
	bool in_tty = isatty(STDIN_FILENO);

	if (r->tty && r->interactive && !in_tty)
		fprintf(stderr, "WARN[0000] The input device is not a TTY. The --tty and --interactive "
		                "flags might not work properly\n");
	ao.stdin_fd = r->interactive && (!r->attach || (r->attach & 1)) ? STDIN_FILENO : -1;
	ao.stdout_fd = !r->attach || (r->attach & 2) ? STDOUT_FILENO : -1;
	ao.stderr_fd = !r->attach || (r->attach & 4) ? STDERR_FILENO : -1;
	if (r->tty)
		ao.tty_fd = in_tty ? STDIN_FILENO : isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
	if (r->tty && r->interactive && in_tty)
		tty_raw(STDIN_FILENO);
	else if (r->sig_proxy)
		proxy_start(app, ck_container_id(ctr));
	fflush(stdout);
	rc = ck_container_start_attached(&code, ctr, &ao);
	tty_restore();
	proxy_stop();
	if (rc < 0) {
		int status = die_runtime();
		if (r->rm)
			ck_container_remove(ctr, CK_REMOVE_FORCE);
		return status;
	}
	/* A --rm container is gone when the library returns (podman's run
	 * --rm returns once it is). */
	return code < 0 ? EXIT_CK : code;
}

static const char run_usage[] =
	"Run a command in a new container\n\n"
	"Usage:\n  ck run [options] IMAGE [COMMAND [ARG...]]\n\nOptions:\n"
	"  -d, --detach                 Run container in background and print container ID\n"
	"      --sig-proxy              Proxy received signals to the process (default true)\n" SPEC_FLAGS_USAGE;

int ctr_run(ck_app *app, int argc, char **argv)
{
	run_opts r;
	ck_container *ctr = NULL;
	int rc = do_create(&ctr, &r, app, argc, argv, run_usage);

	if (rc == 0 && r.detach) {
		if (ck_container_start(ctr) < 0) {
			rc = die_runtime();
			if (r.rm)
				ck_container_remove(ctr, CK_REMOVE_FORCE);
		} else {
			printf("%s\n", ck_container_id(ctr));
		}
	} else if (rc == 0) {
		rc = run_attached(app, ctr, &r);
	}
	if (rc >= 0)
		rmi_after_rm(app, &r);
	ck_container_free(ctr);
	run_opts_free(&r);
	return rc < 0 ? 0 : rc;
}
