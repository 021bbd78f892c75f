/* The Kubernetes YAML reader (lib/kube/parse.c) on its own: what each kind
 * becomes in the model, and each refusal with its line:column. */
#include "harness.h"
#include "kube/kube_int.h"

#include <string.h>

static const char pod_yaml[] =
	"# two documents and a comment\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata:\n"
	"  name: cm\n"
	"data:\n"
	"  A: \"1\"\n"
	"---\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: app\n"
	"spec:\n"
	"  replicas: 1\n"
	"  selector: {matchLabels: {app: app}}\n"
	"  template:\n"
	"    metadata:\n"
	"      labels: {app: app}\n"
	"    spec:\n"
	"      restartPolicy: OnFailure\n"
	"      containers:\n"
	"      - name: c\n"
	"        image: localhost/busybox:latest\n"
	"        imagePullPolicy: never\n"
	"        command: [sh, -c]\n"
	"        args: [\"echo hi\"]\n"
	"        env: [{name: X, value: \"y\"}, {name: Z, valueFrom: {configMapKeyRef: {name: cm, key: A}}}]\n"
	"        ports: [{containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1, protocol: UDP}]\n"
	"        securityContext: {runAsUser: 1000, runAsGroup: 10, readOnlyRootFilesystem: true}\n"
	"        volumeMounts: [{name: v, mountPath: /v, readOnly: true}]\n"
	"        resources: {}\n"
	"      volumes:\n"
	"      - name: v\n"
	"        persistentVolumeClaim: {claimName: claim}\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: Service\n"
	"metadata: {name: ignored}\n"
	"spec: {ports: [{port: 80}]}\n";

static void kube_parse_reads_deployment_and_configmap(void)
{
	kmodel m = { 0 };
	CK_CHECK_OK(ck__kube_parse(&m, pod_yaml, strlen(pod_yaml), "app.yaml", false));
	CK_CHECK(m.n_pods == 1 && m.n_cms == 1 && m.n_claims == 0);
	if (m.n_pods != 1)
		return ck__kube_model_free(&m);
	const kpod *p = &m.pods[0];
	CK_CHECK_STR(p->name, "app-pod");
	CK_CHECK_STR(p->restart, "OnFailure");
	CK_CHECK_STR(ck__strmap_get(&p->labels, "app"), "app");
	CK_CHECK(p->n_ctrs == 1 && p->n_vols == 1);
	const kcontainer *c = &p->ctrs[0];
	CK_CHECK(c->pull == CK_PULL_NEVER); /* podman's lower case taken too */
	CK_CHECK_STR(c->command[1], "-c");
	CK_CHECK_STR(c->args[0], "echo hi");
	CK_CHECK(c->n_env == 2 && !c->env[1].value);
	CK_CHECK_STR(c->env[1].cm_key, "A");
	CK_CHECK(c->n_ports == 1 && c->ports[0].host_port == 8080);
	CK_CHECK_STR(c->ports[0].protocol, "udp");
	CK_CHECK(c->run_as_user == 1000 && c->run_as_group == 10 && c->read_only == 1 && c->privileged == -1);
	CK_CHECK(c->n_mounts == 1 && c->mounts[0].read_only);
	CK_CHECK(p->vols[0].kind == KVOL_PVC);
	CK_CHECK_STR(p->vols[0].claim, "claim");
	CK_CHECK_STR(ck__strmap_get(&ck__kube_configmap(&m, "cm")->data, "A"), "1");
	ck__kube_model_free(&m);
}

