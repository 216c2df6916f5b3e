#!/usr/bin/env bash
# Runs HHAvatar, its Table 5 ablations (w/o dynamic hair, w/o occlusion perception) and GHA on the same hair-swing capture and
# prints one Markdown table with `avatarflow compare`: self-reenactment of the held-out frames from
# every training camera, overall and inside the hair region (the capture's labels), the held-out
# cameras on training and held-out frames, and training figures. docs/hhavatar.md.
# The runs share the engine's cache, so everything up to the guidance runs once.
#
# Usage: scripts/ablations-hhavatar.sh [--set KEY=VALUE ...]   (run from the repository root)
#   e.g. --set train.seed=1 for another training seed, --set iterations=1200 for a quick look.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/avatarflow
[ -x "$binary" ] || swift build -c release --product avatarflow
pipelines=(
  hhavatar                      # Full
  hhavatar-no-hair-dynamics     # W/o dynamic hair
  hhavatar-no-occlusion         # W/o occlusion perception
  hhavatar-gha                  # GHA on the same capture
)
runs=()
for pipeline in "${pipelines[@]}"; do
  log=$(mktemp)
  echo "running $pipeline …" >&2
  if ! "$binary" run "Pipelines/$pipeline.yaml" "$@" > "$log" 2>&1; then
    echo "$pipeline failed; log: $log" >&2
    exit 1
  fi
  runs+=("$(awk '/^run directory:/ {print $3}' "$log")")
  rm -f "$log"
done
metrics=(
  --metric metrics.overall.psnr_db                   # self-reenactment PSNR (dB), held-out frames
  --metric metrics.overall.ssim
  --metric metrics.regions.hair.overall.psnr_db      # … inside the hair
  --metric metrics.regions.face.overall.psnr_db      # … inside the face
  --metric novel_view_metrics.overall.psnr_db        # held-out cameras, training frames
  --metric novel_view_test_metrics.overall.psnr_db   # held-out cameras, held-out frames
  --metric avatar.training_psnr_db
  --metric avatar.iterations_per_second
)
"$binary" compare "${runs[@]}" "${metrics[@]}"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
