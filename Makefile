PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@for f in examples/*.toml; do \
		case $$f in *policy*) continue;; esac; \
		echo "== $$f"; \
		$(BIN)/finetune-check evaluate $$f --format text || exit 1; \
	done

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/ruff check core bot tests benchmarks
	$(BIN)/mypy --strict core
	$(BIN)/lint-imports

bench: $(STAMP)
	@for b in core_eval ack_latency vote_burst reminder_sweep scan uncertainty plots; do \
		echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; \
	done

clean:
	rm -rf $(VENV) build *.egg-info
