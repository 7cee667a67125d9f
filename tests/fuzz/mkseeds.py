#!/usr/bin/env python3
# mkseeds.py: writes the hand-made seed files of the capture, config, labels, leases and lut_csv fuzz corpora.
# Run from the repository root; the files it writes are committed, so the
# corpora do not change unless this script does.
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# A small Ethernet/IPv4/UDP frame (DNS query port), 60 bytes.
def eth_udp():
    payload = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01"
    udp = struct.pack(">HHHH", 40000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 53])) + udp
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip


# Classic pcap -------------------------------------------------------------

def pcap_hdr(end="<", nsec=False, snaplen=65535, link=1, major=2, minor=4):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    return struct.pack(end + "IHHiIII", magic, major, minor, 0, 0, snaplen, link)


def pcap_rec(data, end="<", caplen=None, length=None, sec=1500000000, frac=1):
    caplen = len(data) if caplen is None else caplen
    length = len(data) if length is None else length
    return struct.pack(end + "IIII", sec, frac, caplen, length) + data


F = eth_udp()
put("capture", "pcap_usec_two_frames", pcap_hdr() + pcap_rec(F) + pcap_rec(F, frac=999999))
put("capture", "pcap_nsec_big_endian", pcap_hdr(">", nsec=True) + pcap_rec(F, ">", frac=999999999))
put("capture", "pcap_raw_ip", pcap_hdr(link=101) + pcap_rec(F[14:]))
put("capture", "pcap_header_only", pcap_hdr())
put("capture", "pcap_caplen_over_snaplen", pcap_hdr(snaplen=32) + pcap_rec(F) + pcap_rec(F))
put("capture", "pcap_caplen_over_len", pcap_hdr() + pcap_rec(F, length=20) + pcap_rec(F))
put("capture", "pcap_huge_caplen", pcap_hdr() + pcap_rec(F) + struct.pack("<IIII", 1, 0, 0xFFFFFFF0, 0xFFFFFFF0) + F)
put("capture", "pcap_caplen_past_max", pcap_hdr(snaplen=0) + pcap_rec(F, caplen=0x40001, length=0x40001))
put("capture", "pcap_zero_lengths", pcap_hdr(snaplen=0) + pcap_rec(b"", caplen=0, length=0) + pcap_rec(b"", length=1500) + pcap_rec(F))
put("capture", "pcap_cut_record", pcap_hdr() + pcap_rec(F) + pcap_rec(F)[:30])
put("capture", "pcap_cut_header", pcap_hdr() + pcap_rec(F) + b"\x01\x02\x03")
put("capture", "pcap_version_2_2", pcap_hdr(minor=2) + pcap_rec(F, length=20))

# pcapng -------------------------------------------------------------------

def block(btype, body):
    body += b"\x00" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(link=1, snaplen=0, opts=b""):
    return block(1, struct.pack("<HHI", link, 0, snaplen) + opts)


def epb(data, iface=0, caplen=None, length=None, ts=1500000000000000):
    caplen = len(data) if caplen is None else caplen
    length = len(data) if length is None else length
    return block(6, struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, caplen, length) + data)


def spb(data, length=None):
    length = len(data) if length is None else length
    return block(3, struct.pack("<I", length) + data)


NS_RES = struct.pack("<HHB", 9, 1, 9) + b"\x00" * 3 + struct.pack("<HH", 0, 0)
put("capture", "pcapng_epb", shb() + idb() + epb(F) + epb(F, ts=1500000000000001))
put("capture", "pcapng_spb", shb() + idb(snaplen=100) + spb(F))
put("capture", "pcapng_two_ifaces_nsec", shb() + idb() + idb(link=101, opts=NS_RES) + epb(F) + epb(F[14:], iface=1))
put("capture", "pcapng_caplen_over_len", shb() + idb() + epb(F, length=20))
put("capture", "pcapng_caplen_over_snaplen", shb() + idb(snaplen=32) + epb(F))
put("capture", "pcapng_zero_lengths", shb() + idb() + epb(b"", caplen=0, length=0) + epb(b"", length=60))
put("capture", "pcapng_iface_missing", shb() + idb() + epb(F, iface=3))
put("capture", "pcapng_cut_block", (shb() + idb() + epb(F))[:-20])

