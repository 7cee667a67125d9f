/* map_int.h: what the map's writers share; only for map_*.c. */
#ifndef MAP_INT_H
#define MAP_INT_H

#include "map.h"

#define MAP_TEXT_MAX 2048	/* one escaped label */

/* Fill and line colours and role names by map_node.role (0..3). */
extern const char *const map_fill[4];
extern const char *const map_stroke[4];
extern const char *const map_role[4];

/* How text is escaped for the place it goes. */
enum map_esc {
	MAP_ESC_NONE,		/* CSV fields (quoted by out_csv_field) */
	MAP_ESC_DOT,		/* inside a DOT "string" */
	MAP_ESC_MERMAID,	/* inside a Mermaid "label" */
	MAP_ESC_HTML,		/* draw.io's HTML labels */
};

/*
 * Append s to b for esc: bytes that are not UTF-8 become U+FFFD, control
 * characters a space (names come from packets), then esc's escapes.
 */
void map_text(struct out_buf *b, const char *s, enum map_esc esc);

/* A node's label, lines joined by sep: name (or address), address, vendor. */
void map_label(const struct map_node *n, const char *sep, enum map_esc esc,
    struct out_buf *b);

/* The edge's service ("tcp/443 TLS"), escaped for esc. */
void map_service(const struct map_edge *e, enum map_esc esc,
    struct out_buf *b);

/* map_group.c: put the nodes into groups as o->group_by says. */
int map_group(struct map *m, const struct map_opts *o, struct ft_err *err);

/* map_csv.c */
int map_write_lucid(const struct map *m, FILE *fp);
int map_write_drawio(const struct map *m, FILE *fp);

#endif
