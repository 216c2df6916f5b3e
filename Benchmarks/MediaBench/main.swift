// MediaBench: decode and encode throughput of MediaIO against the ffmpeg CLI doing the same work,
// PNG FrameSet write/read throughput, and peak memory (VmHWM) while streaming a long 1080p clip.
// Prints one JSON object. Needs the ffmpeg CLI on PATH. Run:
//   swift build -c release --product MediaBench && .build/release/MediaBench
import Foundation
import MediaIO

/// Wall-clock seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Runs a command, failing the benchmark loudly if it fails.
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw MediaIOError(.writeFailed, path: executable, "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

func ffmpeg(_ arguments: [String]) throws {
    _ = try run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
}

/// Best (shortest) timings of two contenders, run alternately `repeats` times so that load from
/// other processes on a shared machine hits both alike.
func bestAlternating(_ repeats: Int, _ first: () throws -> Void, _ second: () throws -> Void) rethrows -> (Double, Double) {
    var bestFirst = Double.infinity, bestSecond = Double.infinity
    for _ in 0..<repeats {
        bestFirst = min(bestFirst, try seconds(first))
        bestSecond = min(bestSecond, try seconds(second))
    }
    return (bestFirst, bestSecond)
}

/// The 1-minute load average, reported so that noisy figures on a shared machine can be recognised.
func loadAverage() -> Double {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) > 0 ? loads[0] : -1
}

/// Peak resident set size of this process image (VmHWM). Unlike getrusage's ru_maxrss, which Linux
/// carries over from the parent across fork/exec, VmHWM starts afresh with the new address space.
func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kilobytes / 1024
}

// Child mode: stream-decode a long clip and report this process's peak RSS.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--stream-decode" {
    let reader = try VideoReader(url: URL(fileURLWithPath: CommandLine.arguments[2]))
    var frames = 0
    var checksum = 0
    while let frame = try reader.nextFrame() {
        frames += 1
        checksum &+= Int(frame.image.samples[frames % frame.image.samples.count])
    }
    print("\(frames) \(peakResidentMegabytes()) \(checksum)")
    exit(0)
}

