import Geometry

/// A linear parametric head model in the FLAME/BFM family:
///
///     T(β, ψ) = T̄ + Σ_k β_k S_k + Σ_k ψ_k E_k                      (shaped template)
///     J(β, ψ) = 𝒥 T(β, ψ)                                           (joint rest positions)
///     v_i     = Σ_j w_ij G_j(θ, J) T_i(β, ψ) + t                    (linear blend skinning)
///
/// with identity coefficients β, expression coefficients ψ, per-joint axis-angle rotations θ and
/// translation t (FLAME, Li et al. 2017, Eq. 1–4, without pose-corrective blendshapes). Units are
/// metres; model axes are x to the subject's left, y up, z out of the face. All arrays are flat,
/// row-major Float32/Int32 exactly as stored on disk (see docs/head-model-format.md).
public struct HeadModel: Sendable {
    /// Model name, e.g. "avatarflow-procedural-v1".
    public var name: String
    /// Template vertex positions T̄, V × 3.
    public var templateVertices: [Float]
    /// Triangles (counter-clockwise from outside), F × 3 vertex indices.
    public var triangles: [SIMD3<Int32>]
    /// Texture coordinates, V × 2 (u right, v down the texture image); empty if the model has none.
    public var uv: [Float]
    /// Identity blendshape names (one per basis vector).
    public var identityNames: [String]
    /// Identity basis S, K_id × V × 3 (vertex displacement per unit coefficient).
    public var identityBasis: [Float]
    /// Expression blendshape names.
    public var expressionNames: [String]
    /// Expression basis E, K_exp × V × 3.
    public var expressionBasis: [Float]
    /// Kinematic tree.
    public var joints: [HeadJoint]
    /// Joint regressor 𝒥, J × V: joint rest position j = Σ_v 𝒥[j, v] · T_v.
    public var jointRegressor: [Float]
    /// Skinning weights w, V × J (rows sum to 1).
    public var skinningWeights: [Float]
    /// The 68 iBUG landmarks as surface embeddings.
    public var landmarks: [LandmarkEmbedding]
    /// Region label per vertex.
    public var vertexRegions: [HeadRegion]

    /// Creates a model from its arrays; `validate()` checks their shapes.
    public init(
        name: String, templateVertices: [Float], triangles: [SIMD3<Int32>], uv: [Float],
        identityNames: [String], identityBasis: [Float], expressionNames: [String], expressionBasis: [Float],
        joints: [HeadJoint], jointRegressor: [Float], skinningWeights: [Float],
        landmarks: [LandmarkEmbedding], vertexRegions: [HeadRegion]
    ) {
        self.name = name
        self.templateVertices = templateVertices
        self.triangles = triangles
        self.uv = uv
        self.identityNames = identityNames
        self.identityBasis = identityBasis
        self.expressionNames = expressionNames
        self.expressionBasis = expressionBasis
        self.joints = joints
        self.jointRegressor = jointRegressor
        self.skinningWeights = skinningWeights
        self.landmarks = landmarks
        self.vertexRegions = vertexRegions
    }

    /// Number of vertices V.
    public var vertexCount: Int { templateVertices.count / 3 }
    /// Number of identity coefficients.
    public var identityCount: Int { identityNames.count }
    /// Number of expression coefficients.
    public var expressionCount: Int { expressionNames.count }
    /// Number of joints.
    public var jointCount: Int { joints.count }

