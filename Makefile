# The README's two commands: `make run` and `make test`.
# Both install the Debian packages they need when missing (as root, apt-get).

APT_PACKAGES := liblmdb-dev libopenblas-dev pkg-config
SWIFT ?= swift
CONFIG ?= etc/narformer/demo.yaml
# Tests run in release mode (with testability) so the engine's parity and
# gradient checks run at the speed the product runs at.
TEST_FLAGS ?= -c release -Xswiftc -enable-testing

.PHONY: deps build run test clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product narformer

run: build
	mkdir -p var
	.build/release/narformer serve --config $(CONFIG)

test: deps
	$(SWIFT) test $(TEST_FLAGS)

clean:
	rm -rf .build var
