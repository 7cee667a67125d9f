/* lut_bench.c: lookups per second, file size against sources, and RSS */
/*
 * Lookups of ASN and country (IPv4 and IPv6) and of MAC vendors.
 *
 * The Makefile's bench rule compiles one file without the library, so the
 * reader is compiled in here: it needs nothing but libc.
 */
#include "../src/base/ft_err.c"
#include "../src/enrich/lut_read.c"

#include <stdio.h>
#include <time.h>

#define N_ADDRS (1u << 20)	/* distinct random addresses per family */
#define ROUNDS 4		/* passes over them */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS and RssFile of this process, kB. */
static void
rss_kb(long *rss, long *file)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*rss = *file = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "RssFile:", 8))
			*file = strtol(line + 8, NULL, 10);
	}
	if (f)
		fclose(f);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;	/* xorshift state */

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A random address that an AS could announce (no private, reserved, multicast). */
static void
public_v4(uint8_t *a)
{
	for (;;) {
		uint32_t v = (uint32_t)next_rand();

		a[0] = (uint8_t)(v >> 24);
		a[1] = (uint8_t)(v >> 16);
		a[2] = (uint8_t)(v >> 8);
		a[3] = (uint8_t)v;
		if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168))
			continue;
		return;
	}
}

/* A random address inside a random announced IPv6 range (level-1 entry of the table). */
static void
announced_v6(const struct lut *l, uint8_t *a)
{
	const struct lut_tab *t = &l->tab[LUT_ASN6];
	uint32_t j, lo = 0, hi, mid, key;
	int i;

	do
		j = (uint32_t)(next_rand() % t->n);
	while (val_at(t, j) == LUT_NONE);
	for (hi = t->n_buckets; lo + 1 < hi;) {	/* bucket holding entry j */
		mid = (lo + hi) / 2;
		if (t->idx[mid] <= j)
			lo = mid;
		else
			hi = mid;
	}
	key = ((const uint32_t *)t->keys)[j];
	a[0] = (uint8_t)((t->bucket_lo + lo) >> 8);
	a[1] = (uint8_t)(t->bucket_lo + lo);
	for (i = 0; i < 4; i++)
		a[2 + i] = (uint8_t)(key >> (24 - 8 * i));
	for (i = 6; i < 16; i++)
		a[i] = (uint8_t)next_rand();
}

/* ns per ASN+country pair over the addresses; found counts hits. */
static double
bench_ip(const struct lut *l, const uint8_t *addrs, int ver, size_t *found,
    uint64_t *sink)
{
	size_t step = ver == 4 ? 4 : 16, i;
	struct lut_asn as;
	char cc[3];
	double t0;
	int r;

	*found = 0;
	t0 = now_s();
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < N_ADDRS; i++) {
			const uint8_t *a = addrs + i * step;

			if (lut_asn(l, a, ver, &as) == 0) {
				*sink += as.asn + (uintptr_t)as.org;
				++*found;
			}
			if (lut_country(l, a, ver, cc) == 0)
				*sink += (uint8_t)cc[0];
		}
	}
	return (now_s() - t0) * 1e9 / ((double)N_ADDRS * ROUNDS);
}

static double
bench_mac(const struct lut *l, const uint8_t *macs, uint64_t *sink)
{
	struct lut_vendor v;
	double t0 = now_s();
	size_t i;

	for (i = 0; i < N_ADDRS; i++)
		if (lut_vendor(l, macs + i * 6, &v) == 0)
			*sink += (uintptr_t)v.long_name;
	return (now_s() - t0) * 1e9 / N_ADDRS;
}

static void
print_sizes(const struct lut *l)
{
	struct lut_info in;
	uint64_t csv = 0;
	int i;

	lut_info(l, &in);
	for (i = 0; i < in.n_sources; i++)
		csv += in.src[i].bytes;
	printf("file size            %.2f MB, sources %.2f MB (%.1f%%)\n",
	    in.file_size / 1e6, csv / 1e6, csv ? 100.0 * in.file_size / csv : 0);
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : getenv("FLOWTRAIL_LUT");
	uint8_t *v4 = malloc(N_ADDRS * 4), *v6 = malloc(N_ADDRS * 16);
	uint8_t *mac = malloc(N_ADDRS * 6);
	long rss0, rss1, rss2, rss3, file0, file1, file2, file3;
	struct ft_err err = { 0 };
	size_t i, f4, f6;
	uint64_t sink = 0;
	struct lut *l;
	double t0, ns4, ns6, nsm;

	if (!path)
		path = geteuid() == 0 ? "/var/lib/flowtrail/lut.bin" : "lut.bin";
	if (!v4 || !v6 || !mac)
		return 1;
	rss_kb(&rss0, &file0);
	t0 = now_s();
	if (lut_open(path, &l, &err)) {
		fprintf(stderr, "lut_bench: %s\n", err.msg);
		return 1;
	}
	printf("open + verify        %.1f ms (%s)\n", (now_s() - t0) * 1e3, path);
	rss_kb(&rss1, &file1);
	for (i = 0; i < N_ADDRS; i++) {
		public_v4(v4 + i * 4);
		announced_v6(l, v6 + i * 16);
		for (int k = 0; k < 6; k++)
			mac[i * 6 + k] = (uint8_t)next_rand();
		mac[i * 6] &= 0xfc;	/* globally administered unicast */
	}
	rss_kb(&rss2, &file2);
	print_sizes(l);
	ns4 = bench_ip(l, v4, 4, &f4, &sink);
	ns6 = bench_ip(l, v6, 6, &f6, &sink);
	nsm = bench_mac(l, mac, &sink);
	rss_kb(&rss3, &file3);
	printf("IPv4 ASN+country     %.1f ns per address (%.1f M/s), %.0f%% with an ASN\n",
	    ns4, 1e3 / ns4, 100.0 * f4 / ((double)N_ADDRS * ROUNDS));
	printf("IPv6 ASN+country     %.1f ns per address (%.1f M/s), %.0f%% "
	    "with an ASN (announced space)\n",
	    ns6, 1e3 / ns6, 100.0 * f6 / ((double)N_ADDRS * ROUNDS));
	printf("MAC vendor           %.1f ns per address\n", nsm);
	printf("VmRSS                %ld kB before open, %ld kB after (+%ld kB of the file)\n"
	    "                     %ld kB after %u lookups: +%ld kB of the mapped\n"
	    "                     file (shared, clean pages), +%ld kB other (the\n"
	    "                     benchmark's own address arrays: %ld kB)\n",
	    rss0, rss1, file1 - file0, rss3, N_ADDRS * (2 * ROUNDS + 1),
	    file3 - file0, (rss3 - file3) - (rss0 - file0),
	    (rss2 - file2) - (rss1 - file1));
	lut_close(l);
	free(v4);
	free(v6);
	free(mac);
	return sink == 42;
}
