# The README's two commands: `make run` and `make test`.
# Both install the Debian packages they need when missing (as root, apt-get).

APT_PACKAGES := liblmdb-dev libopenblas-dev zlib1g-dev pkg-config
SWIFT ?= swift
CONFIG ?= etc/narformer/demo.yaml
# One build configuration for everything (`make build`, `run`, `bench`, `test`): release,
# with testability (`-enable-testing`: the tests `@testable import` Engine, Store and Config),
# so the tests check the very build that runs, at its speed, and `make build` after
# `make test` only compiles the executable's own module and links it (README, Speed, has
# the timings and the measured cost of testability on `narformer-lab bench engine`).
# The engine's own vector loops work on SIMD16<Float>. On a CPU with AVX-512 F/CD/BW/DQ/VL
# as well as the AVX2 set (Intel Xeons since Skylake-SP, AMD Zen 4 and later) the build
# targets skylake-avx512: one 512-bit instruction per operation. With AVX2 and FMA only
# (Intel Haswell and later, AMD Zen 1-3) it targets haswell: two 256-bit instructions;
# elsewhere the portable x86-64 build. No fast-math: the same float operations in the
# same order on every build, so results do not change (docs/performance.md, The build).
HASWELL_FEATURES := avx2 fma bmi1 bmi2 movbe f16c abm
AVX512_FEATURES := avx512f avx512cd avx512bw avx512dq avx512vl
CPU_FLAGS ?= $(shell f=$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null); \
  for x in $(HASWELL_FEATURES); do echo "$$f" | grep -qw $$x || exit 0; done; \
  cpu=skylake-avx512; for x in $(AVX512_FEATURES); do echo "$$f" | grep -qw $$x || cpu=haswell; done; \
  echo "-Xswiftc -target-cpu -Xswiftc $$cpu")
BUILD_FLAGS ?= -c release -Xswiftc -enable-testing $(CPU_FLAGS)

.PHONY: deps build bench run test clean install

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
	$(SWIFT) build $(BUILD_FLAGS) --product narformer

# The lab (benchmarks, experiments): `.build/release/narformer-lab bench ...`. Not part of
# the product; `make run` does not build it.
bench: build
	$(SWIFT) build $(BUILD_FLAGS) --product narformer-lab

run: build
	mkdir -p var
	.build/release/narformer serve --config $(CONFIG)

test: deps
	$(SWIFT) test $(BUILD_FLAGS)

clean:
	rm -rf .build var

# Retrains the shipped default models from the committed data (docs/results.md has the
# numbers and timings). About 9 min on one free core (latency ~1 each, accuracy ~7).
DEFAULT_MODELS := Sources/Engine/DefaultModels
# The latency model's recipe. `node-cost` (the default) reproduces the shipped model: the
# costs encoding with the node-cost readout (docs/results.md sections 1 and 4: 7.4%
# in-domain MAPE, 9.7% leave-one-family-out; about 1 min). `paper` is the paper's head on
# baseline tokens (`make train-defaults LATENCY_RECIPE=paper`, about 15 min).
LATENCY_RECIPE ?= node-cost
LATENCY_ARGS_paper := --epochs 25 --batch 16 --lr 1e-3 --hidden 256
LATENCY_ARGS_node-cost := --encoding costs --readout node-cost --epochs 15 --batch 16 --lr 1e-3 --hidden 128
.PHONY: train-defaults
train-defaults: build
	.build/release/narformer train --data data/latency/gt.txt --kind latency \
	  $(LATENCY_ARGS_$(LATENCY_RECIPE)) --seed 0 \
	  --out $(DEFAULT_MODELS)/latency-cpu-ort-1t.safetensors
	# The OpenVINO platform's model: CNNs and ViT/Swin/ConvNeXt, over the canonical graph
	# (costs3), so both torch exporters' files get one prediction (about 1 min).
	.build/release/narformer train --data data/latency-openvino/cnn-and-transformers.txt --kind latency \
	  --encoding costs3 --readout node-cost --epochs 15 --batch 16 --lr 1e-3 --hidden 128 --seed 0 \
	  --platform cpu-openvino-1t --out $(DEFAULT_MODELS)/latency-cpu-openvino-1t.safetensors
	.build/release/narformer train --data data/nb201/train.csv --target cifar10_test --kind accuracy \
	  --epochs 100 --batch 8 --lr 1e-3 --seed 0 \
	  --out $(DEFAULT_MODELS)/accuracy-nb201-cifar10.safetensors
	# The NAS-Bench-201 cell priors a new cell platform adapts from (a second).
	$(SWIFT) build $(BUILD_FLAGS) --product narformer-lab
	.build/release/narformer-lab cell-priors --data data/nb201 --out $(DEFAULT_MODELS)/nb201-cell-priors.json
	# The networks each latency model replays when a retrain fine-tunes it (8 per family),
	# with the list of every network it was trained on.
	.build/release/narformer-lab replay-anchors --data data/latency/gt.txt --per-family 8 \
	  --model $(DEFAULT_MODELS)/latency-cpu-ort-1t.safetensors
	.build/release/narformer-lab replay-anchors --data data/latency-openvino/cnn-and-transformers.txt --per-family 8 \
	  --model $(DEFAULT_MODELS)/latency-cpu-openvino-1t.safetensors

