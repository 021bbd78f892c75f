/* The --format template engine on its own (examples/ck/template): every
 * function, pipelines, if/else/range/with, variables, trim markers,
 * errors with their positions, Go's printing of values, table headers and
 * tabwriter alignment, over JSON trees. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "template/tmpl.h"

static const char *const doc_text =
	"{\"Id\": \"0123456789abcdef0123\", \"Name\": \"web\", \"Names\": [\"web\", \"alias\"],"
	" \"Pid\": 42, \"Ratio\": 0.5, \"Big\": 1000000.0, \"Nil\": null,"
	" \"State\": {\"Running\": true, \"Status\": \"running\", \"Pid\": 7, \"ExitCode\": 0},"
	" \"Config\": {\"Labels\": {\"zeta\": \"z\", \"app\": \"web\"}, \"Cmd\": [\"sh\", \"-c\", \"true\"],"
	" \"Empty\": {}},"
	" \"Mounts\": [{\"Destination\": \"/a\", \"RW\": true}, {\"Destination\": \"/b\", \"RW\": false}],"
	" \"Created\": \"2026-12-05T12:00:00.123456789Z\", \"Started\": \"2026-12-05T14:00:00+02:00\","
	" \"Whole\": \"2026-12-05T12:00:00.000Z\", \"Quote\": \"a\\\"b<c>\\n\", \"Nums\": [1, 2, 3]}";

static jnode *doc;

/* Runs `t` on the document; the output, or "ERR:" and the error. */
static char *run_on(const char *t, const jnode *root, bool strict)
{
	char *err = NULL, *out, *res;
	tmpl *p = tmpl_parse(t, &err);
	tmpl_exec_opts o = { .strict_root = strict };

	if (!p) {
		if (asprintf(&res, "ERR:%s", err) < 0)
			res = NULL;
		free(err);
		return res;
	}
	out = tmpl_exec(p, &tmpl_json_ops, root, &o, NULL, &err);
	tmpl_free(p);
	if (out)
		return out;
	if (asprintf(&res, "ERR:%s", err) < 0)
		res = NULL;
	free(err);
	return res;
}

#define EXPECT(t, want)                                  \
	do {                                             \
		char *got_ = run_on((t), doc, false);    \
		CK_CHECK_STR(got_, (want));              \
		free(got_);                              \
	} while (0)

static void setup(void)
{
	if (!doc)
		doc = json_parse(doc_text);
}

static void template_fields_and_go_printing(void)
{
	setup();
	EXPECT("{{.Name}}", "web");
	EXPECT("{{.State.Pid}} {{.Pid}}", "7 42");
	EXPECT("{{.ID}}", "0123456789abcdef0123"); /* "Id" in the JSON, ID in podman's structs */
	EXPECT("{{.Names}}", "[web alias]");
	EXPECT("{{.Config.Labels}}", "map[app:web zeta:z]");
	EXPECT("{{.Config.Labels.app}}|{{.Config.Labels.nope}}", "web|<no value>");
	EXPECT("{{.Config.Empty}} {{.Config.Empty.x.y}}", "map[] <no value>");
	EXPECT("{{.State.Running}} {{.Ratio}} {{.Big}} {{.Nil}}", "true 0.5 1e+06 <nil>");
	EXPECT("{{.Created}}", "2026-12-05 12:00:00.123456789 +0000 UTC");
	EXPECT("{{.Whole}}", "2026-12-05 12:00:00 +0000 UTC");
	EXPECT("{{.Started}}", "2026-12-05 14:00:00 +0200 +0200");
	EXPECT("{{.Mounts}}", "[map[Destination:/a RW:true] map[Destination:/b RW:false]]");
	char *all = run_on("{{.}}", doc, false);
	CK_CHECK_CONTAINS(all, "map[Big:1e+06 Config:map[Cmd:[sh -c true] Empty:map[] Labels:map[app:web zeta:z]]");
	free(all);
	EXPECT("{{.Name.x}}", "ERR:template: :1:2: executing \"\" at <.Name.x>: can't evaluate field x in type string");
	char *s = run_on("{{.Nmae}}", doc, true);
	CK_CHECK_STR(s, "ERR:template: :1:2: executing \"\" at <.Nmae>: can't evaluate field Nmae in type struct");
	free(s);
}

