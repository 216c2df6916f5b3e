#!/usr/bin/env python3
"""Writes the small seed corpora under Fuzz/Corpus/<Target>/ (docs/fuzzing.md). Deterministic; re-run
after a format change. Video seeds need the ffmpeg command-line tool."""
import json, os, struct, subprocess, sys, zipfile, zlib, io

ROOT = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def container(first, files):
    """A directory container (Fuzz/FuzzSupport/FuzzScratch.swift): first file, then `#FILE name` parts."""
    out = first
    for name, data in files:
        out += b"\n#FILE " + name.encode() + b"\n" + data
    return out


# PNG: tiny files of several colour types and bit depths.
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, colour, depth, raw, extra=b""):
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


put("FuzzPNG", "rgb8.png", png(2, 2, 2, 8, b"\0" + bytes(range(6)) + b"\0" + bytes(range(6, 12))))
put("FuzzPNG", "grey16.png", png(2, 1, 0, 16, b"\0\x01\x02\x03\x04"))
put("FuzzPNG", "rgba8.png", png(1, 1, 6, 8, b"\0\x10\x20\x30\x40"))
put("FuzzPNG", "palette-trns.png", png(2, 1, 3, 8, b"\0\x00\x01", chunk(b"PLTE", b"\xff\0\0\0\xff\0") + chunk(b"tRNS", b"\x80")))
put("FuzzPNG", "grey1.png", png(8, 1, 0, 1, b"\0\xa5"))

# PLY triangle meshes.
tri_ascii = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n" \
    "element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"
put("FuzzPLYMesh", "triangle-ascii.ply", tri_ascii)
binary_header = "ply\nformat binary_little_endian 1.0\ncomment seed\nelement vertex 3\nproperty float x\nproperty float y\n" \
    "property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
put("FuzzPLYMesh", "triangle-binary.ply", binary_header.encode() + struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0) + b"\x03" + struct.pack("<3i", 0, 1, 2))
quad = "ply\nformat ascii 1.0\nelement vertex 4\nproperty double x\nproperty double y\nproperty double z\nproperty uchar red\n" \
    "element face 1\nproperty list uchar uint vertex_indices\nend_header\n0 0 0 1\n1 0 0 2\n1 1 0 3\n0 1 0 4\n4 0 1 2 3\n"
put("FuzzPLYMesh", "quad-ascii.ply", quad)

# 3DGS PLY: two Gaussians, degree-0 colours, one with an extra f_rest block.
def gaussian_ply(names, rows):
    header = "ply\nformat binary_little_endian 1.0\nelement vertex %d\n" % len(rows)
    header += "".join("property float %s\n" % n for n in names) + "end_header\n"
    return header.encode() + b"".join(struct.pack("<%df" % len(names), *r) for r in rows)


base = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
put("FuzzGaussianPLY", "two-gaussians.ply", gaussian_ply(base, [[0, 0, 0, 0, 0, 0, 0.5, 0.1, -0.2, 0.3, -3, -3, -3, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, -2, -2, -2, 0, 1, 0, 0]]))
rest = base + ["f_rest_%d" % i for i in range(9)]
put("FuzzGaussianPLY", "degree1.ply", gaussian_ply(rest, [[0.1 * i for i in range(len(rest))]]))

# safetensors.
def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (shape, values) in tensors.items():
        data = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs += data
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + blobs


put("FuzzSafetensors", "two-tensors.safetensors", safetensors({"w": ([2, 2], [1, 2, 3, 4]), "b": ([2], [0.5, -1])}, {"step": "3"}))
put("FuzzSafetensors", "scalar.safetensors", safetensors({"s": ([], [7])}))

