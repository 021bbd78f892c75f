/* containerkit/systemd.h through the public API: units for containers made
 * through the API (no create command), the recorded create command, units
 * from Quadlet-style files, and the errors for bad input, which leave
 * nothing written. */
#define _GNU_SOURCE
#include "../container/ctr_common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const ck_exe = "/bin/true"; /* any absolute program: nothing here runs it */

static ck_systemd_options opts(unsigned int flags)
{
	ck_systemd_options o = CK_SYSTEMD_OPTIONS_INIT;
	o.flags = flags | CK_SYSTEMD_NAME;
	o.executable = ck_exe;
	return o;
}

static size_t dir_entries(const char *path)
{
	DIR *d = opendir(path);
	size_t n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static char *write_in(const char *dir, const char *name, const char *text)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return p;
}

static void systemd_api_container_without_create_command_cannot_be_replayed(void)
{
	ck_container_spec *spec = tc_spec("sleep 100");
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(CK_SYSTEMD_NEW);
	char **cmd = NULL;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "api-made"));
	ck_container *ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_create_command(&cmd, ctr));
	CK_CHECK(cmd && !cmd[0]);
	ck_strv_free(cmd);
	CK_CHECK_RC(ck_systemd_generate(&u, tc_ctx(), "api-made", &o), CK_EINVAL);
	CK_CHECK(u == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "container api-made");
	CK_CHECK_CONTAINS(ck_error_last()->message, "cannot be replayed");
	/* without --new it starts and stops the existing container */
	o = opts(0);
	CK_CHECK_OK(ck_systemd_generate(&u, tc_ctx(), "api-made", &o));
	CK_CHECK(ck_systemd_units_count(u) == 1);
	CK_CHECK_STR(ck_systemd_units_name(u, 0), "container-api-made.service");
	const char *text = ck_systemd_units_content(u, 0);
	CK_CHECK_CONTAINS(text, "ExecStart=/bin/true start api-made\n");
	CK_CHECK_CONTAINS(text, "Type=forking\n");
	CK_CHECK_CONTAINS(text, "/monitor.pid\n");
	CK_CHECK(ck_systemd_units_name(u, 1) == NULL && ck_systemd_units_content(u, 1) == NULL);
	ck_systemd_units_free(u);
	ck_container_remove(ctr, CK_REMOVE_FORCE);
	ck_container_free(ctr);
}

