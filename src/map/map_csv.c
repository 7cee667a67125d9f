/* map_csv.c: the map as CSV for LucidChart's and draw.io's import. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

/*
 * LucidChart's process-diagram import: a page (id 1), a Process shape per
 * node (id 2 + node), a line per edge (after the shapes).
 */
int
map_write_lucid(const struct map *m, FILE *fp)
{
	char mem[MAP_TEXT_MAX];
	struct out_buf b;
	size_t i;

	fputs("Id,Name,Shape Library,Page ID,Contained By,Group,Line Source,"
	    "Line Destination,Source Arrow,Destination Arrow,Text Area 1\n"
	    "1,Page,,,,,,,,,Dependency map\n", fp);
	for (i = 0; i < m->n_nodes; i++) {
		out_buf_init(&b, mem, sizeof(mem));
		map_label(&m->nodes[i], "\n", MAP_ESC_NONE, &b);
		fprintf(fp, "%zu,Process,Flowchart Shapes,1,,,,,,,", i + 2);
		out_csv_field(fp, b.p, b.len);
		fputc('\n', fp);
	}
	for (i = 0; i < m->n_edges; i++) {
		out_buf_init(&b, mem, sizeof(mem));
		map_service(&m->edges[i], MAP_ESC_NONE, &b);
		fprintf(fp, "%zu,Line,,1,,,%" PRIu32 ",%" PRIu32 ",None,Arrow,",
		    m->n_nodes + 2 + i, m->edges[i].from + 2,
		    m->edges[i].to + 2);
		out_csv_field(fp, b.p, b.len);
		fputc('\n', fp);
	}
	return 0;
}

/* An edge in the draw.io rows' order: by client, service, server. */
struct map_row_key {
	uint32_t from;			/* client node */
	uint32_t svc;			/* service number */
	uint32_t to;			/* server node */
	uint32_t edge;			/* index in map.edges */
};

/* Each edge's service text, and service numbers 0.. in text order. */
struct map_svc {
	char (*text)[FT_APP_MAX + 64];	/* per edge */
	const char **by_text;		/* edges' texts, sorted */
	uint32_t *first;		/* per service: an edge of it */
	struct map_row_key *rows;	/* per edge, sorted */
	size_t n;			/* distinct services */
	size_t n_edges;			/* entries of the arrays */
};

/* Texts sort by content, then by address, which is the edge's order. */
static int
map_text_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int c = strcmp(a, b);

	return c ? c : (a < b ? -1 : a > b);
}

static int
map_row_cmp(const void *pa, const void *pb)
{
	const struct map_row_key *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return a->edge < b->edge ? -1 : a->edge > b->edge;
}

static void
map_svc_free(struct map_svc *v)
{
	free(v->text);
	free(v->by_text);
	free(v->first);
	free(v->rows);
}

/* Number the services by text and sort the edges for the rows. */
static int
map_svc_init(struct map_svc *v, const struct map *m)
{
	size_t n = m->n_edges ? m->n_edges : 1, i, e;
	struct out_buf b;

	memset(v, 0, sizeof(*v));
	v->n_edges = m->n_edges;
	v->text = calloc(n, sizeof(*v->text));
	v->by_text = calloc(n, sizeof(*v->by_text));
	v->first = calloc(n, sizeof(*v->first));
	v->rows = calloc(n, sizeof(*v->rows));
	if (!v->text || !v->by_text || !v->first || !v->rows)
		return -FT_ENOMEM;
	for (i = 0; i < m->n_edges; i++) {
		out_buf_init(&b, v->text[i], sizeof(v->text[i]));
		map_service(&m->edges[i], MAP_ESC_NONE, &b);
		v->by_text[i] = v->text[i];
	}
	qsort(v->by_text, m->n_edges, sizeof(*v->by_text), map_text_cmp);
	for (i = 0; i < m->n_edges; i++) {
		e = (size_t)(v->by_text[i] - v->text[0]) / sizeof(v->text[0]);
		if (i && strcmp(v->by_text[i], v->by_text[i - 1]))
			v->n++;
		if (!i || strcmp(v->by_text[i], v->by_text[i - 1]))
			v->first[v->n] = (uint32_t)e;
		v->rows[e] = (struct map_row_key){ m->edges[e].from,
		    (uint32_t)v->n, m->edges[e].to, (uint32_t)e };
	}
	if (m->n_edges)
		v->n++;
	qsort(v->rows, m->n_edges, sizeof(*v->rows), map_row_cmp);
	return 0;
}

