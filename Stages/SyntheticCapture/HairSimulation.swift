import Foundation
import Geometry
import HeadModel

/// Hair cards rooted on the scalp and simulated as chains of particles: Verlet integration under
/// gravity with velocity damping, inextensible segments solved follow-the-leader style, a
/// stiffness spring that keeps the first segment growing out of the scalp, and collision with
/// an ellipsoid around the cranium and a cylinder around the neck (both in the head's frame).
/// The hair therefore lags behind and swings after quick head turns.
public struct HairSimulation: Sendable {
    /// Vertex index of each card's root on the head mesh.
    public let rootVertices: [Int]
    /// Segments per card.
    public let segmentCount: Int
    /// Length of one segment, metres.
    public let segmentLength: Float
    /// Current particle positions, card-major (`(segmentCount + 1)` per card), world metres.
    public private(set) var particles: [SIMD3<Float>]
    var previous: [SIMD3<Float>]
    static let gravity = SIMD3<Float>(0, -9.81, 0)
    static let damping: Float = 0.96
    /// An optional ellipsoid around the shoulders (rest centre and radii, metres, moved by the body
    /// offset of each step) that long hair collides with; nil for short hair.
    public var shoulders: (center: SIMD3<Float>, radii: SIMD3<Float>)?
    /// Segments per card.
    static let segments = 6
    /// Full width of a card at its root, metres (tapering to 40 % at the tip).
    public var width: Float = 0.028
    /// Offset of the ribbons from the simulated strand along the outward direction, metres.
    public var lift: Float = 0.0015
    /// Per card: −1 or +1 when combed to that side of a parting (head x axis), 0 otherwise.
    let combSides: [Float]
    /// Long-hair mode: the roots move linearly over the substeps of a frame (instead of jumping in
    /// the first), and follow-the-leader velocity correction (Müller et al. 2012, "Fast simulation
    /// of inextensible hair and fur", eq. 9, s = 0.9) removes the energy the projection injects.
    /// Without it, 25–30 cm cards keep jittering after fast turns. Off (the default) keeps the
    /// talking capture's short-hair simulation — and its bytes — unchanged.
    public var stabilised = false
    /// Root positions at the end of the previous step (for the stabilised root interpolation).
    var lastRoots: [SIMD3<Float>]
    static let substeps = 4
    static let cranium = (center: SIMD3<Float>(0, 0.012, -0.008), radii: SIMD3<Float>(0.088, 0.124, 0.11))
    static let neck = (centerZ: Float(-0.025), radiusX: Float(0.062), radiusZ: Float(0.062))

