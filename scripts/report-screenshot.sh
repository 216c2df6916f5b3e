#!/usr/bin/env bash
# Renders a run's HTML report with headless Chromium (Debian's `chromium`, installed when missing)
# and checks the picture is not blank: it must hold dark text on a light page. Writes
# docs/report-screenshot.png by default — the README's screenshot, made from the demo's run:
#   scripts/demo.sh && scripts/report-screenshot.sh "$(ls -td runs/gaussian-head-avatar-* | head -n 1)"
# Usage: scripts/report-screenshot.sh RUN_DIR [OUT.png] (WIDTH and HEIGHT set the window, default 1150×1900).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: scripts/report-screenshot.sh RUN_DIR [OUT.png]}
out=${2:-docs/report-screenshot.png}
width=${WIDTH:-1150}
height=${HEIGHT:-1900}

if ! command -v chromium >/dev/null 2>&1; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y chromium >&2
fi
avatarflow=.build/release/avatarflow
[ -x "$avatarflow" ] || { scripts/setup.sh >&2 && swift build -c release --product avatarflow >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$avatarflow" report "$run" -o "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
  --screenshot="$work/shot.png" "file://$work/report.html" >/dev/null 2>&1

# Not blank: the right size, dark text (low luma minimum) on a light page (high mean luma).
ffprobe -v error -f lavfi "movie=$work/shot.png,signalstats" -of json -show_entries \
  stream=width,height:frame_tags=lavfi.signalstats.YMIN,lavfi.signalstats.YMAX,lavfi.signalstats.YAVG >"$work/stats.json"
if ! python3 - "$work/stats.json" "$width" "$height" <<'PY'; then
import json, sys
stats = json.load(open(sys.argv[1]))
size = (stats["streams"][0]["width"], stats["streams"][0]["height"])
tags = {key.split(".")[-1]: float(value) for key, value in stats["frames"][0]["tags"].items()}
print(f"screenshot: {size[0]}×{size[1]}, luma min {tags['YMIN']:.0f}, max {tags['YMAX']:.0f}, mean {tags['YAVG']:.1f}")
sys.exit(0 if size == (int(sys.argv[2]), int(sys.argv[3])) and tags["YMIN"] <= 60 and tags["YMAX"] >= 200 and tags["YAVG"] >= 150 else 1)
PY
  echo "report-screenshot: the screenshot looks blank or broken (kept as $out.failed.png)" >&2
  cp "$work/shot.png" "$out.failed.png"
  exit 1
fi
cp "$work/shot.png" "$out"
echo "wrote $out"
