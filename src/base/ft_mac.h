/* ft_mac.h: MAC address text, parsed once for every input that takes one. */
#ifndef FT_MAC_H
#define FT_MAC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse len bytes of s: 00:11:22:33:44:55, 00-11-22-33-44-55, 0:1b:..
 * (one-digit groups), 0011.2233.4455 or 001122334455, and the same forms of
 * a 3-octet OUI (00:11:22, 001122). Returns the octets read (6, or 3 for an
 * OUI, the rest of mac zeroed) or -FT_EINVAL.
 */
int ft_mac_parse(const char *s, size_t len, uint8_t mac[6]);

#endif
