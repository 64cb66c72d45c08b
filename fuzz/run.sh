#!/usr/bin/env bash
# CI-sized fuzz run: build every target and run each for N seconds (default 30).
#   fuzz/run.sh            # 4 targets x 30 s
#   fuzz/run.sh 600        # longer run: 10 minutes per target
# Fails (exit 1) on a crash, panic, hang (-timeout) or OOM; the reproducer is in
# fuzz/artifacts/<target>/. Needs cargo-fuzz (cargo install cargo-fuzz --locked);
# works on the stable toolchain through RUSTC_BOOTSTRAP=1 (cargo-fuzz passes
# nightly-only flags: -Zsanitizer=address etc.).
set -euo pipefail
SECS="${1:-30}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
TARGETS=(parse expand dotenvx mask)
cargo fuzz build
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${SECS}s"
  # corpus/<t> (generated, git-ignored) grows from the committed seeds/<t>
  set +e
  cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 2>&1 |
    grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|thread .* panicked|Done [0-9]+ runs)|ERROR|crash-|timeout-|oom-"
  st=${PIPESTATUS[0]}
  set -e
  if [ "$st" -ne 0 ]; then echo "fuzz target $t FAILED (exit $st); see fuzz/artifacts/$t/"; exit 1; fi
done
echo "fuzz: all targets ran ${SECS}s without a crash"
