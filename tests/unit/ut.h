/* ut.h: a tiny unit-test harness: "ok - name" lines and a count */
#ifndef UT_H
#define UT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int ut_failed_now;	/* failures in the running case */
static int ut_pass, ut_fail;	/* cases passed and failed */

#define UT_FAILF(...)                                                   \
	do {                                                            \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);       \
		fprintf(stderr, __VA_ARGS__);                           \
		fputc('\n', stderr);                                    \
		ut_failed_now++;                                        \
	} while (0)

#define UT_ASSERT(c)                                                    \
	do {                                                            \
		if (!(c))                                               \
			UT_FAILF("assertion failed: %s", #c);           \
	} while (0)

#define UT_EQ(a, b)                                                     \
	do {                                                            \
		long long ut_a_ = (long long)(a), ut_b_ = (long long)(b); \
		if (ut_a_ != ut_b_)                                     \
			UT_FAILF("%s == %lld, expected %s == %lld", #a, \
			    ut_a_, #b, ut_b_);                          \
	} while (0)

#define UT_STREQ(a, b)                                                  \
	do {                                                            \
		const char *ut_a_ = (a), *ut_b_ = (b);                  \
		if (!ut_a_ || !ut_b_ || strcmp(ut_a_, ut_b_) != 0)      \
			UT_FAILF("%s == \"%s\", expected \"%s\"", #a,   \
			    ut_a_ ? ut_a_ : "(null)",                   \
			    ut_b_ ? ut_b_ : "(null)");                  \
	} while (0)

#define UT_RUN(fn)                                                      \
	do {                                                            \
		ut_failed_now = 0;                                      \
		fn();                                                   \
		if (ut_failed_now) {                                    \
			ut_fail++;                                      \
			printf("not ok - %s\n", #fn);                   \
		} else {                                                \
			ut_pass++;                                      \
			printf("ok - %s\n", #fn);                       \
		}                                                       \
		fflush(stdout);                                         \
	} while (0)

#define UT_DONE()                                                       \
	(printf("%d passed, %d failed\n", ut_pass, ut_fail), ut_fail ? 1 : 0)

#endif
