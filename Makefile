# MDC: local platform without Docker. `make up` installs what is missing and starts everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION ?= 0.9.30
# uv from PATH, else where `pip install --user` puts it.
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
SERVICE ?=
LINES ?= 50
MDC_ARGS ?=

.PHONY: help install uv up down status logs test lint typecheck unit schemas dashboards bench-catalog bench-lineage

help:
	@echo "make install            workspace venv (uv sync) + Airflow's own venv + Prometheus"
	@echo "make up [MDC_ARGS=...]  start the platform (e.g. MDC_ARGS='--no-airflow --no-demo')"
	@echo "make down               stop everything the platform started"
	@echo "make status             what runs, and whether its port answers"
	@echo "make logs SERVICE=name  last LINES lines of a component's log"
	@echo "make test               lint, types, unit, integration and end-to-end tests"
	@echo "make unit               only the tests that need no server"
	@echo "make bench | bench-catalog | bench-lineage | accuracy   figures (see README, Figures)"
	@echo "make lint | typecheck | schemas | dashboards"

uv:
	@test -x "$(UV)" || python3 -m pip install --user uv==$(UV_VERSION)

install: uv
	@if [ -f uv.lock ]; then $(UV) sync --all-packages --frozen; else $(UV) sync --all-packages; fi
	$(UV) run --no-sync mdc install

up: install
	$(UV) run --no-sync mdc up $(MDC_ARGS)

down:
	$(UV) run --no-sync mdc down

status:
	$(UV) run --no-sync mdc status

logs:
	@if [ -z "$(SERVICE)" ]; then echo "usage: make logs SERVICE=catalog [LINES=100]"; exit 2; fi
	$(UV) run --no-sync mdc logs $(SERVICE) -n $(LINES)

lint:
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

typecheck:
	$(UV) run --no-sync mypy

dashboards:
	$(UV) run --no-sync python deploy/grafana/build_dashboards.py

schemas:
	$(UV) run --no-sync python -m mdc_contracts.schemas

# Tests that need no server (the packages' own tests and the static checks of tests/).
unit:
	$(UV) run --no-sync pytest -m "not integration and not e2e"

# Everything: lint, types, unit tests, then integration and end-to-end tests on a real local
# stack started under .mdc/test (ports 47xxx) and stopped at the end.
test: install lint typecheck
	$(UV) run --no-sync pytest

# Stat-type accuracy on the labelled corpus (tests/corpus/labels.yaml) and on the held-out set
# (tests/corpus/heldout.yaml): a report, exit 0 whatever the accuracy, non-zero only for an
# invalid manifest.
.PHONY: accuracy
accuracy:
	$(UV) run --no-sync python bench/accuracy.py --set main
	$(UV) run --no-sync python bench/accuracy.py --set heldout

.PHONY: bench
bench:
	$(UV) run --no-sync python bench/profile_speed.py --scale 10 --scale 30 --small-files 300
	$(UV) run --no-sync python bench/catalog_search.py --reseed
	$(UV) run --no-sync python bench/lineage_graph.py --reseed

.PHONY: bench-catalog
bench-catalog:
	$(UV) run --no-sync python bench/catalog_search.py --reseed

bench-lineage:
	$(UV) run --no-sync python bench/lineage_graph.py --reseed
