/* test_eal_args.c: the EAL defaults mediaplane adds (no PCI, file prefix, hugepage fallback, lcores, TAP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "eal_args.h"
#include "mp_error.h"

static int has(const struct mp_eal_args *a, const char *s)
{
	for (int i = 0; i < a->argc; i++)
		if (!strcmp(a->argv[i], s))
			return 1;
	return 0;
}

static struct mp_eal_facts facts(unsigned long huge, int ncpu)
{
	struct mp_eal_facts f;

	memset(&f, 0, sizeof(f));
	f.hugepages_free = huge;
	f.n_cpus = ncpu;
	for (int i = 0; i < ncpu; i++)
		f.cpus[i] = i;
	f.pid = 4242;
	return f;
}

static void no_options_give_no_pci_prefix_nohuge_lcores_and_tap(void **state)
{
	struct mp_eal_facts f = facts(0, 2);
	struct mp_eal_args a;

	(void)state;
	assert_int_equal(mp_eal_args_build(0, NULL, &f, 1, "mp0", NULL, &a), MP_OK);
	assert_string_equal(a.argv[0], "mediaplane");
	assert_true(has(&a, "--no-pci"));
	assert_true(has(&a, "--file-prefix=mediaplane-4242"));
	assert_string_equal(a.file_prefix, "mediaplane-4242");
	assert_true(has(&a, "--no-huge"));
	assert_true(has(&a, "--no-shconf"));
	assert_true(has(&a, "-m"));
	assert_false(has(&a, "--in-memory"));
	assert_true(a.no_huge);
	assert_true(has(&a, "-l"));
	assert_true(has(&a, "0,1"));
	assert_true(has(&a, "--vdev=net_tap0,iface=mp0"));
	assert_null(a.argv[a.argc]);
}

static void reserved_hugepages_are_used_in_memory(void **state)
{
	struct mp_eal_facts f = facts(512, 4);
	struct mp_eal_args a;

	(void)state;
	assert_int_equal(mp_eal_args_build(0, NULL, &f, 2, NULL, NULL, &a), MP_OK);
	assert_true(has(&a, "--in-memory"));
	assert_false(has(&a, "--no-huge"));
	assert_false(a.no_huge);
	assert_true(has(&a, "0,1,2"));
	assert_false(a.added_tap);
}

static void too_few_free_hugepages_fall_back_to_no_huge(void **state)
{
	/* Another process holds most of the reserved pages: 100 x 2 MB free would not hold the tables. */
	struct mp_eal_facts f = facts(100, 2);
	struct mp_eal_args a;

	(void)state;
	f.hugepage_kb = 2048;
	assert_int_equal(mp_eal_args_build(0, NULL, &f, 1, "mp0", NULL, &a), MP_OK);
	assert_true(has(&a, "--no-huge"));
	assert_false(has(&a, "--in-memory"));
	assert_true(a.no_huge);
	assert_int_equal(a.huge_free_mb, 200);
	/* one free 1 GB page is enough */
	f = facts(1, 2);
	f.hugepage_kb = 1048576;
	assert_int_equal(mp_eal_args_build(0, NULL, &f, 1, "mp0", NULL, &a), MP_OK);
	assert_true(has(&a, "--in-memory"));
	assert_false(a.no_huge);
}

static void operator_options_are_kept_and_not_doubled(void **state)
{
	char *user[] = { "-a", "0000:03:00.0", "--file-prefix=edge1", "-m", "2048", "-l", "2-5", "--log-level=debug" };
	struct mp_eal_facts f = facts(0, 8);
	struct mp_eal_args a;

	(void)state;
	assert_int_equal(mp_eal_args_build(8, user, &f, 3, NULL, NULL, &a), MP_OK);
	assert_false(has(&a, "--no-pci"));
	assert_false(has(&a, "--no-huge"));
	assert_false(has(&a, "--in-memory"));
	assert_false(has(&a, "--log-level=*:notice"));
	assert_string_equal(a.file_prefix, "edge1");
	assert_int_equal(a.argc, 9);
}

static void separate_file_prefix_argument_is_understood(void **state)
{
	char *user[] = { "--file-prefix", "pop7" };
	struct mp_eal_facts f = facts(0, 2);
	struct mp_eal_args a;

	(void)state;
	assert_int_equal(mp_eal_args_build(2, user, &f, 1, NULL, NULL, &a), MP_OK);
	assert_string_equal(a.file_prefix, "pop7");
	assert_false(has(&a, "--file-prefix=mediaplane-4242"));
}

static void fewer_cpus_than_lcores_float_lcores(void **state)
{
	struct mp_eal_facts f = facts(0, 1);
	struct mp_eal_args a;

	(void)state;
	assert_int_equal(mp_eal_args_build(0, NULL, &f, 2, NULL, NULL, &a), MP_OK);
	assert_true(a.lcores_shared);
	assert_true(has(&a, "--lcores=(0-2)@(0)"));
}

static void too_many_arguments_are_refused(void **state)
{
	char *user[200];
	struct mp_eal_facts f = facts(0, 2);
	struct mp_eal_args a;

	(void)state;
	for (int i = 0; i < 200; i++)
		user[i] = "--vdev=net_null0";
	assert_int_equal(mp_eal_args_build(200, user, &f, 1, NULL, NULL, &a), MP_ERR_TOOLONG);
}

static void configured_pci_ports_are_allowed_instead_of_no_pci(void **state)
{
	const char *ports[] = { "0000:03:00.0", "", "net_af_packet0", "81:00.1", NULL };
	char *user_block[] = { "-b", "0000:00:1f.6" };
	struct mp_eal_facts f = facts(0, 2);
	struct mp_eal_args a;

	(void)state;
	assert_int_equal(mp_eal_args_build(0, NULL, &f, 1, NULL, ports, &a), MP_OK);
	assert_false(has(&a, "--no-pci"));
	assert_true(has(&a, "0000:03:00.0"));
	assert_true(has(&a, "81:00.1"));
	assert_false(has(&a, "net_af_packet0"));
	/* The operator's own -a/-b wins: nothing is added. */
	assert_int_equal(mp_eal_args_build(2, user_block, &f, 1, NULL, ports, &a), MP_OK);
	assert_false(has(&a, "-a"));
	assert_false(has(&a, "--no-pci"));
	assert_true(mp_eal_is_pci_addr("0000:af:00.7"));
	assert_false(mp_eal_is_pci_addr("0000:af:00.x"));
	assert_false(mp_eal_is_pci_addr("net_tap0"));
	assert_false(mp_eal_is_pci_addr("0000:03:00.0 "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_options_give_no_pci_prefix_nohuge_lcores_and_tap),
		cmocka_unit_test(reserved_hugepages_are_used_in_memory),
		cmocka_unit_test(too_few_free_hugepages_fall_back_to_no_huge),
		cmocka_unit_test(operator_options_are_kept_and_not_doubled),
		cmocka_unit_test(separate_file_prefix_argument_is_understood),
		cmocka_unit_test(fewer_cpus_than_lcores_float_lcores),
		cmocka_unit_test(too_many_arguments_are_refused),
		cmocka_unit_test(configured_pci_ports_are_allowed_instead_of_no_pci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
