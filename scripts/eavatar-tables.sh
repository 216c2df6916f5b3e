#!/usr/bin/env bash
# Runs EAvatar's Table 4 rows (eavatar-baseline = GHA, eavatar-control, eavatar-control-split,
# eavatar = full with the prior mesh) and its Table 3 sweep (eavatar-control-threshold: τ_c 0.15 /
# 0.3 / 0.4) on the expressive synthetic capture and prints both as Markdown tables with
# `avatarflow compare`: self-reenactment PSNR/SSIM over every training camera and in the mouth and
# eyes regions, novel-view PSNR, Gaussian count and speed. (LPIPS is not computed: no network
# weights ship; SSIM and the region scores stand in.)
# The runs share the engine's cache (.avatarflow/ in the current directory): capture, matting,
# tracking and guidance run once per guidance variant; each row re-runs `train` and what follows.
# SEEDS="0 1 2" repeats every row with train.seed 0, 1 and 2 (the seed spread of the note).
# KERNEL=1 also runs the control-kernel sweep (eavatar-control-kernel: r × σ, nine runs) once,
# with the first seed, and prints it as a third table.
#
# Usage: [SEEDS="0 1 2"] [KERNEL=1] scripts/eavatar-tables.sh [--set KEY=VALUE ...]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/avatarflow
[ -x "$binary" ] || swift build -c release --product avatarflow
seeds=(${SEEDS:-0})
run() {  # run PIPELINE ARGS... → prints the run directories
  local log
  log=$(mktemp)
  echo "running $1 ${*:2} …" >&2
  if ! "$binary" run "Pipelines/$1.yaml" "${@:2}" > "$log" 2>&1; then
    echo "$1 failed; log: $log" >&2
    exit 1
  fi
  awk '/^run directory:/ {print $3}' "$log"
  rm -f "$log"
}
metrics=(
  --metric metrics.overall.psnr_db                 # self-reenactment PSNR (dB), all training cameras
  --metric metrics.overall.ssim
  --metric metrics.regions.mouth.overall.psnr_db   # mouth region PSNR (dB)
  --metric metrics.regions.eyes.overall.psnr_db    # eyes region PSNR (dB)
  --metric novel_view_metrics.overall.psnr_db      # held-out cameras, training frames
  --metric avatar.gaussian_count
  --metric avatar.iterations_per_second
)
table4=() table3=()
for seed in "${seeds[@]}"; do
  for pipeline in eavatar-baseline eavatar-control eavatar-control-split eavatar; do
    while read -r dir; do table4+=("$dir"); done < <(run "$pipeline" --set "seed=$seed" "$@")
  done
  while read -r dir; do table3+=("$dir"); done < <(run eavatar-control-threshold --set "seed=$seed" "$@")
done
echo "## Table 4 (ablation)"
"$binary" compare "${table4[@]}" "${metrics[@]}"
echo
echo "## Table 3 (control threshold τ_c)"
"$binary" compare "${table3[@]}" "${metrics[@]}"
if [ "${KERNEL:-0}" = 1 ]; then
  kernel=()
  while read -r dir; do kernel+=("$dir"); done < <(run eavatar-control-kernel --set "seed=${seeds[0]}" "$@")
  echo
  echo "## Control kernel (radius r × width σ, canonical units)"
  "$binary" compare "${kernel[@]}" "${metrics[@]}"
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
