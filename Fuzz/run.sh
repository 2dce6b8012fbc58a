#!/usr/bin/env bash
# Builds every libFuzzer target and runs each for a bounded time, starting
# from the committed seed corpus, then replays the kept crashers.
#
#   Fuzz/run.sh [seconds-per-target] [target ...]
#
# A new crash is copied into Fuzz/Crashers/<target>/ (commit it with the fix:
# the unit tests and this script replay it from then on) and the script fails.
# Build recipe and its traps: ../shared/TOOLCHAIN.md.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
shift || true
swift build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address 2>&1 | tail -n 3
bin=$(swift build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address --show-bin-path)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=($(ls Sources | grep '^fuzz-'))
fi
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=0
status=0
for t in "${targets[@]}"; do
    work="corpus-work/$t"
    mkdir -p "$work" "Crashers/$t" "Corpus/$t"
    cp -n Corpus/"$t"/* "$work"/ 2>/dev/null || true
    # Replay the kept crashers first: each must now pass.
    if [ -n "$(ls -A "Crashers/$t")" ]; then
        "$bin/$t" Crashers/"$t"/* >"corpus-work/$t.replay.log" 2>&1 || { echo "REPLAY FAILED: $t"; tail -n 20 "corpus-work/$t.replay.log"; status=1; }
    fi
    if "$bin/$t" "$work" -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="corpus-work/$t-" >"corpus-work/$t.log" 2>&1; then
        echo "$t: $(grep -o 'Done [0-9]* runs' "corpus-work/$t.log" | tail -n 1) in ${seconds}s, clean"
    else
        echo "CRASH: $t"
        tail -n 30 "corpus-work/$t.log"
        for a in corpus-work/"$t"-crash-* corpus-work/"$t"-oom-* corpus-work/"$t"-timeout-*; do
            [ -e "$a" ] && cp "$a" "Crashers/$t/" && echo "kept $a in Crashers/$t/"
        done
        status=1
    fi
done
exit $status
