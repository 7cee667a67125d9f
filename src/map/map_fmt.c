/* map_fmt.c: the Graphviz, Mermaid and JSON writers, and --format */
/*
 * With the text rules every map format shares.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

const char *const map_fill[4] = { "#f5f5f5", "#dae8fc", "#d5e8d4",
	"#fff2cc" };
const char *const map_stroke[4] = { "#666666", "#6c8ebf", "#82b366",
	"#d6b656" };
const char *const map_role[4] = { "none", "client", "server", "both" };

static const char *
map_escape(enum map_esc esc, uint8_t c)
{
	switch (esc) {
	case MAP_ESC_DOT:
		return c == '"' ? "\\\"" : c == '\\' ? "\\\\" : NULL;
	case MAP_ESC_MERMAID:
		return c == '"' ? "#quot;" : c == '#' ? "#35;" :
		    c == '<' ? "#60;" : c == '>' ? "#62;" : c == '&' ? "#38;" :
		    c == '|' ? "#124;" : c == '`' ? "#96;" : NULL;
	case MAP_ESC_HTML:
		return c == '"' ? "&quot;" : c == '&' ? "&amp;" :
		    c == '<' ? "&lt;" : c == '>' ? "&gt;" : NULL;
	case MAP_ESC_NONE:
		break;
	}
	return NULL;
}

void
map_text(struct out_buf *b, const char *s, enum map_esc esc)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t n = strlen(s), i = 0, len;
	const char *e;

	while (i < n) {
		len = out_utf8_len(u + i, n - i);
		if (!len) {
			out_buf_adds(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (u[i] < 0x20 || u[i] == 0x7f)
			out_buf_adds(b, " ");
		else if ((e = map_escape(esc, u[i])))
			out_buf_adds(b, e);
		else
			out_buf_add(b, s + i, len);
		i += len;
	}
}

void
map_label(const struct map_node *n, const char *sep, enum map_esc esc,
    struct out_buf *b)
{
	map_text(b, n->name[0] ? n->name : n->ip, esc);
	if (n->name[0]) {
		out_buf_adds(b, sep);
		map_text(b, n->ip, esc);
	}
	if (n->vendor[0]) {
		out_buf_adds(b, sep);
		map_text(b, n->vendor, esc);
	}
}

void
map_edge_service(const struct map_edge *e, struct out_buf *b)
{
	const char *name = out_proto_name(e->proto);

	if (name)
		out_buf_adds(b, name);
	else
		out_buf_addf(b, "proto %u", (unsigned)e->proto);
	if (e->proto == 1 || e->proto == 58)
		out_buf_addf(b, "/%u:%u", (unsigned)(e->port >> 8),
		    (unsigned)(e->port & 0xff));
	else if (e->proto == 6 || e->proto == 17 || e->proto == 132 ||
	    e->proto == 33 || e->proto == 136 || e->port)
		out_buf_addf(b, "/%u", (unsigned)e->port);
	if (e->app[0])
		out_buf_addf(b, " %s", e->app);
}

void
map_service(const struct map_edge *e, enum map_esc esc, struct out_buf *b)
{
	char mem[FT_APP_MAX + 64];
	struct out_buf s;

	out_buf_init(&s, mem, sizeof(mem));
	map_edge_service(e, &s);
	map_text(b, s.p, esc);
}

/*
 * Nodes ordered for drawing: each boxed group's nodes (group order), then
 * the rest, each part in node order. Bucket g is idx[start[g] ..
 * start[g + 1]); bucket n_groups holds the rest.
 */
static int
map_order(const struct map *m, uint32_t **idx, size_t **start)
{
	size_t nb = m->n_groups + 1, i, b;
	size_t *at;

	*idx = calloc(m->n_nodes + 1, sizeof(**idx));
	*start = calloc(nb + 1, sizeof(**start));
	at = calloc(nb, sizeof(*at));
	if (!*idx || !*start || !at) {
		free(at);
		return -FT_ENOMEM;
	}
	for (i = 0; i < m->n_nodes; i++) {
		b = m->nodes[i].group >= 0 &&
		    m->groups[m->nodes[i].group].boxed ?
		    (size_t)m->nodes[i].group : m->n_groups;
		(*start)[b + 1]++;
	}
	for (b = 0; b < nb; b++) {
		(*start)[b + 1] += (*start)[b];
		at[b] = (*start)[b];
	}
	for (i = 0; i < m->n_nodes; i++) {
		b = m->nodes[i].group >= 0 &&
		    m->groups[m->nodes[i].group].boxed ?
		    (size_t)m->nodes[i].group : m->n_groups;
		(*idx)[at[b]++] = (uint32_t)i;
	}
	free(at);
	return 0;
}

