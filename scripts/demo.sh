#!/usr/bin/env bash
# Strata's main job on a fresh machine: installs what it needs, builds in
# release, generates a realistic fleet (1,000 devices x 5 sensors, 10 s with
# jitter, missing and late readings), ingests it into a store on disk with
# progress, and prints the ingest rate, bytes per point on disk and example reads.
# Arguments go to the demo (--devices N --steps N --batch N --dir PATH --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product strata-demo
.build/release/strata-demo "$@"
