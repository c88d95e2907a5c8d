# The two commands from the README: `make demo` and `make test`.
# Each creates .venv when missing and installs the project into it (quick the second time).
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck dupes pytest schemas sample-tenant docs bench mutate sweep clean
.PHONY: screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pim-gitops demo

test: lint typecheck dupes pytest

lint: $(STAMP)
	$(BIN)/ruff check pim_gitops tests bench
	$(BIN)/ruff format --check pim_gitops tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict pim_gitops

# Blocks of 6 or more lines repeated across modules (imports, docstrings and signatures aside;
# tests/test_structure.py finds those repeated within one module by the same measure);
# the emulator and the synthetic-tenant generator are excepted as from the structure limits.
dupes: $(STAMP)
	$(BIN)/pylint --disable=all --enable=duplicate-code --min-similarity-lines=6 \
		--ignore=emulator,tenantgen.py --score=n pim_gitops

# Two workers (pytest-xdist): the CI machine has two cores; the tests share no files or ports.
pytest: $(STAMP)
	$(BIN)/pytest -q -n 2

schemas: $(STAMP)
	$(BIN)/pim-gitops schema --out schemas/

docs: $(STAMP)
	$(BIN)/pim-gitops rules --docs docs/rules
	$(BIN)/python -m pim_gitops.render.settings_map docs/settings-map.md
	$(BIN)/python -m pim_gitops.render.merge_table docs/policy-reference.md

# The report of the sample tenant as docs/ shows it (not part of `make test`): the HTML in
# headless Chromium at a print-like width, the top of the page and one role's section.
CHROMIUM ?= chromium
SHOT_DIR := $(shell mktemp -d -u /tmp/pim-report.XXXXXX)
SHOT     := $(CHROMIUM) --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir=$(SHOT_DIR)/profile --window-size=1000,1300
screenshots: $(STAMP)
	mkdir -p $(SHOT_DIR)
	$(BIN)/pim-gitops --now 2026-11-24T09:00:00Z report policies \
		--snapshot pim_gitops/demo/tenant.json --format html --out $(SHOT_DIR)/report.html
	$(SHOT) --screenshot=docs/report-screenshot.png file://$(SHOT_DIR)/report.html
	sed 's|</head>|<style>body>*{display:none}#role-global-administrator{display:block}</style></head>|' \
		$(SHOT_DIR)/report.html > $(SHOT_DIR)/role.html
	$(SHOT) --screenshot=docs/report-role-screenshot.png file://$(SHOT_DIR)/role.html
	rm -rf $(SHOT_DIR)

sample-tenant: $(STAMP)
	$(BIN)/python -c "from pim_gitops.tenantgen import write_sample_tenant; write_sample_tenant()"

# Mutation testing (not part of `make test`; docs/quality.md): mutmut over diff, normalize,
# apply/, policy_rules/ and lint/ (`[tool.mutmut]` in pyproject.toml), then the score per
# module; `$(BIN)/mutmut results` lists the survivors. mutmut copies the tree to mutants/, so
# the shared Graph samples are named by absolute path. The seeded mutations of issue 15 are
# checked against their named tests by `$(BIN)/python bench/seeded_mutations.py`.
mutate: $(STAMP)
	$(BIN)/python -m pip install --quiet 'mutmut==3.8.1'
	rm -rf mutants
	PIM_GITOPS_SHARED=$(abspath ../shared) $(BIN)/mutmut run --max-children 2
	$(BIN)/python bench/mutation_scores.py

# A longer, randomized sweep of the Tier-0 state machine (not part of `make test`).
sweep: $(STAMP)
	PIM_GITOPS_SWEEP=40 $(BIN)/pytest -q -p no:cacheprovider tests/test_guards_horizon.py -k random_edits

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis mutants
