#!/usr/bin/env bash
# Strata's tests on a fresh machine: installs what it needs, checks the
# layering of Sources/Strata, then runs the whole Swift Testing suite (unit, corruption, golden-vector and dataset
# round-trip tests; the datasets come from ../shared when it is there).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
python3 scripts/check-layers.py
swift build --build-tests
swift test --skip-build
