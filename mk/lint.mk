# Static analysis of the mediator core: clang-tidy and cppcheck, both clean.

LINT_TIDY_CHECKS := -*,bugprone-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.*,\
-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,\
-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition

.PHONY: lint
lint:
	@echo "clang-tidy src/"
	@clang-tidy --quiet --warnings-as-errors='*' --checks='$(LINT_TIDY_CHECKS)' $(CORE_SRCS) -- \
		-std=c11 -ffreestanding -Iinclude 2>&1 | grep -v "warnings generated" ; \
		test $${PIPESTATUS[0]} -eq 0
	@echo "cppcheck src/"
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--std=c11 --inline-suppr -Iinclude --suppress=missingIncludeSystem $(CORE_SRCS)
	@echo "lint: clean"

SUITES += lint
suite-lint:
	@if $(MAKE) --no-print-directory -s lint; then echo "1 passed, 0 failed"; \
	else echo "0 passed, 1 failed"; exit 1; fi
