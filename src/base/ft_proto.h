/* ft_proto.h: the one table of IP protocols, report names, app labels */
#ifndef FT_PROTO_H
#define FT_PROTO_H

#include <stddef.h>

/*
 * X(number, name, app): every protocol flowtrail names. name is what
 * reports print and what the filter, `series proto` and the store's flows_v
 * view accept; app is the label a flow of that protocol gets when nDPI has
 * none (NULL: the port guess decides). Numbers ascend. A number not listed
 * prints as its decimal. Changing the names needs a store migration that
 * recreates flows_v (store_schema.c), which spells them from this table.
 */
#define FT_PROTO_MAP(X)                          \
	X(1, "icmp", "ICMP")                     \
	X(2, "igmp", "IGMP")                     \
	X(4, "ipip", "IP_in_IP")                 \
	X(6, "tcp", NULL)                        \
	X(17, "udp", NULL)                       \
	X(41, "ipv6", "IPv6in4")                 \
	X(47, "gre", "GRE")                      \
	X(50, "esp", "IPsec")                    \
	X(51, "ah", "IPsec")                     \
	X(58, "icmp6", "ICMPV6")                 \
	X(89, "ospf", "OSPF")                    \
	X(112, "vrrp", "VRRP")                   \
	X(132, "sctp", "SCTP")

/* "icmp, igmp, ..., sctp, ": the names for an error message. */
#define FT_PROTO_LIST_ITEM_(num, name, app) name ", "
#define FT_PROTO_NAME_LIST FT_PROTO_MAP(FT_PROTO_LIST_ITEM_)

/* SQL: the name of the protocol number in column col, else its decimal. */
#define FT_PROTO_SQL_WHEN_(num, name, app) " WHEN " #num " THEN '" name "'"
#define FT_PROTO_SQL_CASE(col)                                         \
	"CASE " col FT_PROTO_MAP(FT_PROTO_SQL_WHEN_)                    \
	" ELSE CAST(" col " AS TEXT) END"

/* The report name of protocol num, or NULL for an unnamed number. */
const char *ft_proto_name(int num);

/* The application label of a flow of protocol num, or NULL. */
const char *ft_proto_app(int num);

/*
 * Protocol number of s (len bytes): a name of the table, any case, or a
 * decimal 0..255. 0 and *num set, or -FT_EPARSE.
 */
int ft_proto_parse(const char *s, size_t len, int *num);

#endif
