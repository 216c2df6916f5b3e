#!/usr/bin/env bash
# Installs what is missing, builds the CLI in release mode and runs the default pipeline on the
# embedded synthetic capture: Pipelines/gaussian-head-avatar.yaml (Gaussian Head Avatar, CPU preset;
# see docs/gaussian-head-avatar.md for its wall time on 2 cores), which writes a reenactment video
# of the held-out frames and a novel-view orbit video. Another pipeline:
# DEMO_PIPELINE=Pipelines/gaussian-avatars.yaml (GaussianAvatars, about 1.5 minutes) or
# DEMO_PIPELINE=Pipelines/quickstart.yaml (about 15 s). Extra arguments go to `avatarflow run`
# (e.g. --set iterations=500). The run's HTML report is written to runs/<run>/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
pipeline=${DEMO_PIPELINE:-Pipelines/gaussian-head-avatar.yaml}
scripts/setup.sh
swift build -c release --product avatarflow
.build/release/avatarflow run "$pipeline" --report "$@"
name=$(sed -n 's/^pipeline: *//p' "$pipeline" | head -n 1)
run=$(ls -td "runs/$name"-* | head -n 1)
for output in "$run"/outputs/*; do
    [ -f "$output/video.mp4" ] && echo "$(basename "$output"): $output/video.mp4"
done
[ -f "$run/outputs/metrics/metrics.md" ] && echo "metrics: $run/outputs/metrics/metrics.md"
echo "report: $run/report.html"
exit 0
