/* SPDX-License-Identifier: BSD-2-Clause */
/* teemed-sim's command line. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/sim_run.h"

/* Default shape: three well-behaved guests and the attacker. */
#define SIM_DEFAULT_GUESTS 3u

static const char usage[] =
	"usage: teemed-sim [options]\n"
	"Run guests on the simulated machine: OP-TEE model, teemed mediator, guest\n"
	"drivers; check every result and the isolation oracle; print a summary.\n"
	"\n"
	"  --guests N        well-behaved guests (default 3, at most 16)\n"
	"  --vcpus N         vCPUs per guest (default 2, 3, 4, 2, ...; at most 8)\n"
	"  --iterations N    operations per vCPU (default 500)\n"
	"  --seconds S       run for S seconds instead of a count\n"
	"  --mix LIST        workload kinds with weights, e.g. arith=4,buf=2,sleep=1\n"
	"                    kinds: arith buf shmreg shmalloc storage shmkeep sleep\n"
	"                    devenum panic\n"
	"  --seed S          seed of the workloads, the model and the stage 2 (default 1)\n"
	"  --no-hostile      no attacking guest\n"
	"  --direct          one guest straight to OP-TEE, no mediator\n"
	"  --diff            run the workload direct and mediated and compare every\n"
	"                    result (exit 1 on any difference)\n"
	"  --trace           print every SMC, decoded (guest and mediator side)\n"
	"  --json            machine-readable summary on stdout\n"
	"  --scenario FILE   run a scenario file instead\n"
	"  --verbose         print every wrong result and attack deviation\n"
	"  --help            this text\n"
	"\n"
	"Exit status: 0 when every result was right, no attack deviated, the diff\n"
	"found nothing and, after teardown, isolation violations, leaked pins and\n"
	"leaked allocations are all zero; 1 otherwise; 2 on a usage error.\n";

void sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->guests = SIM_DEFAULT_GUESTS;
	o->hostile = true;
	wl_config_default(&o->wl);
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

enum {
	OPT_GUESTS = 256, OPT_VCPUS, OPT_ITER, OPT_SECONDS, OPT_MIX, OPT_SEED,
	OPT_NO_HOSTILE, OPT_DIRECT, OPT_DIFF, OPT_TRACE, OPT_JSON, OPT_SCENARIO,
	OPT_VERBOSE, OPT_HELP,
};

static const struct option long_opts[] = {
	{ "guests", required_argument, NULL, OPT_GUESTS },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "iterations", required_argument, NULL, OPT_ITER },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "mix", required_argument, NULL, OPT_MIX },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "no-hostile", no_argument, NULL, OPT_NO_HOSTILE },
	{ "direct", no_argument, NULL, OPT_DIRECT },
	{ "diff", no_argument, NULL, OPT_DIFF },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "teemed-sim: bad %s: %s\n%s", what, arg, usage);
	return -1;
}

int sim_opts_parse(struct sim_opts *o, int argc, char **argv)
{
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_GUESTS:
			if (parse_u32(optarg, 1, SIM_MAX_GUESTS, &o->guests))
				return bad("--guests", optarg);
			break;
		case OPT_VCPUS:
			if (parse_u32(optarg, 1, SIM_MAX_VCPUS, &o->vcpus))
				return bad("--vcpus", optarg);
			break;
		case OPT_ITER:
			if (parse_u32(optarg, 1, 10000000, &o->wl.iterations))
				return bad("--iterations", optarg);
			o->seconds = 0;
			break;
		case OPT_SECONDS:
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds <= 3600))
				return bad("--seconds", optarg);
			break;
		case OPT_MIX:
			if (wl_parse_mix(&o->wl, optarg))
				return bad("--mix", optarg);
			break;
		case OPT_SEED:
			errno = 0;
			o->wl.seed = strtoull(optarg, &end, 0);
			if (errno || *end)
				return bad("--seed", optarg);
			break;
		case OPT_NO_HOSTILE:
			o->hostile = false;
			break;
		case OPT_DIRECT:
			o->direct = true;
			break;
		case OPT_DIFF:
			o->diff = true;
			break;
		case OPT_TRACE:
			o->trace = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_SCENARIO:
			o->scenario = optarg;
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind]);
	if (o->direct && o->diff)
		return bad("options", "--direct and --diff exclude each other");
	/* The differential check compares counts of operations: no timed runs. */
	if (o->diff && o->seconds)
		return bad("options", "--diff needs --iterations, not --seconds");
	if (o->direct || o->diff)
		o->guests = 1;
	o->wl.iterations = o->seconds ? 0 : o->wl.iterations;
	o->wl.keep_records = o->diff;
	o->wl.verbose = o->verbose;
	o->progress = isatty(STDERR_FILENO) && !o->trace && !o->json;
	return 0;
}
