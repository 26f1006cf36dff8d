#!/usr/bin/env bash
# Long fuzzing run of the pipeline (test/hostile/fuzz.test.ts) with many more inputs than CI's.
#   FUZZ_RUNS  number of mutated inputs (default 2000)
#   FUZZ_SEED  fast-check seed (default: a new random one, printed so a failure can be replayed)
# A failure prints the counterexample (seed file and mutations) and the seed/path to replay it.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_RUNS="${FUZZ_RUNS:-2000}"
export FUZZ_SEED="${FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) ))}"
echo "fuzz: FUZZ_RUNS=$FUZZ_RUNS FUZZ_SEED=$FUZZ_SEED"
exec npx vitest run test/hostile/fuzz.test.ts "$@"
