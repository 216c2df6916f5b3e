#!/usr/bin/env python3
"""Compares a Tracking artifact with the ground-truth joint rotations of a synthetic capture.

Usage: scripts/tracking-vs-truth.py <tracking dir or tracking.json> <capture dir> [sequence]

Prints, over the frames, the mean and worst angle (degrees) between the fitted and the true
rotation of the root, the neck, and the head (root·neck, what the face shows), and the mean
landmark reprojection error the fit recorded. Rotations are axis-angle (docs/head-model-format.md);
the true ones are groundtruth/<sequence>/pose.f32 (docs/synthetic-capture.md).
"""
import json
import math
import os
import struct
import sys


def matrix(v):
    angle = math.sqrt(sum(c * c for c in v))
    if angle < 1e-12:
        return [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    x, y, z = (c / angle for c in v)
    c, s, t = math.cos(angle), math.sin(angle), 1 - math.cos(angle)
    return [[t * x * x + c, t * x * y - s * z, t * x * z + s * y],
            [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
            [t * x * z - s * y, t * y * z + s * x, t * z * z + c]]


def product(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def angle(a, b):
    trace = sum(a[k][i] * b[k][i] for i in range(3) for k in range(3))
    return math.degrees(math.acos(max(-1.0, min(1.0, (trace - 1) / 2))))


def main():
    tracking_path, capture = sys.argv[1], sys.argv[2]
    sequence = sys.argv[3] if len(sys.argv) > 3 else "training"
    if os.path.isdir(tracking_path):
        tracking_path = os.path.join(tracking_path, "tracking.json")
    tracking = json.load(open(tracking_path))
    manifest = json.load(open(os.path.join(capture, "groundtruth", "groundtruth.json")))
    joints = manifest["joints"]
    entry = manifest["sequences"][sequence]["arrays"]["pose"]
    frames, width = entry["shape"]
    raw = open(os.path.join(capture, "groundtruth", entry["file"]), "rb").read()
    values = struct.unpack("<%df" % (frames * width), raw)
    pose = [values[f * width:(f + 1) * width] for f in range(frames)]
    root, neck = joints.index("root"), joints.index("neck")
    errors = {"root": [], "neck": [], "head": []}
    true_neck = []
    for f, state in enumerate(tracking["frames"][:frames]):
        true_root_m = matrix(pose[f][3 * root:3 * root + 3])
        true_neck_m = matrix(pose[f][3 * neck:3 * neck + 3])
        fit_root_m = matrix(state["rotation"])
        fit_neck_m = matrix(state.get("neck", [0, 0, 0]))
        errors["root"].append(angle(fit_root_m, true_root_m))
        errors["neck"].append(angle(fit_neck_m, true_neck_m))
        errors["head"].append(angle(product(fit_root_m, fit_neck_m), product(true_root_m, true_neck_m)))
        true_neck.append(math.degrees(math.sqrt(sum(c * c for c in pose[f][3 * neck:3 * neck + 3]))))
    n = len(errors["neck"])
    print("frames %d; true |neck| mean %.2f deg" % (n, sum(true_neck) / n))
    for name, values in errors.items():
        print("%s rotation error: mean %.2f deg, worst %.2f deg" % (name, sum(values) / n, max(values)))
    residuals = [s["meanResidualPixels"] for s in tracking["frames"] if s.get("meanResidualPixels") is not None]
    print("landmark reprojection error: mean %.2f px over %d frames" % (sum(residuals) / len(residuals), len(residuals)))


if __name__ == "__main__":
    main()
