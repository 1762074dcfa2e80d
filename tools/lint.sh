#!/usr/bin/env bash
# make lint: ruff, pylint-odoo (OCA mandatory checks for 19.0),
# oca-checks-odoo-module, prettier and eslint. `--fix` rewrites what the
# formatters can. Tools are installed into var/ from PyPI and npm.
set -uo pipefail
cd "$(dirname "$0")/.."
fix=0
[ "${1:-}" = "--fix" ] && fix=1

venv=$(python3 -c "import sys; sys.path.insert(0, 'tools'); import devenv; print(devenv.ensure_venv('venv-lint', 'requirements-lint.txt'))") || exit 1
bin=$(dirname "$venv")

if [ ! -d node_modules ] || [ package.json -nt node_modules/.stamp ]; then
  echo "[lint] installing prettier and eslint from npm"
  if [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; else npm install --silent --no-audit --no-fund; fi || exit 1
  touch node_modules/.stamp
fi

# pylint-odoo reads the module under its technical name.
module=$(python3 -c "import sys; sys.path.insert(0, 'tools'); import devenv; print(devenv.module_link())") || exit 1

status=0
step() {
  local name=$1; shift
  if "$@"; then echo "[lint] $name: clean"; else echo "[lint] $name: FAILED"; status=1; fi
}

if [ $fix = 1 ]; then
  "$bin/ruff" check --fix . ; "$bin/ruff" format .
  npx prettier --write "**/*.{js,xml}" --log-level warn
fi
step "ruff check" "$bin/ruff" check --no-fix .
step "ruff format" "$bin/ruff" format --check .
step "pylint-odoo (mandatory)" "$bin/pylint" --rcfile=.pylintrc-mandatory "$module"
mapfile -t manifests < <(printf '%s\n' $module/__manifest__.py)
step "oca-checks-odoo-module" "$bin/oca-checks-odoo-module" "${manifests[@]}"
mapfile -t pofiles < <(find i18n -name '*.po' -o -name '*.pot' 2>/dev/null)
if [ ${#pofiles[@]} -gt 0 ]; then
  step "oca-checks-po" "$bin/oca-checks-po" --disable=po-pretty-format "${pofiles[@]}"
fi
step "prettier" npx prettier --check "**/*.{js,xml}" --log-level warn
step "eslint" npx eslint --max-warnings 0 "static/**/*.js"
exit $status
