/* enrich.h: local or remote, ASN, country, and names with their source */
#ifndef ENRICH_H
#define ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/ft_err.h"
#include "../model/ft_flowrec.h"
#include "../model/ft_pkt.h"

#define ENRICH_MAX_NETS 64	/* local-networks entries */
#define ENRICH_NO_LEASES "-"	/* leases_path: not even the default */

struct enrich_opts {
	const char *lut_path;		/* compiled lookup tables; NULL/"" none */
	const char *local_networks;	/* CIDR list (comma or space); NULL/"": the defaults */
	const char *labels_path;	/* labels file; NULL/"" none */
	const char *leases_path;	/* dnsmasq/OpenWrt leases; NULL/"":
					   /tmp/dhcp.leases when it exists;
					   ENRICH_NO_LEASES: none at all */
	uint32_t dns_cache;		/* passive DNS entries (LRU); 0: 65536 */
	uint32_t hosts_cache;		/* DHCP/lease names remembered per MAC
					   and IP; 0: 4096 */
};

struct enrich_stats {
	uint64_t dns_answers;		/* address records learned from DNS answers */
	uint64_t dns_evicted;		/* passive DNS entries evicted (LRU full) */
	uint64_t dns_bad;		/* malformed DNS responses ignored */
	uint64_t dhcp_names;		/* host names learned from DHCP */
	uint64_t dhcp_bad;		/* malformed DHCP messages ignored */
	uint64_t hosts_evicted;		/* DHCP hosts evicted (table full) */
	uint32_t labels;		/* entries of the labels file */
	uint32_t leases;		/* named entries of the leases file */
	uint32_t leases_dropped;	/* lease lines unreadable or over the cap */
	uint32_t local_nets;		/* entries of the local networks */
	bool lut_loaded;		/* lookup tables mapped */
};

/*
 * The stage; the caller owns it (enrich_free). One thread calls
 * enrich_packet, enrich_batch and enrich_reload (the pipeline's).
 */
struct enrich;

/*
 * Parse local_networks, open the lookup tables (a missing file is not an
 * error: none until enrich_reload finds it; a corrupt one is), read the
 * labels file (must exist; a bad line fails with FILE:LINE) and the leases
 * file (may be missing), allocate both caches. o may be NULL: defaults.
 */
int enrich_new(const struct enrich_opts *o, struct enrich **out,
    struct ft_err *err);
void enrich_free(struct enrich *e);

/*
 * Treat this prefix as local too (the capture interfaces' own); host bits
 * are ignored, a repeat is a no-op. -FT_EINVAL for a bad version or
 * length, -FT_EFULL past ENRICH_MAX_NETS.
 */
int enrich_add_local(struct enrich *e, const uint8_t *addr, int ip_ver,
    unsigned prefix_len);

/*
 * Learn from one packet: DNS answers (address -> the name the client asked
 * for, through CNAME chains) and DHCP host names and client ids. No
 * allocation; bounded caches.
 */
void enrich_packet(struct enrich *e, const struct ft_pkt *pkt);

/*
 * Fill the enrichment fields of n records (see struct ft_flowrec); call it
 * after the classifier has set server_name. No allocation.
 */
void enrich_batch(struct enrich *e, struct ft_flowrec *recs, size_t n);

/*
 * Re-read the lookup tables, labels and leases whose files changed (one
 * stat() each). A file that fails keeps what was loaded, is reported once
 * (the first error is returned) and not retried until it changes again;
 * a file that vanished keeps what was loaded.
 */
int enrich_reload(struct enrich *e, struct ft_err *err);

void enrich_get_stats(const struct enrich *e, struct enrich_stats *st);

#endif
