/* ft_port.c: the one list of well-known service ports above 1023. */
#include <stdlib.h>

#include "ft_port.h"

/* Sorted, for bsearch. */
const uint16_t ft_service_ports[] = {
	1080, 1194, 1433, 1521, 1701, 1723, 1812, 1813, 1883, 1900, 1935,
	2049, 2055, 2375, 2376, 3128, 3260, 3306, 3389, 3478, 4500, 4739,
	5060, 5061, 5222, 5223, 5228, 5349, 5353, 5355, 5432, 5671, 5672,
	5683, 5684, 5900, 6343, 6379, 6443, 8000, 8008, 8080, 8081, 8086,
	8443, 8883, 8888, 9090, 9092, 9100, 9200, 9418, 9995, 11211, 19302,
	27017, 32400, 51820,
};
const size_t ft_n_service_ports =
    sizeof(ft_service_ports) / sizeof(ft_service_ports[0]);

static int
port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

bool
ft_port_is_service(uint16_t port)
{
	if (port == 0)
		return false;
	if (port < 1024)
		return true;
	return bsearch(&port, ft_service_ports, ft_n_service_ports,
	    sizeof(ft_service_ports[0]), port_cmp) != NULL;
}
