/* ft_mac.c: MAC address parsing shared by labels, filters and lookup. */
#include <string.h>

#include "ft_err.h"
#include "ft_mac.h"

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits (n even) into n / 2 octets. */
static int
hex_octets(const char *h, size_t n, uint8_t *out)
{
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		v = hex_val(h[i]);
		if (v < 0)
			return -FT_EINVAL;
		out[i / 2] = (uint8_t)(out[i / 2] << 4 | v);
	}
	return (int)(n / 2);
}

/* Cisco's 0011.2233.4455. */
static int
mac_dotted(const char *s, size_t len, uint8_t mac[6])
{
	char hex[12];

	if (len != 14 || s[4] != '.' || s[9] != '.')
		return -FT_EINVAL;
	memcpy(hex, s, 4);
	memcpy(hex + 4, s + 5, 4);
	memcpy(hex + 8, s + 10, 4);
	return hex_octets(hex, 12, mac);
}

/* Groups of one or two digits, all separated by the same ':' or '-'. */
static int
mac_groups(const char *s, size_t len, char sep, uint8_t mac[6])
{
	const char *end = s + len;
	char hex[12];
	size_t n = 0, g;

	for (;;) {
		for (g = 0; s + g < end && s[g] != ':' && s[g] != '-'; g++)
			;
		if (g < 1 || g > 2 || n == 12)
			return -FT_EINVAL;
		hex[n++] = g == 1 ? '0' : s[0];
		hex[n++] = s[g - 1];
		if (s + g == end)
			break;
		if (s[g] != sep)
			return -FT_EINVAL;
		s += g + 1;
	}
	if (n != 12 && n != 6)
		return -FT_EINVAL;
	return hex_octets(hex, n, mac);
}

int
ft_mac_parse(const char *s, size_t len, uint8_t mac[6])
{
	const char *colon = memchr(s, ':', len), *dash = memchr(s, '-', len);

	memset(mac, 0, 6);
	if (memchr(s, '.', len))
		return mac_dotted(s, len, mac);
	if (!colon && !dash)
		return len == 12 || len == 6 ? hex_octets(s, len, mac) :
		    -FT_EINVAL;
	return mac_groups(s, len, colon ? ':' : '-', mac);
}
