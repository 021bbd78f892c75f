/* What a spec asks for reaches the container, and what is wrong in it is
 * refused with a clear error that leaves nothing behind: env files and
 * their rules, volumes (host paths, named volumes, relabel options),
 * users, entrypoint and command, read-only, replace, and bad input. */
#define _GNU_SOURCE
#include "ctr_common.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs `spec` to its end; returns its log (free()) and its exit code. */
static char *run_spec(ck_container_spec *spec, int *code)
{
	ck_container *ctr = tc_create(spec);
	char *logs = NULL;

	*code = -1;
	if (!ctr)
		return NULL;
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(code, ctr, 30000));
	logs = tc_logs(ctr);
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	return logs;
}

/* Nothing of a failed create: no record, no mount, no directories. */
static void expect_nothing_left(void)
{
	char path[4300];
	CK_CHECK(tc_count_containers(tc_ctx()) == 0);
	CK_CHECK(!tc_mounts_under_root());
	snprintf(path, sizeof(path), "%s/root/containers", tc_tmp());
	struct stat st;
	if (stat(path, &st) == 0)
		CK_CHECK(st.st_nlink == 2); /* no container directories */
	snprintf(path, sizeof(path), "%s/root/rootfs", tc_tmp());
	if (stat(path, &st) == 0)
		CK_CHECK(st.st_nlink == 2);
}

static void container_env_file_rules_and_precedence(void)
{
	char *file = tc_write_file("app.env", "# a comment\n\n   FROM_FILE=one two\nOVERRIDDEN=file\n"
	                                      "CK_TEST_BARE\nCK_TEST_PFX*\nQUOTED=\"kept\"\nEMPTY=\n");
	ck_container_spec *spec = tc_spec("env | sort");
	int code;

	setenv("CK_TEST_BARE", "bare-value", 1);
	setenv("CK_TEST_PFX_A", "a", 1);
	setenv("CK_TEST_PFX_B", "b", 1);
	unsetenv("CK_TEST_UNSET");
	CK_CHECK_OK(ck_container_spec_add_env_file(spec, file));
	CK_CHECK_OK(ck_container_spec_set_env(spec, "OVERRIDDEN", "spec"));
	CK_CHECK_OK(ck_container_spec_add_env_string(spec, "CK_TEST_UNSET"));
	CK_CHECK_OK(ck_container_spec_add_env_string(spec, "DIRECT=x=y"));
	char *logs = run_spec(spec, &code);
	CK_CHECK(code == 0);
	CK_CHECK_CONTAINS(logs, "FROM_FILE=one two\n");
	CK_CHECK_CONTAINS(logs, "OVERRIDDEN=spec\n");
	CK_CHECK_CONTAINS(logs, "CK_TEST_BARE=bare-value\n");
	CK_CHECK_CONTAINS(logs, "CK_TEST_PFX_A=a\n");
	CK_CHECK_CONTAINS(logs, "CK_TEST_PFX_B=b\n");
	CK_CHECK_CONTAINS(logs, "QUOTED=\"kept\"\n");
	CK_CHECK_CONTAINS(logs, "EMPTY=\n");
	CK_CHECK_CONTAINS(logs, "DIRECT=x=y\n");
	CK_CHECK_CONTAINS(logs, "PATH=/usr/local/sbin");
	CK_CHECK(logs && !strstr(logs, "CK_TEST_UNSET"));
	CK_CHECK(logs && !strstr(logs, "# a comment"));
	free(logs);
	free(file);
}

static void container_env_file_bad_line_names_file_and_line(void)
{
	char *file = tc_write_file("bad.env", "GOOD=1\n# fine\n\n=novar\n");
	ck_container_spec *spec = tc_spec("true");
	ck_container *ctr = NULL;

	CK_CHECK_OK(ck_container_spec_add_env_file(spec, file));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, file);
	CK_CHECK_CONTAINS(ck_error_last()->message, "line 4");
	ck_container_spec_free(spec);
	free(file);
	file = tc_write_file("space.env", "OK=1\nBAD NAME=2\n");
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_add_env_file(spec, file));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "line 2");
	CK_CHECK_CONTAINS(ck_error_last()->message, "whitespace");
	ck_container_spec_free(spec);
	free(file);
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_add_env_file(spec, "/no/such/file.env"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/no/such/file.env");
	ck_container_spec_free(spec);
	spec = tc_spec("true");
	CK_CHECK_RC(ck_container_spec_add_env_string(spec, "=x"), CK_EINVAL);
	ck_container_spec_free(spec);
	expect_nothing_left();
}

