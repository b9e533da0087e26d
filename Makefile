# SPDX-License-Identifier: GPL-3.0-or-later
# Top-level entry points. Each installs what is missing (scripts/deps.sh), configures
# and builds before it runs anything.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_SECONDS ?= 60
SMOKE_SECONDS ?= 10
# Unit suites that also run under AddressSanitizer + UBSan in `make test`.
ASAN_SUITES ?= gnss config daemon auth auth_io ntrip
DEMO_ARGS ?=

.PHONY: all deps build run test test-asan test-tsan bench fuzz fuzz-smoke format clean

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build:
	@scripts/deps.sh build
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	ninja -C $(BUILD)

run: build
	./$(BUILD)/daemon/cairnd --demo $(DEMO_ARGS)

test:
	@scripts/deps.sh build test
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs --num-processes 2
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory fuzz-smoke

# The unit suites again under AddressSanitizer and UBSan.
test-asan:
	@[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Dbuildtype=debug
	ninja -C $(ASAN_BUILD) $(addprefix tests/,$(addsuffix _unit,$(ASAN_SUITES)))
	meson test -C $(ASAN_BUILD) --print-errorlogs --suite unit --no-rebuild $(ASAN_SUITES)

# The one multi-threaded path, the caster's fan-out over worker threads, under
# ThreadSanitizer (werror off: GCC warns that Asio's fences are not instrumented).
test-tsan:
	@[ -f $(TSAN_BUILD)/build.ninja ] || meson setup $(TSAN_BUILD) -Db_sanitize=thread -Dbuildtype=debug -Dwerror=false
	ninja -C $(TSAN_BUILD) tests/ntrip_io_unit
	@rc=0; TSAN_OPTIONS=halt_on_error=1 ./$(TSAN_BUILD)/tests/ntrip_io_unit --test-case='*fan*' || rc=$$?; \
	 if [ $$rc -eq 77 ]; then echo "test-tsan: skipped (see above)"; elif [ $$rc -ne 0 ]; then exit $$rc; fi

$(FUZZ_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 meson setup $(FUZZ_BUILD) -Dfuzzing=true \
	    -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=false

fuzz:
	@scripts/deps.sh build fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke:
	@scripts/deps.sh build fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	scripts/fuzz.sh $(FUZZ_BUILD) $(SMOKE_SECONDS)

bench: build
	@scripts/deps.sh build bench
	@if ls tests/bench/*.sh >/dev/null 2>&1; then for b in tests/bench/*.sh; do $$b $(BUILD) || exit 1; done; \
	 else echo "no benchmarks yet (the fan-out benchmark comes with the caster)"; fi

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
