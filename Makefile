# Supportmarket: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
DATABASE ?= supportmarket.sqlite
PORT ?= 8080
HOST ?= 127.0.0.1
DEBIAN_PACKAGES := libsqlite3-dev sqlite3 libcurl4-openssl-dev libssl-dev pkg-config curl jq libxml2-utils chromium

# The Python tools the conformance checks run (PyPI), pinned.
PYTHON_TOOLS := jsonschema[format-nongpl]==4.26.0 openapi-python-client==0.29.1 schemathesis==4.32.5 saxonche==13.1.1 lxml==6.2.0 standardwebhooks==1.3.0 pyotp==2.9.0 aiosmtpd==1.4.6

.PHONY: deps pydeps build run test release clean

## Install the system packages the build links against (Debian; idempotent, quick when present).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## Install the Python tools of scripts/conformance.sh (idempotent, quick when present).
pydeps:
	@python3 -c 'import jsonschema, rfc3986_validator, rfc3339_validator, openapi_python_client, schemathesis, saxonche, lxml, standardwebhooks, pyotp, aiosmtpd' 2>/dev/null \
		&& command -v openapi-python-client >/dev/null && command -v schemathesis >/dev/null \
		|| python3 -m pip install -q --disable-pip-version-check $(foreach p,$(PYTHON_TOOLS),'$(p)')

build: deps
	$(SWIFT) build

## Build, migrate, seed the demo market and serve on port 8080.
run: build
	.build/debug/supportmarket migrate --database $(DATABASE)
	.build/debug/supportmarket seed --demo --database $(DATABASE)
	.build/debug/supportmarket serve --database $(DATABASE) --hostname $(HOST) --port $(PORT)

## The whole test suite: the Swift tests, then against the real binary the SIGKILL crash-safety
## scripts (orders, invoicing runs, webhook deliveries verified by the standardwebhooks reference
## library), the online backup and restore drill, SIGTERM under load, hostile input (scripts/hostile-drill.sh),
## accounts (scripts/identity-drill.sh: invitations over SMTP, TOTP, step-up, lock-outs), the reports' pages in headless Chromium,
## every shell block of the README and docs/features (scripts/docs-walk.sh), and the conformance checks (ORUK schemas,
## generated client, schemathesis).
test: deps pydeps
	scripts/check-imports.py
	$(SWIFT) test
	$(SWIFT) build --product supportmarket
	scripts/crash-safety.sh
	scripts/invoicing-crash.sh
	scripts/webhooks-drill.sh
	scripts/backup-drill.sh
	scripts/graceful-stop.sh
	scripts/hostile-drill.sh
	scripts/identity-drill.sh
	scripts/report-pages.sh
	scripts/docs-walk.sh
	deploy/verify.sh
	scripts/conformance.sh

release: deps
	$(SWIFT) build -c release

clean:
	rm -rf .build
