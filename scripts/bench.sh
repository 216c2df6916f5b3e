#!/usr/bin/env bash
# Benchmarks: prints one JSON object with every benchmark's figures and the conditions they were
# measured in (date, commit, CPU, cores, load average before and after, OpenBLAS kernel).
#
#   scripts/bench.sh [--no-build] [--only NAME,...] > BASELINE.json
#       Builds in release mode (skipped with --no-build: the binaries already in .build/release are
#       used, e.g. from the test build) and runs each benchmark once. The benchmark binaries are kept
#       under ~/.cache/avatarflow/bench/<commit>-<time>/ and that path is recorded in the JSON, so a
#       later comparison can run them again.
#   scripts/bench.sh --compare BASELINE.json [--rounds N] [--no-build] [--only NAME,...]
#       Runs the baseline's binaries and the current ones alternately, N rounds each (default 3;
#       old, new, old, new, ...), so both see the same machine load, and prints per figure the
#       median of each side and `speedup` (> 1: the current build is faster; times are inverted,
#       throughputs are not).
# Each Benchmarks/<Name> executable prints a JSON object; the engine figure is timed here.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1 compare="" rounds=3 only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --compare) compare=${2:?--compare needs the baseline JSON written by scripts/bench.sh}; shift ;;
        --rounds) rounds=${2:?--rounds needs a count}; shift ;;
        --only) only=${2:?--only needs benchmark names, e.g. TensorsBench,SplattingBench}; shift ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench.sh: unknown argument '$1' (see scripts/bench.sh --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ -n "$compare" ] && [ ! -f "$compare" ]; then
    echo "bench.sh: no baseline file '$compare'; write one first with: scripts/bench.sh > $compare" >&2
    exit 2
fi

if [ $build -eq 1 ]; then
    scripts/setup.sh >&2
    swift build -c release >&2
fi
bin=$(swift build -c release --show-bin-path)
benchmarks=(EngineTestbed TensorsBench SplattingBench RiggedBench MediaBench FaceBench SuperResolutionBench)
for name in "${benchmarks[@]}"; do
    if [ ! -x "$bin/$name" ]; then
        echo "bench.sh: $bin/$name is missing; build first (scripts/bench.sh without --no-build)" >&2
        exit 2
    fi
done

# Keep this build's binaries so a later `--compare` can run them next to a newer build.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit-dirty"
kept=${AVATARFLOW_CACHE_HOME:-$HOME/.cache/avatarflow}/bench/$commit-$(date -u +%Y%m%dT%H%M%S)
mkdir -p "$kept"
for name in "${benchmarks[@]}"; do cp "$bin/$name" "$kept/"; done

exec python3 - "$kept" "$commit" "$rounds" "$only" "$compare" <<'PY'
import json, os, platform, statistics, subprocess, sys, tempfile, time

kept, commit, rounds, only, baseline_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
names = ["TensorsBench", "SplattingBench", "RiggedBench", "MediaBench", "FaceBench", "SuperResolutionBench"]
if only:
    wanted = only.split(",")
    unknown = [n for n in wanted if n not in names + ["engine"]]
    if unknown:
        sys.exit(f"bench.sh: unknown benchmark {unknown}; known: engine, {', '.join(names)}")
    names = [n for n in names if n in wanted]
    include_engine = "engine" in wanted
else:
    include_engine = True

def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

# Engine: `validate` on a generated 200-stage pipeline (a chain with side branches); best of 5.
pipeline = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
pipeline.write("pipeline: bench-200\nstages:\n  s0: {use: test.emit, with: {value: 1}}\n")
for i in range(1, 200):
    b = "s0.number" if i // 2 == 0 else f"s{i // 2}.sum"
    a = "s0.number" if i == 1 else f"s{i - 1}.sum"
    pipeline.write(f"  s{i}: {{use: test.add, in: {{a: {a}, b: {b}}}, with: {{offset: {i % 7}}}}}\n")
pipeline.close()

def engine(directory):
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([os.path.join(directory, "EngineTestbed"), "validate", pipeline.name], check=True, stdout=subprocess.DEVNULL)
        runs.append((time.perf_counter() - start) * 1000)
    return {"validate_200_stages_ms": round(min(runs), 1)}

def run(directory, name):
    if name == "engine":
        return engine(directory)
    output = subprocess.run([os.path.join(directory, name)], check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output)

order = (["engine"] if include_engine else []) + names
meta = {
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "commit": commit,
    "cpu": cpu_model(),
    "cores": os.cpu_count(),
    "load_average_1min_start": load_average(),
    "binaries": kept,
}

if not baseline_file:
    results = {name: run(kept, name) for name in order}
    meta["load_average_1min_end"] = load_average()
    meta["openblas_core"] = results.get("TensorsBench", {}).get("openblas_core", "not measured")
    print(json.dumps({"meta": meta, **results}, indent=2, sort_keys=True))
    sys.exit(0)

with open(baseline_file) as f:
    baseline = json.load(f)
old = baseline.get("meta", {}).get("binaries")
if not old or not os.path.isdir(old):
    sys.exit(f"bench.sh: the baseline {baseline_file} names no kept binaries ({old}); re-create it with this script")

def higher_is_better(key):
    # Throughputs and speed ratios (names end in _gflops, _per_second, _fps or _ratio); time ratios
    # (`*_time_ratio_to_*`) and everything else are times.
    return key.endswith(("_gflops", "_per_second", "_fps", "_ratio")) and "_time_ratio_" not in key

def is_measurement(key, value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not key.startswith(("load_average", "threads", "gaussians_", "triangles", "tiles_per", "bytes_per")) and not any(
        word in key for word in ("_found", "checksum", "image_size", "_threads"))

samples = {"baseline": {}, "current": {}}
for name in order:
    for _ in range(rounds):
        for side, directory in (("baseline", old), ("current", kept)):
            for key, value in run(directory, name).items():
                if is_measurement(key, value):
                    samples[side].setdefault(name, {}).setdefault(key, []).append(value)
comparison = {}
for name in order:
    for key in sorted(samples["current"].get(name, {})):
        new_values = samples["current"][name][key]
        old_values = samples["baseline"].get(name, {}).get(key)
        if not old_values:
            continue
        before, after = statistics.median(old_values), statistics.median(new_values)
        if before == 0 or after == 0:
            continue
        speedup = after / before if higher_is_better(key) else before / after
        comparison.setdefault(name, {})[key] = {"baseline": round(before, 4), "current": round(after, 4), "speedup": round(speedup, 3)}
meta["load_average_1min_end"] = load_average()
meta["rounds"] = rounds
meta["baseline"] = baseline.get("meta", {})
print(json.dumps({"meta": meta, **comparison}, indent=2, sort_keys=True))
PY
