/* classify_names.c: the interned server names the classifiers share */
#include <stdlib.h>
#include <string.h>

#include "../base/ft_err.h"
#include "classify_int.h"

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int
names_init(struct names *nm, uint32_t cap)
{
	uint32_t nb = 16, i;

	memset(nm, 0, sizeof(*nm));
	while (nb < cap)
		nb <<= 1;
	nm->slots = calloc(cap, sizeof(*nm->slots));
	nm->buckets = calloc(nb, sizeof(*nm->buckets));
	if (!nm->slots || !nm->buckets) {
		names_fini(nm);
		return -FT_ENOMEM;
	}
	nm->cap = cap;
	nm->mask = nb - 1;
	for (i = cap; i > 0; i--) {
		nm->slots[i - 1].next = nm->free_head;
		nm->free_head = i;
	}
	return 0;
}

void
names_fini(struct names *nm)
{
	free(nm->slots);
	free(nm->buckets);
	memset(nm, 0, sizeof(*nm));
}

uint32_t
names_get(struct names *nm, const char *s)
{
	uint32_t h, id;
	struct name_slot *sl;
	size_t len;

	if (!s || !*s)
		return 0;
	h = name_hash(s);
	for (id = nm->buckets[h & nm->mask]; id; id = sl->next) {
		sl = &nm->slots[id - 1];
		if (sl->hash == h && strncmp(sl->s, s, FT_NAME_MAX - 1) == 0) {
			sl->refs++;
			return id;
		}
	}
	if (!nm->free_head) {
		nm->dropped++;
		return 0;
	}
	id = nm->free_head;
	sl = &nm->slots[id - 1];
	nm->free_head = sl->next;
	len = strnlen(s, FT_NAME_MAX - 1);
	memcpy(sl->s, s, len);
	sl->s[len] = '\0';
	sl->hash = h;
	sl->refs = 1;
	sl->next = nm->buckets[h & nm->mask];
	nm->buckets[h & nm->mask] = id;
	nm->used++;
	return id;
}

const char *
names_str(const struct names *nm, uint32_t id)
{
	if (!id || id > nm->cap)
		return "";
	return nm->slots[id - 1].s;
}

/* Unlink slot id from its hash chain. */
static void
names_unlink(struct names *nm, uint32_t id)
{
	uint32_t *p = &nm->buckets[nm->slots[id - 1].hash & nm->mask];

	while (*p && *p != id)
		p = &nm->slots[*p - 1].next;
	if (*p)
		*p = nm->slots[id - 1].next;
}

void
names_put(struct names *nm, uint32_t id)
{
	struct name_slot *sl;

	if (!id || id > nm->cap)
		return;
	sl = &nm->slots[id - 1];
	if (!sl->refs || --sl->refs)
		return;
	names_unlink(nm, id);
	sl->s[0] = '\0';
	sl->next = nm->free_head;
	nm->free_head = id;
	nm->used--;
}
