/*
 * Shared scaffolding for the Check unit-test programs: test cases built
 * from a list of tests, running a suite into the process exit status (the
 * body of every main()), and locating the reference files in data/.
 */
#ifndef VESSEL_TESTS_UNIT_TEST_H
#define VESSEL_TESTS_UNIT_TEST_H

#include <check.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Run every test of s (Check frees s with the runner); EXIT_FAILURE if any failed. */
static inline int unit_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A NULL-terminated list of START_TEST names, for unit_tcase/unit_add_tests. */
#define UNIT_TESTS(...) ((const TTest *const[]){ __VA_ARGS__, NULL })

/* Add every test of the NULL-terminated list (may be NULL) to tc, in order. */
static inline void unit_add_tests(TCase *tc, const TTest *const *tests)
{
    for (; tests && *tests; tests++)
        tcase_add_test(tc, *tests);
}

/* A test case `name` added to s, with the checked fixture setup/teardown
 * (either may be NULL) and the listed tests; returned for further settings. */
static inline TCase *unit_tcase(Suite *s, const char *name, void (*setup)(void),
                                void (*teardown)(void), const TTest *const *tests)
{
    TCase *tc = tcase_create(name);
    if (setup || teardown)
        tcase_add_checked_fixture(tc, setup, teardown);
    unit_add_tests(tc, tests);
    suite_add_tcase(s, tc);
    return tc;
}

/* Run a suite `suite` of the single test case unit_tcase would build; the
 * exit status of unit_run_suite. */
static inline int unit_run_tcase(const char *suite, const char *name, void (*setup)(void),
                                 void (*teardown)(void), const TTest *const *tests)
{
    Suite *s = suite_create(suite);
    unit_tcase(s, name, setup, teardown, tests);
    return unit_run_suite(s);
}

/* tests/unit/data/NAME: next to this header (__FILE__ is relative to the
 * build directory when meson runs the test), else relative to the
 * executable (BUILD/tests/unit/test-x, BUILD inside the source tree).
 * The result lives in a static buffer until the next call. */
static inline const char *unit_data_path(const char *name)
{
    static char path[4096];
    char file[4096], exe[4096];
    snprintf(file, sizeof(file), "%s", __FILE__);
    snprintf(path, sizeof(path), "%s/data/%s", dirname(file), name);
    if (access(path, R_OK) == 0)
        return path;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        snprintf(path, sizeof(path), "%s/../../../tests/unit/data/%s", dirname(exe), name);
    }
    return path;
}

#endif
