# The two commands of the README: `make demo` and `make test`.
.PHONY: install install-test demo test lint translations

install:
	scripts/install.sh

install-test:
	scripts/install.sh --test

demo: install
	.venv/bin/wasl demo $(if $(PORT),--port $(PORT),)

test: install-test
	.venv/bin/pytest

lint:
	.venv/bin/ruff check .

# After adding UI strings: put their Arabic in translations/pending/<area>.json, then run this.
translations:
	.venv/bin/python scripts/translations.py
