# ndpi-flows.py: flowtrail's application per flow against ndpiReader's CSV (-C); prints one line per disagreement.
# Usage: python3 ndpi-flows.py CAPTURE OURS.json NDPIREADER.csv
import collections
import csv
import json
import sys


def addr(a):
    """ndpiReader 4.2 prints IPv6 addresses with zero groups dropped in odd
    places (fc00::2:100::1:1 for fc00:0:2:100:0:1:1:0): an IPv6 address is
    compared by its non-zero groups in order."""
    if ':' not in a:
        return a
    return ':'.join('%x' % int(g, 16) for g in a.split(':') if g and int(g, 16))


def key(proto, a, ap, b, bp):
    # ndpiReader keys protocols other than TCP and UDP without ports;
    # flowtrail keeps the ICMP type in sport and SCTP's ports.
    if proto not in (6, 17):
        ap = bp = 0
    x, y = sorted([(addr(a), int(ap)), (addr(b), int(bp))])
    return '%d %s:%d %s:%d' % (proto, x[0], x[1], y[0], y[1])


capture, ours_path, ref_path = sys.argv[1:4]
ours = collections.defaultdict(list)
for f in json.load(open(ours_path)):
    k = key(f['proto'], f['client'], f['cport'], f['server'], f['sport'])
    ours[k].append((f['time'], f.get('app') or 'Unknown'))
ref = collections.defaultdict(set)
with open(ref_path, encoding='latin-1') as fh:
    for r in csv.DictReader(fh):
        if not r['protocol'].isdigit():
            continue
        k = key(int(r['protocol']), r['src_ip'], r['src_port'], r['dst_ip'],
                r['dst_port'])
        ref[k].add(r['ndpi_proto'])
# ndpiReader expires no flow within a file: flowtrail's first flow of a key
# (the one that saw the start) is the one to compare. ndpiReader's CSV
# leaves out flows it could not classify: they count as Unknown.
for k in sorted(set(ours) | set(ref)):
    mine = min(ours[k])[1] if ours[k] else '-'
    theirs = '/'.join(sorted(ref[k])) if ref[k] else 'Unknown'
    if mine == theirs or (mine == '-' and theirs == 'Unknown'):
        continue
    print('%s %s ours=%s ndpiReader=%s' % (capture, k.replace(' ', '_'),
                                           mine, theirs))
