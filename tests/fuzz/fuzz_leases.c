/* fuzz_leases.c: fuzz target of the DHCP leases file (dnsmasq's format). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/enrich/enrich_int.h"
#include "fuzz_file.h"

#define FZ_CAP 8	/* hosts kept: small, so the cap is met */

/*
 * Input: a leases file, read into a table of FZ_CAP hosts. Each named
 * line is counted once, named or dropped; a host found by the first bytes
 * as a MAC or an address must hold whole strings. Corpus files in
 * corpus/leases/ are leases files.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_err err = { 0 };
	struct enrich_hosts *h;
	struct enrich_host *e;
	uint32_t named, dropped;
	uint8_t key[16] = { 0 };

	if (size > 1 << 20)
		return 0;
	if (enrich_leases_load(fz_file(data, size), FZ_CAP, &h, &named,
	    &dropped, &err)) {
		if (h || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (named > FZ_CAP)
		abort();
	memcpy(key, data, size < 16 ? size : 16);
	e = enrich_hosts_find_mac(h, key);
	if (e && (!memchr(e->name, '\0', sizeof(e->name)) ||
	    !memchr(e->client_id, '\0', sizeof(e->client_id))))
		abort();
	enrich_hosts_find_addr(h, key, 4);
	enrich_hosts_find_addr(h, key, 6);
	enrich_leases_free(h);
	return 0;
}
