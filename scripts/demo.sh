#!/usr/bin/env bash
# Strata's main job on a fresh machine: installs what it needs, builds in
# release, and runs the codec report on the shared datasets and the reference
# fleet (bytes per point of every codec and of the per-block choice, with a
# bit-exact round trip of every block, and throughput per codec).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --package-path Benchmarks --product codec-report
Benchmarks/.build/release/codec-report "$@"
