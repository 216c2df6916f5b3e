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
without changing what the avatar drew. PNGs are read with ffmpeg (docs/superres.md).
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np


def read_png(path):
    with open(path, 'rb') as file:
        width, height = struct.unpack('>II', file.read(24)[16:24])
    raw = subprocess.run(
        ['ffmpeg', '-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
        capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 4)[..., :3].astype(np.float64) / 255


def frame_set(directory):
    with open(os.path.join(directory, 'frameset.json')) as file:
        manifest = json.load(file)
    return manifest, lambda camera, frame: os.path.join(directory, camera, '%06d.png' % frame)


def psnr(a, b):
    return -10 * np.log10(np.mean((a - b) ** 2))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    renders, render_path = frame_set(sys.argv[1])
    references, reference_path = frame_set(sys.argv[2])
    by_source = {source: k for k, source in enumerate(references['source_frame_indices'])}
    pairs = [(camera, k, by_source[source]) for camera in renders['cameras']
             for k, source in enumerate(renders['source_frame_indices'])]
    reference = {(camera, j): read_png(reference_path(camera, j)) for camera, _, j in pairs}
    h, w = renders['height'], renders['width']
    bound = [psnr(read_png(render_path(camera, k)), reference[(camera, j)].reshape(h, 2, w, 2, 3).mean(axis=(1, 3)))
             for camera, k, j in pairs]
    print('bound (renders vs the 2x2-box-downsampled references): %.2f dB over %d images' % (np.mean(bound), len(pairs)))
    for directory in sys.argv[3:]:
        _, upsampled_path = frame_set(directory)
        scores = [psnr(read_png(upsampled_path(camera, k)), reference[(camera, j)]) for camera, k, j in pairs]
        print('%s: %.2f dB' % (directory, np.mean(scores)))


if __name__ == '__main__':
    main()
