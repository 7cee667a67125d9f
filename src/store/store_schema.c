/* store_schema.c: the schema as migration steps; released ones never change */
#include "store_int.h"
#include "store_sql.h"
#include "../base/ft_proto.h"

/* Migration 1: everything. Frozen once released; change by adding steps. */
static const char store_schema_1[] =
	"PRAGMA application_id = 1179939377;\n" /* STORE_APP_ID */
	"CREATE TABLE runs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  start_us INTEGER NOT NULL,\n"
	"  command TEXT NOT NULL DEFAULT ''\n"
	");\n"
	"CREATE TABLE ifaces (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE\n"
	");\n"
	"CREATE TABLE macs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  mac BLOB NOT NULL UNIQUE\n"
	");\n"
	"CREATE TABLE apps (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  category TEXT NOT NULL DEFAULT '',\n"
	"  UNIQUE (name, category)\n"
	");\n"
	"CREATE TABLE names (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE\n"
	");\n"
	"CREATE TABLE flows (\n"
	"  run INTEGER NOT NULL REFERENCES runs (id),\n"
	"  flow INTEGER NOT NULL,\n"
	"  first_us INTEGER NOT NULL,\n"
	"  last_us INTEGER NOT NULL,\n"
	"  start_us INTEGER NOT NULL,\n"
	"  iface INTEGER REFERENCES ifaces (id),\n"
	"  vlan INTEGER NOT NULL,\n"
	"  proto INTEGER NOT NULL,\n"
	"  tunnel INTEGER NOT NULL DEFAULT 0,\n"
	"  cli BLOB NOT NULL,\n"
	"  cport INTEGER NOT NULL,\n"
	"  srv BLOB NOT NULL,\n"
	"  sport INTEGER NOT NULL,\n"
	"  cli_mac INTEGER REFERENCES macs (id),\n"
	"  srv_mac INTEGER REFERENCES macs (id),\n"
	"  app INTEGER REFERENCES apps (id),\n"
	"  name INTEGER REFERENCES names (id),\n"
	"  bytes_cs INTEGER NOT NULL,\n"
	"  bytes_sc INTEGER NOT NULL,\n"
	"  pkts_cs INTEGER NOT NULL,\n"
	"  pkts_sc INTEGER NOT NULL,\n"
	"  tcp_cs INTEGER NOT NULL,\n"
	"  tcp_sc INTEGER NOT NULL,\n"
	"  end_reason INTEGER NOT NULL,\n"
	"  flags INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX flows_first_us ON flows (first_us);\n"
	"CREATE VIEW flows_v AS SELECT\n"
	"  f.rowid AS id, f.run, f.flow,\n"
	"  " SQL_ISO("f.first_us") " AS first,\n"
	"  " SQL_ISO("f.last_us") " AS last,\n"
	"  (f.last_us - f.first_us) / 1e6 AS duration_s,\n"
	"  f.first_us, f.last_us,\n"
	"  " SQL_ISO("f.start_us") " AS start,\n"
	"  i.name AS iface, f.vlan,\n"
	"  CASE f.proto WHEN 1 THEN 'icmp' WHEN 2 THEN 'igmp' WHEN 6 THEN 'tcp'"
	" WHEN 17 THEN 'udp' WHEN 47 THEN 'gre' WHEN 50 THEN 'esp'"
	" WHEN 41 THEN 'ipv6' WHEN 51 THEN 'ah'"
	" WHEN 58 THEN 'icmp6' WHEN 89 THEN 'ospf' WHEN 132 THEN 'sctp'"
	" ELSE CAST(f.proto AS TEXT) END AS proto,\n"
	"  CASE f.tunnel WHEN 0 THEN NULL WHEN 4 THEN 'ipip' WHEN 17 THEN 'udp'"
	" WHEN 41 THEN 'ipv6' WHEN 47 THEN 'gre'"
	" ELSE CAST(f.tunnel AS TEXT) END AS tunnel,\n"
	"  " SQL_ADDR("f.cli") " AS client,\n"
	"  f.cport,\n"
	"  " SQL_ADDR("f.srv") " AS server,\n"
	"  f.sport,\n"
	"  " SQL_MAC("mc.mac") " AS client_mac,\n"
	"  " SQL_MAC("ms.mac") " AS server_mac,\n"
	"  a.name AS app, a.category, n.name AS server_name,\n"
	"  f.bytes_cs, f.bytes_sc, f.pkts_cs, f.pkts_sc,\n"
	"  f.tcp_cs, f.tcp_sc,\n"
	"  CASE f.end_reason WHEN 0 THEN 'active' WHEN 1 THEN 'idle'"
	" WHEN 2 THEN 'tcp' WHEN 3 THEN 'evict' WHEN 4 THEN 'flush'"
	" ELSE CAST(f.end_reason AS TEXT) END AS end_reason,\n"
	"  f.flags\n"
	"FROM flows f\n"
	"  LEFT JOIN ifaces i ON i.id = f.iface\n"
	"  LEFT JOIN macs mc ON mc.id = f.cli_mac\n"
	"  LEFT JOIN macs ms ON ms.id = f.srv_mac\n"
	"  LEFT JOIN apps a ON a.id = f.app\n"
	"  LEFT JOIN names n ON n.id = f.name;\n";