static void container_volumes_host_paths_named_and_relabel(void)
{
	char src[4200], rosrc[4200], ro_file[4300], *logs;
	ck_container_spec *spec;
	ck_volume *vol = NULL;
	int code;

	snprintf(src, sizeof(src), "%s/shared", tc_tmp());
	snprintf(rosrc, sizeof(rosrc), "%s/readonly", tc_tmp());
	mkdir(src, 0777);
	mkdir(rosrc, 0777);
	snprintf(ro_file, sizeof(ro_file), "%s/given.txt", rosrc);
	free(tc_write_file("readonly/given.txt", "given\n"));

	spec = tc_spec("echo written > /rw/out.txt; cat /ro/given.txt; touch /ro/x || echo ro-refused; "
	               "echo in-volume > /named/data.txt; ls /z");
	CK_CHECK_OK(ck_container_spec_add_volume(spec, src, "/rw", "rw"));
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "ckvol:/named"));
	char ro[4300];
	snprintf(ro, sizeof(ro), "%s:/ro:ro", rosrc);
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, ro));
	char z[4300];
	snprintf(z, sizeof(z), "%s:/z:Z", src); /* SELinux is off here: accepted, nothing relabelled */
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, z));
	ck_container *ctr = tc_create(spec);
	if (!ctr)
		return;
	/* the named volume was made on first use, and is in use */
	CK_CHECK_OK(ck_volume_lookup(&vol, tc_ctx(), "ckvol"));
	CK_CHECK(ck_volume_users(vol) == 1);
	CK_CHECK_RC(ck_volume_remove(vol, 0), CK_EINUSE);
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, 30000));
	logs = tc_logs(ctr);
	CK_CHECK(code == 0);
	CK_CHECK_CONTAINS(logs, "given\n");
	CK_CHECK_CONTAINS(logs, "ro-refused");
	CK_CHECK_CONTAINS(logs, "out.txt");
	free(logs);
	char path[4300];
	snprintf(path, sizeof(path), "%s/out.txt", src);
	CK_CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/data.txt", ck_volume_mountpoint(vol));
	CK_CHECK(access(path, F_OK) == 0);
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE | CK_REMOVE_VOLUMES));
	ck_container_free(ctr);
	ck_volume_free(vol);
	/* a named volume outlives the container (not anonymous), and is free now */
	CK_CHECK_OK(ck_volume_lookup(&vol, tc_ctx(), "ckvol"));
	CK_CHECK(ck_volume_users(vol) == 0);
	CK_CHECK_OK(ck_volume_remove(vol, 0));
	ck_volume_free(vol);
}

static void container_new_volume_starts_with_the_images_content(void)
{
	ck_container_spec *spec = tc_spec("cat /var/www/index.html");
	ck_volume *vol = NULL;
	char path[4300];
	int code;

	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "www:/var/www"));
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "www2:/var/www2:nocopy"));
	char *logs = run_spec(spec, &code);
	CK_CHECK(code == 0);
	CK_CHECK(logs && *logs);
	free(logs);
	CK_CHECK_OK(ck_volume_lookup(&vol, tc_ctx(), "www"));
	snprintf(path, sizeof(path), "%s/index.html", ck_volume_mountpoint(vol));
	CK_CHECK(access(path, F_OK) == 0);
	CK_CHECK_OK(ck_volume_remove(vol, 0));
	ck_volume_free(vol);
	CK_CHECK_OK(ck_volume_lookup(&vol, tc_ctx(), "www2"));
	CK_CHECK_OK(ck_volume_remove(vol, 0));
	ck_volume_free(vol);
}

static void container_relabel_of_system_dirs_is_refused(void)
{
	static const char *const dirs[] = { "/", "/usr", "/etc", "/home", "/var", "/usr/../etc", NULL };
	for (size_t i = 0; dirs[i]; i++) {
		ck_container_spec *spec = tc_spec("true");
		ck_container *ctr = NULL;
		CK_CHECK_OK(ck_container_spec_add_volume(spec, dirs[i], "/mnt", "z"));
		CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EPERM);
		CK_CHECK_CONTAINS(ck_error_last()->message, "relabel");
		ck_container_spec_free(spec);
	}
	/* the same directories without relabelling are fine to mount */
	ck_container_spec *spec = tc_spec("ls /mnt/passwd");
	CK_CHECK_OK(ck_container_spec_add_volume(spec, "/etc", "/mnt", "ro"));
	int code;
	char *logs = run_spec(spec, &code);
	CK_CHECK(code == 0);
	free(logs);
	expect_nothing_left();
}

