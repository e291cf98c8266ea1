# Supportmarket: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
DATABASE ?= supportmarket.sqlite
PORT ?= 8080
HOST ?= 0.0.0.0
DEBIAN_PACKAGES := libsqlite3-dev libcurl4-openssl-dev libssl-dev pkg-config curl jq

.PHONY: deps build run test release clean

## Install the system packages the build links against (Debian; idempotent, quick when present).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

## Build, migrate, seed the demo market and serve on port 8080.
run: build
	.build/debug/supportmarket migrate --database $(DATABASE)
	.build/debug/supportmarket seed --demo --database $(DATABASE)
	.build/debug/supportmarket serve --database $(DATABASE) --hostname $(HOST) --port $(PORT)

## The whole test suite: the Swift tests, then the SIGKILL crash-safety script against the real binary.
test: deps
	$(SWIFT) test
	$(SWIFT) build --product supportmarket
	scripts/crash-safety.sh

release: deps
	$(SWIFT) build -c release

clean:
	rm -rf .build
