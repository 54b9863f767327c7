# gantutor — two commands for a fresh machine:
#   make book   build the rendered book into _build/html (creates .venv when missing)
#   make test   run the whole test suite (unit tests, every notebook in the smoke profile, the book build)
# Others: make notebooks PROFILE=cpu  (re-execute notebooks in place, storing outputs)
#         make lab                     (students: open the chapters in JupyterLab)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Use the shared data folder beside the checkout when there is one and GANTUTOR_DATA is unset.
ifeq ($(GANTUTOR_DATA),)
ifneq ($(wildcard ../shared/data/MNIST/raw),)
export GANTUTOR_DATA := $(abspath ../shared/data)
endif
endif

.PHONY: book test notebooks lab venv assets clean

venv: $(STAMP)

# MathJax, mermaid and the ipywidgets manager, served with the book (fetched once from the npm registry, hash-checked).
ASSETS := _vendor/mathjax/.version _vendor/mermaid/.version _vendor/requirejs/.version _vendor/@jupyter-widgets/html-manager/.version
assets: $(ASSETS)
$(ASSETS): tools/fetch_web_assets.py | $(STAMP)
	$(PY) tools/fetch_web_assets.py

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

book: $(STAMP) $(ASSETS)
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@echo "Open _build/html/index.html"

test: $(STAMP) $(ASSETS)
	GANTUTOR_PROFILE=smoke GANTUTOR_OFFLINE=1 GANTUTOR_PROGRESS=off MPLBACKEND=Agg $(PY) -m pytest

PROFILE ?=
NOTEBOOKS ?=
notebooks: $(STAMP)
	$(PY) -m gantutor.book.notebooks $(if $(PROFILE),--profile $(PROFILE)) $(NOTEBOOKS)

# Students: the chapters in JupyterLab, with this environment's kernel, the data root above and the profile chosen
# by the machine (gpu with CUDA, else cpu; set GANTUTOR_PROFILE to override).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=chapters

clean:
	rm -rf _build _vendor
