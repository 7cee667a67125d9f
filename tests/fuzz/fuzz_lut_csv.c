/* fuzz_lut_csv.c: fuzz target of the lookup sources' CSV and row formats */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/enrich/lut_int.h"
#include "fuzz_file.h"

static int
fz_key_le(const struct lut_key *a, const struct lut_key *b)
{
	return a->hi < b->hi || (a->hi == b->hi && a->lo <= b->lo);
}

/* What every row handed to the builder must be. */
static int
fz_row(void *arg, const struct lut_row *row, struct ft_err *err)
{
	const struct lut_source *s = arg;

	if (!fz_key_le(&row->start, &row->end) || !row->a ||
	    strlen(row->a) >= LUT_CSV_MAX_RECORD)
		abort();
	if ((s->kind == LUT_ASN4 || s->kind == LUT_CC4) &&
	    (row->start.hi != 0 || row->end.hi != 0 ||
	    row->end.lo > UINT32_MAX))
		abort();
	if (s->kind != LUT_VENDOR && row->b)
		abort();
	if (s->kind == LUT_VENDOR && (row->end.hi != 0 ||
	    row->end.lo >> 48 != 0))
		abort();
	if ((s->kind == LUT_CC4 || s->kind == LUT_CC6) &&
	    (strlen(row->a) != 2 || row->a[0] < 'A' || row->a[0] > 'Z' ||
	    row->a[1] < 'A' || row->a[1] > 'Z'))
		abort();
	return 0;
}

/*
 * Input: one selector byte, then a source file. The selector's low three
 * bits pick the table (enum lut_kind, modulo LUT_N_KINDS); bit 3 reads a
 * vendor source as the IEEE registry CSV rather than Wireshark's manuf.
 * Corpus files in corpus/lut_csv/ follow this layout.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lut_source s;
	struct ft_err err = { 0 };
	int rc;

	if (size < 1 || size > 1 << 20)
		return 0;
	memset(&s, 0, sizeof(s));
	s.kind = (enum lut_kind)((data[0] & 7) % LUT_N_KINDS);
	s.ieee = (data[0] & 8) != 0;
	s.path = fz_file(data + 1, size - 1);
	rc = lut_read_source(&s, fz_row, &s, &err);
	if (rc && err.msg[0] == '\0')
		abort();
	return 0;
}
