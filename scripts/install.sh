#!/usr/bin/env bash
# Installs everything Wasl needs on a Debian machine with Python 3.11 and Node/npm. Idempotent.
#   scripts/install.sh          the app (Python venv, front-end libraries, compiled translations);
#                               with UPLOAD_STORE=s3 set, boto3 for the S3 upload store too
#   scripts/install.sh --test   the same plus what the tests need (Chromium for browser tests)
#   scripts/install.sh --bench  the app plus what bench/ needs (wrk, valgrind, pyinstrument, py-spy)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
[ "${1:-}" = "--test" ] && want_test=1
[ "${1:-}" = "--bench" ] && want_bench=1

apt_packages=(fonts-noto-core poppler-utils libpango-1.0-0 libpangoft2-1.0-0)
# pgbouncer: the ops tests put it (transaction pooling) between the app and PostgreSQL.
[ "$want_test" = 1 ] && apt_packages+=(chromium pgbouncer)
[ "$want_bench" = 1 ] && apt_packages+=(wrk valgrind)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>/dev/null
if [ "$want_bench" = 1 ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[bench]' 2>&1 | grep -v -e '^WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'with strategy' -e '^ *$' || true
elif [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v -e '^WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'with strategy' -e '^ *$' || true
else
  # UPLOAD_STORE=s3 in the environment: also boto3 (the optional extra "s3")
  target="."; [ "${UPLOAD_STORE:-}" = "s3" ] && target=".[s3]"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e "$target" 2>&1 | grep -v -e '^WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'with strategy' -e '^ *$' || true
fi

npm ci --no-audit --no-fund --loglevel=error >/dev/null
.venv/bin/python scripts/vendor_assets.py
.venv/bin/pybabel compile -d translations >/dev/null