/* The draw.io header: one `# connect` per service, from column sK. */
static void
map_drawio_head(const struct map_svc *v, FILE *fp)
{
	char mem[MAP_TEXT_MAX];
	struct out_buf b;
	size_t k;

	fputs("## flowtrail map: in draw.io, Arrange > Insert > Advanced > "
	    "CSV, paste this, Import.\n"
	    "# label: %name%<br><i style=\"color:gray;\">%info%</i>\n"
	    "# style: rounded=1;whiteSpace=wrap;html=1;fillColor=%fill%;"
	    "strokeColor=%stroke%;\n"
	    "# namespace: csvimport-\n", fp);
	for (k = 0; k < v->n; k++) {
		out_buf_init(&b, mem, sizeof(mem));
		map_text(&b, v->text[v->first[k]], MAP_ESC_NONE);
		fprintf(fp, "# connect: {\"from\":\"s%zu\",\"to\":\"id\","
		    "\"label\":", k + 1);
		out_json_string(fp, b.p, b.len);
		fputs(",\"style\":\"curved=1;endArrow=blockThin;endFill=1;"
		    "fontSize=9;\"}\n", fp);
	}
	fputs("# width: auto\n# height: auto\n# padding: 12\n"
	    "# ignore: id,info,fill,stroke", fp);
	for (k = 0; k < v->n; k++)
		fprintf(fp, ",s%zu", k + 1);
	fputs("\n# nodespacing: 40\n# levelspacing: 100\n# edgespacing: 40\n"
	    "# layout: horizontalflow\n"
	    "id,name,ip,mac,vendor,group,role,info,fill,stroke", fp);
	for (k = 0; k < v->n; k++)
		fprintf(fp, ",s%zu", k + 1);
	fputc('\n', fp);
}

/* The row's sK columns: "n3,n7" for the servers of service k. */
static void
map_drawio_targets(const struct map_svc *v, size_t *at, uint32_t node,
    FILE *fp)
{
	const struct map_row_key *r = v->rows;
	size_t k, n, i;

	for (k = 0; k < v->n; k++) {
		for (n = 0; *at + n < v->n_edges && r[*at + n].from == node &&
		    r[*at + n].svc == k; n++)
			;
		fputs(n > 1 ? ",\"" : ",", fp);
		for (i = 0; i < n; i++)
			fprintf(fp, "%sn%" PRIu32, i ? "," : "",
			    r[*at + i].to + 1);
		fputs(n > 1 ? "\"" : "", fp);
		*at += n;
	}
}

/* info: the address (and vendor) under a name, or the vendor alone. */
static void
map_drawio_info(const struct map_node *n, struct out_buf *b)
{
	if (n->name[0])
		map_text(b, n->ip, MAP_ESC_HTML);
	if (n->name[0] && n->vendor[0])
		out_buf_adds(b, ", ");
	map_text(b, n->vendor, MAP_ESC_HTML);
}

/*
 * draw.io's CSV import: one row per node; edges through one column per
 * service (sK, the row's servers of it) and one `# connect` line per
 * service carrying its label. Text shown in the HTML label is escaped.
 */
int
map_write_drawio(const struct map *m, FILE *fp)
{
	const struct map_node *n;
	char mem[MAP_TEXT_MAX];
	struct map_svc v;
	struct out_buf b;
	size_t i, at = 0;

	if (map_svc_init(&v, m)) {
		map_svc_free(&v);
		return -FT_ENOMEM;
	}
	map_drawio_head(&v, fp);
	for (i = 0; i < m->n_nodes; i++) {
		n = &m->nodes[i];
		fprintf(fp, "n%zu,", i + 1);
		out_buf_init(&b, mem, sizeof(mem));
		map_text(&b, n->name[0] ? n->name : n->ip, MAP_ESC_HTML);
		out_csv_field(fp, b.p, b.len);
		fprintf(fp, ",%s,%s,", n->ip, n->mac);
		out_buf_init(&b, mem, sizeof(mem));
		map_text(&b, n->vendor, MAP_ESC_NONE);
		out_csv_field(fp, b.p, b.len);
		fputc(',', fp);
		out_buf_init(&b, mem, sizeof(mem));
		map_text(&b, n->group >= 0 ? m->groups[n->group].name : "",
		    MAP_ESC_NONE);
		out_csv_field(fp, b.p, b.len);
		fprintf(fp, ",%s,", map_role[n->role & 3]);
		out_buf_init(&b, mem, sizeof(mem));
		map_drawio_info(n, &b);
		out_csv_field(fp, b.p, b.len);
		fprintf(fp, ",%s,%s", map_fill[n->role & 3],
		    map_stroke[n->role & 3]);
		map_drawio_targets(&v, &at, (uint32_t)i, fp);
		fputc('\n', fp);
	}
	map_svc_free(&v);
	return 0;
}