/* The protocol names of migrations 1 and 2, frozen. */
#define STORE_PROTO_CASE_2                                               \
	"CASE f.proto WHEN 1 THEN 'icmp' WHEN 2 THEN 'igmp' WHEN 6 THEN 'tcp'" \
	" WHEN 17 THEN 'udp' WHEN 47 THEN 'gre' WHEN 50 THEN 'esp'"     \
	" WHEN 41 THEN 'ipv6' WHEN 51 THEN 'ah'"                        \
	" WHEN 58 THEN 'icmp6' WHEN 89 THEN 'ospf' WHEN 132 THEN 'sctp'" \
	" ELSE CAST(f.proto AS TEXT) END"

/*
 * The flows_v of migration 2 with proto_case naming f.proto; migration 2's
 * case is frozen with it, migration 5's comes from ft_proto.h.
 */
#define STORE_FLOWS_V(proto_case) \
	"CREATE VIEW flows_v AS SELECT\n" \
	"  f.rowid AS id, f.run, f.flow,\n" \
	"  " SQL_ISO("f.first_us") " AS first,\n" \
	"  " SQL_ISO("f.last_us") " AS last,\n" \
	"  (f.last_us - f.first_us) / 1e6 AS duration_s,\n" \
	"  f.first_us, f.last_us,\n" \
	"  " SQL_ISO("f.start_us") " AS start,\n" \
	"  i.name AS iface, f.vlan,\n" \
	"  " proto_case " AS proto,\n" \
	"  CASE f.tunnel WHEN 0 THEN NULL WHEN 4 THEN 'ipip' WHEN 17 THEN 'udp'" \
	" WHEN 41 THEN 'ipv6' WHEN 47 THEN 'gre'" \
	" ELSE CAST(f.tunnel AS TEXT) END AS tunnel,\n" \
	"  " SQL_ADDR("f.cli") " AS client,\n" \
	"  f.cport,\n" \
	"  " SQL_ADDR("f.srv") " AS server,\n" \
	"  f.sport,\n" \
	"  " SQL_MAC("mc.mac") " AS client_mac,\n" \
	"  " SQL_MAC("ms.mac") " AS server_mac,\n" \
	"  a.name AS app, a.category, n.name AS server_name,\n" \
	"  f.bytes_cs, f.bytes_sc, f.pkts_cs, f.pkts_sc,\n" \
	"  f.tcp_cs, f.tcp_sc,\n" \
	"  CASE f.end_reason WHEN 0 THEN 'active' WHEN 1 THEN 'idle'" \
	" WHEN 2 THEN 'tcp' WHEN 3 THEN 'evict' WHEN 4 THEN 'flush'" \
	" ELSE CAST(f.end_reason AS TEXT) END AS end_reason,\n" \
	"  f.flags,\n" \
	"  f.local, f.asn, s.org,\n" \
	"  " SQL_COUNTRY("f.country") " AS country,\n" \
	"  cn.name AS client_name,\n" \
	"  " SQL_NAME_SRC("f.cli_name_src") " AS client_name_src,\n" \
	"  " SQL_NAME_SRC("f.name_src") " AS server_name_src,\n" \
	"  mc.vendor AS client_vendor, ms.vendor AS server_vendor,\n" \
	"  CASE WHEN f.local & 1 THEN dc.id WHEN f.local & 2 THEN ds.id END" \
	" AS device,\n" \
	"  f.dns_q AS dns_queries, f.dns_ok, f.dns_err\n" \
	"FROM flows f\n" \
	"  LEFT JOIN ifaces i ON i.id = f.iface\n" \
	"  LEFT JOIN macs mc ON mc.id = f.cli_mac\n" \
	"  LEFT JOIN macs ms ON ms.id = f.srv_mac\n" \
	"  LEFT JOIN apps a ON a.id = f.app\n" \
	"  LEFT JOIN names n ON n.id = f.name\n" \
	"  LEFT JOIN names cn ON cn.id = f.cli_name\n" \
	"  LEFT JOIN asns s ON s.asn = f.asn\n" \
	"  LEFT JOIN devices dc ON dc.mac = f.cli_mac\n" \
	"  LEFT JOIN devices ds ON ds.mac = f.srv_mac;\n"

