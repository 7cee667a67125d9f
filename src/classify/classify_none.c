/* classify_none.c: the classifier without nDPI: port guesses only */
#include <stdlib.h>

#include "classify.h"
#include "classify_int.h"

struct classifier {
	struct classify_opts o;		/* options */
};

int
classify_new(const struct classify_opts *o, struct classifier **out,
    struct ft_err *err)
{
	struct classifier *c = calloc(1, sizeof(*c));

	if (!c)
		return ft_err_set(err, FT_ENOMEM, "out of memory");
	c->o = *o;
	*out = c;
	return 0;
}

void
classify_free(struct classifier *c)
{
	free(c);
}

void
classify_packet(struct classifier *c, struct ft_l7 *l7,
    const struct ft_pkt *pkt, unsigned dir)
{
	l7->state = FT_L7_DONE;
}

void
classify_describe(struct classifier *c, struct ft_flowrec *recs, size_t n)
{
	classify_fill_guesses(recs, n);
}

const struct ft_l7 *
classify_settle(struct classifier *c, uint32_t slot)
{
	return NULL;
}

void
classify_get_stats(const struct classifier *c, struct classify_stats *st)
{
	*st = (struct classify_stats){ 0 };
}

const char *
classify_engine(const struct classifier *c)
{
	return "ports (built without nDPI)";
}
