/* ft_hash.h: the hash of the in-memory tables (groups, flows by run and flow). */
#ifndef FT_HASH_H
#define FT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * FNV-1a over 8-byte words, then a 64-bit finalizer (splitmix). Inline,
 * as every look-up of a table starts with it.
 */
static inline uint64_t
ft_hash(const void *key, size_t n)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325u, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3u;
		p += 8;
		n -= 8;
	}
	while (n--)
		h = (h ^ *p++) * 0x100000001b3u;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

#endif