static void container_mount_strings_bind_volume_tmpfs(void)
{
	char src[4200], m[4400];
	ck_container_spec *spec = tc_spec("cat /b/f.txt; grep ' /t ' /proc/mounts; echo v > /v/x; echo ok");
	int code;

	snprintf(src, sizeof(src), "%s/bindsrc", tc_tmp());
	mkdir(src, 0755);
	free(tc_write_file("bindsrc/f.txt", "bound\n"));
	snprintf(m, sizeof(m), "type=bind,source=%s,target=/b,readonly", src);
	CK_CHECK_OK(ck_container_spec_add_mount_string(spec, m));
	CK_CHECK_OK(ck_container_spec_add_mount_string(spec, "type=tmpfs,destination=/t,tmpfs-size=1m"));
	CK_CHECK_OK(ck_container_spec_add_mount_string(spec, "type=volume,target=/v"));
	CK_CHECK_RC(ck_container_spec_add_mount_string(spec, "type=nfs,target=/n"), CK_EUNSUPPORTED);
	CK_CHECK_RC(ck_container_spec_add_mount_string(spec, "type=bind,target=/n"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_mount_string(spec, "type=tmpfs,src=/x,target=/n"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_mount_string(spec, "type=bind,src=/x,target=/b"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_mount_string(spec, "type=bind,src=/x,dst=rel"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_volume_string(spec, "/a:/b:rw,ro"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_volume_string(spec, "/a:/c:bogus"), CK_EINVAL);
	char *logs = run_spec(spec, &code);
	CK_CHECK(code == 0);
	CK_CHECK_CONTAINS(logs, "bound\n");
	CK_CHECK_CONTAINS(logs, "tmpfs /t tmpfs");
	CK_CHECK_CONTAINS(logs, "ok\n");
	free(logs);
	/* removed without CK_REMOVE_VOLUMES, its anonymous volume stays (as podman's) */
	ck_volume **vols = NULL;
	size_t n = 0;
	CK_CHECK_OK(ck_volume_list(&vols, &n, tc_ctx(), NULL));
	CK_CHECK(n == 1);
	for (size_t i = 0; i < n; i++) {
		CK_CHECK(ck_volume_users(vols[i]) == 0);
		CK_CHECK_OK(ck_volume_remove(vols[i], 0));
	}
	ck_volume_list_free(vols, n);
}

static void container_user_workdir_entrypoint_hostname_read_only(void)
{
	ck_container_spec *spec = tc_spec(NULL);
	const char *ep[] = { "sh", "-c", NULL };
	const char *cmd[] = { "id -u; id -g; pwd; hostname; touch /x 2>/dev/null || echo ro; touch /tmp/ok && echo tmp-ok", NULL };
	int code;

	CK_CHECK_OK(ck_container_spec_set_entrypoint(spec, ep));
	CK_CHECK_OK(ck_container_spec_set_command(spec, cmd));
	CK_CHECK_OK(ck_container_spec_set_user(spec, "nobody"));
	CK_CHECK_OK(ck_container_spec_set_workdir(spec, "/made/for/you"));
	CK_CHECK_OK(ck_container_spec_set_hostname(spec, "spec-host"));
	CK_CHECK_OK(ck_container_spec_set_read_only(spec, 1));
	char *logs = run_spec(spec, &code);
	CK_CHECK(code == 0);
	CK_CHECK_CONTAINS(logs, "65534\n65534\n/made/for/you\nspec-host\nro\ntmp-ok\n");
	free(logs);
	/* UID:GID numbers need no passwd entry */
	spec = tc_spec("id -u; id -g");
	CK_CHECK_OK(ck_container_spec_set_user(spec, "1234:5678"));
	logs = run_spec(spec, &code);
	CK_CHECK_CONTAINS(logs, "1234\n5678\n");
	free(logs);
	/* an unknown user name is an error at create */
	spec = tc_spec("true");
	ck_container *ctr = NULL;
	CK_CHECK_OK(ck_container_spec_set_user(spec, "nosuchuser"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "nosuchuser");
	ck_container_spec_free(spec);
	expect_nothing_left();
}

/* create writes only the record: the root filesystem, the bundle and the
 * container's directories appear at its first start (the user was still
 * resolved at create, from the image's layers). */
static void container_create_writes_only_the_record(void)
{
	ck_container_spec *spec = tc_spec("id -un; cat /etc/hostname");
	ck_container *ctr;
	char rootfs[4300], dir[4300], *logs;
	struct stat st;
	int code = -1;

	CK_CHECK_OK(ck_container_spec_set_user(spec, "nobody"));
	CK_CHECK_OK(ck_container_spec_set_hostname(spec, "lazy-host"));
	/* a short name is recorded as the full name it was found under */
	CK_CHECK_OK(ck_container_spec_set_image(spec, "busybox"));
	if (!(ctr = tc_create(spec)))
		return;
	CK_CHECK_STR(ck_container_image_name(ctr), TC_IMAGE);
	snprintf(rootfs, sizeof(rootfs), "%s/root/rootfs/%s", tc_tmp(), ck_container_id(ctr));
	snprintf(dir, sizeof(dir), "%s/root/containers/%s", tc_tmp(), ck_container_id(ctr));
	CK_CHECK(stat(rootfs, &st) < 0 && errno == ENOENT);
	CK_CHECK(stat(dir, &st) < 0 && errno == ENOENT);
	CK_CHECK(!tc_mounts_under_root());
	CK_CHECK_OK(ck_container_start(ctr));
	CK_CHECK_OK(ck_container_wait(&code, ctr, -1));
	CK_CHECK(code == 0);
	CK_CHECK(stat(dir, &st) == 0);
	logs = tc_logs(ctr);
	CK_CHECK_CONTAINS(logs, "nobody\nlazy-host\n");
	free(logs);
	CK_CHECK_OK(ck_container_remove(ctr, CK_REMOVE_FORCE));
	ck_container_free(ctr);
	CK_CHECK(stat(rootfs, &st) < 0 && stat(dir, &st) < 0);
}

static void container_replace_removes_the_old_one(void)
{
	ck_container_spec *spec = tc_spec("sleep 1000");
	ck_container *old, *newer = NULL, *found = NULL;

	CK_CHECK_OK(ck_container_spec_set_name(spec, "replaced"));
	if (!(old = tc_create(spec)))
		return;
	CK_CHECK_OK(ck_container_start(old));
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "replaced"));
	CK_CHECK_RC(ck_container_create(&newer, tc_ctx(), spec), CK_EEXISTS);
	CK_CHECK_CONTAINS(ck_error_last()->message, "replaced");
	CK_CHECK_OK(ck_container_spec_set_replace(spec, 1));
	CK_CHECK_OK(ck_container_create(&newer, tc_ctx(), spec));
	ck_container_spec_free(spec);
	CK_CHECK_OK(ck_container_lookup(&found, tc_ctx(), "replaced"));
	CK_CHECK(found && newer && !strcmp(ck_container_id(found), ck_container_id(newer)));
	CK_CHECK(tc_count_containers(tc_ctx()) == 1);
	ck_container_free(found);
	CK_CHECK_OK(ck_container_remove(newer, CK_REMOVE_FORCE));
	ck_container_free(newer);
	ck_container_free(old);
}

static void container_bad_input_is_refused_and_leaves_nothing(void)
{
	ck_container_spec *spec;
	ck_container *ctr = NULL, *first;

	/* unknown image */
	CK_CHECK_OK(ck_container_spec_new(&spec));
	CK_CHECK_OK(ck_container_spec_set_image(spec, "localhost/nosuchimage:1"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "nosuchimage");
	ck_container_spec_free(spec);
	/* no image at all */
	CK_CHECK_OK(ck_container_spec_new(&spec));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EINVAL);
	ck_container_spec_free(spec);
	/* duplicate name */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "dup"));
	first = tc_create(spec);
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_name(spec, "dup"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EEXISTS);
	CK_CHECK_CONTAINS(ck_error_last()->message, "\"dup\"");
	ck_container_spec_free(spec);
	CK_CHECK(tc_count_containers(tc_ctx()) == 1);
	CK_CHECK_OK(ck_container_remove(first, 0));
	ck_container_free(first);
	/* missing volume source */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_add_volume(spec, "/no/such/dir", "/data", NULL));
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "madebyfailedcreate:/v"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/no/such/dir");
	ck_container_spec_free(spec);
	ck_volume *vol = NULL;
	/* the volume it made on the way is gone again */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_add_volume_string(spec, "madebyfailedcreate2:/v"));
	CK_CHECK_OK(ck_container_spec_add_volume(spec, "/no/such/dir", "/data", NULL));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	ck_container_spec_free(spec);
	CK_CHECK_RC(ck_volume_lookup(&vol, tc_ctx(), "madebyfailedcreate2"), CK_ENOTFOUND);
	/* --rm conflicts with a restart policy */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_remove(spec, 1));
	CK_CHECK_OK(ck_container_spec_set_restart_policy(spec, "always"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "--rm");
	ck_container_spec_free(spec);
	/* invalid values refused by the setters */
	spec = tc_spec("true");
	CK_CHECK_RC(ck_container_spec_set_stop_signal(spec, "SIGNOPE"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_restart_policy(spec, "sometimes"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_restart_policy(spec, "on-failure:x"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_name(spec, "no/slash"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_memory_string(spec, "12parsecs"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_ulimit_string(spec, "nofile"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_ulimit_string(spec, "bogus=1:2"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_add_ulimit_string(spec, "nofile=10:5"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_workdir(spec, "relative"), CK_EINVAL);
	CK_CHECK_RC(ck_container_spec_set_network(spec, ""), CK_EINVAL);
	ck_container_spec_free(spec);
	/* missing runtime binary */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_runtime(spec, "/no/such/runtime"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/no/such/runtime");
	ck_container_spec_free(spec);
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_runtime(spec, "nosuchruntime"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	ck_container_spec_free(spec);
	/* the network of a container that does not exist */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_network(spec, "container:other"));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_ENOTFOUND);
	CK_CHECK_CONTAINS(ck_error_last()->message, "container:other");
	ck_container_spec_free(spec);
	/* a capability that does not exist, a ulimit above the host's */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_add_cap(spec, "CAP_MAKE_COFFEE"));
	CK_CHECK(ck_container_create(&ctr, tc_ctx(), spec) < 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, "MAKE_COFFEE");
	ck_container_spec_free(spec);
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_ulimit(spec, "nofile", 100000000, 100000000));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EPERM);
	ck_container_spec_free(spec);
	/* no command anywhere */
	CK_CHECK_OK(ck_container_spec_new(&spec));
	CK_CHECK_OK(ck_container_spec_set_image(spec, TC_IMAGE));
	CK_CHECK_RC(ck_container_create(&ctr, tc_ctx(), spec), CK_EINVAL);
	ck_container_spec_free(spec);
	/* --init with an init that does not exist */
	spec = tc_spec("true");
	CK_CHECK_OK(ck_container_spec_set_init(spec, 1));
	CK_CHECK_OK(ck_container_spec_set_init_path(spec, "/no/such/init"));
	CK_CHECK(ck_container_create(&ctr, tc_ctx(), spec) < 0);
	CK_CHECK_CONTAINS(ck_error_last()->message, "/no/such/init");
	ck_container_spec_free(spec);
	CK_CHECK(ctr == NULL);
	/* lookups */
	CK_CHECK_RC(ck_container_lookup(&ctr, tc_ctx(), "nosuchcontainer"), CK_ENOTFOUND);
	CK_CHECK_RC(ck_container_lookup(&ctr, tc_ctx(), ""), CK_EINVAL);
	expect_nothing_left();
	ck_volume **vols = NULL;
	size_t n = 0;
	CK_CHECK_OK(ck_volume_list(&vols, &n, tc_ctx(), NULL));
	CK_CHECK(n == 0);
	ck_volume_list_free(vols, n);
}

static void container_ulimit_caps_and_limits_reach_the_container(void)
{
	ck_container_spec *spec = tc_spec("ulimit -n; grep CapEff /proc/self/status");
	int code;

	CK_CHECK_OK(ck_container_spec_add_ulimit_string(spec, "nofile=512:1024"));
	CK_CHECK_OK(ck_container_spec_drop_cap(spec, "ALL"));
	char *logs = run_spec(spec, &code);
	CK_CHECK(code == 0);
	CK_CHECK_CONTAINS(logs, "512\n");
	CK_CHECK_CONTAINS(logs, "CapEff:\t0000000000000000");
	free(logs);
}

CK_TESTS(CK_TEST(container_env_file_rules_and_precedence),
         CK_TEST(container_env_file_bad_line_names_file_and_line),
         CK_TEST(container_volumes_host_paths_named_and_relabel),
         CK_TEST(container_new_volume_starts_with_the_images_content),
         CK_TEST(container_relabel_of_system_dirs_is_refused),
         CK_TEST(container_mount_strings_bind_volume_tmpfs),
         CK_TEST(container_user_workdir_entrypoint_hostname_read_only),
         CK_TEST(container_replace_removes_the_old_one),
         CK_TEST(container_create_writes_only_the_record),
         CK_TEST(container_bad_input_is_refused_and_leaves_nothing),
         CK_TEST(container_ulimit_caps_and_limits_reach_the_container))