    /// Checks every array against the vertex, triangle, basis and joint counts.
    public func validate() throws {
        let v = vertexCount, j = joints.count
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw HeadModelError("head model '\(name)': \(message)") }
        }
        try check(templateVertices.count == v * 3 && v > 0, "template vertices must be a non-empty V × 3 array")
        try check(uv.isEmpty || uv.count == v * 2, "uv has \(uv.count) values, expected \(v * 2)")
        try check(
            identityBasis.count == identityNames.count * v * 3, "identity basis has \(identityBasis.count) values, expected \(identityNames.count) × \(v) × 3")
        try check(
            expressionBasis.count == expressionNames.count * v * 3,
            "expression basis has \(expressionBasis.count) values, expected \(expressionNames.count) × \(v) × 3")
        try check(jointRegressor.count == j * v, "joint regressor has \(jointRegressor.count) values, expected \(j) × \(v)")
        try check(skinningWeights.count == v * j, "skinning weights have \(skinningWeights.count) values, expected \(v) × \(j)")
        try check(vertexRegions.count == v, "region labels cover \(vertexRegions.count) vertices, expected \(v)")
        try check(landmarks.count == IBUG68.count, "expected \(IBUG68.count) landmarks, got \(landmarks.count)")
        for (index, joint) in joints.enumerated() {
            try check(
                joint.parent < index && joint.parent >= -1 && (index == 0) == (joint.parent == -1),
                "joint \(index) '\(joint.name)' must have an earlier parent (only joint 0 is the root)")
        }
        for (t, tri) in triangles.enumerated() {
            try check(tri.min() >= 0 && Int(tri.max()) < v, "triangle \(t) references a vertex outside 0..<\(v)")
        }
        for (k, landmark) in landmarks.enumerated() {
            try check(landmark.triangle >= 0 && Int(landmark.triangle) < triangles.count, "landmark \(k) references triangle \(landmark.triangle)")
        }
    }

    /// The template T̄ as 3-vectors.
    public var templatePositions: [SIMD3<Float>] {
        (0..<vertexCount).map { SIMD3(templateVertices[3 * $0], templateVertices[3 * $0 + 1], templateVertices[3 * $0 + 2]) }
    }

    /// The shaped template T(β, ψ) (Eq. 1): template plus identity and expression offsets.
    /// Missing trailing coefficients count as 0; extra ones are an error.
    public func shapedVertices(identity: [Float], expression: [Float]) throws -> [SIMD3<Float>] {
        guard identity.count <= identityCount else {
            throw HeadModelError("got \(identity.count) identity coefficients, the model '\(name)' has \(identityCount)")
        }
        guard expression.count <= expressionCount else {
            throw HeadModelError("got \(expression.count) expression coefficients, the model '\(name)' has \(expressionCount)")
        }
        let v3 = vertexCount * 3
        var shaped = templateVertices
        shaped.withUnsafeMutableBufferPointer { out in
            identityBasis.withUnsafeBufferPointer { basis in
                for (k, coefficient) in identity.enumerated() where coefficient != 0 {
                    let offset = k * v3
                    for i in 0..<v3 { out[i] += coefficient * basis[offset + i] }
                }
            }
            expressionBasis.withUnsafeBufferPointer { basis in
                for (k, coefficient) in expression.enumerated() where coefficient != 0 {
                    let offset = k * v3
                    for i in 0..<v3 { out[i] += coefficient * basis[offset + i] }
                }
            }
        }
        return (0..<vertexCount).map { SIMD3(shaped[3 * $0], shaped[3 * $0 + 1], shaped[3 * $0 + 2]) }
    }

    /// Joint rest positions 𝒥 T (Eq. 2).
    public func jointPositions(shaped: [SIMD3<Float>]) -> [SIMD3<Float>] {
        (0..<jointCount).map { j in
            var sum = SIMD3<Float>.zero
            let row = j * vertexCount
            for v in 0..<vertexCount where jointRegressor[row + v] != 0 {
                sum += jointRegressor[row + v] * shaped[v]
            }
            return sum
        }
    }

    /// World transform of every joint for a pose: G_j = G_parent ∘ Rot(θ_j about J_j), the root's
    /// followed by the translation.
    public func jointTransforms(pose: HeadPose, jointPositions: [SIMD3<Float>]) throws -> [RigidTransform] {
        guard pose.jointRotations.count == jointCount else {
            throw HeadModelError("the pose has \(pose.jointRotations.count) joint rotations, the model '\(name)' has \(jointCount) joints")
        }
        var transforms: [RigidTransform] = []
        for (j, joint) in joints.enumerated() {
            let local = RigidTransform.rotation(Matrix3x3(rotationVector: pose.jointRotations[j]), about: jointPositions[j])
            transforms.append(joint.parent < 0 ? RigidTransform(translation: pose.translation) * local : transforms[joint.parent] * local)
        }
        return transforms
    }

    /// Evaluates the model: posed vertices (Eq. 4), posed joint positions and the 68 landmarks in 3D.
    public func evaluate(identity: [Float], expression: [Float], pose: HeadPose) throws -> HeadModelInstance {
        let shaped = try shapedVertices(identity: identity, expression: expression)
        let restJoints = jointPositions(shaped: shaped)
        let transforms = try jointTransforms(pose: pose, jointPositions: restJoints)
        let j = jointCount
        var posed = [SIMD3<Float>](repeating: .zero, count: vertexCount)
        skinningWeights.withUnsafeBufferPointer { weights in
            for v in 0..<vertexCount {
                var sum = SIMD3<Float>.zero
                for k in 0..<j {
                    let w = weights[v * j + k]
                    if w != 0 { sum += w * transforms[k].apply(shaped[v]) }
                }
                posed[v] = sum
            }
        }
        let posedJoints = (0..<j).map { transforms[$0].apply(restJoints[$0]) }
        return HeadModelInstance(
            vertices: posed, joints: posedJoints, jointTransforms: transforms,
            landmarks: landmarkPositions(vertices: posed))
    }

    /// The 68 landmark positions on a set of (posed or unposed) vertices.
    public func landmarkPositions(vertices: [SIMD3<Float>]) -> [SIMD3<Float>] {
        landmarks.map { landmark in
            let tri = triangles[Int(landmark.triangle)], b = landmark.barycentric
            return b.x * vertices[Int(tri.x)] + b.y * vertices[Int(tri.y)] + b.z * vertices[Int(tri.z)]
        }
    }

    /// The template as a triangle mesh with "uv" (when present) and "normal" attributes.
    public func mesh(vertices: [SIMD3<Float>]? = nil) -> TriangleMesh {
        var mesh = TriangleMesh(positions: vertices ?? templatePositions, triangles: triangles)
        if !uv.isEmpty { mesh.attributes["uv"] = VertexAttribute(channels: 2, values: uv) }
        mesh.attributes["normal"] = VertexAttribute(vectors: mesh.vertexNormals())
        return mesh
    }

    /// Index of the joint called `name`, if any.
    public func jointIndex(_ name: String) -> Int? {
        joints.firstIndex { $0.name == name }
    }

    /// Index of the identity coefficient called `name`, if any.
    public func identityIndex(_ name: String) -> Int? {
        identityNames.firstIndex(of: name)
    }

    /// Index of the expression coefficient called `name`, if any.
    public func expressionIndex(_ name: String) -> Int? {
        expressionNames.firstIndex(of: name)
    }
}

/// A posed head-model instance.
public struct HeadModelInstance: Sendable {
    /// Posed vertex positions (metres).
    public var vertices: [SIMD3<Float>]
    /// Posed joint positions.
    public var joints: [SIMD3<Float>]
    /// World transform of every joint.
    public var jointTransforms: [RigidTransform]
    /// The 68 posed landmarks (iBUG order).
    public var landmarks: [SIMD3<Float>]
}