# .npz: stored zip members holding .npy arrays.
def npy(descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, "(%s)" % "".join("%d," % s for s in shape) if len(shape) == 1 else str(tuple(shape)))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def npz(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
    return buffer.getvalue()


put("FuzzNPZ", "f4-i8.npz", npz([("a.npy", npy("<f4", [2, 2], struct.pack("<4f", 1, 2, 3, 4))), ("b.npy", npy("<i8", [3], struct.pack("<3q", 1, -2, 3)))]))
put("FuzzNPZ", "f8.npz", npz([("c.npy", npy("<f8", [1], struct.pack("<d", 0.25)))]))

# dlib shape predictor: 2 landmarks, 1 cascade of 1 depth-1 tree, 2 feature pixels.
def dlib_int(value):
    magnitude = abs(value)
    raw = magnitude.to_bytes(max(1, (magnitude.bit_length() + 7) // 8), "little")
    return bytes([len(raw) | (0x80 if value < 0 else 0)]) + raw


def dlib_float(mantissa, exponent):
    return dlib_int(mantissa) + dlib_int(exponent)


def dlib_vector(values):
    return dlib_int(-len(values)) + dlib_int(-1) + b"".join(dlib_float(m, e) for m, e in values)


model = dlib_int(1) + dlib_vector([(1, -1), (1, -2), (3, -2), (1, -2)])
model += dlib_int(1) + dlib_int(1)  # one cascade of one tree
model += dlib_int(1) + dlib_int(0) + dlib_int(1) + dlib_float(5, 0)  # one split: pixels 0, 1, threshold 5
model += dlib_int(2) + dlib_vector([(1, -4)] * 4) + dlib_vector([(-1, -4)] * 4)  # two leaves
model += dlib_int(1) + dlib_int(2) + dlib_int(0) + dlib_int(1)  # anchors
model += dlib_int(1) + dlib_int(2) + dlib_float(1, -3) + dlib_float(-1, -3) + dlib_float(0, 0) + dlib_float(1, -3)  # deltas
put("FuzzDlib", "tiny-model.dat", model)

# Haar cascade XML: a 1-stage cascade in OpenCV's new format, and one in the old format prefix.
haar = """<?xml version="1.0"?>
<opencv_storage>
<cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
  <featureType>HAAR</featureType>
  <height>24</height>
  <width>24</width>
  <stageParams><maxWeakCount>2</maxWeakCount></stageParams>
  <featureParams><maxCatCount>0</maxCatCount></featureParams>
  <stageNum>1</stageNum>
  <stages>
    <_>
      <maxWeakCount>2</maxWeakCount>
      <stageThreshold>-1.5</stageThreshold>
      <weakClassifiers>
        <_>
          <internalNodes>
            0 -1 0 -3.1511999666690826e-02</internalNodes>
          <leafValues>
            2.0875380039215088e+00 -2.2172100543975830e+00</leafValues></_>
        <_>
          <internalNodes>
            0 -1 1 1.2396000325679779e-02</internalNodes>
          <leafValues>
            -1.8633940219879150e+00 1.3272049427032471e+00</leafValues></_></weakClassifiers></_></stages>
  <features>
    <_>
      <rects>
        <_>
          6 4 12 9 -1.</_>
        <_>
          6 7 12 3 3.</_></rects></_>
    <_>
      <rects>
        <_>
          6 4 12 7 -1.</_>
        <_>
          10 4 4 7 3.</_></rects>
      <tilted>0</tilted></_></features></cascade>
</opencv_storage>
"""
put("FuzzHaar", "one-stage.xml", haar)
put("FuzzHaar", "comments-entities.xml", '<?xml version="1.0"?>\n<!-- c --><a x="1" y=\'&amp;&lt;\'><b/><![CDATA[<raw>]]>text &#65;</a>\n')

# Head model: 3 vertices, 1 triangle, no bases, 2 joints, 68 landmarks on triangle 0.
def blob(fmt, values):
    return struct.pack("<%d%s" % (len(values), fmt), *values)


head_blobs = {
    "template_vertices": ("float32", [3, 3], blob("f", [0, 0, 0, 1, 0, 0, 0, 1, 0])),
    "triangles": ("int32", [1, 3], blob("i", [0, 1, 2])),
    "identity_basis": ("float32", [0, 3, 3], b""),
    "expression_basis": ("float32", [1, 3, 3], blob("f", [0.1] * 9)),
    "joint_regressor": ("float32", [2, 3], blob("f", [1 / 3] * 6)),
    "skinning_weights": ("float32", [3, 2], blob("f", [1, 0, 0, 1, 0.5, 0.5])),
    "landmark_triangles": ("int32", [68], blob("i", [0] * 68)),
    "landmark_barycentrics": ("float32", [68, 3], blob("f", [1 / 3] * 204)),
    "vertex_regions": ("int32", [3], blob("i", [0, 1, 2])),
}
head_manifest = {
    "format": "avatarflow-head-model", "version": 1, "name": "seed", "units": "metres", "axes": "x left, y up, z out",
    "vertex_count": 3, "triangle_count": 1, "identity_names": [], "expression_names": ["open"],
    "joints": [{"name": "root", "parent": -1}, {"name": "neck", "parent": 0}],
    "regions": ["face", "scalp", "neck", "eyes", "mouth_interior", "ears"], "landmark_convention": "ibug68",
    "blobs": {key: {"file": key + (".f32" if dtype == "float32" else ".i32"), "dtype": dtype, "shape": shape} for key, (dtype, shape, _) in head_blobs.items()},
}
put("FuzzHeadModel", "tiny-head.container", container(json.dumps(head_manifest, indent=1).encode(),
    [(key + (".f32" if dtype == "float32" else ".i32"), data) for key, (dtype, shape, data) in head_blobs.items()]))

# Checkpoint: checkpoint.json naming a safetensors file.
record = {"iteration": 120, "generator_state": 12345, "parameters_file": "parameters.safetensors"}
put("FuzzCheckpoint", "checkpoint.container", container(json.dumps(record).encode(),
    [("parameters.safetensors", safetensors({"means": ([2, 3], [0.0] * 6), "adam.m.means": ([2, 3], [0.1] * 6)}, {"adam.step.means": "120"}))]))

# cameras.json (+ an image-folder-free capture: media named but absent) and a capture with a 1-frame PNG video file name.
camera = {"id": "cam0", "width": 2, "height": 2, "fx": 600.0, "fy": 600.0, "cx": 0.5, "cy": 0.5,
          "world_to_camera": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2.5, 0, 0, 0, 1]}
put("FuzzCameras", "one-camera.json", json.dumps({"fps": 25, "units": "metres", "cameras": [dict(camera, media="cam0.png")]}, indent=1))
put("FuzzCameras", "two-cameras.container", container(json.dumps({"cameras": [camera, dict(camera, id="cam1", distortion=[0.1, 0, 0, 0, 0])]}).encode(),
    [("cam0.png", png(2, 2, 2, 8, b"\0" + bytes(range(6)) + b"\0" + bytes(range(6, 12))))]))

# FrameSet manifests.
frameset = {"format": "avatarflow.frameset", "version": 1, "cameras": ["cam0"], "width": 2, "height": 2, "channels": 3,
            "frame_count": 2, "frame_rate": {"numerator": 25, "denominator": 1}, "timestamps": [0, 0.04], "source_frame_indices": [0, 1]}
put("FuzzFrameSet", "frameset.json", json.dumps(frameset, indent=1))
put("FuzzFrameSet", "calibrated.json", json.dumps(dict(frameset, calibrations=[camera], channels=4)))

# Artifact manifests: avatar.json, guidance.json and an artifact-store stage record.
avatar = {"format": "avatarflow.avatar", "version": 1, "family": "gaussian-avatars", "head_model": {"name": "avatarflow-procedural-v1", "path": ""},
          "identity": [0.1, 0], "scale": 1, "sh_degree": 0, "gaussian_count": 2, "background": [1, 1, 1], "parameters_file": "gaussians.safetensors",
          "training_cameras": ["cam00"], "held_out_cameras": [], "iterations": 10}
put("FuzzArtifactManifest", "avatar.json", json.dumps(avatar, indent=1))
put("FuzzArtifactManifest", "stage.json", json.dumps({
    "cacheKey": "5811d000c46e20f9412cd531f5b2b0b5c339bda0e1de3bcb881b4d213ba0ff51", "committedAt": 1796584722.8, "durationSeconds": 8.7,
    "inputs": {"frames": "e09b6b3d4bea467e8d45f934e7f8d222a17d581cbf5d6c7ac7d6a939208d8423"},
    "outputs": {"frames": {"byteCount": 1191990, "digest": "3968253df3cfcdad85e895d9dc944aaab8fd73516db1e23913e4696543ee9167", "fileCount": 91, "type": "FrameSet"}},
    "parameters": {"cameras": ["held00"], "orbit": True, "orbit_degrees": 40}, "peakMemoryBytes": 1453961216}, indent=1))

# Pipelines against the engine's test stages.
put("FuzzPipeline", "linear.yaml", """pipeline: seed
summary: two stages
params: {base: 3}
inputs: {}
stages:
  a: {use: test.emit, with: {value: ${base}}}
  b: {use: test.add, in: {left: a.number, right: a.number}, with: {offset: 2, scale: {factor: 2}}}
outputs: {sum: b.number}
matrix: {a.with.value: [1, 2]}
""")
put("FuzzPipeline", "extends.container", container(b"""extends: base.yaml
pipeline: child
stages:
  b: {use: test.slow, in: {number: a.number}, with: {seconds: 0, label: "x"}}
outputs: {n: b.number}
""", [("base.yaml", b"""abstract: true
pipeline: base
stages:
  a: {use: test.emit}
""")]))
put("FuzzPipeline", "anchors.yaml", """pipeline: anchors
defaults: &d {value: 1}
stages:
  a: {use: test.emit, with: *d}
  c: {use: test.train, in: {number: a.number}, with: {steps: 2, warning: "it's \\"quoted\\""}}
outputs: {n: c.number}
""")

# Video: tiny clips in several containers (needs the ffmpeg tool).
for name, args in [("mpeg4.mp4", ["-c:v", "mpeg4"]), ("h264.mkv", ["-c:v", "libx264", "-preset", "ultrafast"]), ("clip.y4m", []), ("png.avi", ["-c:v", "png"])]:
    out = os.path.join(ROOT, "FuzzVideoProbe", name)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=16x16:rate=5:duration=0.6", "-pix_fmt", "yuv420p" if name != "png.avi" else "rgb24"] + args + ["-fflags", "+bitexact", "-map_metadata", "-1", out], check=True)
