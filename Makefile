# Set-up, build and test commands of the guide. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: env test-env build serve test clean

env: $(VENV)/.installed

# The browser checks of the tests also need Node.js packages.
test-env: env tools/lighthouse/node_modules/.installed

# torch, torchvision and medmnist are installed in ONE pip call: installing
# medmnist later lets pip replace the CPU build of torch with a CUDA one.
$(VENV)/.installed: requirements/ci.txt requirements/constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -r requirements/ci.txt -c requirements/constraints.txt
	$(BIN)/pip install --no-deps -e .
	touch $@

# axe-core and Lighthouse for the browser checks, pinned by the lock file.
tools/lighthouse/node_modules/.installed: tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --no-audit --no-fund
	touch $@

build: env
	$(BIN)/mkdocs build --strict

serve: env
	$(BIN)/mkdocs serve --strict --dev-addr $(HOST):$(PORT)

test: test-env
	$(BIN)/python -m pytest

clean:
	rm -rf site .cache
