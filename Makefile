# Every target installs what it needs into .venv from scratch; nothing is assumed on the machine
# beyond python3 (>= 3.11). Node (for the aimock peer) is used when present: `make test` installs
# aimock from the npm registry into .venv/aimock.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo lab test bench lint wheel-check readme clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --progress-bar off -e '.[dev]' > $(VENV)/pip.log 2>&1 \
	  || { grep -v "is ignored" $(VENV)/pip.log; exit 1; }
	$(PY) -c "import gemini_interactions, httpx_sse, pydantic, pytest, hypothesis" 
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m gemini_interactions.demo

# The lessons in JupyterLab, opening on the quickstart (offline: no key, no network needed).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/01-quickstart.ipynb

# The browser test drives Debian's chromium (never a Playwright browser download); CI runs as root.
/usr/bin/chromium:
	apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu fonts-noto-color-emoji >/dev/null

test: $(STAMP) /usr/bin/chromium
	$(PY) tests/peers/aimock.py install
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/stream_throughput.py
	$(PY) benchmarks/chain.py
	$(PY) benchmarks/load_ext.py
	$(PY) benchmarks/export.py
	$(PY) benchmarks/map.py
	$(PY) benchmarks/render.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(VENV)/bin/ruff format --check src tests benchmarks tools
	$(VENV)/bin/mypy

# Build the wheel and sdist, install the wheel into a fresh venv, import it, %load_ext it.
wheel-check: $(STAMP)
	PY=$(PY) PYTHON=$(PYTHON) bash .ci/check_wheel.sh

# The README's notebooks table and option reference, regenerated from the notebooks and the magics.
readme: $(STAMP)
	$(PY) tools/readme.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
