// SPDX-License-Identifier: MIT
/* The VMM's threads: started with the small stack thread.h sets. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "thread.h"

static void *stack_size(void *arg)
{
	pthread_attr_t attr;
	size_t *size = arg;

	if (!pthread_getattr_np(pthread_self(), &attr)) {
		pthread_attr_getstacksize(&attr, size);
		pthread_attr_destroy(&attr);
	}
	return arg;
}

static void test_small_stack(void **state)
{
	size_t size = 0;
	pthread_t t;
	void *ret;

	(void)state;
	assert_int_equal(thread__start(&t, stack_size, &size), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_ptr_equal(ret, &size);
	assert_int_equal(size, THREAD_STACK_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
