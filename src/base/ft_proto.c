/* ft_proto.c: the protocol table's look-ups both ways. */
#include <string.h>
#include <strings.h>

#include "ft_err.h"
#include "ft_proto.h"

#define FT_PROTO_ENTRY_(num, name, app) { num, name, app },

static const struct {
	int num;		/* IP protocol number */
	const char *name;	/* report name */
	const char *app;	/* application label, or NULL */
} ft_protos[] = { FT_PROTO_MAP(FT_PROTO_ENTRY_) };

#define FT_N_PROTOS (sizeof(ft_protos) / sizeof(ft_protos[0]))

const char *
ft_proto_name(int num)
{
	for (size_t i = 0; i < FT_N_PROTOS; i++)
		if (ft_protos[i].num == num)
			return ft_protos[i].name;
	return NULL;
}

const char *
ft_proto_app(int num)
{
	for (size_t i = 0; i < FT_N_PROTOS; i++)
		if (ft_protos[i].num == num)
			return ft_protos[i].app;
	return NULL;
}

int
ft_proto_parse(const char *s, size_t len, int *num)
{
	int n = 0;
	size_t i;

	for (i = 0; i < FT_N_PROTOS; i++) {
		if (strlen(ft_protos[i].name) == len &&
		    !strncasecmp(ft_protos[i].name, s, len)) {
			*num = ft_protos[i].num;
			return 0;
		}
	}
	if (len == 0 || len > 3)
		return -FT_EPARSE;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -FT_EPARSE;
		n = n * 10 + (s[i] - '0');
	}
	if (n > 255)
		return -FT_EPARSE;
	*num = n;
	return 0;
}
