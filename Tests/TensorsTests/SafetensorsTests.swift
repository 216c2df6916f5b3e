import Foundation
import TestSupport
import Testing

@testable import Tensors

@Test func safetensorsRoundTripsTensorsAndMetadata() throws {
    let tensors = ["layers.0.weight": randomTensor([3, 4], seed: 1), "bias": randomTensor([3], seed: 2), "scalar": Tensor(5)]
    let data = try Safetensors.encode(tensors, metadata: ["format": "avatarflow"])
    let decoded = try Safetensors.decode(data)
    #expect(decoded.metadata == ["format": "avatarflow"])
    for (name, tensor) in tensors {
        let read = try #require(decoded.tensors[name])
        #expect(read.shape == tensor.shape)
        #expect(read.scalars == tensor.scalars)
    }
}

@Test func safetensorsHeaderFollowsTheFormat() throws {
    let data = try Safetensors.encode(["a": Tensor(shape: [2], scalars: [1, 2])])
    let bytes = [UInt8](data)
    let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    #expect((8 + length) % 8 == 0)
    let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
    let entry = try #require(header["a"] as? [String: Any])
    #expect(entry["dtype"] as? String == "F32")
    #expect(entry["shape"] as? [Int] == [2])
    #expect(entry["data_offsets"] as? [Int] == [0, 8])
    #expect(Array(bytes[(8 + length)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
}

@Test func safetensorsRejectsTruncatedFiles() throws {
    let data = try Safetensors.encode(["a": Tensor(shape: [4], scalars: [1, 2, 3, 4])])
    #expect(throws: TensorsError.self) { try Safetensors.decode(data.prefix(data.count - 4)) }
    #expect(throws: TensorsError.self) { try Safetensors.decode(Data([1, 2, 3])) }
}

@Test func layerParametersSaveAndLoad() throws {
    var generator = SplitMix64(seed: 3)
    let mlp = MLP(widths: [4, 8, 2], generator: &generator)
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let url = directory.url.appendingPathComponent("mlp.safetensors")
    try Safetensors.write(mlp.parameterTensors, to: url)
    var other = SplitMix64(seed: 4)
    let copy = MLP(widths: [4, 8, 2], generator: &other)
    try copy.loadParameters(try Safetensors.read(from: url).tensors)
    for ((name, a), (_, b)) in zip(mlp.namedParameters, copy.namedParameters) {
        #expect(a.value.scalars == b.value.scalars, "\(name)")
    }
    let wrong = MLP(widths: [4, 9, 2], generator: &other)
    #expect(throws: TensorsError.self) { try wrong.loadParameters(try Safetensors.read(from: url).tensors) }
}

@Test(.enabled(if: PythonOracle.isAvailable, "needs python3 with numpy, scikit-image and safetensors (see PythonOracle)"))
func safetensorsInteroperatesWithPythonPackage() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let ours = directory.url.appendingPathComponent("ours.safetensors")
    try Safetensors.write(
        ["w": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6.5]), "b": Tensor(shape: [1], scalars: [-1])],
        metadata: ["note": "hello"], to: ours)
    let theirs = directory.url.appendingPathComponent("theirs.safetensors")
    let script = """
        import sys, numpy as np
        from safetensors.numpy import load_file, save_file
        from safetensors import safe_open
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework='np') as f:
            meta = f.metadata()
        assert t['w'].dtype == np.float32 and t['w'].shape == (2, 3), t['w']
        save_file({'twice': (t['w'] * 2).astype(np.float32), 'empty': np.zeros((0, 4), np.float32)}, sys.argv[2], metadata={'from': 'python'})
        print(float(t['w'].sum()), float(t['b'][0]), meta['note'])
        """
    let output = try PythonOracle.evaluate(script, arguments: [ours.path, theirs.path])
    #expect(output == "21.5 -1.0 hello")
    let read = try Safetensors.read(from: theirs)
    #expect(read.metadata == ["from": "python"])
    #expect(try #require(read.tensors["twice"]).scalars == [2, 4, 6, 8, 10, 13])
    #expect(try #require(read.tensors["empty"]).shape == [0, 4])
}

/// A safetensors file with the header `json` followed by `payload` bytes.
private func safetensors(header json: String, payload: [UInt8] = []) -> Data {
    let header = Array(json.utf8)
    return Data((0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + payload)
}

// The next three inputs crashed the reader on overflowing arithmetic (found with Fuzz/FuzzSafetensors, docs/fuzzing.md).

@Test func safetensorsShapeWhoseElementCountOverflowsIsRejected() {
    let data = safetensors(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#)
    #expect { try Safetensors.decode(data) } throws: { "\($0)".contains("more than") }
}

@Test func safetensorsOffsetsNearIntMaxAreRejected() {
    let data = safetensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}}"#, payload: [0, 0, 0, 0])
    #expect { try Safetensors.decode(data) } throws: { "\($0)".contains("data_offsets") }
}

@Test func safetensorsOffsetsWhoseDifferenceOverflowsAreRejected() {
    let data = safetensors(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[5,-9223372036854775807]}}"#, payload: [0, 0, 0, 0])
    #expect { try Safetensors.decode(data) } throws: { "\($0)".contains("data_offsets") }
}
