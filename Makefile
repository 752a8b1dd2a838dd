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

# Refresh the catalogs after changing UI strings, then translate translations/ar/.../messages.po.
translations:
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	.venv/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	.venv/bin/pybabel compile -d translations
