# hugectl — quick start: `make run`, `make test`.
PREFIX  ?= /usr/local
DESTDIR ?=
SWIFT   ?= swift

BINDIR  = $(DESTDIR)$(PREFIX)/bin
MANDIR  = $(DESTDIR)$(PREFIX)/share/man/man8
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR  = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

# Release builds are static executables: they run with nothing else installed. The linker
# notes that glibc's dlopen/getaddrinfo need shared libraries at run time: hugectl reaches
# neither (they come with the Swift runtime's and libnuma's archives), and
# Tests/shell/check-static runs the binary in an empty chroot to prove it.
RELEASE_FLAGS = -c release -Xswiftc -static-executable
RELEASE_BIN   = .build/release/hugectl

.PHONY: all deps test-deps build release run test unit-test shell-test check-static install uninstall clean

all: release

deps:
	@scripts/ensure-deps

test-deps:
	@scripts/ensure-deps --test

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

run: release
	$(RELEASE_BIN) status

test: test-deps
	$(SWIFT) build
	HUGECTL_LIVE=1 $(SWIFT) test --disable-xctest
	$(MAKE) --no-print-directory release
	Tests/shell/run-all
	Tests/vm/vm-test --if-usable --hugectl $(RELEASE_BIN)

# The VM tests: multi-node QEMU guests (TCG) from Debian packages only; see docs/vm-scenarios.md.
# vm-test checks the harness and runs every scenario of Tests/vm/scenarios; vm-fixtures also
# rewrites their captured snapshots and outcomes under Tests/Fixtures/vm/.
.PHONY: vm-test vm-fixtures
vm-test: release
	Tests/vm/vm-test --hugectl $(RELEASE_BIN)

vm-fixtures: release
	Tests/vm/vm-test --fixtures --hugectl $(RELEASE_BIN)

check-static: release
	Tests/shell/check-static $(RELEASE_BIN)

install: release
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 0755 $(RELEASE_BIN) $(BINDIR)/hugectl
	install -m 0644 man/hugectl.8 $(MANDIR)/hugectl.8
	install -m 0644 completions/hugectl.bash $(BASHDIR)/hugectl
	install -m 0644 completions/_hugectl $(ZSHDIR)/_hugectl
	install -m 0644 completions/hugectl.fish $(FISHDIR)/hugectl.fish

uninstall:
	rm -f $(BINDIR)/hugectl $(MANDIR)/hugectl.8 $(BASHDIR)/hugectl $(ZSHDIR)/_hugectl $(FISHDIR)/hugectl.fish

clean:
	rm -rf .build

# Speed and memory of the process scan against reading every smaps and maps, how it scales
# with cores, a DPDK-like holder of 600 one-page files, and 60,000-VMA trees against cat of
# the same smaps (prints figures; needs root: it starts a few hundred processes and grows the
# 2M pool, and restores everything). `bench/scan-bench --trees` runs only the tree timings,
# without root and without touching the system.
.PHONY: bench
bench: release
	bench/scan-bench --hugectl $(RELEASE_BIN)

# The verdict's speed at 64 nodes x 10,000 mappings (prints figures).
.PHONY: bench-solver
bench-solver: deps
	$(SWIFT) build -c release --product hugectl-solver-bench
	.build/release/hugectl-solver-bench

# libFuzzer targets for every parser, FUZZ_SECONDS (60) each; see docs/fuzzing.md.
# Needs the Swift toolchain's -sanitize=fuzzer; builds in .build-fuzz/libfuzzer, not with SwiftPM.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run $(FUZZ_TARGETS)

# The long runs (not part of `make test`): every target to FUZZ_LONG_RUNS executions
# (10 million) or FUZZ_LONG_SECONDS (4 hours) each, whichever comes first, under nice -n 19,
# fastest targets first, a unit slower than 60 s a hang (nice 19 starves them on a loaded
# machine); results appended to .build-fuzz/libfuzzer/results.tsv (a target stopped by the
# time bound says so). Record what it reached in docs/fuzzing.md.
FUZZ_LONG_RUNS    ?= 10000000
FUZZ_LONG_SECONDS ?= 14400
FUZZ_LONG_TARGETS ?= counter kilobyte page-size byte-size unescape-octal pool-count meminfo \
	status maps sysv-shm mountinfo numastat mounts nodelist smaps expectations manifest numa-maps tree
.PHONY: fuzz-long
fuzz-long:
	FUZZ_RUNS=$(FUZZ_LONG_RUNS) FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_NICE=19 FUZZ_TIMEOUT=60 Fuzz/run $(FUZZ_LONG_TARGETS)