/*
 * Migration 2: enrichment. Adding columns is a schema change only (old rows
 * read the defaults: 0 or NULL), so upgrading a large store is instant.
 */
static const char store_schema_2[] =
	"ALTER TABLE flows ADD COLUMN local INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE flows ADD COLUMN asn INTEGER;\n"
	"ALTER TABLE flows ADD COLUMN country INTEGER;\n"
	"ALTER TABLE flows ADD COLUMN name_src INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE flows ADD COLUMN cli_name INTEGER REFERENCES names (id);\n"
	"ALTER TABLE flows ADD COLUMN cli_name_src INTEGER NOT NULL "
	"DEFAULT 0;\n"
	"ALTER TABLE flows ADD COLUMN dns_q INTEGER;\n"
	"ALTER TABLE flows ADD COLUMN dns_ok INTEGER;\n"
	"ALTER TABLE flows ADD COLUMN dns_err INTEGER;\n"
	"ALTER TABLE macs ADD COLUMN vendor TEXT;\n"
	"CREATE TABLE asns (\n"
	"  asn INTEGER PRIMARY KEY,\n"
	"  org TEXT\n"
	");\n"
	"CREATE TABLE devices (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  mac INTEGER NOT NULL UNIQUE REFERENCES macs (id),\n"
	"  name TEXT,\n"
	"  name_src INTEGER NOT NULL DEFAULT 0,\n"
	"  name_us INTEGER NOT NULL DEFAULT 0,\n"
	"  vendor TEXT,\n"
	"  first_us INTEGER NOT NULL,\n"
	"  last_us INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE device_addrs (\n"
	"  device INTEGER NOT NULL REFERENCES devices (id),\n"
	"  addr BLOB NOT NULL,\n"
	"  first_us INTEGER NOT NULL,\n"
	"  last_us INTEGER NOT NULL,\n"
	"  PRIMARY KEY (device, addr)\n"
	") WITHOUT ROWID;\n"
	"CREATE INDEX device_addrs_addr ON device_addrs (addr);\n"
	"DROP VIEW flows_v;\n"
	STORE_FLOWS_V(STORE_PROTO_CASE_2)
	"CREATE VIEW devices_v AS SELECT\n"
	"  d.id, " SQL_MAC("m.mac") " AS mac, d.name,\n"
	"  " SQL_NAME_SRC("d.name_src") " AS name_src,\n"
	"  coalesce(d.vendor, m.vendor) AS vendor,\n"
	"  " SQL_ISO("d.first_us") " AS first,\n"
	"  " SQL_ISO("d.last_us") " AS last,\n"
	"  d.first_us, d.last_us,\n"
	"  (SELECT group_concat(" SQL_ADDR("x.addr") ", ' ')"
	" FROM device_addrs x WHERE x.device = d.id) AS addrs\n"
	"FROM devices d JOIN macs m ON m.id = d.mac;\n";

/*
 * Migration 3: per-minute series with hour and day rollups
 * (docs/internals/stats.md). key is an integer, text or blob by kind; -1
 * is the kind's "other" row. rollups remembers, per resolution, up to where
 * closed periods are rolled up.
 */
#define STORE_SERIES_COLS                                               \
	"  kind INTEGER NOT NULL,\n"                                    \
	"  t INTEGER NOT NULL,\n"                                       \
	"  key NOT NULL,\n"                                             \
	"  bytes_in INTEGER NOT NULL DEFAULT 0,\n"                      \
	"  bytes_out INTEGER NOT NULL DEFAULT 0,\n"                     \
	"  pkts_in INTEGER NOT NULL DEFAULT 0,\n"                       \
	"  pkts_out INTEGER NOT NULL DEFAULT 0,\n"                      \
	"  flows INTEGER NOT NULL DEFAULT 0,\n"                         \
	"  active INTEGER NOT NULL DEFAULT 0,\n"                        \
	"  dns_q INTEGER NOT NULL DEFAULT 0,\n"                         \
	"  dns_ok INTEGER NOT NULL DEFAULT 0,\n"                        \
	"  dns_err INTEGER NOT NULL DEFAULT 0,\n"                       \
	"  peak_bps INTEGER NOT NULL DEFAULT 0,\n"                      \
	"  nonip_bytes INTEGER NOT NULL DEFAULT 0,\n"                   \
	"  nonip_pkts INTEGER NOT NULL DEFAULT 0,\n"                    \
	"  PRIMARY KEY (kind, t, key)\n"                                \
	") WITHOUT ROWID;\n"
