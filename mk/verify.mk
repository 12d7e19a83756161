# Model checking of the core's call life cycle and domain destruction with
# spin: verify/teemed_calls.pml (what it models and proves is in its header),
# run by verify/run-spin.sh: two safety configurations, one liveness check
# (destroy terminates, weak fairness) and five seeded-bug variants that spin
# must reject. Each check is one pass or fail; under a minute in all.

SPIN_MODEL  := verify/teemed_calls.pml
SPIN_OUTDIR := $(BUILD)/verify

.PHONY: suite-spin spin
SUITES += spin
suite-spin spin: $(SPIN_MODEL) verify/run-spin.sh
	@bash verify/run-spin.sh $(SPIN_OUTDIR)
