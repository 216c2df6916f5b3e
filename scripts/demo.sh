#!/usr/bin/env bash
# Installs what is missing, builds the CLI in release mode and runs the default pipeline
# (Pipelines/quickstart.yaml) on the embedded synthetic capture. The video lands in
# runs/quickstart-<timestamp>/outputs/video/video.mp4. Extra arguments go to `avatarflow run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product avatarflow
.build/release/avatarflow run Pipelines/quickstart.yaml "$@"
run=$(ls -td runs/quickstart-* | head -n 1)
echo "video: $run/outputs/video/video.mp4"
