/* store_sql.h: SQL fragments rendering stored columns as text */
#ifndef STORE_SQL_H
#define STORE_SQL_H

/*
 * Plain SQL, no functions of our own, so the `sqlite3` shell shows the same
 * text as flowtrail. Released migration steps are built from these macros:
 * never change what one expands to; add a new macro instead.
 */

/* IPv4 as dotted quads from the hex digits, IPv6 as eight groups. */
#define SQL_HEXDIGITS "'0123456789ABCDEF'"
#define SQL_NIB(c, p) \
	"(instr(" SQL_HEXDIGITS ", substr(hex(" c "), " p ", 1)) - 1)"
#define SQL_BYTE(c, p, q) "(" SQL_NIB(c, p) " * 16 + " SQL_NIB(c, q) ")"
#define SQL_V4(c)                                                       \
	SQL_BYTE(c, "1", "2") " || '.' || " SQL_BYTE(c, "3", "4")       \
	" || '.' || " SQL_BYTE(c, "5", "6") " || '.' || "               \
	SQL_BYTE(c, "7", "8")
#define SQL_G6(c, p) \
	"coalesce(nullif(ltrim(lower(substr(hex(" c "), " p ", 4)), '0'), ''), '0')"
#define SQL_V6(c)                                                       \
	SQL_G6(c, "1") " || ':' || " SQL_G6(c, "5") " || ':' || "       \
	SQL_G6(c, "9") " || ':' || " SQL_G6(c, "13") " || ':' || "      \
	SQL_G6(c, "17") " || ':' || " SQL_G6(c, "21") " || ':' || "     \
	SQL_G6(c, "25") " || ':' || " SQL_G6(c, "29")
#define SQL_ADDR(c)                                                     \
	"CASE length(" c ") WHEN 4 THEN " SQL_V4(c) " WHEN 16 THEN "    \
	SQL_V6(c) " ELSE hex(" c ") END"

/* A 6-byte MAC blob as 00:11:22:33:44:55, NULL stays NULL. */
#define SQL_MB(c, p) "substr(hex(" c "), " p ", 2)"
#define SQL_MAC(c)                                                      \
	"CASE WHEN " c " IS NOT NULL THEN lower(" SQL_MB(c, "1")        \
	" || ':' || " SQL_MB(c, "3") " || ':' || "                      \
	SQL_MB(c, "5") " || ':' || " SQL_MB(c, "7") " || ':' || "       \
	SQL_MB(c, "9") " || ':' || " SQL_MB(c, "11") ") END"

/* Microseconds since the epoch as 2024-11-01T08:00:00.123456Z. */
#define SQL_ISO(c)                                                      \
	"strftime('%Y-%m-%dT%H:%M:%S', " c " / 1000000, 'unixepoch') || " \
	"printf('.%06dZ', " c " % 1000000)"

/* A country packed as first letter * 256 + second ('DE' = 17477). */
#define SQL_COUNTRY(c)                                                  \
	"CASE WHEN " c " IS NOT NULL THEN char(" c " >> 8, " c " & 255) END"

/* enum ft_name_src as a word; 0 (no name) is NULL. */
#define SQL_NAME_SRC(c)                                                 \
	"CASE " c " WHEN 0 THEN NULL WHEN 1 THEN 'label' WHEN 2 THEN 'dhcp'" \
	" WHEN 3 THEN 'lease' WHEN 4 THEN 'sni' WHEN 5 THEN 'dns'"      \
	" ELSE CAST(" c " AS TEXT) END"

/* enum ft_end as a word: active, idle, tcp, evict, flush. */
#define SQL_END_REASON(c)                                               \
	"CASE " c " WHEN 0 THEN 'active' WHEN 1 THEN 'idle'"            \
	" WHEN 2 THEN 'tcp' WHEN 3 THEN 'evict' WHEN 4 THEN 'flush'"    \
	" ELSE CAST(" c " AS TEXT) END"

#endif
