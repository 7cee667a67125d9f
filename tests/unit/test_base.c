/* test_base.c: the base helpers: MAC parsing, time arguments, errors. */
#include <string.h>

#include "../../src/base/ft_err.h"
#include "../../src/base/ft_mac.h"
#include "../../src/base/ft_time.h"
#include "ut.h"

static void
mac_addresses_parse_in_every_common_notation(void)
{
	static const struct { const char *s; int n; uint8_t m[6]; } cases[] = {
		{ "00:11:22:aa:BB:cc", 6, { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc } },
		{ "00-11-22-aa-bb-cc", 6, { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc } },
		{ "0:1b:2:aa:b:c", 6, { 0x00, 0x1b, 0x02, 0xaa, 0x0b, 0x0c } },
		{ "0011.22aa.bbcc", 6, { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc } },
		{ "001122aabbcc", 6, { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc } },
		{ "3c:22:fb", 3, { 0x3c, 0x22, 0xfb } },
		{ "3c22fb", 3, { 0x3c, 0x22, 0xfb } },
		{ "00:11:22:33:44", -FT_EINVAL, { 0 } },
		{ "00:11-22:33:44:55", -FT_EINVAL, { 0 } },
		{ "00:11:22:33:44:55:66", -FT_EINVAL, { 0 } },
		{ "00:11:22:33:44:5g", -FT_EINVAL, { 0 } },
		{ "001:11:22:33:44:55", -FT_EINVAL, { 0 } },
		{ "00::11:22:33:44", -FT_EINVAL, { 0 } },
		{ "0011.2233.445", -FT_EINVAL, { 0 } },
		{ "", -FT_EINVAL, { 0 } },
	};
	uint8_t m[6];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = ft_mac_parse(cases[i].s, strlen(cases[i].s), m);

		UT_EQ(n, cases[i].n);
		if (n > 0 && memcmp(m, cases[i].m, 6))
			UT_FAILF("%s parsed to the wrong octets", cases[i].s);
	}
}

static void
time_arguments_take_durations_dates_and_epoch_seconds(void)
{
	uint64_t now = 1700000000ull * 1000000u, t = 0;

	UT_EQ(ft_time_parse("7d", now, &t, NULL), 0);
	UT_EQ(t, now - 7ull * 86400 * 1000000u);
	UT_EQ(ft_time_parse("90s", now, &t, NULL), 0);
	UT_EQ(t, now - 90ull * 1000000u);
	UT_EQ(ft_time_parse("@1600000000", now, &t, NULL), 0);
	UT_EQ(t, 1600000000ull * 1000000u);
	UT_EQ(ft_time_parse("now", now, &t, NULL), 0);
	UT_EQ(t, now);
	UT_EQ(ft_time_parse("2024-11-01", now, &t, NULL), 0);
	UT_ASSERT(t > 1730000000ull * 1000000u && t < 1731000000ull * 1000000u);
	UT_EQ(ft_time_parse("2024-11-01T08:00", now, &t, NULL), 0);
	UT_EQ(ft_time_parse("yesterday", now, &t, NULL), -FT_EINVAL);
	UT_EQ(ft_time_parse("-5d", now, &t, NULL), -FT_EINVAL);
	UT_EQ(ft_time_parse("5x", now, &t, NULL), -FT_EINVAL);
}

static void
errors_carry_their_code_and_message(void)
{
	struct ft_err e = { 0 };

	UT_EQ(ft_err_set(&e, FT_EIO, "disk %d", 3), -FT_EIO);
	UT_EQ(e.code, FT_EIO);
	UT_STREQ(e.msg, "disk 3");
	UT_STREQ(ft_strerror(-FT_ENOMEM), "out of memory");
	UT_EQ(ft_err_set(NULL, FT_EINVAL, "ignored"), -FT_EINVAL);
}

int
main(void)
{
	UT_RUN(mac_addresses_parse_in_every_common_notation);
	UT_RUN(time_arguments_take_durations_dates_and_epoch_seconds);
	UT_RUN(errors_carry_their_code_and_message);
	return UT_DONE();
}
