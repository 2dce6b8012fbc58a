#!/usr/bin/env bash
# The concurrency suites under ThreadSanitizer (a separate build folder, so
# the normal build is not redone). Any reported race fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
TSAN_OPTIONS="halt_on_error=1" swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter "ConcurrencyTests|FlushSchedulingTests|StoreTests|StoreAPITests|CompactionReaderTests|ModelBasedTests|FaultInjectionTests|DefaultsTests|ReadOnlyTests"
