# airlock: a privilege-separated VFIO passthrough VMM.
#   make          build/airlock, build/airlock-vmm, the test guests
#   make check    unit tests and host integration tests on /dev/kvm
#   make e2e      scenarios in the nested test host (real VFIO)
#   make fuzz     libFuzzer on the parsers, FUZZ_TIME seconds each (clang)
#   make check SANITIZE=1   the same checks with ASan and UBSan, in build/san
#   make lint     shellcheck on every shell script, the build with clang, the systemd units
#   make deps     install the Debian packages all of this needs
#   make deb      a Debian package, build/deb/airlock_VERSION_amd64.deb (broker/debian/)

CC      := gcc
# SANITIZE=1: the broker and the unit tests with ASan and UBSan, built apart.
# The VMM is left as it is: ASan cannot link static, and the VMM runs in an
# empty root where no loader could bring in a shared runtime.
ifeq ($(SANITIZE),1)
BUILD   := build/san
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   := build
endif
# Another compiler (make CC=clang all unit-tests) builds a tree of its own.
ifneq ($(CC),gcc)
BUILD   := $(BUILD)/$(notdir $(CC))
endif

# Debian packages the build and `make check` need; `make deps` installs what is missing
# (sudo and opendoas for the identity tests, which use them in a private /etc).
DEPS    := gcc make libc6-dev binutils libseccomp-dev libcap-ng-dev libcmocka-dev \
           linux-libc-dev pkg-config libpci-dev pci.ids nettle-dev sudo opendoas jq
# And what `make fuzz` needs: clang with its libFuzzer and sanitizer runtimes;
# `make lint`: shellcheck, clang for a second compiler's warnings, systemd
# for systemd-analyze verify.
FUZZ_DEPS := clang libclang-rt-dev
LINT_DEPS := shellcheck clang systemd
# `make deb`: Debian's package tools (debhelper for broker/debian/rules).
DEB_DEPS  := dpkg-dev debhelper build-essential fakeroot

# airlock --version: this number, and the commit the tree was built from.
VERSION := 0.5.0
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $(HARDEN) -Ishared -MMD -MP
# airlock-vmm is static: it runs in an empty root with no loader. The
# broker links libpci (Debian ships it shared only) and the test host
# gets the libraries it needs beside it.
LDSTATIC := -static-pie -Wl,-z,relro,-z,now
LDPIE   := -pie -Wl,-z,relro,-z,now