static void
map_dot_node(const struct map *m, size_t i, const char *indent, FILE *fp)
{
	const struct map_node *n = &m->nodes[i];
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	map_label(n, "\\n", MAP_ESC_DOT, &b);
	fprintf(fp, "%sn%zu [label=\"%s\", fillcolor=\"%s\", color=\"%s\"];\n",
	    indent, i + 1, b.p, map_fill[n->role & 3], map_stroke[n->role & 3]);
}

static void
map_dot_edge(const struct map_edge *e, FILE *fp)
{
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	map_service(e, MAP_ESC_DOT, &b);
	out_buf_adds(&b, "\\n");
	out_fmt_bytes(&b, e->bytes_cs + e->bytes_sc > INT64_MAX ? INT64_MAX :
	    (int64_t)(e->bytes_cs + e->bytes_sc));
	out_buf_addf(&b, ", %" PRIu64 " flow%s", e->flows,
	    e->flows == 1 ? "" : "s");
	fprintf(fp, "\tn%" PRIu32 " -> n%" PRIu32 " [label=\"%s\"];\n",
	    e->from + 1, e->to + 1, b.p);
}

static int
map_write_dot(const struct map *m, FILE *fp)
{
	uint32_t *idx;
	size_t *start, g, k;
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	if (map_order(m, &idx, &start))
		goto out_nomem;
	/* newrank: dot's older ranking fails on clusters of big maps. */
	fputs("digraph flowtrail_map {\n"
	    "\tgraph [rankdir=LR, newrank=true, ranksep=1.5, nodesep=0.3, "
	    "fontsize=10];\n"
	    "\tnode [shape=box, style=\"rounded,filled\", fontsize=10];\n"
	    "\tedge [fontsize=8, color=\"#555555\", fontcolor=\"#333333\"];\n",
	    fp);
	for (g = 0; g < m->n_groups; g++) {
		if (start[g] == start[g + 1])
			continue;
		out_buf_init(&b, mem, sizeof(mem));
		map_text(&b, m->groups[g].name, MAP_ESC_DOT);
		fprintf(fp, "\tsubgraph cluster_%zu {\n\t\tlabel=\"%s\";\n"
		    "\t\tstyle=rounded;\n\t\tcolor=\"#999999\";\n", g + 1, b.p);
		for (k = start[g]; k < start[g + 1]; k++)
			map_dot_node(m, idx[k], "\t\t", fp);
		fputs("\t}\n", fp);
	}
	for (k = start[m->n_groups]; k < start[m->n_groups + 1]; k++)
		map_dot_node(m, idx[k], "\t", fp);
	for (k = 0; k < m->n_edges; k++)
		map_dot_edge(&m->edges[k], fp);
	fputs("}\n", fp);
	free(idx);
	free(start);
	return 0;
out_nomem:
	free(idx);
	free(start);
	return -FT_ENOMEM;
}

static void
map_mermaid_node(const struct map *m, size_t i, const char *indent,
    FILE *fp)
{
	const struct map_node *n = &m->nodes[i];
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	map_label(n, "<br>", MAP_ESC_MERMAID, &b);
	fprintf(fp, "%sn%zu[\"%s\"]:::%s\n", indent, i + 1, b.p,
	    map_role[n->role & 3]);
}

static int
map_write_mermaid(const struct map *m, FILE *fp)
{
	uint32_t *idx;
	size_t *start, g, k;
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	if (map_order(m, &idx, &start))
		goto out_nomem;
	fputs("flowchart LR\n", fp);
	for (g = 0; g < m->n_groups; g++) {
		if (start[g] == start[g + 1])
			continue;
		out_buf_init(&b, mem, sizeof(mem));
		map_text(&b, m->groups[g].name, MAP_ESC_MERMAID);
		fprintf(fp, "\tsubgraph g%zu[\"%s\"]\n", g + 1, b.p);
		for (k = start[g]; k < start[g + 1]; k++)
			map_mermaid_node(m, idx[k], "\t\t", fp);
		fputs("\tend\n", fp);
	}
	for (k = start[m->n_groups]; k < start[m->n_groups + 1]; k++)
		map_mermaid_node(m, idx[k], "\t", fp);
	for (k = 0; k < m->n_edges; k++) {
		out_buf_init(&b, mem, sizeof(mem));
		map_service(&m->edges[k], MAP_ESC_MERMAID, &b);
		fprintf(fp, "\tn%" PRIu32 " -->|\"%s\"| n%" PRIu32 "\n",
		    m->edges[k].from + 1, b.p, m->edges[k].to + 1);
	}
	for (k = 1; k < 4; k++)
		fprintf(fp, "\tclassDef %s fill:%s,stroke:%s\n", map_role[k],
		    map_fill[k], map_stroke[k]);
	free(idx);
	free(start);
	return 0;
out_nomem:
	free(idx);
	free(start);
	return -FT_ENOMEM;
}


