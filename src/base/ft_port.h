/* ft_port.h: which transport ports look like services */
/*
 * For the flow table's client guess and the map's server-side rule.
 */
#ifndef FT_PORT_H
#define FT_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Service ports at or above 1024 that a client never picks as its own
 * source port in practice, ascending; ft_n_service_ports entries.
 */
extern const uint16_t ft_service_ports[];
extern const size_t ft_n_service_ports;

/* 1..1023, or one of ft_service_ports; port 0 never is. */
bool ft_port_is_service(uint16_t port);

#endif
