/* map_group.c: the map's groups (subnets, names), its --group-by parser */
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

/* The node's network, masked to the subnet length: 10.0.0.0/24. */
static void
map_subnet(const struct map_node *node, const struct map_opts *o, char *dst,
    size_t cap)
{
	unsigned bits = node->addr_len == 4 ?
	    (o->v4_prefix ? o->v4_prefix : MAP_V4_PREFIX) :
	    (o->v6_prefix ? o->v6_prefix : MAP_V6_PREFIX);
	uint8_t a[16] = { 0 };
	struct out_buf b;
	unsigned i;

	for (i = 0; i < node->addr_len; i++) {
		if (bits >= 8 * (i + 1))
			a[i] = node->addr[i];
		else if (bits > 8 * i)
			a[i] = node->addr[i] &
			    (uint8_t)(0xff << (8 - (bits - 8 * i)));
	}
	out_buf_init(&b, dst, cap);
	out_fmt_addr(&b, a, node->addr_len);
	out_buf_addf(&b, "/%u", bits);
}

/* Subnets: nodes are in address order, so a subnet's nodes are together. */
static void
map_group_subnet(struct map *m, const struct map_opts *o)
{
	struct map_group *g = NULL;
	char net[FT_NAME_MAX];
	size_t i;

	for (i = 0; i < m->n_nodes; i++) {
		map_subnet(&m->nodes[i], o, net, sizeof(net));
		if (!g || strcmp(g->name, net)) {
			g = &m->groups[m->n_groups++];
			snprintf(g->name, sizeof(g->name), "%s", net);
			g->boxed = true;
		}
		m->nodes[i].group = (int)(m->n_groups - 1);
	}
}

static int
map_node_name_cmp(const void *pa, const void *pb)
{
	const struct map_node *a = *(const struct map_node *const *)pa;
	const struct map_node *b = *(const struct map_node *const *)pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a < b ? -1 : a > b);
}

/*
 * Labels: named nodes by name, in name order, boxed when a name has
 * several addresses (a box of one would repeat its name); then each
 * unnamed node alone, its group named by its address.
 */
static int
map_group_label(struct map *m, struct ft_err *err)
{
	struct map_node **by = calloc(m->n_nodes + 1, sizeof(*by));
	struct map_group *g = NULL;
	size_t i, n = 0;

	if (!by)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	for (i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].name[0])
			by[n++] = &m->nodes[i];
	qsort(by, n, sizeof(*by), map_node_name_cmp);
	for (i = 0; i < n; i++) {
		if (!g || strcmp(g->name, by[i]->name)) {
			g = &m->groups[m->n_groups++];
			snprintf(g->name, sizeof(g->name), "%s", by[i]->name);
		} else {
			g->boxed = true;
		}
		by[i]->group = (int)(m->n_groups - 1);
	}
	for (i = 0; i < m->n_nodes; i++) {
		if (m->nodes[i].name[0])
			continue;
		g = &m->groups[m->n_groups++];
		snprintf(g->name, sizeof(g->name), "%s", m->nodes[i].ip);
		m->nodes[i].group = (int)(m->n_groups - 1);
	}
	free(by);
	return 0;
}

int
map_group(struct map *m, const struct map_opts *o, struct ft_err *err)
{
	if (o->group_by == MAP_GROUP_HOST || !m->n_nodes)
		return 0;
	m->groups = calloc(m->n_nodes, sizeof(*m->groups));
	if (!m->groups)
		return ft_err_set(err, FT_ENOMEM, "map: %s",
		    ft_strerror(FT_ENOMEM));
	if (o->group_by == MAP_GROUP_SUBNET) {
		map_group_subnet(m, o);
		return 0;
	}
	return map_group_label(m, err);
}

/* A prefix length 1..max at *p, up to end or a ','. */
static bool
map_prefix(const char **p, unsigned max, uint8_t *out)
{
	unsigned v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 4) {
		v = v * 10 + (unsigned)(*(*p)++ - '0');
		digits++;
	}
	if (!digits || v < 1 || v > max)
		return false;
	*out = (uint8_t)v;
	return true;
}

int
map_parse_group(const char *s, struct map_opts *o, struct ft_err *err)
{
	const char *p;

	if (s && !strcmp(s, "host")) {
		o->group_by = MAP_GROUP_HOST;
		return 0;
	}
	if (s && !strcmp(s, "label")) {
		o->group_by = MAP_GROUP_LABEL;
		return 0;
	}
	if (!s || strncmp(s, "subnet", 6) || (s[6] && s[6] != '/'))
		return ft_err_set(err, FT_EINVAL, "unknown grouping '%.64s': "
		    "expected host, subnet[/V4[,V6]] or label", s ? s : "");
	o->group_by = MAP_GROUP_SUBNET;
	if (!s[6])
		return 0;
	p = s + 7;
	if (!map_prefix(&p, 32, &o->v4_prefix) ||
	    (*p == ',' && (p++, !map_prefix(&p, 128, &o->v6_prefix))) || *p)
		return ft_err_set(err, FT_EINVAL, "'%.64s': expected subnet/V4 "
		    "or subnet/V4,V6 with prefix lengths 1-32 and 1-128", s);
	return 0;
}