static void kube_parse_refuses_with_line_and_column(void)
{
	static const struct {
		const char *yaml, *msg;
		int code;
	} cases[] = {
		{ "kind: Pod\nmetadata:\n  name: x\n spec: [\n", "t.yaml:4:2: malformed YAML", CK_EINVAL },
		{ "a: [1, 2\n", "t.yaml:2:1: malformed YAML", CK_EINVAL },
		{ "apiVersion: v1\nkind: Frob\n", "t.yaml:2:7: kind Frob is not supported", CK_EUNSUPPORTED },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    livenessProbe: {}\n",
		  "t.yaml:7:5: Pod p: unsupported field spec.containers[0].livenessProbe", CK_EUNSUPPORTED },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n", "Pod p: spec.containers[0] needs a image",
		  CK_EINVAL },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i, volumeMounts: [{name: v, mountPath: /v}]}]\n",
		  "Pod p: volumeMount v names no volume of the pod", CK_EINVAL },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, emptyDir: {}}]\n  containers: [{name: c, image: i}]\n",
		  "t.yaml:4:23: Pod p: unsupported field spec.volumes[0].emptyDir", CK_EUNSUPPORTED },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i, ports: [{containerPort: 99999}]}]\n",
		  "containerPort must be a number from 1 to 65535", CK_EINVAL },
		{ "kind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n", "t.yaml:4:13: Deployment d: spec.replicas: 2 replicas",
		  CK_EUNSUPPORTED },
		{ "kind: Pod\nspec: {}\n", "Pod without metadata.name", CK_EINVAL },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    imagePullPolicy: Later\n",
		  "t.yaml:7:22: Pod p: spec.containers[0].imagePullPolicy: Later is not Always, IfNotPresent or Never",
		  CK_EINVAL },
		{ "# nothing\n", "t.yaml: no Kubernetes documents", CK_EINVAL },
		{ "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i, env: [{name: A, valueFrom: {secretKeyRef: {name: s}}}]}]\n",
		  "unsupported field spec.containers[0].env[0].secretKeyRef", CK_EUNSUPPORTED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kmodel m = { 0 };
		int rc = ck__kube_parse(&m, cases[i].yaml, strlen(cases[i].yaml), "t.yaml", false);
		CK_CHECK(rc == cases[i].code);
		CK_CHECK_CONTAINS(ck_error_last()->message, cases[i].msg);
		ck__kube_model_free(&m);
	}
}

static void kube_parse_configmap_files_hold_configmaps_only(void)
{
	kmodel m = { 0 };
	const char *y = "kind: Pod\nmetadata: {name: p}\n";
	CK_CHECK_RC(ck__kube_parse(&m, y, strlen(y), "cm.yaml", true), CK_EINVAL);
	CK_CHECK_CONTAINS(ck_error_last()->message, "cm.yaml:1:7: kind Pod: a --configmap file holds ConfigMaps only");
	ck__kube_model_free(&m);
}

static void kube_options_and_report_accessors(void)
{
	ck_kube_play_options o;
	CK_CHECK_RC(ck_kube_play_options_init(&o, 99), CK_EVERSION);
	CK_CHECK_OK(ck_kube_play_options_init(&o, CK_KUBE_PLAY_OPTIONS_VERSION));
	CK_CHECK(o.flags == 0 && !o.network && !o.infra_pid_file && !o.registry);
	/* a version 1 caller's struct ends before `registry`: it is not written */
	memset(&o, 0x5a, sizeof(o));
	CK_CHECK_OK(ck_kube_play_options_init(&o, 1));
	CK_CHECK(o.version == 1 && o.flags == 0 && !o.infra_pid_file);
	unsigned char tail[sizeof(o.registry)];
	memset(tail, 0x5a, sizeof(tail));
	CK_CHECK(!memcmp(&o.registry, tail, sizeof(tail)));
	CK_CHECK_RC(ck_kube_play_options_init(&o, 0), CK_EVERSION);
	CK_CHECK(ck_kube_report_pod_count(NULL) == 0 && ck_kube_report_pod_id(NULL, 0) == NULL);
	ck_kube_report_free(NULL);
	CK_CHECK_RC(ck_kube_play(NULL, NULL, "", 0, "x", NULL), CK_EINVAL);
	CK_CHECK_RC(ck_kube_generate(NULL, NULL, NULL, 0), CK_EINVAL);
}

CK_TESTS(CK_TEST(kube_parse_reads_deployment_and_configmap), CK_TEST(kube_parse_refuses_with_line_and_column),
         CK_TEST(kube_parse_configmap_files_hold_configmaps_only), CK_TEST(kube_options_and_report_accessors))
