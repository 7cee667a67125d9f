/* enrich.h: names for everything: local or remote, ASN, country, names with their source. */
#ifndef ENRICH_H
#define ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "../model/ft_pkt.h"

#define ENRICH_MAX_NETS 64	/* local-networks entries */

struct enrich_opts {
	const char *lut_path;		/* compiled lookup tables; NULL/"" none */
	const char *local_networks;	/* CIDR list (comma or space); NULL/"": the defaults */
	const char *labels_path;	/* labels file; NULL/"" none */
	const char *leases_path;	/* dnsmasq/OpenWrt leases; NULL/"" none */
	uint32_t dns_cache;		/* passive DNS entries (LRU) */
	uint32_t hosts_cache;		/* DHCP/lease names remembered per MAC and IP */
};

struct enrich_stats {
	uint64_t dns_answers;		/* address records learned from DNS answers */
	uint64_t dns_evicted;		/* passive DNS entries evicted (LRU full) */
	uint64_t dhcp_names;		/* host names learned from DHCP */
	uint32_t labels;		/* entries of the labels file */
	uint32_t leases;		/* entries of the leases file */
	bool lut_loaded;		/* lookup tables mapped */
};

struct enrich;

int enrich_new(const struct enrich_opts *o, struct enrich **out,
    struct ft_err *err);
void enrich_free(struct enrich *e);

/* Treat this prefix as local too (the capture interfaces' own). */
int enrich_add_local(struct enrich *e, const uint8_t *addr, int ip_ver,
    unsigned prefix_len);

/*
 * Learn from one packet: DNS answers (address -> the name the client asked
 * for, through CNAME chains) and DHCP host names and client ids. No
 * allocation; bounded caches.
 */
void enrich_packet(struct enrich *e, const struct ft_pkt *pkt);

/* Fill the enrichment fields of n records (see struct ft_flowrec). */
void enrich_batch(struct enrich *e, struct ft_flowrec *recs, size_t n);

/* Re-read the lookup tables, labels and leases if their files changed. */
int enrich_reload(struct enrich *e, struct ft_err *err);

void enrich_get_stats(const struct enrich *e, struct enrich_stats *st);

#endif