#define STORE_SERIES_VIEW(step, tab)                                    \
	"SELECT '" step "' AS step, strftime('%Y-%m-%dT%H:%M:%SZ', t, "  \
	"'unixepoch') AS time, t,\n"                                    \
	"  CASE kind WHEN 1 THEN 'iface' WHEN 2 THEN 'proto' WHEN 3 THEN 'app'" \
	" WHEN 4 THEN 'host' WHEN 5 THEN 'host' WHEN 6 THEN 'mac'"      \
	" WHEN 7 THEN 'asn' WHEN 8 THEN 'country'"                      \
	" ELSE CAST(kind AS TEXT) END AS kind,\n"                       \
	"  CASE WHEN key = -1 THEN 'other' WHEN kind IN (4, 5) THEN "   \
	SQL_ADDR("key") " WHEN kind = 6 THEN " SQL_MAC("key")           \
	" WHEN kind = 8 THEN coalesce(" SQL_COUNTRY("nullif(key, 0)")   \
	", '') ELSE key END AS key,\n"                                  \
	"  kind = 4 AS local, bytes_in, bytes_out, pkts_in, pkts_out, flows, " \
	"active, dns_q, dns_ok, dns_err, peak_bps, nonip_bytes, nonip_pkts\n" \
	"FROM " tab

static const char store_schema_3[] =
	"CREATE TABLE series_1m (\n" STORE_SERIES_COLS
	"CREATE TABLE series_1h (\n" STORE_SERIES_COLS
	"CREATE INDEX series_1h_key ON series_1h (kind, key, t);\n"
	"CREATE TABLE series_1d (\n" STORE_SERIES_COLS
	"CREATE INDEX series_1d_key ON series_1d (kind, key, t);\n"
	"CREATE TABLE rollups (\n"
	"  step TEXT PRIMARY KEY,\n"
	"  rolled_to INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"INSERT INTO rollups (step) VALUES ('1h'), ('1d');\n"
	"CREATE VIEW series_v AS\n"
	STORE_SERIES_VIEW("1m", "series_1m") "\nUNION ALL\n"
	STORE_SERIES_VIEW("1h", "series_1h") "\nUNION ALL\n"
	STORE_SERIES_VIEW("1d", "series_1d") ";\n";

/*
 * Conversations per UTC hour (docs/internals/conv.md): the flows that lie
 * whole in one hour summed per edge, the rest kept per flow and hour.
 * conv_hours holds each hour's id ranges; ids are INTEGER PRIMARY KEYs so
 * that VACUUM keeps them.
 */
static const char store_schema_4[] =
	"CREATE TABLE conv_hours (\n"
	"  hour INTEGER PRIMARY KEY,\n"
	"  state INTEGER NOT NULL,\n"
	"  edges_lo INTEGER NOT NULL DEFAULT 0,\n"
	"  edges_hi INTEGER NOT NULL DEFAULT -1,\n"
	"  parts_lo INTEGER NOT NULL DEFAULT 0,\n"
	"  parts_hi INTEGER NOT NULL DEFAULT -1\n"
	");\n"
	"CREATE TABLE conv_edges (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  hour INTEGER NOT NULL,\n"
	"  proto INTEGER NOT NULL,\n"
	"  cli BLOB NOT NULL,\n"
	"  srv BLOB NOT NULL,\n"
	"  sport INTEGER NOT NULL,\n"
	"  local INTEGER NOT NULL,\n"
	"  flows INTEGER NOT NULL,\n"
	"  seen INTEGER NOT NULL,\n"
	"  bytes_cs INTEGER NOT NULL,\n"
	"  bytes_sc INTEGER NOT NULL,\n"
	"  packets INTEGER NOT NULL,\n"
	"  first_us INTEGER NOT NULL,\n"
	"  last_us INTEGER NOT NULL,\n"
	"  cli_name_src INTEGER NOT NULL,\n"
	"  cli_name INTEGER,\n"
	"  name_src INTEGER NOT NULL,\n"
	"  name INTEGER,\n"
	"  cli_mac INTEGER,\n"
	"  srv_mac INTEGER,\n"
	"  app_lo INTEGER,\n"
	"  app_hi INTEGER,\n"
	"  app_top INTEGER\n"
	");\n"
	"CREATE TABLE conv_parts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  hour INTEGER NOT NULL,\n"
	"  run INTEGER NOT NULL,\n"
	"  flow INTEGER NOT NULL,\n"
	"  flags INTEGER NOT NULL,\n"
	"  proto INTEGER NOT NULL,\n"
	"  cli BLOB NOT NULL,\n"
	"  cport INTEGER NOT NULL,\n"
	"  srv BLOB NOT NULL,\n"
	"  sport INTEGER NOT NULL,\n"
	"  local INTEGER NOT NULL,\n"
	"  app INTEGER,\n"
	"  bytes_cs INTEGER NOT NULL,\n"
	"  bytes_sc INTEGER NOT NULL,\n"
	"  pkts_cs INTEGER NOT NULL,\n"
	"  pkts_sc INTEGER NOT NULL,\n"
	"  first_us INTEGER NOT NULL,\n"
	"  last_us INTEGER NOT NULL,\n"
	"  start_us INTEGER NOT NULL,\n"
	"  cli_name_src INTEGER NOT NULL,\n"
	"  cli_name INTEGER,\n"
	"  name_src INTEGER NOT NULL,\n"
	"  name INTEGER,\n"
	"  cli_mac INTEGER,\n"
	"  srv_mac INTEGER\n"
	");\n";

