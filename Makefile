# pos_mercado_pago_qr: developer commands. Everything they build lives in var/.
PYTHON ?= python3
ODOO ?= auto
PORT ?= 8099

.PHONY: test test-pure test-odoo lint format demo demo-check bench chaos emulator i18n clean

## make test: the pure tier, then the Odoo tier if Odoo 19 is found
## (ODOO=required fails without Odoo, ODOO=skip runs the pure tier only)
test:
	$(PYTHON) tools/testrun.py --odoo $(ODOO)

test-pure:
	$(PYTHON) tools/testrun.py --tier pure

test-odoo:
	$(PYTHON) tools/testrun.py --tier odoo --odoo required

## make lint: ruff, pylint-odoo (OCA mandatory checks), oca-checks-odoo-module,
## prettier and eslint
lint:
	@bash tools/lint.sh

format:
	@bash tools/lint.sh --fix

## make demo: a POS with Mercado Pago QR against the emulator, in one command
## (SITE=MLA|MLB|MLM|MLC|MCO|MPE|MLU, HTTP_PORT=8069, EMULATOR_PORT=8099,
## RESET=1 starts over); Ctrl-C stops it
demo:
	$(PYTHON) tools/demo.py

## make demo-check: start the demo from scratch and pay a QR sale in headless
## Chromium through the customer page, for SITE (default: all seven);
## SCREENSHOTS=1 refreshes readme/screenshots
demo-check:
	$(PYTHON) tools/demo_check.py

## make bench: figures against a real Odoo and the emulator on loopback
## (var/bench/latest.json; BENCH_SAMPLES=100 sales by default)
bench:
	$(PYTHON) tools/bench.py

## make chaos: 1,000 randomized checkouts under faults (two HTTP workers and a
## cron worker, a few through headless Chromium), then the books against the
## emulator's ledger, then 10,000 hostile notifications (CHAOS_CHECKOUTS,
## CHAOS_TOURS, CHAOS_FUZZ, CHAOS_SEED)
chaos:
	$(PYTHON) tools/chaos.py

## make emulator: the Mercado Pago emulator on PORT (default 8099)
emulator:
	$(PYTHON) -m emulator --port $(PORT)

clean:
	$(PYTHON) -c "import sys; sys.path.insert(0, 'tools'); import devenv; devenv.PgCluster().stop()"
	rm -rf var

## make i18n: export i18n/pos_mercado_pago_qr.pot from Odoo 19 and merge it into
## i18n/es.po and i18n/pt_BR.po (existing translations are kept)
i18n:
	$(PYTHON) tools/i18n.py
