#!/usr/bin/env bash
# Builds (if needed) and runs one libFuzzer target for SECONDS on a scratch copy of its seed corpus.
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags…]     e.g. scripts/fuzz.sh FuzzPNG 600
#   scripts/fuzz.sh --list                                       the targets
#   scripts/fuzz.sh --build                                      build every target, run none
#   scripts/fuzz.sh TARGET --replay FILE…                        run the target once on each FILE (a crash reproducer)
# The build is `swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld` with
# AVATARFLOW_FUZZ=1 in .build-fuzz (the regular .build is untouched; AVATARFLOW_FUZZ_SKIP_BUILD=1 skips
# it). Bounds: -rss_limit_mb=2048 -malloc_limit_mb=1024, a 10 s timeout per input; scratch files of
# loaders that read paths go to /dev/shm. The committed seeds in Fuzz/Corpus/<TARGET>/ are never
# written; new corpus entries and crash files go to .build-fuzz/corpus/<TARGET>/ and
# .build-fuzz/artifacts/<TARGET>/.
# Prints the executions, the time and the result (exit status 0: no crash, leak or over-limit allocation).
# See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(FuzzPipeline FuzzCameras FuzzFrameSet FuzzArtifactManifest FuzzPNG FuzzVideoProbe FuzzDlib FuzzHaar
    FuzzPLYMesh FuzzGaussianPLY FuzzSafetensors FuzzNPZ FuzzHeadModel FuzzCheckpoint)
scratch=.build-fuzz

build() {
    AVATARFLOW_FUZZ=1 nice -n 10 swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
        --scratch-path "$scratch" --product "$1"
}

# Largest input per target: room for a few small files, far below what the loaders' own bounds allow.
max_len() {
    case "$1" in
        FuzzVideoProbe) echo 16384 ;;
        FuzzHeadModel | FuzzHaar | FuzzPipeline) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

case "${1:-}" in
    "" | -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
    --list) printf '%s\n' "${targets[@]}"; exit 0 ;;
    --build) for target in "${targets[@]}"; do build "$target"; done; exit 0 ;;
esac
target=$1
[[ " ${targets[*]} " == *" $target "* ]] || { echo "unknown target '$target'; scripts/fuzz.sh --list names them" >&2; exit 2; }
# AVATARFLOW_FUZZ_SKIP_BUILD=1 runs the binary already in .build-fuzz (e.g. while another target builds).
[[ "${AVATARFLOW_FUZZ_SKIP_BUILD:-0}" == 1 ]] || build "$target"
binary=$scratch/release/$target
# Per-input scratch files go to tmpfs: on ext4, emptying and refilling a directory per input is 10-20x slower.
if [[ -d /dev/shm && -w /dev/shm ]]; then tmp=/dev/shm/avatarflow-fuzz-$(id -u)/$target; else tmp=$PWD/$scratch/tmp/$target; fi
mkdir -p "$tmp"
# libFuzzer, not the Swift runtime's backtracer, must handle a trap: it writes the crash input.
export SWIFT_BACKTRACE=enable=no
# Known leaks outside AvatarFlow (the toolchain's Foundation), see the file.
export LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan-suppressions.txt
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_len="$(max_len "$target")")

if [[ "${2:-}" == "--replay" ]]; then
    shift 2
    TMPDIR=$tmp "$binary" "${limits[@]}" "$@"
    exit
fi
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
corpus=$scratch/corpus/$target
artifacts=$scratch/artifacts/$target
mkdir -p "$corpus" "$artifacts"
cp -n Fuzz/Corpus/"$target"/* "$corpus"/
log=$scratch/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log
mkdir -p "$(dirname "$log")"
status=0
TMPDIR=$tmp nice -n 10 "$binary" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "$corpus" >"$log" 2>&1 || status=$?
rm -rf "$tmp"
executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
elapsed=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "?")
peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
if [[ $status -eq 0 ]]; then
    echo "$target: $executions executions in ${elapsed}s, peak RSS ${peak} MB, no crash (log: $log)"
else
    echo "$target: FAILED after $executions executions (status $status); reproducer in $artifacts/, log: $log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error)' "$log" | head -5 || true
fi
exit $status
