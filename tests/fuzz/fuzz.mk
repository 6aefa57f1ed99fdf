# Fuzzing, included from the Makefile (see docs/reliability.md).
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="fuzz_config ..."]
#       libFuzzer + ASan + UBSan (clang), each target N s over its corpus
#       tests/fuzz/corpus/<target>/; a crash, leak or timeout fails and is
#       copied into the corpus as a regression input.
#   make fuzz-regress
#       replay every corpus input once through each target, built with the
#       normal compiler and a plain main() (part of `make unit`).
#   make fuzz-ci
#       `make fuzz` for FUZZ_CI_SECONDS (default 5) per target: the bounded
#       run `make check` does.
FUZZ_SECONDS ?= 10
FUZZ_CI_SECONDS ?= 5
FUZZ_BUILD := build/fuzz
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_HDRS := $(wildcard tests/fuzz/*.h)
FUZZ_SAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

.PHONY: fuzz fuzz-ci fuzz-lib fuzz-regress

# libhrun with coverage instrumentation for libFuzzer, ASan and UBSan
fuzz-lib:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang LDFLAGS= \
		CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(FUZZ_BUILD)/libhrun.a

$(FUZZ_BUILD)/bin/%: tests/fuzz/%.c $(FUZZ_HDRS) fuzz-lib
	@mkdir -p $(dir $@)
	clang $(HR_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_BUILD)/libhrun.a $(PKG_LIBS)

fuzz: $(addprefix $(FUZZ_BUILD)/bin/,$(FUZZ_TARGETS))
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/fuzz-regress/%: tests/fuzz/%.c tests/fuzz/regress_main.c \
		$(FUZZ_HDRS) $(BUILD)/libhrun.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/regress_main.c \
		$(BUILD)/libhrun.a $(PKG_LIBS)

fuzz-regress: $(addprefix $(BUILD)/fuzz-regress/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		$(BUILD)/fuzz-regress/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)
