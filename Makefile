# netsh — developer and CI entry points.
#   make deps        Debian packages the tests and the demo need (root; skipped when all present)
#   make venv        .venv with netsh installed editable, plus test extras (stamp: quick when up to date)
#   make test        the whole suite as CI runs it (NETSH_CI=1: a skipped interop test fails the run)
#   make demo        netsh demo in a throw-away lab
#   make fuzz        every fuzz target in tests/fuzz for FUZZ_SECONDS each (atheris where installed, else
#                    the seeded mutator); crashes saved in fuzz-crashes/ with their seed
#   make bench       the benchmarks in tests/bench (echo, inspector, attach, dashboard beside termshark;
#                    ratios printed, not pass/fail)
#   make lab-down    remove namespaces left by a lab whose process died
#   make completions man   regenerate the derived files from the command declarations
#   make clean       caches and build debris (distclean also removes .venv)

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.netsh-installed
BSTAMP  := $(VENV)/.netsh-bench-installed
TIMEOUT ?= 120
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 1
PYTEST_ARGS ?=
DEBS    := iproute2 ethtool iputils-ping arping tshark tcpdump groff man-db \
           bash zsh fish procps python3-venv shellcheck tmux traceroute socat iputils-tracepath \
           radvd ipv6toolkit
BENCH_DEBS := termshark

.NOTPARALLEL:
.PHONY: all venv deps demo test fuzz bench lab-down completions man clean distclean

all: test

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q -e '.[test]'
	@touch $@

deps:
	@missing=""; \
	if ! command -v dpkg-query >/dev/null; then echo "deps: no dpkg here; install by hand: $(DEBS)" >&2; exit 0; fi; \
	for p in $(DEBS) $(EXTRA_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: missing:$$missing (run 'make deps' as root)" >&2; exit 1; fi; \
	echo "deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update && apt-get install -y --no-install-recommends $$missing

demo: deps venv
	$(VENV)/bin/netsh demo

test: deps venv
	NETSH_CI=1 $(VPY) -m pytest -q tests --ignore=tests/bench --timeout=$(TIMEOUT) $(PYTEST_ARGS)

fuzz: venv
	$(VPY) -m pip install -q atheris 2>/dev/null || echo "fuzz: atheris does not install here; using the seeded mutator"
	$(VPY) -m tests.fuzz --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED)

$(BSTAMP): $(STAMP)
	$(VPY) -m pip install -q dpkt scapy
	@touch $@

bench: EXTRA_DEBS = $(BENCH_DEBS)
bench: deps venv $(BSTAMP)
	@rc=0; for f in tests/bench/*_bench.py; do \
	  echo "== $$f"; $(VPY) $$f || rc=1; \
	done; exit $$rc

lab-down: venv
	$(VENV)/bin/netsh lab down

completions: venv
	@mkdir -p completions
	@set -e; for sh in bash zsh fish; do \
	  case $$sh in bash) f=netsh.bash;; zsh) f=_netsh;; fish) f=netsh.fish;; esac; \
	  echo "netsh completion $$sh > completions/$$f"; \
	  $(VENV)/bin/netsh completion $$sh > completions/$$f.tmp || { rm -f completions/$$f.tmp; exit 1; }; \
	  mv completions/$$f.tmp completions/$$f; \
	done

man: venv
	@mkdir -p man
	$(VPY) -m netsh.manpage > man/netsh.8.tmp || { rm -f man/netsh.8.tmp; exit 1; }
	@mv man/netsh.8.tmp man/netsh.8

clean:
	rm -rf build dist *.egg-info .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 -r rm -rf
	rm -f completions/*.tmp man/*.tmp

distclean: clean
	rm -rf $(VENV)
