#!/usr/bin/env bash
# Builds in release mode and prints one JSON object with every benchmark's figures.
# Each Benchmarks/<Name> executable prints a JSON object; the engine figure is timed here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
swift build -c release >&2
bin=$(swift build -c release --show-bin-path)

# Engine: `validate` on a generated 200-stage pipeline (a chain with side branches).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "pipeline: bench-200"
  echo "stages:"
  echo "  s0: {use: test.emit, with: {value: 1}}"
  for i in $(seq 1 199); do
    echo "  s$i: {use: test.add, in: {a: s$((i - 1)).sum, b: s$(( i / 2 )).sum}, with: {offset: $((i % 7))}}"
  done
} | sed 's/s0.sum/s0.number/g' > "$work/p.yaml"
"$bin/EngineTestbed" validate "$work/p.yaml" >/dev/null
engine_ms=$(python3 - "$bin/EngineTestbed" "$work/p.yaml" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(5):
    start = time.perf_counter()
    subprocess.run([sys.argv[1], "validate", sys.argv[2]], check=True, stdout=subprocess.DEVNULL)
    runs.append((time.perf_counter() - start) * 1000)
print(f"{min(runs):.1f}")
PY
)

echo "{"
echo "  \"engine\": {\"validate_200_stages_ms\": $engine_ms},"
first=1
for bench in TensorsBench SplattingBench MediaBench FaceBench SuperResolutionBench; do
  [ -x "$bin/$bench" ] || continue
  [ $first -eq 1 ] || echo ","
  first=0
  printf '  "%s": %s' "$bench" "$("$bin/$bench")"
done
echo
echo "}"
