#!/usr/bin/env python3
"""How much better than bicubic can a ×2 upsampler of an avatar's renders be?

Usage: scripts/upsampling-bound.py <renders> <references> [<upsampled> ...]

<renders> is a FrameSet of low-resolution renders (e.g. a run's `reenact` output), <references>
the FrameSet of references at twice the size (e.g. `matte_hr`), each <upsampled> a FrameSet of
upsampled renders (`superres.apply`, `superres.resize`). Frames are paired by their source frame
index, as eval.images pairs them; PSNR is the mean over images of the stored RGB (alpha ignored),
as eval.images computes it.

The bound: an upsampler whose output keeps the render's 2×2 block means splits its squared error
into the error of those means, which is the render's error against the 2×2-box-downsampled
reference, and a non-negative detail part. So no such upsampler scores above
PSNR(render, boxdown(reference)); what lies between that and bicubic is all an upsampler can win
without changing what the avatar drew. PNGs are read with ffmpeg; plain Python otherwise
(docs/superres.md).
"""
import json
import math
import os
import subprocess
import sys


def read_png(path):
    """The image's RGB bytes, row-major, 3 per pixel."""
    return subprocess.run(
        ['ffmpeg', '-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
        capture_output=True, check=True).stdout


def frame_set(directory):
    with open(os.path.join(directory, 'frameset.json')) as file:
        manifest = json.load(file)
    return manifest, lambda camera, frame: os.path.join(directory, camera, '%06d.png' % frame)


def psnr(a, b):
    """PSNR in dB of two equal-length sequences of values in [0, 1]."""
    error = sum((x - y) ** 2 for x, y in zip(a, b)) / len(a)
    return -10 * math.log10(error)


def box_downsampled(raw, width, height):
    """The 2×2 block means of an RGB image, as floats in [0, 1]."""
    out = []
    for y in range(0, height, 2):
        top, bottom = y * width * 3, (y + 1) * width * 3
        for x in range(0, width * 3, 6):
            for c in range(3):
                i = x + c
                out.append((raw[top + i] + raw[top + i + 3] + raw[bottom + i] + raw[bottom + i + 3]) / (4 * 255))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    renders, render_path = frame_set(sys.argv[1])
    references, reference_path = frame_set(sys.argv[2])
    by_source = {source: k for k, source in enumerate(references['source_frame_indices'])}
    pairs = [(camera, k, by_source[source]) for camera in renders['cameras']
             for k, source in enumerate(renders['source_frame_indices'])]
    reference = {(camera, j): read_png(reference_path(camera, j)) for camera, _, j in pairs}
    size = (references['width'], references['height'])
    bound = [psnr([v / 255 for v in read_png(render_path(camera, k))], box_downsampled(reference[(camera, j)], *size))
             for camera, k, j in pairs]
    print('bound (renders vs the 2x2-box-downsampled references): %.2f dB over %d images' % (sum(bound) / len(bound), len(pairs)))
    for directory in sys.argv[3:]:
        _, upsampled_path = frame_set(directory)
        scores = [psnr([v / 255 for v in read_png(upsampled_path(camera, k))], [v / 255 for v in reference[(camera, j)]])
                  for camera, k, j in pairs]
        print('%s: %.2f dB' % (directory, sum(scores) / len(scores)))


if __name__ == '__main__':
    main()
