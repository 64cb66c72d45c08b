#!/usr/bin/env bash
# Run the Rust unit tests of the pure modules under valgrind's leak checker.
#   reliability/valgrind.sh                 # env_file (parse, expand, dotenvx), masking encode/fingerprint/masker
#   reliability/valgrind.sh cache::         # any other libtest filters
# Exit status 1 on any definite/indirect leak or memory error.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 2; }
BIN=$(cargo test --lib --no-run --message-format=json 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const m=JSON.parse(l);if(m.reason==="compiler-artifact"&&m.executable&&m.profile&&m.profile.test)console.log(m.executable)}catch{}}})' | tail -1)
[ -n "$BIN" ] || { echo "could not find the test binary"; exit 2; }
if [ "$#" -eq 0 ]; then
  # the masker's 50 MB / 100,000-value scale tests are skipped (minutes under valgrind)
  set -- env_file:: masking::encode masking::fingerprint masking::masker masking::tests panic::
fi
echo "valgrind on $BIN $*"
valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=1 --track-origins=no --num-callers=30 \
  "$BIN" --test-threads=1 --skip large --skip scale --skip many "$@"