# Configuration file -------------------------------------------------------

put("config", "every_kind", """# a configuration file
store.path = /tmp/flowtrail.db
names.local-networks = 10.0.0.0/8, 2001:db8::/32
names.labels = /etc/flowtrail/labels
capture.snaplen = 256
capture.promisc = false
log.level = debug
flow.tcp-timeout = 120
history.timezone = Europe/Zurich
history.billing-day = 31
""")
put("config", "spaces_and_crlf", "  \t# comment\r\n\r\nflow.max-flows=1024\r\n classify.enabled =  yes \r\n")
put("config", "bad_value", "capture.snaplen = 12x\n")
put("config", "no_equals", "store.path\n")
put("config", "unknown_key", "no.such-option = 1\n")
put("config", "local_networks", "names.local-networks = 10.0.0.0/8 , 2001:db8::/33;192.168.0.0/16\n")
put("config", "long_value", "store.path = /" + "a" * 1100 + "\n")

# Labels file --------------------------------------------------------------

put("labels", "every_kind", """# TARGET LABEL
10.0.0.1 router
10.1.0.0/16 office net
2001:db8::1 v6 host
2001:db8::/48   lab
aa:bb:cc:dd:ee:ff printer
AA-BB-CC-00-11-22\tphone
10.0.0.1 router again
""")
put("labels", "bad_target", "10.0.0.300 nope\n")
put("labels", "no_label", "10.0.0.1   \n")
put("labels", "prefix_edges", "0.0.0.0/0 all\n::/0 all6\n1.2.3.4/32 one\n::1/128 lo\n")

# Leases file (dnsmasq) ----------------------------------------------------

put("leases", "dnsmasq", """1700000000 aa:bb:cc:dd:ee:01 192.168.1.10 laptop 01:aa:bb:cc:dd:ee:01
1700000000 aa:bb:cc:dd:ee:02 192.168.1.11 * *
0 aa:bb:cc:dd:ee:03 192.168.1.12 phone
duid 00:01:00:01:2a:2b:2c:2d:aa:bb:cc:dd:ee:ff
1700000000 123456 2001:db8::10 nas 00:01:00:01:2a:2b
""")
put("leases", "junk_lines", "not a lease\n17x aa:bb:cc:dd:ee:01 192.168.1.10 x\n1 zz 10.0.0.1 y\n")
put("leases", "over_cap", "".join("1 aa:bb:cc:dd:ee:%02x 10.0.0.%d host%d\n" % (i, i, i) for i in range(12)))

# Lookup-table sources: selector byte (kind | 8 for IEEE), then the file ----

put("lut_csv", "asn4_text", b"\x00" + b"1.0.0.0,1.0.0.255,13335,Cloudflare\n1.0.1.0,1.0.3.255,AS0,Not routed\n\"2.0.0.0\",2.0.0.9,3215,\"Orange, S.A.\"\n")
put("lut_csv", "asn4_num", b"\x00" + b"16777216,16777471,13335,Cloudflare, Inc.\n")
put("lut_csv", "asn6", b"\x01" + b"2001:db8::,2001:db8::ffff,64496,Example\n42540766411282592856903984951653826560,42540766411282592856903984951653826561,1,x\n")
put("lut_csv", "cc4", b"\x02" + b"1.0.0.0,1.0.0.255,au\n1.0.1.0,1.0.0.0,CN\n")
put("lut_csv", "cc6", b"\x03" + b"2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n")
put("lut_csv", "manuf", b"\x04" + b"# comment\n00:00:0C\tCisco\tCisco Systems, Inc\n00:55:DA:10:00:00/28\tShort\tLong name\n00-1B-C5-00-00-00/36\tX\n")
put("lut_csv", "ieee", b"\x0c" + b"Registry,Assignment,Organization Name,Organization Address\r\nMA-L,001122,\"Acme, Inc.\",\"1 Road\nTown  \"\r\nMA-M,0055DA1,Small Co,x\r\n")
put("lut_csv", "quotes_open", b"\x00" + b"1.0.0.0,\"1.0.0.255,1,x\n")