static void systemd_create_command_is_recorded_and_replayed(void)
{
	static const char *const argv[] = { "ck", "--root", "/srv/r", "run", "-dit", "--rm", "--name", "rec",
		                            "-e", "PLAIN=1", "-e", "FROM_CALLER", "--restart", "on-failure:3",
		                            "--cidfile", "/x.cid",
		                            TC_IMAGE, "sh", "-c", "echo 100% $HOME", NULL };
	ck_container_spec *spec = tc_spec("sleep 100");
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(CK_SYSTEMD_NEW);
	char **cmd = NULL, *json = NULL;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "rec"));
	CK_CHECK_OK(ck_container_spec_set_create_command(spec, argv));
	/* "-e FROM_CALLER" took the value from the caller's environment */
	CK_CHECK_OK(ck_container_spec_add_env_string(spec, "FROM_CALLER=a b$c"));
	ck_container *ctr = tc_create(spec);
	if (!ctr)
		return;
	CK_CHECK_OK(ck_container_create_command(&cmd, ctr));
	for (size_t i = 0; argv[i]; i++)
		CK_CHECK(cmd[i] && !strcmp(cmd[i], argv[i]));
	ck_strv_free(cmd);
	CK_CHECK_OK(ck_container_inspect(&json, ctr));
	CK_CHECK_CONTAINS(json, "\"CreateCommand\"");
	CK_CHECK_CONTAINS(json, "\"on-failure:3\"");
	ck_free(json);
	CK_CHECK_OK(ck_systemd_generate(&u, tc_ctx(), "rec", &o));
	const char *t = u ? ck_systemd_units_content(u, 0) : "";
	/* the global flags are kept, run's own id file, removal and detaching replaced */
	CK_CHECK_CONTAINS(t, "ExecStart=/bin/true \\\n\t--root /srv/r run \\\n\t--cidfile=%t/%n.ctr-id \\\n"
	                     "\t--cgroups=no-conmon \\\n\t--rm \\\n\t--sdnotify=conmon \\\n\t-d \\\n\t--replace \\\n"
	                     "\t-it \\\n\t--name rec \\\n\t-e PLAIN=1 \\\n\t-e FROM_CALLER localhost/busybox:latest sh \\\n"
	                     "\t-c \"echo 100%% $$HOME\"\n");
	CK_CHECK(!strstr(t, "/x.cid"));
	/* ... so the unit's environment holds it, as the container got it */
	CK_CHECK_CONTAINS(t, "Environment=PODMAN_SYSTEMD_UNIT=%n\nEnvironment=\"FROM_CALLER=a b$c\"\n");
	CK_CHECK_CONTAINS(t, "Restart=on-failure\nStartLimitBurst=3\n");
	CK_CHECK_CONTAINS(t, "ExecStop=/bin/true \\\n\t--root /srv/r stop \\\n\t--ignore \\\n\t-t 10 \\\n"
	                     "\t--cidfile=%t/%n.ctr-id\n");
	CK_CHECK_CONTAINS(t, "Type=notify\nNotifyAccess=all\n");
	ck_systemd_units_free(u);
	ck_container_remove(ctr, CK_REMOVE_FORCE);
	ck_container_free(ctr);
}

