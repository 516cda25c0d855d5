# The nested test host: `include tests/testhost/testhost.mk` from the
# top-level Makefile, which provides `all`, `check` and `deps`.
#
#   make e2e                      all scenarios; ends with "N passed, N failed"
#   make e2e SCENARIO=tiny-guest  only these (comma-separated names or paths)
#   make e2e DEVICES=edu,nvme     attach only these devices (devices.conf)
#   make demo                     boot the test host and show airlock at work
#   make testhost-selftest        the runner's own tests, no QEMU needed
#   make bench                    the benchmark suite (docs/performance.md): figures, never a failure
#                                 on a slow machine; results in build/bench/
#
# Logs go to build/testhost/logs/; the kernel package is cached in
# build/testhost/cache/.

TESTHOST_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TESTHOST_ARGS = $(strip $(if $(SCENARIO),--scenario '$(SCENARIO)') \
	$(if $(DEVICES),--devices '$(DEVICES)') \
	$(if $(filter 1,$(V)),--verbose))

.PHONY: e2e demo bench testhost-deps testhost-selftest

# After deps: two apt-get runs at once would fight over dpkg's lock.
testhost-deps: deps
	$(TESTHOST_DIR)/run.sh --deps

# `make check e2e`: the test host after make check, and at the end the
# number of tests both ran, to compare machines that run a tier in different places.
ifneq ($(filter check,$(MAKECMDGOALS)),)
e2e: check
endif

e2e: testhost-deps
	@$(MAKE) --no-print-directory all
	@status=0; RESULTS=$(BUILD)/results $(TESTHOST_DIR)/run.sh $(TESTHOST_ARGS) || status=$$?; \
	$(if $(filter check,$(MAKECMDGOALS)),tests/total.sh $(BUILD)/results check e2e || status=1;) \
	exit $$status

demo: testhost-deps
	@$(MAKE) --no-print-directory all
	$(TESTHOST_DIR)/run.sh --demo $(if $(DEVICES),--devices '$(DEVICES)')

bench: testhost-deps
	@$(MAKE) --no-print-directory all
	$(TESTHOST_DIR)/bench.sh

testhost-selftest:
	$(TESTHOST_DIR)/selftest.sh