SHARED_SRC := shared/proto.c shared/log.c
BROKER_SRC := $(sort $(wildcard broker/*.c))
VMM_SRC    := $(filter-out vmm/test-hooks.c,$(sort $(wildcard vmm/*.c)))

obj      = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
obj-test = $(patsubst %.c,$(BUILD)/obj-test/%.o,$(1))
# The broker's and the unit tests' objects: sanitized ones of their own with SANITIZE=1.
obj-san  = $(patsubst %.c,$(BUILD)/obj$(if $(SAN),-san)/%.o,$(1))

SECCOMP_GEN := $(BUILD)/gen/seccomp-allowlist.h
GUESTS      := $(BUILD)/guest/hello.elf $(BUILD)/guest/idle.elf $(BUILD)/guest/sigsys.elf \
               $(BUILD)/guest/echo.elf $(BUILD)/guest/reset.elf $(BUILD)/guest/triple.elf \
               $(BUILD)/guest/button.elf $(BUILD)/guest/longout.elf
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps fuzz-deps lint-deps deb-deps lint check unit-tests fuzz deb clean
all: $(BUILD)/airlock $(BUILD)/airlock-vmm $(GUESTS) $(BUILD)/test/airlock $(BUILD)/test/airlock-vmm \
     $(BUILD)/fake/airlock $(BUILD)/fake/airlock-vmm $(BUILD)/host/at-exit

# Install whichever of the Debian packages $(1) are missing.
define apt-install
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make $@: installing" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt-install,$(DEPS))

# After deps: two apt-get runs at once would fight over dpkg's lock.
fuzz-deps: deps
	$(call apt-install,$(FUZZ_DEPS))

lint-deps: deps
	$(call apt-install,$(LINT_DEPS))

deb-deps: deps
	$(call apt-install,$(DEB_DEPS))

# Every shell script through shellcheck, the systemd units through
# systemd-analyze verify, and the whole build through clang with -Werror
# (its own tree, build/clang).
lint: lint-deps
	tests/lint-shell.sh
	@$(MAKE) --no-print-directory lint-units
	@$(MAKE) --no-print-directory CC=clang all unit-tests

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj-test/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DAIRLOCK_TEST_HOOKS -I$(BUILD)/gen -c -o $@ $<

$(BUILD)/obj-san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c -o $@ $<
# Kept: with SANITIZE=1 some are only ever made on the way to a unit test.
.PRECIOUS: $(BUILD)/obj-san/%.o

$(call obj-san,broker/main.c): CFLAGS += -DAIRLOCK_VERSION='"$(VERSION)"' -DAIRLOCK_COMMIT='"$(COMMIT)"'
# A new commit is a new --version line.
$(call obj-san,broker/main.c): $(wildcard .git/HEAD .git/index)
$(call obj,vmm/syscall-filter.c) $(call obj-san,vmm/syscall-filter.c): CFLAGS += -I$(BUILD)/gen
$(call obj,vmm/syscall-filter.c) $(call obj-san,vmm/syscall-filter.c) $(call obj-test,vmm/syscall-filter.c): $(SECCOMP_GEN)

$(SECCOMP_GEN): policy/vmm-seccomp.allow vmm/seccomp-gen.awk
	@mkdir -p $(@D)
	awk -f vmm/seccomp-gen.awk $< > $@.tmp && mv $@.tmp $@

# `make debug`: build/debug/airlock beside an airlock-vmm whose filter names
# the call it denies on stderr and exits 159 instead of dying silently: for
# allowlist work, never the default build.
SECCOMP_NAMES := $(BUILD)/gen/syscall-names.h
SECCOMP_DEBUG := $(BUILD)/obj-debug/vmm/syscall-filter.o

$(SECCOMP_NAMES):
	@mkdir -p $(@D)
	echo '#include <asm/unistd_64.h>' | $(CC) -E -dM -x c - | \
		awk '$$2 ~ /^__NR_/ { printf "\t[%s] = \"%s\",\n", $$3, substr($$2, 6) }' > $@.tmp && mv $@.tmp $@

$(SECCOMP_DEBUG): vmm/syscall-filter.c $(SECCOMP_GEN) $(SECCOMP_NAMES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DAIRLOCK_SECCOMP_DEBUG -I$(BUILD)/gen -c -o $@ $<

$(BUILD)/debug/airlock-vmm: $(call obj,$(filter-out vmm/syscall-filter.c,$(VMM_SRC)) $(SHARED_SRC)) $(SECCOMP_DEBUG)
	@mkdir -p $(@D)
	$(CC) $(LDSTATIC) -o $@ $^ -lseccomp -lpthread

$(BUILD)/debug/airlock: $(BUILD)/airlock
	@mkdir -p $(@D)
	cp $< $@

.PHONY: debug
debug: $(BUILD)/debug/airlock $(BUILD)/debug/airlock-vmm

$(BUILD)/airlock: $(call obj-san,$(BROKER_SRC) $(SHARED_SRC))
	$(CC) $(SAN) $(LDPIE) -o $@ $^ -lcap-ng -lpci -lnettle

$(BUILD)/airlock-vmm: $(call obj,$(VMM_SRC) $(SHARED_SRC))
	$(CC) $(LDSTATIC) -o $@ $^ -lseccomp -lpthread

# The test build: the same broker beside a VMM with test hooks (vmm/test-hooks.h);
# the fake build: the same broker beside a fake VMM that breaks the protocol
# on purpose (tests/host/fake-vmm.c), static too, for the sandbox's empty root.
$(BUILD)/test/airlock $(BUILD)/fake/airlock: $(BUILD)/airlock
	@mkdir -p $(@D)
	cp $< $@

$(BUILD)/test/airlock-vmm: $(call obj-test,$(VMM_SRC) vmm/test-hooks.c $(SHARED_SRC))
	@mkdir -p $(@D)
	$(CC) $(LDSTATIC) -o $@ $^ -lseccomp -lpthread

$(BUILD)/fake/airlock-vmm: $(call obj,tests/host/fake-vmm.c $(SHARED_SRC))
	@mkdir -p $(@D)
	$(CC) $(LDSTATIC) -o $@ $^

# What a process still holds as it exits (tests/host/at-exit.c).
$(BUILD)/host/at-exit: $(call obj,tests/host/at-exit.c shared/log.c)
	@mkdir -p $(@D)
	$(CC) $(LDPIE) -o $@ $^

$(BUILD)/guest/hello.elf:  GUEST := -DGUEST_HELLO
$(BUILD)/guest/idle.elf:   GUEST := -DGUEST_IDLE
$(BUILD)/guest/sigsys.elf: GUEST := -DGUEST_SIGSYS
$(BUILD)/guest/echo.elf:   GUEST := -DGUEST_ECHO
$(BUILD)/guest/reset.elf:  GUEST := -DGUEST_RESET
$(BUILD)/guest/triple.elf: GUEST := -DGUEST_TRIPLE
$(BUILD)/guest/button.elf: GUEST := -DGUEST_BUTTON
$(BUILD)/guest/longout.elf: GUEST := -DGUEST_LONGOUT
$(BUILD)/guest/%.elf: tests/guest/guest.S tests/guest/guest.ld
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
		-Wl,-T,tests/guest/guest.ld $(GUEST) -o $@ $<

# Unit tests link each side as a static library (all of it but main.c):
# the linker takes only the members a test needs, and a fake the test
# file defines comes first. The sanitized flavour under SANITIZE=1, but
# for TEST_NOSAN tests.
LIB_SRC_broker := $(filter-out broker/main.c,$(BROKER_SRC))
LIB_SRC_vmm    := $(filter-out vmm/main.c,$(VMM_SRC))
LIB_SRC_shared := $(SHARED_SRC)
LIBS       := broker vmm shared
LIBS_PLAIN := $(foreach l,$(LIBS),$(BUILD)/lib/lib$(l).a)
LIBS_SAN   := $(if $(SAN),$(foreach l,$(LIBS),$(BUILD)/lib-san/lib$(l).a),$(LIBS_PLAIN))
TEST_LIBS  := -lcmocka -lpthread -lnettle -lpci -lcap-ng -lseccomp

.SECONDEXPANSION:
$(BUILD)/lib/lib%.a: $$(call obj,$$(LIB_SRC_$$*))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/lib-san/lib%.a: $$(call obj-san,$$(LIB_SRC_$$*))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
# Kept: made only on the way to the unit tests, they are not to be rebuilt each time.
.PRECIOUS: $(BUILD)/lib/lib%.a $(BUILD)/lib-san/lib%.a

# The filter as build/airlock-vmm has it, and the debug build's; never sanitized
# (TEST_NOSAN): the sanitizers' runtime makes calls the filter forbids.
TEST_NOSAN_test_seccomp := 1
TEST_NOSAN_test_seccomp_debug := 1
$(BUILD)/tests/test_seccomp: CFLAGS += -I$(BUILD)/gen
$(BUILD)/tests/test_seccomp: $(SECCOMP_NAMES)
TEST_OBJ_test_seccomp_debug := $(SECCOMP_DEBUG)
$(BUILD)/tests/test_seccomp_debug: $(SECCOMP_DEBUG)

test-libs = $(if $(TEST_NOSAN_$(1)),$(LIBS_PLAIN),$(LIBS_SAN))

$(BUILD)/tests/%: tests/unit/%.c $$(TEST_OBJ_$$*) $$(call test-libs,$$*)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(if $(TEST_NOSAN_$*),,$(SAN)) -Ibroker -Ivmm $(LDPIE) -o $@ $< $(TEST_OBJ_$*) \
		-Wl,--start-group $(call test-libs,$*) -Wl,--end-group $(TEST_LIBS)

unit-tests: $(UNIT_TESTS)

# The test commands install what they need first; a build never does
# (deps queries dpkg, and would make every object out of date).
check: deps
	@$(MAKE) --no-print-directory all unit-tests
	@BUILD=$(BUILD) tests/run-check.sh $(UNIT_TESTS)

# Fuzz targets: clang's libFuzzer with ASan and UBSan, over the objects each names.
FUZZ_TIME   := 60
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -Ishared -Ibroker -Ivmm \
               -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_OBJ_fuzz_ipc       := broker/monitor.c broker/counters.c broker/json.c shared/proto.c shared/log.c
FUZZ_OBJ_fuzz_policy    := broker/policy.c broker/conffile.c broker/subject.c broker/pcifilter.c broker/pciaddr.c broker/size.c shared/log.c
FUZZ_OBJ_fuzz_cli       := broker/cli.c broker/conffile.c broker/pcifilter.c broker/pciaddr.c broker/size.c shared/log.c
FUZZ_OBJ_fuzz_bootimage := vmm/pvh.c vmm/bzimage.c vmm/e820.c shared/log.c
FUZZ_OBJ_fuzz_pcie      := vmm/pcie.c vmm/vfio-pci.c vmm/vfio-pci-irq.c vmm/pci.c vmm/msi.c vmm/msix.c vmm/count.c shared/proto.c
FUZZERS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
obj-fuzz  = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
.PRECIOUS: $(BUILD)/fuzz/obj/%.o

$(BUILD)/fuzz/%: tests/fuzz/%.c $$(call obj-fuzz,$$(FUZZ_OBJ_%))
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(call obj-fuzz,$(FUZZ_OBJ_$*)) -lnettle

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZERS)
	@FUZZ_TIME=$(FUZZ_TIME) BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZERS)

# make install [PREFIX=/usr/local] [DESTDIR=...]: the broker and the VMM
# side by side in PREFIX/libexec/airlock (the broker runs the airlock-vmm
# beside its own binary, and only a root-owned one), PREFIX/bin/airlock a
# link to it; the man pages, the example policy, bash completion. No
# policy is installed: without one, nothing may be assigned.
PREFIX     := /usr/local
LIBEXECDIR  = $(PREFIX)/libexec/airlock
UNITDIR     = $(PREFIX)/lib/systemd/system
UNITS      := airlock@.service airlock-bind.service
EXAMPLES   := policy/policy.conf.example policy/vm.conf.example policy/bind.conf.example
INSTALLED   = $(PREFIX)/bin/airlock $(LIBEXECDIR)/airlock $(LIBEXECDIR)/airlock-vmm \
              $(PREFIX)/share/man/man8/airlock.8 $(PREFIX)/share/man/man5/airlock-policy.5 \
              $(addprefix $(PREFIX)/share/doc/airlock/,$(notdir $(EXAMPLES))) \
              $(addprefix $(UNITDIR)/,$(UNITS)) \
              $(PREFIX)/share/bash-completion/completions/airlock

# The systemd units (broker/) into the directory $(2), with $(1) where airlock is.
define install-units
	for u in $(UNITS); do sed 's|@BINDIR@|$(1)|g' broker/$$u > $(2)/$$u && chmod 0644 $(2)/$$u || exit 1; done
endef
.PHONY: install uninstall
install: $(BUILD)/airlock $(BUILD)/airlock-vmm
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/doc/airlock \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/airlock $(BUILD)/airlock-vmm $(DESTDIR)$(LIBEXECDIR)/
	ln -sfn ../libexec/airlock/airlock $(DESTDIR)$(PREFIX)/bin/airlock
	install -m 0644 docs/airlock.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 docs/airlock-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(PREFIX)/share/doc/airlock/
	install -m 0644 broker/airlock-completion.sh $(DESTDIR)$(PREFIX)/share/bash-completion/completions/airlock
	$(call install-units,$(PREFIX)/bin,$(DESTDIR)$(UNITDIR))

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(PREFIX)/share/doc/airlock 2>/dev/null

# The units as make install writes them, pointed at this build's airlock
# (systemd-analyze verify wants the binary there), the VM's as an instance
# (a template alone is not checked whole). A warning fails too: verify
# exits 0 on an unknown key. --man=no: airlock(8) is not installed here.
.PHONY: lint-units
lint-units: $(BUILD)/airlock
	rm -rf $(BUILD)/units && mkdir -p $(BUILD)/units
	$(call install-units,$(CURDIR)/$(BUILD),$(BUILD)/units)
	cd $(BUILD)/units && mv airlock@.service airlock@lint.service && \
		out=$$(systemd-analyze verify --man=no ./airlock-bind.service ./airlock@lint.service 2>&1) && \
		[ -z "$$out" ] || { echo "$$out"; echo "make lint-units: systemd-analyze verify found fault with broker/*.service"; exit 1; }

# make deb: a Debian package built by Debian's own tools (dpkg-buildpackage,
# debhelper) from a copy of the source tree in build/deb/airlock-VERSION/:
# the files git tracks and the new ones it does not ignore, as they are in
# the working tree, so uncommitted changes are built too. The packaging is
# broker/debian/ (the tree has no top-level debian/): the copy gets it as
# its debian/, and the commit for --version in debian/commit (the copy has
# no .git). The package, and its -dbgsym, land in build/deb/.
DEB_DIR := build/deb
DEB_SRC  = $(DEB_DIR)/airlock-$(VERSION)
deb: deb-deps
	@v=$$(dpkg-parsechangelog -l broker/debian/changelog -S Version) && [ "$$v" = "$(VERSION)" ] || { \
		echo "make deb: broker/debian/changelog is at version $$v, the Makefile's VERSION is $(VERSION): add an entry for $(VERSION) at the top of broker/debian/changelog"; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	git ls-files -z --cached --others --exclude-standard > $(DEB_DIR)/files
	xargs -0 sh -c 'for f; do if [ -e "$$f" ] || [ -L "$$f" ]; then printf "%s\0" "$$f"; fi; done' sh < $(DEB_DIR)/files | \
		tar --null -T - -cf - | tar -xf - -C $(DEB_SRC)
	cp -R broker/debian $(DEB_SRC)/debian
	echo $(COMMIT) > $(DEB_SRC)/debian/commit
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b -Jauto
	@ls -l $(DEB_DIR)/*deb

clean:
	rm -rf $(BUILD)

-include tests/testhost/testhost.mk
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