/*
 * Migration 5: what each writer is and what ingest took (docs/schema.md).
 * runs.pid names a writer another one waits for. captures remembers every
 * capture file ingested, by a fingerprint (size and a hash of its first and
 * last 64 KiB), state 1 while its run goes on and 2 once it finished;
 * run_points holds the series points a run added while its captures are
 * partial, so a run that died can be taken back out exactly. flows_v names
 * every protocol of the one table (ft_proto.h).
 */
static const char store_schema_5[] =
	"ALTER TABLE runs ADD COLUMN pid INTEGER;\n"
	"CREATE TABLE captures (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run INTEGER NOT NULL REFERENCES runs (id),\n"
	"  path TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  fingerprint TEXT NOT NULL,\n"
	"  state INTEGER NOT NULL,\n"
	"  added_us INTEGER NOT NULL,\n"
	"  packets INTEGER,\n"
	"  first_us INTEGER,\n"
	"  last_us INTEGER\n"
	");\n"
	"CREATE INDEX captures_fingerprint ON captures (size, fingerprint);\n"
	"CREATE TABLE run_points (\n"
	"  run INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL,\n"
	"  t INTEGER NOT NULL,\n"
	"  key NOT NULL,\n"
	"  bytes_in INTEGER NOT NULL DEFAULT 0,\n"
	"  bytes_out INTEGER NOT NULL DEFAULT 0,\n"
	"  pkts_in INTEGER NOT NULL DEFAULT 0,\n"
	"  pkts_out INTEGER NOT NULL DEFAULT 0,\n"
	"  flows INTEGER NOT NULL DEFAULT 0,\n"
	"  active INTEGER NOT NULL DEFAULT 0,\n"
	"  dns_q INTEGER NOT NULL DEFAULT 0,\n"
	"  dns_ok INTEGER NOT NULL DEFAULT 0,\n"
	"  dns_err INTEGER NOT NULL DEFAULT 0,\n"
	"  peak_bps INTEGER NOT NULL DEFAULT 0,\n"
	"  nonip_bytes INTEGER NOT NULL DEFAULT 0,\n"
	"  nonip_pkts INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (run, kind, t, key)\n"
	") WITHOUT ROWID;\n"
	"CREATE VIEW captures_v AS SELECT\n"
	"  c.id, c.run, c.path, c.size, c.fingerprint,\n"
	"  CASE c.state WHEN 1 THEN 'partial' WHEN 2 THEN 'done'"
	" ELSE CAST(c.state AS TEXT) END AS state,\n"
	"  " SQL_ISO("c.added_us") " AS added,\n"
	"  c.packets, " SQL_ISO("c.first_us") " AS first,\n"
	"  " SQL_ISO("c.last_us") " AS last, r.command, r.pid\n"
	"FROM captures c LEFT JOIN runs r ON r.id = c.run;\n"
	"DROP VIEW flows_v;\n"
	STORE_FLOWS_V(FT_PROTO_SQL_CASE("f.proto"));

const struct store_migration store_migrations[] = {
	{ 1, store_schema_1 },
	{ 2, store_schema_2 },
	{ 3, store_schema_3 },
	{ 4, store_schema_4 },
	{ 5, store_schema_5 },
};
const size_t store_n_migrations =
    sizeof(store_migrations) / sizeof(store_migrations[0]);

int
store_schema_version(void)
{
	return store_migrations[store_n_migrations - 1].version;
}
