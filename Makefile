# hrun: a minimal OCI runtime. `make` builds build/hrun and build/hrun-shim.
PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
PKGS := jansson libseccomp libcap libcap-ng
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -lseccomp -lcap -lcap-ng)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g -D_FORTIFY_SOURCE=2
# project flags stay in force when CFLAGS is given on the command line
HR_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) \
	-fstack-protector-strong -fPIE
HR_LDFLAGS := -pie -Wl,-z,relro,-z,now
ALL_CFLAGS = $(HR_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HR_LDFLAGS) $(LDFLAGS)
# hrun and hrun-shim are static-pie when the C library and the dependencies
# have static archives: create/run/exec re-execute hrun from a sealed copy
# (runtime/self_exe.c), and a static binary skips the dynamic loader and
# its library opens both times (docs/benchmarks.md). HR_STATIC=0 links
# them dynamically; sanitizer builds always are.
HR_STATIC ?= auto
ifeq ($(HR_STATIC),auto)
HR_STATIC := $(if $(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),0,$(if \
	$(strip $(foreach a,libc.a libjansson.a libseccomp.a libcap.a libcap-ng.a, \
	$(if $(filter /%,$(shell $(CC) -print-file-name=$(a))),,$(a)))),0,1))
endif
# -static-pie replaces -pie: clang rejects the pair (unused argument)
BIN_LDFLAGS = $(if $(filter 1,$(HR_STATIC)),$(filter-out -pie,$(ALL_LDFLAGS)) -static-pie,$(ALL_LDFLAGS))
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

RUNTIME_SRC := $(filter-out runtime/main.c,$(wildcard runtime/*.c))
RUNTIME_ASM := $(wildcard runtime/*.S)
SHIM_SRC := $(filter-out shim/main.c,$(wildcard shim/*.c))
UNIT_SRC := $(wildcard tests/unit/*.c)

OBJ = $(patsubst %.c,$(BUILD)/%.o,$(RUNTIME_SRC) $(SHIM_SRC)) \
	$(patsubst %.S,$(BUILD)/%.o,$(RUNTIME_ASM))
DEPS = $(patsubst %.o,%.d,$(OBJ))

.PHONY: all asan check unit integration install format lint clean demo bench
all: $(BUILD)/hrun $(BUILD)/hrun-shim $(BUILD)/recvtty $(BUILD)/probe

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libhrun.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/hrun: $(BUILD)/runtime/main.o $(BUILD)/libhrun.a
	$(CC) $(ALL_CFLAGS) $(BIN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# last place hrun looks for hrun-shim (after $$HRUN_SHIM, its own dir, PATH)
$(BUILD)/runtime/monitor_launch.o: HR_CFLAGS += \
	-DHR_SHIM_INSTALL_PATH='"$(PREFIX)/bin/hrun-shim"'

$(BUILD)/hrun-shim: $(BUILD)/shim/main.o $(BUILD)/libhrun.a
	$(CC) $(ALL_CFLAGS) $(BIN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# test helper: receives the pty master sent to --console-socket
$(BUILD)/recvtty: tests/helpers/recvtty.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# test helper: a static syscall probe copied into test rootfs (41-escapes.sh);
# no sanitizer or PIE flags, it must run alone in a busybox image
$(BUILD)/probe: tests/probe/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

# bench helper: static workloads (spin, alloc, forks, O_DIRECT I/O) run in
# busybox bundles by integration/bench/
$(BUILD)/benchload: tests/helpers/benchload.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -pthread \
		-o $@ $<

# lifecycle and enforcement benchmarks against crun and runc, in the VM;
# results in build/bench/ (docs/benchmarks.md). QUICK=1: a short run.
bench: all $(BUILD)/benchload
	HRUN_BUILD=$(BUILD) QUICK=$(QUICK) integration/bench/run.sh

$(BUILD)/unit-tests: $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC)) $(BUILD)/libhrun.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(DEPS) $(BUILD)/runtime/main.d $(BUILD)/shim/main.d \
	$(patsubst %.c,$(BUILD)/%.d,$(UNIT_SRC))

# .incbin is invisible to make: rebuild the embedded profile when it changes
$(BUILD)/runtime/seccomp_default.o: profiles/seccomp-default.json
$(BUILD)/runtime/profile_data.o: profiles/hardened.json profiles/dev.json \
	profiles/prod.json

# fuzz, fuzz-regress (docs/reliability.md)
include tests/fuzz/fuzz.mk

# hrun with the test hooks (include/hrun/test_hooks.h), next to the build
# it belongs to (vm.sh passes $(BUILD)/test/hrun as HRUN_TEST_BIN)
.PHONY: test-build stress
test-build:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/test LDFLAGS= \
		CFLAGS="-O1 -g -DHRUN_TEST_HOOKS" $(BUILD)/test/hrun

# full-size stress and fault runs in the VM (CI runs them scaled down)
stress: all test-build
	HRUN_BUILD=$(BUILD) integration/stress.sh

unit: $(BUILD)/unit-tests fuzz-regress
	cd tests && ../$(BUILD)/unit-tests

integration: all test-build
	HRUN_BUILD=$(BUILD) integration/vm.sh $(TESTS)

# Unit tests, then the VM suite; one combined closing line.
check: all $(BUILD)/unit-tests fuzz-regress fuzz-ci test-build
	HRUN_BUILD=$(BUILD) tests/check.sh

asan:
	$(MAKE) BUILD=build/asan CC=clang CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" check

install: all
	install -D -m 0755 $(BUILD)/hrun $(DESTDIR)$(PREFIX)/bin/hrun
	install -D -m 0755 $(BUILD)/hrun-shim $(DESTDIR)$(PREFIX)/bin/hrun-shim
	install -d $(DESTDIR)$(PREFIX)/share/hrun/profiles
	install -m 0644 profiles/*.json $(DESTDIR)$(PREFIX)/share/hrun/profiles/

demo: all
	integration/demo.sh

SOURCES = $(shell find runtime shim include tests/unit tests/fuzz -name '*.[ch]')
format:
	clang-format -i $(SOURCES)

lint:
	clang-format --dry-run --Werror $(SOURCES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude \
		-D__GNUC__ --std=c11 runtime shim tests/unit tests/fuzz

clean:
	rm -rf build/*.a build/*.o build/runtime build/shim build/tests build/asan \
		build/fuzz build/test \
		build/hrun build/hrun-shim build/unit-tests