static void template_functions(void)
{
	setup();
	EXPECT("{{.Name | upper}} {{upper .Name}} {{lower \"ABC\"}} {{title \"hello wide-world\"}}",
	       "WEB WEB abc Hello Wide-World");
	EXPECT("{{truncate .Id 12}} {{truncate .Name 12}}", "0123456789ab web");
	EXPECT("{{len .Mounts}} {{len .Name}} {{len .Config.Labels}}", "2 3 2");
	EXPECT("{{join .Config.Cmd \" \"}}|{{join .Names \",\"}}", "sh -c true|web,alias");
	EXPECT("{{split \"a:b:c\" \":\"}} {{len (split \"a:b\" \":\")}} {{index (split \"a:b\" \":\") 1}}",
	       "[a b c] 2 b");
	EXPECT("{{index .Config.Labels \"app\"}}|{{index .Config.Labels \"none\"}}|{{index .Names 1}}",
	       "web||alias");
	EXPECT("{{index .Mounts 1 \"Destination\"}}", "/b");
	EXPECT("{{json .State}}", "{\"ExitCode\":0,\"Pid\":7,\"Running\":true,\"Status\":\"running\"}");
	EXPECT("{{json .Quote}} {{json .Names}} {{json .Nope}}", "\"a\\\"b<c>\\n\" [\"web\",\"alias\"] null");
	EXPECT("{{json .Created}}", "\"2026-12-05T12:00:00.123456789Z\"");
	EXPECT("{{printf \"%s-%d\" .Name .Pid}}", "web-42");
	EXPECT("{{printf \"%5s|%-5s|%05d|%x|%X|%q|%v|%t|%.2f|%c|%%\" \"a\" \"b\" 42 255 \"hi\" .Name .Names true 3.14159 65}}",
	       "    a|b    |00042|ff|6869|\"web\"|[web alias]|true|3.14|A|%");
	EXPECT("{{printf \"%d\" .Name}} {{printf \"%s\"}} {{printf \"x\" 1}}",
	       "%!d(string=web) %!s(MISSING) x%!(EXTRA int=1)");
	EXPECT("{{print \"a\" 1 2 \"b\"}}|{{println 1 \"x\"}}", "a1 2b|1 x\n");
	EXPECT("{{pad .Name 2 1}}|", "  web |");
	EXPECT("{{slice .Name 1}} {{slice .Name 0 2}} {{slice .Nums 1 3}}", "eb we [2 3]");
	EXPECT("{{eq .Name \"web\"}} {{eq .Pid 41 42}} {{ne .Name \"x\"}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}",
	       "true true true true true true false");
	EXPECT("{{eq .Nope \"x\"}}", "false");
	EXPECT("{{and 1 \"\" 3}}|{{and 1 2}}|{{or 0 \"\" \"z\"}}|{{or 0 \"\"}}|{{not .State.Running}}", "|2|z||false");
	/* and/or stop at the argument that decides */
	EXPECT("{{and false (index .Names 9)}} {{or true (index .Names 9)}}", "false true");
	EXPECT("{{eq 1 \"a\"}}", "ERR:template: :1:2: executing \"\" at <eq>: error calling eq: incompatible types for comparison");
	EXPECT("{{lt true false}}", "ERR:template: :1:2: executing \"\" at <lt>: error calling lt: invalid type for comparison");
	EXPECT("{{upper 3}}", "ERR:template: :1:2: executing \"\" at <upper>: wrong type for value; expected string; got int");
	EXPECT("{{upper \"a\" \"b\"}}", "ERR:template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 2");
	EXPECT("{{index .Names 5}}", "ERR:template: :1:2: executing \"\" at <index>: error calling index: index out of range: 5");
	EXPECT("{{len .Pid}}", "ERR:template: :1:2: executing \"\" at <len>: error calling len: len of type int");
}

static void template_control_structures(void)
{
	setup();
	EXPECT("{{if .State.Running}}up{{else}}down{{end}}", "up");
	EXPECT("{{if .Nil}}a{{else if eq .Name \"x\"}}b{{else if .Pid}}c{{else}}d{{end}}", "c");
	EXPECT("{{range .Mounts}}{{.Destination}} {{end}}", "/a /b ");
	EXPECT("{{range $i, $m := .Mounts}}{{$i}}={{$m.Destination}},{{end}}", "0=/a,1=/b,");
	EXPECT("{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}", "app:web;zeta:z;");
	EXPECT("{{range .Config.Empty}}x{{else}}empty{{end}}", "empty");
	EXPECT("{{range .Nums}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", "1");
	EXPECT("{{with .State}}{{.Status}}{{end}}|{{with .Nope}}x{{else}}none{{end}}", "running|none");
	EXPECT("{{with $s := .State}}{{$s.Pid}}{{end}}", "7");
	EXPECT("{{$x := .Name}}{{$x}}-{{$x = \"new\"}}{{$x}}", "web-new");
	EXPECT("{{range .Names}}{{$.Pid}}{{end}}", "4242");
	EXPECT("{{(index .Mounts 0).Destination}}", "/a");
	EXPECT("a {{/* a comment */}} b", "a  b");
	EXPECT("a   {{- .Name -}}   b|{{- /* x */ -}} |", "awebb||");
	EXPECT("{{\"q\\tq\"}}{{`raw\\t`}}{{'a'}}", "q\tqraw\\t97");
	EXPECT("{{range .Name}}{{end}}", "ERR:template: :1:8: executing \"\" at <.Name>: range can't iterate over web");
}