    /// Chooses card roots on the scalp (Poisson-disk spacing of 1.2 cm, none in front of the crown so
    /// that the face stays visible) and
    /// hangs the cards straight out of the scalp at the given posed vertices.
    /// `spacing` is the Poisson-disk distance between roots (metres); with a `parting` (x of the
    /// parting line on the scalp, metres) no root lies within 6 mm of the line on the top of the
    /// head and the cards there are combed away from it.
    public init(
        model: HeadModel, vertices: [SIMD3<Float>], normals: [SIMD3<Float>], hairLength: Float, seed: UInt64, spacing: Float = 0.012,
        parting: Float? = nil
    ) {
        var generator = SplitMix64(seed: seed ^ 0x4841_4952)
        let template = model.templatePositions
        var candidates = (0..<model.vertexCount).filter {
            model.vertexRegions[$0] == .scalp && template[$0].y > -0.05 && !(template[$0].z > 0.0 && template[$0].y > 0.03)
        }
        for i in stride(from: candidates.count - 1, to: 0, by: -1) {
            candidates.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        if let parting {
            candidates.removeAll { abs(template[$0].x - parting) < 0.006 && template[$0].y > 0.04 && template[$0].z > -0.05 }
        }
        var roots: [Int] = []
        let limit = spacing >= 0.012 ? 220 : Int(220 * 0.012 * 0.012 / (spacing * spacing))
        for v in candidates where roots.count < limit {
            if roots.allSatisfy({ simdLength(template[$0] - template[v]) > spacing }) { roots.append(v) }
        }
        rootVertices = roots
        combSides = roots.map { v in
            guard let parting, template[v].y > 0.02 else { return 0 }
            return template[v].x > parting ? 1 : -1
        }
        segmentCount = Self.segments
        segmentLength = hairLength / Float(Self.segments)
        var start: [SIMD3<Float>] = []
        for v in roots {
            for i in 0...6 {
                start.append(vertices[v] + normals[v] * segmentLength * Float(min(i, 1)) + SIMD3(0, -segmentLength, 0) * Float(max(0, i - 1)))
            }
        }
        particles = start
        previous = start
        lastRoots = roots.map { vertices[$0] }
    }

    /// Advances the simulation by one frame of `frameDuration` seconds with the head's posed
    /// vertices, normals and rigid head transform (model space to world); `bodyOffset` is the
    /// translation of the shoulders (for the shoulder collision).
    public mutating func step(
        frameDuration: Float, vertices: [SIMD3<Float>], normals: [SIMD3<Float>], head: RigidTransform, bodyOffset: SIMD3<Float> = .zero
    ) {
        let h = frameDuration / Float(Self.substeps)
        let toHead = head.inverse
        let n = segmentCount + 1
        var corrections = [SIMD3<Float>](repeating: .zero, count: n)
        for substep in 0..<Self.substeps {
            let sideways = head.applyToDirection(SIMD3(1, 0, 0))
            let progress = Float(substep + 1) / Float(Self.substeps)
            for (card, v) in rootVertices.enumerated() {
                let base = card * n
                let root = stabilised ? lastRoots[card] + (vertices[v] - lastRoots[card]) * progress : vertices[v]
                let normal = combSides[card] == 0 ? normals[v] : simdNormalize(normals[v] + 0.8 * combSides[card] * sideways)
                particles[base] = root
                previous[base] = root
                for i in 1..<n {
                    let velocity = (particles[base + i] - previous[base + i]) * Self.damping
                    previous[base + i] = particles[base + i]
                    particles[base + i] += velocity + Self.gravity * h * h
                    corrections[i] = particles[base + i]
                }
                for _ in 0..<3 {
                    particles[base + 1] = particles[base] + normal * segmentLength * 0.2 + (particles[base + 1] - particles[base]) * 0.8
                    for i in 1..<n {
                        let offset = particles[base + i] - particles[base + i - 1]
                        particles[base + i] = particles[base + i - 1] + simdNormalize(offset) * segmentLength
                        particles[base + i] = collide(particles[base + i], toHead: toHead, head: head)
                        if let shoulders {
                            particles[base + i] = Self.pushOut(particles[base + i], center: shoulders.center + bodyOffset, radii: shoulders.radii)
                        }
                    }
                }
                if stabilised {
                    for i in 1..<n { corrections[i] = particles[base + i] - corrections[i] }
                    for i in 1..<(n - 1) { previous[base + i] += 0.9 * corrections[i + 1] }
                }
            }
        }
        if stabilised { lastRoots = rootVertices.map { vertices[$0] } }
    }

    /// Pushes a world point out of the head's collision ellipsoid and neck cylinder.
    func collide(_ p: SIMD3<Float>, toHead: RigidTransform, head: RigidTransform) -> SIMD3<Float> {
        var q = toHead.apply(p)
        let scaled = (q - Self.cranium.center) / Self.cranium.radii
        let r = simdLength(scaled)
        var moved = false
        if r < 1 && r > 0 {
            q = Self.cranium.center + scaled / r * Self.cranium.radii
            moved = true
        }
        if q.y < -0.02 {
            let dx = q.x / Self.neck.radiusX, dz = (q.z - Self.neck.centerZ) / Self.neck.radiusZ
            let radial = (dx * dx + dz * dz).squareRoot()
            if radial < 1 && radial > 0 {
                q.x = dx / radial * Self.neck.radiusX
                q.z = Self.neck.centerZ + dz / radial * Self.neck.radiusZ
                moved = true
            }
        }
        return moved ? head.apply(q) : p
    }

    /// Moves a point inside an axis-aligned ellipsoid radially onto its surface.
    static func pushOut(_ p: SIMD3<Float>, center: SIMD3<Float>, radii: SIMD3<Float>) -> SIMD3<Float> {
        let scaled = (p - center) / radii
        let r = simdLength(scaled)
        return r < 1 && r > 0 ? center + scaled / r * radii : p
    }

    /// Ribbon geometry of the cards: two vertices per particle offset sideways along the scalp,
    /// tapering to the tip. Returns positions, triangles (indices from 0), outward normals and per
    /// vertex (across 0/1, along 0…1, card shade).
    public func ribbons(headCenter: SIMD3<Float>, cardShades: [Float]) -> (
        positions: [SIMD3<Float>], triangles: [SIMD3<Int32>],
        normals: [SIMD3<Float>], attributes: [SIMD3<Float>]
    ) {
        let n = segmentCount + 1
        var positions: [SIMD3<Float>] = [], normals: [SIMD3<Float>] = [], attributes: [SIMD3<Float>] = []
        var triangles: [SIMD3<Int32>] = []
        positions.reserveCapacity(rootVertices.count * n * 2)
        for card in 0..<rootVertices.count {
            let base = card * n
            let first = Int32(positions.count)
            for i in 0..<n {
                let p = particles[base + i]
                let along = i == 0 ? particles[base + 1] - p : p - particles[base + i - 1]
                let radial = simdNormalize(p - headCenter)
                var side = simdCross(simdNormalize(along), radial)
                if simdLength(side) < 1e-6 { side = SIMD3(1, 0, 0) }
                side = simdNormalize(side)
                let width = self.width * (1 - 0.6 * Float(i) / Float(n - 1))
                let lifted = p + radial * lift
                positions.append(lifted - side * width / 2)
                positions.append(lifted + side * width / 2)
                normals.append(radial)
                normals.append(radial)
                let t = Float(i) / Float(n - 1)
                attributes.append(SIMD3(0, t, cardShades[card % cardShades.count]))
                attributes.append(SIMD3(1, t, cardShades[card % cardShades.count]))
            }
            for i in 0..<(n - 1) {
                let a = first + Int32(2 * i), b = a + 1, c = a + 2, d = a + 3
                triangles.append(SIMD3(a, b, c))
                triangles.append(SIMD3(b, d, c))
            }
        }
        return (positions, triangles, normals, attributes)
    }
}