static void systemd_generate_refuses_unknown_objects_and_bad_options(void)
{
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(0);

	CK_CHECK_RC(ck_systemd_generate(&u, tc_ctx(), "no-such-thing", &o), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no-such-thing does not refer to a container or pod");
	o.restart_policy = "sometimes";
	CK_CHECK_RC(ck_systemd_generate(&u, tc_ctx(), "no-such-thing", &o), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "sometimes is not a valid restart policy");
	o = opts(0);
	o.executable = "ck";
	CK_CHECK_RC(ck_systemd_generate(&u, tc_ctx(), "no-such-thing", &o), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "absolute path");
	o = opts(0);
	o.version = 99;
	CK_CHECK_RC(ck_systemd_generate(&u, tc_ctx(), "x", &o), CK_EVERSION);
	CK_CHECK(u == NULL);
}

static void systemd_quadlet_reads_systemd_syntax(void)
{
	char *dir = ck_test_tmpdir("quadlet");
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(0);

	free(write_in(dir, "app.container",
	              "# a comment\n; another\n[Unit]\nDescription=the app\n\n[Container]\n"
	              "Image=" TC_IMAGE "\nEnvironment=A=1 \"B=two words\" \\\n  C=3\n"
	              "Exec=sh -c 'echo \"hi\" 50%'\nAutoUpdate=local\nVolume=store.volume:/data:Z\n"
	              "PublishPort=127.0.0.1:8080:80\n[Service]\nRestart=always\n[Install]\nWantedBy=default.target\n"));
	free(write_in(dir, "store.volume", "[Volume]\nVolumeName=store\nLabel=a=b\n"));
	free(write_in(dir, "README", "not a unit\n"));
	const char *paths[] = { dir, NULL };
	CK_CHECK_OK(ck_systemd_quadlet_generate(&u, paths, &o));
	CK_CHECK(ck_systemd_units_count(u) == 2);
	CK_CHECK_STR(ck_systemd_units_name(u, 0), "app.service");
	CK_CHECK_STR(ck_systemd_units_name(u, 1), "store-volume.service");
	const char *t = ck_systemd_units_content(u, 0);
	CK_CHECK_CONTAINS(t, "Description=the app\nRequires=store-volume.service\nAfter=store-volume.service\n");
	CK_CHECK_CONTAINS(t, "--env A=1 \\\n\t--env \"B=two words\" \\\n\t--env C=3 \\\n");
	CK_CHECK_CONTAINS(t, "--label io.containers.autoupdate=local \\\n");
	CK_CHECK_CONTAINS(t, "--volume store:/data:Z \\\n");
	CK_CHECK_CONTAINS(t, "localhost/busybox:latest sh \\\n\t-c \"echo \\\"hi\\\" 50%\"\n");
	CK_CHECK_CONTAINS(t, "Restart=always\n\n[Install]\nWantedBy=default.target\n");
	CK_CHECK_CONTAINS(ck_systemd_units_content(u, 1), "volume create \\\n\t--ignore \\\n\t--label a=b store\n");
	ck_systemd_units_free(u);
	ck_test_rmtree(dir);
	free(dir);
}

/* A .kube file: the YAML and ConfigMap paths made absolute beside it, its
 * keys as kube play flags, a .network as a dependency, and a stop by kube
 * down (systemd-analyze verifies the same unit in tests/cli/test_kube.sh). */
static void systemd_quadlet_kube_plays_and_downs_the_yaml(void)
{
	char *dir = ck_test_tmpdir("quadlet-kube");
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(0);

	free(write_in(dir, "web.kube",
	              "[Unit]\nDescription=the web pod\n[Kube]\nYaml=web.yaml\nNetwork=front.network\n"
	              "PublishPort=127.0.0.1:8080:80\nConfigMap=cm.yaml\nAutoUpdate=srv/local\nAutoUpdate=registry\n"
	              "UserNS=host\nLogDriver=k8s-file\nSetWorkingDirectory=yaml\n[Install]\nWantedBy=default.target\n"));
	free(write_in(dir, "front.network", "[Network]\nNetworkName=front\n"));
	const char *paths[] = { dir, NULL };
	CK_CHECK_OK(ck_systemd_quadlet_generate(&u, paths, &o));
	CK_CHECK(ck_systemd_units_count(u) == 2);
	CK_CHECK_STR(ck_systemd_units_name(u, 0), "front-network.service");
	CK_CHECK_STR(ck_systemd_units_name(u, 1), "web.service");
	const char *t = ck_systemd_units_content(u, 1);
	char *real = realpath(dir, NULL), *want = NULL;
	CK_CHECK(real != NULL);
	CK_CHECK_CONTAINS(t, "Description=the web pod\nRequires=front-network.service\nAfter=front-network.service\n");
	CK_CHECK_CONTAINS(t, "Type=forking\nPIDFile=%t/%N.pid\n");
	CK_CHECK_CONTAINS(t, "ExecStart=/bin/true kube play \\\n\t--replace \\\n\t--infra-conmon-pidfile=%t/%N.pid \\\n");
	CK_CHECK_CONTAINS(t, "--network front \\\n");
	CK_CHECK_CONTAINS(t, "--annotation io.containers.autoupdate/srv=local \\\n");
	CK_CHECK_CONTAINS(t, "--annotation io.containers.autoupdate=registry \\\n");
	CK_CHECK_CONTAINS(t, "--publish 127.0.0.1:8080:80 \\\n");
	CK_CHECK_CONTAINS(t, "--userns host \\\n");
	CK_CHECK_CONTAINS(t, "--log-driver k8s-file ");
	if (asprintf(&want, "--configmap %s/cm.yaml \\\n", real) < 0)
		abort();
	CK_CHECK_CONTAINS(t, want);
	free(want);
	if (asprintf(&want, "WorkingDirectory=%s\n", real) < 0)
		abort();
	CK_CHECK_CONTAINS(t, want);
	free(want);
	if (asprintf(&want, "ExecStop=/bin/true kube down %s/web.yaml\n", real) < 0)
		abort();
	CK_CHECK_CONTAINS(t, want);
	CK_CHECK_CONTAINS(t, "ExecStop=");
	CK_CHECK_CONTAINS(t, "\n[Install]\nWantedBy=default.target\n");
	free(want);
	free(real);
	ck_systemd_units_free(u);
	ck_test_rmtree(dir);
	free(dir);
}

/* Each bad file fails the whole call with its file and line named. */
static void systemd_quadlet_bad_files_are_refused_with_file_and_line(void)
{
	static const struct {
		const char *name, *text, *msg;
	} cases[] = {
		{ "a.container", "[Container]\nImage=x\nImagePullPolicy=always\n", "a.container:3: unknown key ImagePullPolicy in section [Container]" },
		{ "b.container", "[Container]\nExec=true\n", "b.container: no Image= in [Container]" },
		{ "c.container", "[Container]\nImage=x\nAutoUpdate=sometimes\n", "c.container:3: AutoUpdate=sometimes: use registry or local" },
		{ "d.container", "[Container]\nImage=x\nNotify=maybe\n", "d.container:3: Notify=maybe: use true, false or healthy" },
		{ "e.container", "[Container]\nImage=x\nReadOnly=perhaps\n", "e.container:3: ReadOnly=perhaps is not a boolean" },
		{ "f.container", "[Kontainer]\nImage=x\n", "f.container:2: unknown section [Kontainer]" },
		{ "g.container", "[Container]\nImage=x\nthis is not an entry\n", "g.container:3: \"this is not an entry\" is not KEY=VALUE" },
		{ "h.container", "[Container]\nImage=x\nEnvironment=\"A=1\n", "h.container:3: unbalanced quoting" },
		{ "i.container", "[Container]\nImage=x\nPod=web\n", "i.container:3: Pod=web must name a .pod file" },
		{ "j.container", "[Container]\nImage=x\nPod=gone.pod\n", "j.container:3: Pod=gone.pod names a .pod file that is not among the files read" },
		{ "k.kube", "[Kube]\nNetwork=host\n", "k.kube: no Yaml= in [Kube]" },
		{ "m.kube", "[Kube]\nYaml=a.yaml\nYaml=b.yaml\n", "m.kube:3: a second Yaml=" },
		{ "n.kube", "[Kube]\nYaml=a.yaml\nAutoUpdate=web/sometimes\n", "n.kube:3: AutoUpdate=web/sometimes: use registry or local" },
		{ "o.kube", "[Kube]\nYaml=a.yaml\nSetWorkingDirectory=home\n", "o.kube:3: SetWorkingDirectory=home: use yaml or unit" },
		{ "p.kube", "[Kube]\nYaml=a.yaml\nImage=x\n", "p.kube:3: unknown key Image in section [Kube]" },
		{ "q.kube", "[Kube]\nYaml=a.yaml\nNetwork=gone.network\n", "q.kube:3: Network=gone.network names a .network file that is not among the files read" },
		{ "l.container", "[Container]\nImage=x\nStopTimeout=soon\n", "l.container:3: StopTimeout=soon is not a number" },
	};
	ck_systemd_options o = opts(0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dir = ck_test_tmpdir("quadlet-bad");
		ck_systemd_units *u = NULL;
		char *good = write_in(dir, "fine.volume", "[Volume]\n"), *bad = write_in(dir, cases[i].name, cases[i].text);
		const char *paths[] = { dir, NULL };
		CK_CHECK_RC(ck_systemd_quadlet_generate(&u, paths, &o), CK_EINVAL);
		CK_CHECK(u == NULL);
		CK_CHECK_CONTAINS(ck_error_last()->message, bad);
		CK_CHECK_CONTAINS(ck_error_last()->message, cases[i].msg);
		free(good);
		free(bad);
		ck_test_rmtree(dir);
		free(dir);
	}
}

static void systemd_units_write_is_all_or_nothing(void)
{
	char *dir = ck_test_tmpdir("quadlet-write"), *out = NULL, **paths = NULL;
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(0);

	free(write_in(dir, "a.volume", "[Volume]\n"));
	free(write_in(dir, "b.volume", "[Volume]\n"));
	const char *srcs[] = { dir, NULL };
	CK_CHECK_OK(ck_systemd_quadlet_generate(&u, srcs, &o));
	if (asprintf(&out, "%s/out", dir) < 0 || mkdir(out, 0755) < 0)
		abort();
	/* the second unit's name is taken by a directory: the first goes again */
	char *blocker = NULL;
	if (asprintf(&blocker, "%s/b-volume.service", out) < 0 || mkdir(blocker, 0755) < 0)
		abort();
	CK_CHECK(ck_systemd_units_write(&paths, u, out) < 0);
	CK_CHECK(paths == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "b-volume.service");
	CK_CHECK(dir_entries(out) == 1);
	rmdir(blocker);
	CK_CHECK_OK(ck_systemd_units_write(&paths, u, out));
	CK_CHECK(paths && paths[0] && paths[1] && !paths[2]);
	CK_CHECK(dir_entries(out) == 2);
	ck_strv_free(paths);
	ck_systemd_units_free(u);
	free(blocker);
	free(out);
	ck_test_rmtree(dir);
	free(dir);
}

/* The [Install] targets read typed, as a generator links them: several on
 * a line and over lines, an empty assignment resetting the list as systemd
 * reads it, none for a unit without the section, and errors for a bad
 * index that leave the outputs NULL. */
static void systemd_units_install_targets_are_typed(void)
{
	char *dir = ck_test_tmpdir("quadlet-install"), **w = NULL, **r = NULL;
	ck_systemd_units *u = NULL;
	ck_systemd_options o = opts(0);

	free(write_in(dir, "app.container",
	              "[Container]\nImage=" TC_IMAGE "\n[Install]\nWantedBy=gone.target\nWantedBy=\n"
	              "WantedBy=default.target multi-user.target\nRequiredBy=local-fs.target\n"));
	free(write_in(dir, "store.volume", "[Volume]\n"));
	const char *paths[] = { dir, NULL };
	CK_CHECK_OK(ck_systemd_quadlet_generate(&u, paths, &o));
	CK_CHECK(ck_systemd_units_count(u) == 2);
	CK_CHECK_OK(ck_systemd_units_install(&w, &r, u, 0));
	CK_CHECK(w && w[0] && w[1] && !w[2]);
	if (w && w[0] && w[1]) {
		CK_CHECK_STR(w[0], "default.target");
		CK_CHECK_STR(w[1], "multi-user.target");
	}
	CK_CHECK(r && r[0] && !r[1]);
	if (r && r[0])
		CK_CHECK_STR(r[0], "local-fs.target");
	ck_strv_free(w);
	ck_strv_free(r);
	CK_CHECK_OK(ck_systemd_units_install(&w, NULL, u, 1));
	CK_CHECK(w && !w[0]);
	ck_strv_free(w);
	w = r = (char **)1;
	CK_CHECK_RC(ck_systemd_units_install(&w, &r, u, 2), CK_ENOTFOUND);
	CK_CHECK(w == NULL && r == NULL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "no unit 2");
	CK_CHECK_RC(ck_systemd_units_install(&w, &r, NULL, 0), CK_EINVAL);
	ck_systemd_units_free(u);
	ck_test_rmtree(dir);
	free(dir);
}

CK_TESTS(CK_TEST(systemd_api_container_without_create_command_cannot_be_replayed),
         CK_TEST(systemd_units_install_targets_are_typed),
         CK_TEST(systemd_create_command_is_recorded_and_replayed),
         CK_TEST(systemd_generate_refuses_unknown_objects_and_bad_options),
         CK_TEST(systemd_quadlet_reads_systemd_syntax),
         CK_TEST(systemd_quadlet_bad_files_are_refused_with_file_and_line),
         CK_TEST(systemd_quadlet_kube_plays_and_downs_the_yaml),
         CK_TEST(systemd_units_write_is_all_or_nothing))
