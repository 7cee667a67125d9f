/* fuzz_lut_tgz.c: fuzz target of the lookup-source archive reader */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/enrich/lut.h"

/*
 * Input: a tar or gzip'ed tar, as `lut update --from FILE` reads it. It is
 * read twice, wanting every member and wanting none: the verdict must not
 * depend on what is wanted, a refusal must say why, and a success can
 * want no more members than it read. Bounds are small so the fuzzer
 * reaches them. Corpus files in corpus/lut_tgz/ are such archives.
 */
static const struct lut_tgz_limits fz_lim = {
	.member_max = 1 << 20,
	.total_max = 4 << 20,
	.ratio_max = 64,
	.members_max = 256,
};

static bool
fz_all(const char *name)
{
	return name != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_err e1 = { 0 }, e2 = { 0 };
	size_t n1, n2;
	int r1, r2;

	r1 = lut_tgz_scan(data, size, fz_all, &fz_lim, &n1, &e1);
	r2 = lut_tgz_scan(data, size, NULL, &fz_lim, &n2, &e2);
	if (r1 != r2 || n2 != 0 || (r1 && !e1.msg[0]) || n1 > fz_lim.members_max)
		abort();
	if (r1 && strcmp(e1.msg, e2.msg))
		abort();
	return 0;
}
