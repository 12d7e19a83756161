/* SPDX-License-Identifier: BSD-2-Clause */
#include "harness.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TESTS 512
/* Seconds a single test may run before the runner gives up on the suite. */
#define TEST_TIMEOUT_S 20

struct test_entry {
	const char *name;
	const char *file;
	test_fn fn;
};

static struct test_entry tests[MAX_TESTS];
static int ntests;
static atomic_int cur_failures;
static const char *cur_name = "";
static jmp_buf cur_jmp;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*hook_before)(void);
static void (*hook_after)(bool);
static int passed, failed;
int test_verbose;

void test_register(const char *name, test_fn fn, const char *file)
{
	if (ntests >= MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	tests[ntests].file = file;
	ntests++;
}

void harness_set_hooks(void (*before)(void), void (*after)(bool completed))
{
	hook_before = before;
	hook_after = after;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&cur_failures, 1);
	pthread_mutex_lock(&print_lock);
	printf("  %s:%d: [%s] ", file, line, cur_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

_Noreturn void test_abort(void)
{
	longjmp(cur_jmp, 1);
}

bool test_failed(void)
{
	return atomic_load(&cur_failures) != 0;
}

const char *test_name(void)
{
	return cur_name;
}

/* A hung or crashed test still ends the output with the summary line. */
static void on_fatal(int sig)
{
	char buf[320];
	int n;

	n = snprintf(buf, sizeof(buf), "  %s (signal %d) in %s\nFAIL %s\n%d passed, %d failed\n",
		     sig == SIGALRM ? "TIMEOUT" : "CRASH", sig, cur_name, cur_name, passed,
		     failed + 1);
	if (n > 0)
		(void)!write(1, buf, (size_t)n);
	_exit(1);
}

/* Sanitizer runtimes (when linked) call this before they exit on a report. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void on_sanitizer_death(void)
{
	printf("  SANITIZER report in %s\nFAIL %s\n%d passed, %d failed\n", cur_name, cur_name,
	       passed, failed + 1);
	fflush(stdout);
}

static int cmp_tests(const void *a, const void *b)
{
	const struct test_entry *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : strcmp(x->name, y->name);
}

static const char *filter;
static int cur_index;

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			test_verbose = 1;
		else
			filter = argv[i];
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_fatal);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGILL, on_fatal);
	signal(SIGABRT, on_fatal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(on_sanitizer_death);
	qsort(tests, (size_t)ntests, sizeof(tests[0]), cmp_tests);
	for (cur_index = 0; cur_index < ntests; cur_index++) {
		volatile bool completed = false;
		int i = cur_index;

		if (filter && !strstr(tests[i].name, filter))
			continue;
		cur_name = tests[i].name;
		atomic_store(&cur_failures, 0);
		alarm(TEST_TIMEOUT_S);
		if (hook_before)
			hook_before();
		if (!setjmp(cur_jmp)) {
			tests[i].fn();
			completed = true;
		}
		if (hook_after)
			hook_after(completed);
		alarm(0);
		if (atomic_load(&cur_failures)) {
			failed++;
			printf("FAIL %s\n", cur_name);
		} else {
			passed++;
			if (test_verbose)
				printf("ok   %s\n", cur_name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