let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("mediabench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: workspace) }

let width = 1280, height = 720, clipFrames = 250, encodeFrames = 60
let clip = workspace.appendingPathComponent("testsrc-720p.mp4")
try ffmpeg([
    "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=25", "-frames:v", "\(clipFrames)",
    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", clip.path,
])

// Decode: MediaIO to RGB8 frames vs `ffmpeg -i clip -pix_fmt rgb24 -f null -`.
var decodedCount = 0
let (decodeSeconds, cliDecodeSeconds) = try bestAlternating(
    3,
    {
        let reader = try VideoReader(url: clip)
        decodedCount = 0
        while try reader.nextFrame() != nil { decodedCount += 1 }
    },
    {
        try ffmpeg(["-i", clip.path, "-pix_fmt", "rgb24", "-f", "null", "-"])
    })

// Encode: MediaIO H.264 CRF 18 (preset medium) from RGB8 frames in memory vs the CLI reading the
// same frames as raw RGB from a file in the page cache.
// The frames are testsrc rendered directly in RGB (no YUV history), so the round-trip PSNR below
// measures only the encoder and the YUV→RGB conversion.
let raw = workspace.appendingPathComponent("frames.rgb")
try ffmpeg([
    "-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=25", "-frames:v", "\(encodeFrames)",
    "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path,
])
let rawBytes = try [UInt8](Data(contentsOf: raw))
let frameBytes = width * height * 3
var frames: [Image8] = (0..<encodeFrames).map { index in
    Image8(width: width, height: height, channels: 3, samples: Array(rawBytes[(index * frameBytes)..<((index + 1) * frameBytes)]))
}
let encoded = workspace.appendingPathComponent("encoded.mp4")
let (encodeSeconds, cliEncodeSeconds) = try bestAlternating(
    3,
    {
        let writer = try VideoWriter(url: encoded, frameSize: PixelSize(width: width, height: height))
        for frame in frames { try writer.append(frame) }
        try writer.finish()
    },
    {
        try ffmpeg([
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(width)x\(height)", "-r", "25", "-i", raw.path,
            "-c:v", "libx264", "-crf", "18", "-preset", "medium", "-pix_fmt", "yuv420p",
            workspace.appendingPathComponent("cli.mp4").path,
        ])
    })

// Round-trip quality of the default encoder settings on these frames, for both YUV→RGB modes.
func meanPSNR(_ url: URL, against originals: [Image8], _ conversion: VideoDecodeOptions.ColourConversion) throws -> Double {
    let reader = try VideoReader(url: url, options: VideoDecodeOptions(colourConversion: conversion))
    var total = 0.0, index = 0
    while let frame = try reader.nextFrame() {
        var squared = 0.0
        frame.image.samples.withUnsafeBufferPointer { decoded in
            originals[index].samples.withUnsafeBufferPointer { original in
                for sample in 0..<decoded.count {
                    let difference = Double(decoded[sample]) - Double(original[sample])
                    squared += difference * difference
                }
            }
        }
        total += 10 * log10(255 * 255 / (squared / Double(frame.image.samples.count)))
        index += 1
    }
    return total / Double(index)
}
let psnrCompatible = try meanPSNR(encoded, against: frames, .ffmpegCompatible)
let psnrAccurate = try meanPSNR(encoded, against: frames, .accurate)
let encoded444 = workspace.appendingPathComponent("encoded444.mp4")
let writer444 = try VideoWriter(
    url: encoded444, frameSize: PixelSize(width: width, height: height),
    options: VideoEncodeOptions(chroma: .full))
for frame in frames { try writer444.append(frame) }
try writer444.finish()
let psnr444 = try meanPSNR(encoded444, against: frames, .ffmpegCompatible)

// FrameSet PNG (zlib level 1) write and read of the same frames.
let frameSetURL = workspace.appendingPathComponent("frameset")
let pngWriteSeconds = try seconds {
    let writer = try FrameSetWriter(
        directory: frameSetURL, cameras: ["cam0"], size: PixelSize(width: width, height: height),
        frameRate: Rational(25, 1))
    for (index, frame) in frames.enumerated() { try writer.append([frame], timestamp: Double(index) / 25, sourceIndex: index) }
    try writer.finish()
}
let frameSet = try FrameSet.open(frameSetURL)
let pngReadSeconds = try seconds {
    for index in 0..<frameSet.manifest.frameCount { _ = try frameSet.image(frame: index, camera: "cam0") }
}
frames = []

// Peak memory while streaming a long 1080p clip, measured in a fresh child process.
let longFrames = 500
let longClip = workspace.appendingPathComponent("long-1080p.mp4")
try ffmpeg([
    "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-frames:v", "\(longFrames)",
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", longClip.path,
])
let childReport = try run(CommandLine.arguments[0], ["--stream-decode", longClip.path]).split(separator: " ")
let streamedFrames = Int(childReport[0]) ?? -1
let streamedPeakMegabytes = Double(childReport[1]) ?? -1

let results: [(String, Double)] = [
    ("load_average_1min_at_end", loadAverage()),
    ("decode_720p_h264_frames", Double(decodedCount)),
    ("decode_720p_h264_rgb8_fps", Double(decodedCount) / decodeSeconds),
    ("decode_720p_h264_ffmpeg_cli_fps", Double(clipFrames) / cliDecodeSeconds),
    ("decode_720p_h264_ratio_vs_cli", cliDecodeSeconds / decodeSeconds),
    ("encode_720p_h264_crf18_medium_fps", Double(encodeFrames) / encodeSeconds),
    ("encode_720p_h264_crf18_medium_ffmpeg_cli_fps", Double(encodeFrames) / cliEncodeSeconds),
    ("encode_720p_h264_ratio_vs_cli", cliEncodeSeconds / encodeSeconds),
    ("roundtrip_720p_testsrc_crf18_psnr_db_ffmpeg_conversion", psnrCompatible),
    ("roundtrip_720p_testsrc_crf18_psnr_db_accurate_conversion", psnrAccurate),
    ("roundtrip_720p_testsrc_crf18_yuv444_psnr_db", psnr444),
    ("frameset_png_level1_write_720p_fps", Double(encodeFrames) / pngWriteSeconds),
    ("frameset_png_read_720p_fps", Double(encodeFrames) / pngReadSeconds),
    ("stream_decode_1080p_frames", Double(streamedFrames)),
    ("stream_decode_1080p_peak_rss_mb", streamedPeakMegabytes),
    ("stream_decode_1080p_all_frames_rgb8_mb", Double(longFrames * 1920 * 1080 * 3) / 1_048_576),
]
let body = results.map { key, value in
    "  \"\(key)\": \(value.rounded() == value ? String(Int(value)) : String(format: "%.3f", value))"
}.joined(separator: ",\n")
print("{\n\(body)\n}")
