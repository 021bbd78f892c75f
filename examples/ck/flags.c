/* Option parsing from a table that says where each flag's value goes, for
 * the many commands whose loop would only store values (util.h). */
#include <stdlib.h>
#include <string.h>

#include "ctr.h"

static bool takes_value(flag_kind k)
{
	return k != F_BOOL && k != F_ONOFF && k != F_BIT && k != F_IGNORE && k != F_REFUSE && k != F_CALL;
}

static int parse_table(ck_app *app, int argc, char **argv, bool ctr_grammar, bool stop_at_pos,
                       const flag_def *defs, const char *usage, strv *args, int *head)
{
	const char *val;
	size_t n = 0;
	int id, rc = 0;
	cli c;

	while (defs[n].name)
		n++;
	cli_opt *opts = calloc(n + 1, sizeof(*opts));
	if (!opts)
		return die("out of memory");
	for (size_t i = 0; i < n; i++)
		opts[i] = (cli_opt){ defs[i].name, defs[i].shortname, takes_value(defs[i].kind), (int)i + 1 };
	if (head)
		*head = argc;
	cli_init(&c, app, argc, argv, opts);
	c.ctr_grammar = ctr_grammar;
	c.stop_at_pos = stop_at_pos;
	while (rc == 0 && (id = cli_next(&c, &val)) != CLI_END) {
		if (id == CLI_HELP) {
			if (args)
				strv_clear(args);
			sub_help(usage);
			rc = -1;
			break;
		}
		if (id == CLI_ERR) {
			rc = EXIT_CK;
			continue;
		}
		if (id == CLI_POS && head) {
			*head = c.i - 1;
			break;
		}
		if (id == CLI_POS) {
			if (args)
				strv_add(args, val);
			else
				rc = die("unexpected argument \"%s\": the command takes none", val);
			continue;
		}
		const flag_def *d = &defs[id - 1];
		bool on = !val || strcmp(val, "false") != 0;
		switch (d->kind) {
		case F_BOOL: *(bool *)d->where = on; break;
		case F_ONOFF: *(int *)d->where = on; break;
		case F_STR: *(const char **)d->where = val; break;
		case F_STRV: strv_add(d->where, val); break;
		case F_BIT:
			if (on)
				*(unsigned int *)d->where |= (unsigned int)d->arg;
			else
				*(unsigned int *)d->where &= ~(unsigned int)d->arg;
			break;
		case F_IGNORE:
		case F_IGNORE_VAL: break;
		case F_REFUSE:
			if (on)
				rc = die("%s", (const char *)d->where);
			break;
		case F_REFUSE_VAL: rc = die("%s", (const char *)d->where); break;
		case F_INT: {
			char flag[64];
			snprintf(flag, sizeof(flag), "--%s", d->name);
			if (!parse_int_arg(flag, val, d->arg, d->where))
				rc = EXIT_CK;
			break;
		}
		case F_TIME:
			if (!parse_time_arg(val, d->where))
				rc = die("invalid --%s %s: use RFC 3339, Unix seconds or a duration such as 10m", d->name, val);
			break;
		case F_CALL:
		case F_CALL_VAL: {
			const flag_hook *h = d->where;
			rc = h->fn(h->payload, (int)d->arg, val);
			break;
		}
		}
	}
	free(opts);
	return rc;
}

int parse_flags_in(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs,
                   const char *usage, strv *args)
{
	return parse_table(app, argc, argv, ctr_grammar, false, defs, usage, args, NULL);
}

int parse_flags_cmd(ck_app *app, int argc, char **argv, const flag_def *defs, const char *usage, strv *args)
{
	return parse_table(app, argc, argv, true, true, defs, usage, args, NULL);
}

int parse_flags(ck_app *app, int argc, char **argv, const flag_def *defs, const char *usage, strv *args)
{
	return parse_flags_in(app, argc, argv, false, defs, usage, args);
}

int parse_flags_noargs(ck_app *app, int argc, char **argv, bool ctr_grammar, const flag_def *defs,
                       const char *usage, const char *cmd)
{
	strv pos = { 0 };
	int rc = parse_flags_in(app, argc, argv, ctr_grammar, defs, usage, &pos);

	if (rc == 0 && pos.n)
		rc = die("`ck %s` takes no arguments", cmd);
	strv_clear(&pos);
	return rc;
}

int parse_flags_head(ck_app *app, int argc, char **argv, const flag_def *defs, int *head)
{
	return parse_table(app, argc, argv, true, true, defs, "", NULL, head);
}