static void template_parse_errors_name_the_position(void)
{
	setup();
	EXPECT("{{.Name}", "ERR:template: :1:7: bad character U+007D '}'");
	EXPECT("{{.Name", "ERR:template: :1:0: unclosed action");
	EXPECT("ab\ncd {{if .X}}", "ERR:template: :2:12: unexpected EOF");
	EXPECT("{{end}}", "ERR:template: :1:2: unexpected {{end}}");
	EXPECT("{{else}}", "ERR:template: :1:2: unexpected {{else}}");
	EXPECT("{{}}", "ERR:template: :1:2: missing value for command");
	EXPECT("{{if}}{{end}}", "ERR:template: :1:4: missing value for if");
	EXPECT("{{nofunc .X}}", "ERR:template: :1:2: function \"nofunc\" not defined");
	EXPECT("{{$nope}}", "ERR:template: :1:2: undefined variable \"$nope\"");
	EXPECT("{{\"open}}", "ERR:template: :1:2: unterminated quoted string");
	EXPECT("{{/* open }}", "ERR:template: :1:0: unclosed comment");
	EXPECT("{{(.Name}}", "ERR:template: :1:8: unclosed left paren");
	EXPECT("{{.Name | \"x\"}}", "ERR:template: :1:10: non executable command in pipeline stage 2");
	EXPECT("{{.Name 1}}", "ERR:template: :1:2: executing \"\" at <.Name>: can't give argument to non-function .Name");
	EXPECT("{{break}}", "ERR:template: :1:2: {{break}} outside {{range}}");
	EXPECT("{{define \"x\"}}{{end}}", "ERR:template: :1:2: {{define}} is not supported in --format templates");
	EXPECT("{{12x}}", "ERR:template: :1:2: illegal number syntax: \"12x\"");
}

static char *header_of(const char *t, const char *const *overrides)
{
	char *err = NULL, *out;
	tmpl *p = tmpl_parse(t, &err);
	tmpl_headers *h = tmpl_headers_new(overrides);
	tmpl_exec_opts o = { .lenient_range = true };

	CK_CHECK(p != NULL);
	out = p ? tmpl_exec(p, &tmpl_header_ops, tmpl_headers_root(h), &o, NULL, &err) : NULL;
	free(err);
	tmpl_free(p);
	tmpl_headers_free(h);
	return out;
}

static void template_table_headers(void)
{
	static const char *const ps[] = { "ID", "CONTAINER ID", "CreatedHuman", "CREATED", NULL };
	char *h;

	h = header_of("{{.ID}}\t{{.Names}}\t{{.CreatedHuman}}\t{{.CreatedAt}}\t{{.RunningFor}}", ps);
	CK_CHECK_STR(h, "CONTAINER ID\tNAMES\tCREATED\tCREATED AT\tRUNNING FOR");
	free(h);
	h = header_of("{{.ID | lower}}\t{{range .Mounts}}{{.Destination}}{{end}}\t{{.State.Status}}", NULL);
	CK_CHECK_STR(h, "id\t\tSTATUS");
	free(h);
	static const struct {
		const char *in, *out;
	} names[] = { { "ID", "ID" }, { "CreatedAt", "CREATED AT" }, { "HTTPProxy", "HTTP PROXY" },
		      { "MemUsage", "MEM USAGE" }, { "PIDS", "PIDS" }, { "GL11Version", "GL 11 VERSION" },
		      { "name", "NAME" } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		h = tmpl_header_name(names[i].in);
		CK_CHECK_STR(h, names[i].out);
		free(h);
	}
}

static void template_tabwriter_aligns_as_go(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "A\tB\nlonger-than-twelve\tx\n", "A                   B\nlonger-than-twelve  x\n" },
		{ "ID\tNAME\tX\n1\tweb\t\n", "ID          NAME        X\n1           web         \n" },
		/* a line without tabs ends the column block */
		{ "a\tb\nplain line\nccccccccccccccc\td\n", "a           b\nplain line\nccccccccccccccc  d\n" },
		{ "no newline\tat end", "no newline  at end" },
		{ "é\tx\n", "é           x\n" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = tmpl_tabwrite(cases[i].in, strlen(cases[i].in));
		CK_CHECK_STR(out, cases[i].out);
		free(out);
	}
}

static void template_human_durations_read_as_podman(void)
{
	static const struct {
		double s;
		const char *out;
	} cases[] = { { 0.4, "Less than a second" }, { 1, "1 second" }, { 59, "59 seconds" },
		      { 60, "About a minute" }, { 150, "2 minutes" }, { 3599, "59 minutes" },
		      { 3600, "About an hour" }, { 5400, "2 hours" }, { 47 * 3600, "47 hours" },
		      { 3 * 86400, "3 days" }, { 20 * 86400, "2 weeks" }, { 90 * 86400, "3 months" },
		      { 800 * 86400.0, "2 years" } };
	char buf[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tmpl_human_duration(buf, sizeof(buf), cases[i].s);
		CK_CHECK_STR(buf, cases[i].out);
	}
}

CK_TESTS(CK_TEST(template_fields_and_go_printing), CK_TEST(template_functions),
         CK_TEST(template_control_structures), CK_TEST(template_parse_errors_name_the_position),
         CK_TEST(template_table_headers), CK_TEST(template_tabwriter_aligns_as_go),
         CK_TEST(template_human_durations_read_as_podman))
