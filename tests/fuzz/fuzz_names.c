/* fuzz_names.c: DNS answers and DHCP messages into the enrich parsers */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/enrich/enrich_int.h"

static struct enrich_dns dns;		/* passive DNS cache, kept across inputs */
static struct enrich_hosts hosts;	/* DHCP hosts, kept across inputs */
static int ready;			/* caches initialised */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool named;

	if (!ready) {
		if (enrich_dns_init(&dns, 64) || enrich_hosts_init(&hosts, 64))
			abort();
		ready = 1;
	}
	/* The first byte picks the parser, so one corpus covers both. */
	if (size < 1)
		return 0;
	if (data[0] & 1)
		enrich_dhcp_learn(&hosts, data + 1, size - 1, &named);
	else
		enrich_dns_learn(&dns, data + 1, size - 1);
	return 0;
}
