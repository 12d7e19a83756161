/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * scenario-run: run scenario files (docs/scenarios.md) and print each
 * file's result and a total "N passed, M failed" line. Exit status 0 only
 * if every check of every file passed.
 *
 *   scenario-run [-v] [-t] [-s SEED] FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario/scenario.h"

static void usage(void)
{
	fprintf(stderr, "usage: scenario-run [-v] [-t] [-s SEED] FILE...\n"
			"  -v  print passing checks and the machine report\n"
			"  -t  trace every guest SMC\n"
			"  -s  seed of the stage-2 shuffle and the model (default 1)\n");
}

int main(int argc, char **argv)
{
	struct scenario_opts opts;
	unsigned passed = 0, failed = 0, files_failed = 0;
	int c, i;

	scenario_opts_default(&opts);
	while ((c = getopt(argc, argv, "vts:h")) != -1) {
		switch (c) {
		case 'v':
			opts.verbose = 1;
			break;
		case 't':
			opts.trace = 1;
			break;
		case 's':
			opts.seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind == argc) {
		usage();
		return 2;
	}
	for (i = optind; i < argc; i++) {
		struct scenario_counts n;

		if (scenario_run_file_counts(&opts, argv[i], stdout, &n))
			files_failed++;
		passed += n.passed;
		failed += n.failed;
		fflush(stdout);
	}
	printf("scenario files: %d run, %u failed\n", argc - optind, files_failed);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
