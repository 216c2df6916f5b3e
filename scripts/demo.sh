#!/usr/bin/env bash
# Installs what is missing, builds the CLI in release mode and runs the default pipeline on the
# embedded synthetic capture: Pipelines/gaussian-avatars.yaml (GaussianAvatars, CPU preset, about
# 6 minutes on 2 cores after the build). Another pipeline: DEMO_PIPELINE=Pipelines/quickstart.yaml
# (about 15 s). Extra arguments go to `avatarflow run` (e.g. --set iterations=500).
set -euo pipefail
cd "$(dirname "$0")/.."
pipeline=${DEMO_PIPELINE:-Pipelines/gaussian-avatars.yaml}
scripts/setup.sh
swift build -c release --product avatarflow
.build/release/avatarflow run "$pipeline" "$@"
name=$(sed -n 's/^pipeline: *//p' "$pipeline" | head -n 1)
run=$(ls -td "runs/$name"-* | head -n 1)
echo "video: $run/outputs/video/video.mp4"
