# redis-lease-ha: build, test and demo. Needs a JDK >= 21, Maven, redis-server, python3-redis, Node.js
# with npm and promtool (installed from Debian's packages when missing and running as root; see deps).
SHELL := /bin/bash
.DEFAULT_GOAL := help

JDK_CANDIDATES := $(JAVA_HOME) /usr/lib/jvm/temurin-25-jdk-amd64 $(wildcard /usr/lib/jvm/*)
JAVA_HOME := $(firstword $(foreach d,$(JDK_CANDIDATES),$(shell v=$$($(d)/bin/java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); [ -n "$$v" ] && [ "$$v" -ge 21 ] 2>/dev/null && echo $(d))))
export JAVA_HOME
MVN := mvn -B -ntp
HARNESS_CP = integration-tests/target/classes:$$(cat integration-tests/target/classpath.txt)

.PHONY: help build test unit demo bench bench-quick e2e chaos soak deps check-jdk clean

help:
	@echo "make demo   - local 3-node cluster: shows a leader, a Redis crash failover and a graceful handover"
	@echo "make test   - unit, chart and integration tests (real redis-server, sidecar JVMs, embedded API server)"
	@echo "make build  - build the sidecar jar (sidecar/target/redis-lease-ha-all.jar)"
	@echo "make unit   - unit tests only"
	@echo "make bench  - failover measurements and idle API load, ours next to Redis Sentinel (about 20 min); bench-quick: 1 trial each"
	@echo "make e2e    - the real image in podman containers (root): Redis crash, pod loss and graceful stop (about 3 min)"
	@echo "make chaos  - fault injection with network namespaces (root): partitions, API outages, stalls, pauses, hand edits (about 10 min; CHAOS_ONLY=name)"
	@echo "make soak   - a random fault every few seconds on one cluster for SOAK_MINUTES (default 30; root)"

check-jdk:
	@if [ -z "$(JAVA_HOME)" ]; then \
	  echo "error: a JDK >= 21 is needed (e.g. Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64); set JAVA_HOME" >&2; exit 1; fi
	@command -v mvn >/dev/null || { echo "error: Maven (mvn) is needed: apt-get install -y maven" >&2; exit 1; }
	@echo "Using JDK at $(JAVA_HOME)"

# Debian's packages the tests run, installed when missing (as root): redis-server and redis-sentinel,
# the non-Java Sentinel clients of ClientWritersIT: redis-py (python3-redis, for /usr/bin/python3) and
# Node.js with npm, whose ioredis comes from integration-tests/clients/package-lock.json, and
# prometheus for promtool (ChartRulesTest checks and unit-tests the chart's alert rules with it).
# Packages may start their service when installed (prometheus would listen on 9090): a policy-rc.d
# refuses every start during the installation (unless one is in place already), and prometheus's
# service is disabled afterwards where systemd runs, so none runs. prometheus comes without its
# recommended packages (node-exporter and its collectors, another service).
CLIENTS := integration-tests/clients
deps: check-jdk
	@missing=""; \
	command -v redis-server >/dev/null && command -v redis-sentinel >/dev/null || missing="$$missing redis-server redis-sentinel redis-tools"; \
	/usr/bin/python3 -c 'import redis.sentinel' 2>/dev/null || missing="$$missing python3-redis"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	promtool=""; command -v promtool >/dev/null || promtool=prometheus; \
	if [ -n "$$missing$$promtool" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing from Debian's packages:$$missing $$promtool"; \
	    rcd=/usr/sbin/policy-rc.d; own_rcd=""; \
	    if [ ! -e $$rcd ]; then printf '#!/bin/sh\nexit 101\n' > $$rcd && chmod 755 $$rcd && own_rcd=yes; fi; \
	    apt-get update -qq \
	      && { [ -z "$$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      && { [ -z "$$promtool" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }; \
	    rc=$$?; \
	    if [ -n "$$own_rcd" ]; then rm -f $$rcd; fi; \
	    if [ -n "$$promtool" ] && [ -d /run/systemd/system ]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi; \
	    [ $$rc = 0 ] || exit $$rc; \
	  else \
	    echo "error: these are needed: sudo apt-get install -y$$missing $$promtool" >&2; exit 1; \
	  fi; \
	fi
	@redis-server --version
	@promtool --version | head -n 1
	@# npm ci rewrites node_modules/.package-lock.json, so it is newer than the lock file once installed
	@if [ ! -f $(CLIENTS)/node_modules/.package-lock.json ] || [ $(CLIENTS)/package-lock.json -nt $(CLIENTS)/node_modules/.package-lock.json ]; then \
	  echo "Installing the Node.js test clients: npm ci --prefix $(CLIENTS)"; \
	  npm ci --prefix $(CLIENTS) --no-audit --no-fund --loglevel=error; \
	fi

# The jar and the harness classpath, rebuilt only when a source or pom changed.
SOURCES := $(shell find sidecar/src integration-tests/src -type f 2>/dev/null) pom.xml sidecar/pom.xml integration-tests/pom.xml
BUILT := integration-tests/target/classpath.txt

$(BUILT): $(SOURCES)
	@$(MAKE) --no-print-directory check-jdk
	$(MVN) -q install -DskipTests
	@touch $@

build: $(BUILT)

unit: check-jdk
	$(MVN) -pl sidecar test

test: deps
	$(MVN) install

demo: deps build
	$(JAVA_HOME)/bin/java -cp "$(HARNESS_CP)" io.github.redisleaseha.harness.Demo target/demo

bench: deps build
	$(JAVA_HOME)/bin/java -cp "$(HARNESS_CP)" io.github.redisleaseha.bench.Bench --out target/bench $(BENCH_ARGS)

bench-quick: deps build
	$(JAVA_HOME)/bin/java -cp "$(HARNESS_CP)" io.github.redisleaseha.bench.Bench --out target/bench-quick --trials 1 --idle-seconds 20 $(BENCH_ARGS)

e2e: deps build
	MVN="$(MVN)" bash scripts/e2e.sh

# CHAOS_ONLY=stall runs only the faults whose id or name contains it; CHAOS_NETNS_TAG/CHAOS_NETNS_PREFIX
# (default rlha / 10.77.0) let two runs on one machine use different namespaces and addresses.
CHAOS_PROPS = -Dchaos.only=$(CHAOS_ONLY) -Dchaos.netns.tag=$(or $(CHAOS_NETNS_TAG),rlha) -Dchaos.netns.prefix=$(or $(CHAOS_NETNS_PREFIX),10.77.0)
chaos: deps build
	@[ "$$(id -u)" = 0 ] || { echo "error: make chaos needs root (network namespaces, iptables)" >&2; exit 1; }
	@command -v iptables >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables iproute2 >/dev/null
	@# clock-jump preloads Debian's libfaketime into one sidecar JVM
	@command -v faketime >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
	@$(MVN) -pl integration-tests test -Dtest=ChaosSuite -Dsurefire.failIfNoSpecifiedTests=false $(CHAOS_PROPS); rc=$$?; \
	  cat $$(ls -td integration-tests/target/chaos/run-*/ | head -1)report.md 2>/dev/null; exit $$rc

SOAK_MINUTES ?= 30
soak: deps build
	@[ "$$(id -u)" = 0 ] || { echo "error: make soak needs root (network namespaces, iptables)" >&2; exit 1; }
	$(MVN) -pl integration-tests test -Dtest=SoakRun -Dsurefire.failIfNoSpecifiedTests=false -Dsoak.minutes=$(SOAK_MINUTES) $(CHAOS_PROPS) \
	  -Dsurefire.timeout=$$(( ($(SOAK_MINUTES) + 15) * 60 ))
	@cat $$(ls -td integration-tests/target/soak/run-*/ | head -1)report.md

clean:
	$(MVN) -q clean
