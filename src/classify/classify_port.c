/* classify_port.c: app guesses from protocol and server port, as fallback */
#include <stdio.h>
#include <string.h>

#include "../base/ft_proto.h"
#include "classify.h"
#include "classify_int.h"

struct port_app {
	uint8_t proto;		/* 6 TCP, 17 UDP, 0 either */
	uint16_t port;		/* server port */
	const char *name;	/* nDPI's name for it, so reports agree */
};

static const struct port_app port_apps[] = {
	{ 0, 53, "DNS" }, { 6, 80, "HTTP" }, { 6, 443, "TLS" },
	{ 17, 443, "QUIC" }, { 6, 22, "SSH" }, { 17, 123, "NTP" },
	{ 17, 67, "DHCP" }, { 17, 68, "DHCP" }, { 17, 546, "DHCPV6" },
	{ 17, 547, "DHCPV6" }, { 17, 5353, "MDNS" }, { 17, 5355, "LLMNR" },
	{ 17, 1900, "SSDP" }, { 17, 137, "NetBIOS" }, { 17, 138, "NetBIOS" },
	{ 6, 139, "NetBIOS" }, { 6, 445, "SMBv23" }, { 6, 25, "SMTP" },
	{ 6, 587, "SMTP" }, { 6, 465, "SMTPS" }, { 6, 110, "POP3" },
	{ 6, 995, "POPS" }, { 6, 143, "IMAP" }, { 6, 993, "IMAPS" },
	{ 17, 161, "SNMP" }, { 17, 162, "SNMP" }, { 17, 514, "Syslog" },
	{ 6, 3389, "RDP" }, { 6, 3306, "MySQL" }, { 6, 5432, "PostgreSQL" },
	{ 6, 21, "FTP_CONTROL" }, { 6, 23, "Telnet" }, { 6, 179, "BGP" },
	{ 0, 1194, "OpenVPN" }, { 17, 500, "IPsec" }, { 17, 4500, "IPsec" },
	{ 0, 3478, "STUN" }, { 0, 5060, "SIP" }, { 6, 1883, "MQTT" },
	{ 6, 6379, "Redis" }, { 6, 8080, "HTTP_Proxy" }, { 6, 853, "DoH_DoT" },
	{ 17, 51820, "WireGuard" }, { 6, 5222, "Jabber" }, { 17, 69, "TFTP" },
	{ 6, 389, "LDAP" }, { 6, 636, "LDAP" }, { 6, 88, "Kerberos" },
	{ 17, 88, "Kerberos" }, { 17, 4789, "VXLAN" }, { 17, 2055, "NetFlow" },
	{ 17, 9995, "NetFlow" }, { 17, 4739, "IPFIX" }, { 17, 6343, "sFlow" },
};

static const char *
port_lookup(uint8_t proto, uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(port_apps) / sizeof(port_apps[0]); i++) {
		if (port_apps[i].port == port &&
		    (port_apps[i].proto == 0 || port_apps[i].proto == proto))
			return port_apps[i].name;
	}
	return NULL;
}

const char *
classify_port_guess(uint8_t proto, uint16_t sport, uint16_t cport)
{
	const char *name = ft_proto_app(proto);

	if (name || (proto != 6 && proto != 17 && proto != 132))
		return name;
	name = port_lookup(proto, sport);
	return name ? name : port_lookup(proto, cport);
}

void
classify_fill_guess(struct ft_flowrec *r)
{
	const char *g = classify_port_guess(r->proto, r->sport, r->cport);

	if (!g)
		return;
	snprintf(r->app, sizeof(r->app), "%s", g);
	r->flags |= FT_REC_APP_GUESS;
}

void
classify_fill_guesses(struct ft_flowrec *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		recs[i].app[0] = '\0';
		recs[i].category[0] = '\0';
		recs[i].server_name[0] = '\0';
		classify_fill_guess(&recs[i]);
	}
}
