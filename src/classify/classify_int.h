/* classify_int.h: private parts of classify: the server-name table. */
#ifndef CLASSIFY_INT_H
#define CLASSIFY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../model/ft_flowrec.h"

/*
 * Interned, reference-counted server names in fixed slots allocated once.
 * Invariant: a slot is either on the free list (refs == 0) or in exactly one
 * hash chain (refs > 0). Ids handed out are slot index + 1.
 */
struct name_slot {
	uint32_t refs;		/* flows holding this name */
	uint32_t next;		/* hash chain or free list, index + 1 */
	uint32_t hash;		/* of s */
	char s[FT_NAME_MAX];	/* the name, NUL-terminated */
};

struct names {
	struct name_slot *slots;	/* cap slots */
	uint32_t *buckets;		/* hash heads, index + 1 */
	uint32_t cap;			/* slots */
	uint32_t mask;			/* buckets - 1 */
	uint32_t free_head;		/* free list, index + 1 */
	uint32_t used;			/* slots in use */
	uint64_t dropped;		/* names refused: table full */
};

int names_init(struct names *nm, uint32_t cap);
void names_fini(struct names *nm);
/* Reference s; returns its id, or 0 when s is empty or the table is full. */
uint32_t names_get(struct names *nm, const char *s);
const char *names_str(const struct names *nm, uint32_t id);
void names_put(struct names *nm, uint32_t id);

/* Fill a record's app from the port table when the classifier found nothing. */
void classify_fill_guess(struct ft_flowrec *r);

/* Records described by ports alone (no inspection): names cleared, guesses. */
void classify_fill_guesses(struct ft_flowrec *recs, size_t n);

#endif