/* A JSON string of text made safe, or null when empty. */
static void
map_json_text(FILE *fp, const char *s)
{
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	if (!s[0]) {
		fputs("null", fp);
		return;
	}
	out_buf_init(&b, mem, sizeof(mem));
	map_text(&b, s, MAP_ESC_NONE);
	out_json_string(fp, b.p, b.len);
}

static void
map_json_node(const struct map *m, size_t i, FILE *fp)
{
	static const char *const src[] = { "", "label", "dhcp", "lease", "sni",
		"dns" };
	const struct map_node *n = &m->nodes[i];
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	out_buf_init(&b, mem, sizeof(mem));
	map_label(n, "\n", MAP_ESC_NONE, &b);
	fprintf(fp, "{\"id\":\"n%zu\",\"label\":", i + 1);
	out_json_string(fp, b.p, b.len);
	fprintf(fp, ",\"ip\":\"%s\",\"name\":", n->ip);
	map_json_text(fp, n->name);
	fputs(",\"name_src\":", fp);
	map_json_text(fp, n->name_src < 6 ? src[n->name_src] : "");
	fputs(",\"mac\":", fp);
	map_json_text(fp, n->mac);
	fputs(",\"vendor\":", fp);
	map_json_text(fp, n->vendor);
	fprintf(fp, ",\"local\":%s,\"role\":\"%s\",\"group\":",
	    n->local ? "true" : "false", map_role[n->role & 3]);
	map_json_text(fp, n->group >= 0 ? m->groups[n->group].name : "");
	fputs("}", fp);
}

static void
map_json_edge(const struct map_edge *e, FILE *fp)
{
	char mem[MAP_TEXT_MAX];
	struct out_buf b;

	fprintf(fp, "{\"from\":\"n%" PRIu32 "\",\"to\":\"n%" PRIu32 "\","
	    "\"proto\":%u,\"port\":%u,\"app\":", e->from + 1, e->to + 1,
	    (unsigned)e->proto, (unsigned)e->port);
	map_json_text(fp, e->app);
	out_buf_init(&b, mem, sizeof(mem));
	map_service(e, MAP_ESC_NONE, &b);
	fputs(",\"service\":", fp);
	out_json_string(fp, b.p, b.len);
	fprintf(fp, ",\"bytes_c2s\":%" PRIu64 ",\"bytes_s2c\":%" PRIu64
	    ",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"flows\":%" PRIu64
	    ",\"swapped\":%" PRIu64 ",\"first\":\"", e->bytes_cs, e->bytes_sc,
	    e->bytes_cs + e->bytes_sc, e->packets, e->flows, e->swapped);
	out_buf_init(&b, mem, sizeof(mem));
	out_fmt_time(&b, (int64_t)e->first_us, true);
	out_buf_adds(&b, "\",\"last\":\"");
	out_fmt_time(&b, (int64_t)e->last_us, true);
	fprintf(fp, "%s\"}", b.p);
}

/* {"nodes":[...],"edges":[...],"truncated":false}, one item a line. */
static int
map_write_json(const struct map *m, FILE *fp)
{
	size_t i;

	fputs("{\"nodes\":[", fp);
	for (i = 0; i < m->n_nodes; i++) {
		fputs(i ? ",\n" : "\n", fp);
		map_json_node(m, i, fp);
	}
	fputs("\n],\"edges\":[", fp);
	for (i = 0; i < m->n_edges; i++) {
		fputs(i ? ",\n" : "\n", fp);
		map_json_edge(&m->edges[i], fp);
	}
	fprintf(fp, "\n],\"truncated\":%s}\n", m->truncated ? "true" : "false");
	return 0;
}

int
map_write(const struct map *m, enum map_format f, FILE *fp,
    struct ft_err *err)
{
	int rc;

	switch (f) {
	case MAP_FMT_DOT:
		rc = map_write_dot(m, fp);
		break;
	case MAP_FMT_MERMAID:
		rc = map_write_mermaid(m, fp);
		break;
	case MAP_FMT_LUCID:
		rc = map_write_lucid(m, fp);
		break;
	case MAP_FMT_DRAWIO:
		rc = map_write_drawio(m, fp);
		break;
	case MAP_FMT_JSON:
		rc = map_write_json(m, fp);
		break;
	default:
		return ft_err_set(err, FT_EINVAL, "map: unknown format");
	}
	if (rc)
		return ft_err_set(err, -rc, "map: %s", ft_strerror(rc));
	if (fflush(fp) || ferror(fp))
		return ft_err_set(err, FT_EIO, "map: cannot write the output");
	return 0;
}

int
map_parse_format(const char *s, enum map_format *f, struct ft_err *err)
{
	static const char *const names[] = { "dot", "mermaid", "lucid",
		"drawio", "json" };
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*f = (enum map_format)i;
			return 0;
		}
	}
	return ft_err_set(err, FT_EINVAL, "unknown format '%.64s': expected "
	    "dot, mermaid, lucid, drawio or json", s ? s : "");
}