# Adds the novelty summary of each shipped model's training data to it without retraining
# (weights and metrics unchanged): for models trained before summaries existed.
.PHONY: summarize-defaults
summarize-defaults: build
	for f in latency-cpu-ort-1t:data/latency/gt.txt latency-cpu-openvino-1t:data/latency-openvino/cnn-and-transformers.txt; do \
	  .build/release/narformer train --summary-only --data $${f#*:} --init-model $(DEFAULT_MODELS)/$${f%%:*}.safetensors \
	    --out $(DEFAULT_MODELS)/$${f%%:*}.safetensors || exit 1; done
	.build/release/narformer train --summary-only --data data/nb201/train.csv --target cifar10_test --kind accuracy \
	  --init-model $(DEFAULT_MODELS)/accuracy-nb201-cifar10.safetensors --out $(DEFAULT_MODELS)/accuracy-nb201-cifar10.safetensors

# Installs the binary and the shipped models where an installed binary looks for them
# (<prefix>/share/narformer/models, see Sources/Engine/Training/DefaultModels.swift), the
# docs the systemd unit names (<prefix>/share/doc/narformer), a man page generated from the
# commands' help (help2man, installed when missing) and bash and zsh completions.
PREFIX ?= /usr/local
NARFORMER_COMMANDS := serve config inspect predict query export status import retrain models train eval
install: build
	@dpkg-query -W -f='$${Status}' help2man 2>/dev/null | grep -q 'install ok installed' || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq help2man; }
	install -D -m 0755 .build/release/narformer $(DESTDIR)$(PREFIX)/bin/narformer
	install -d $(DESTDIR)$(PREFIX)/share/narformer/models
	install -m 0644 Sources/Engine/DefaultModels/*.safetensors Sources/Engine/DefaultModels/*.json Sources/Engine/DefaultModels/*.anchors $(DESTDIR)$(PREFIX)/share/narformer/models/
	install -d $(DESTDIR)$(PREFIX)/share/doc/narformer
	install -m 0644 README.md docs/*.md docs/*.json $(DESTDIR)$(PREFIX)/share/doc/narformer/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	.build/release/narformer --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/narformer
	.build/release/narformer --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_narformer
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	@{ echo "[COMMANDS]"; for c in $(NARFORMER_COMMANDS); do \
	    echo ".SS narformer $$c"; echo ".nf"; .build/release/narformer help $$c | sed 's/\\/\\e/g; s/^\./\\\&./'; echo ".fi"; \
	  done; echo "[FILES]"; echo "/etc/narformer/narformer.yaml, $(PREFIX)/share/doc/narformer/"; } > .build/narformer.h2m
	help2man --no-info --include .build/narformer.h2m \
	  --name "predict the latency and accuracy of neural networks; the inbox daemon and its tools" \
	  .build/release/narformer | gzip -9n > $(DESTDIR)$(PREFIX)/share/man/man1/narformer.1.gz
