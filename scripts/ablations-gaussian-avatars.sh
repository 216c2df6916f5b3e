#!/usr/bin/env bash
# Runs GaussianAvatars and its Table 2 ablation pipelines on the default synthetic capture and
# prints one Markdown table with `avatarflow compare`: one row per run, the settings each ablation
# changes, then novel view (held-out camera, the train stage's training.json), self-reenactment
# (held-out frames from every camera, the score stage's report) and training figures.
# The same comparison as HTML (with the training curves overlaid) goes to runs/ablations-gaussian-avatars.html.
# The runs share the engine's cache (.avatarflow/ in the current directory), so the capture,
# matting, landmarks and tracking stages run once; each ablation re-runs train and what follows.
#
# Usage: scripts/ablations-gaussian-avatars.sh [--set KEY=VALUE ...]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/avatarflow
[ -x "$binary" ] || swift build -c release --product avatarflow
pipelines=(
  gaussian-avatars                              # Ours
  gaussian-avatars-no-density-control           # w/o ADC
  gaussian-avatars-no-scale-loss                # w/o L_scaling
  gaussian-avatars-scale-loss-no-threshold      # w/o ε_scaling
  gaussian-avatars-no-position-loss             # w/o L_position
  gaussian-avatars-position-loss-no-threshold   # w/o ε_position
  gaussian-avatars-no-tracking-finetune         # w/o FLAME ft.
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
  --metric avatar.held_out_camera_psnr_db   # novel view PSNR (dB)
  --metric metrics.overall.psnr_db          # self-reenactment PSNR (dB)
  --metric metrics.overall.ssim             # self-reenactment SSIM
  --metric avatar.training_psnr_db          # training views PSNR (dB)
  --metric avatar.gaussian_count
  --metric avatar.iterations_per_second
)
"$binary" compare "${runs[@]}" "${metrics[@]}"
"$binary" compare "${runs[@]}" "${metrics[@]}" -o runs/ablations-gaussian-avatars.html >&2
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
