/* fuzz_labels.c: fuzz target of the labels file (MAC, address, CIDR) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/enrich/enrich_int.h"
#include "fuzz_file.h"

/* A label found must be a whole string within its field. */
static void
fz_check_label(const char *s)
{
	if (s && (!*s || memchr(s, '\0', FT_NAME_MAX) == NULL))
		abort();
}

/*
 * Input: a labels file. When it loads, the first bytes are looked up as a
 * MAC, an IPv4 and an IPv6 address, so the index built from the file is
 * walked too. Corpus files in corpus/labels/ are labels files.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enrich_labels *l;
	struct ft_err err = { 0 };
	uint8_t key[16] = { 0 };

	if (size > 1 << 20)
		return 0;
	if (enrich_labels_load(fz_file(data, size), &l, &err)) {
		if (l || err.msg[0] == '\0')
			abort();
		return 0;
	}
	memcpy(key, data, size < 16 ? size : 16);
	fz_check_label(enrich_labels_find_mac(l, key));
	fz_check_label(enrich_labels_find_ip(l, key, 4));
	fz_check_label(enrich_labels_find_ip(l, key, 6));
	enrich_labels_free(l);
	return 0;
}
