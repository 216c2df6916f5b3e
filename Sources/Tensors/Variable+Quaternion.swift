/// Rotation matrices from quaternions, as used for Gaussian covariances.
extension Variable {
    /// Rotation matrices `[N, 3, 3]` from quaternions `[N, 4]` in (w, x, y, z) order, scalar first.
    ///
    /// Each quaternion is normalised first (so unnormalised parameters are fine and the gradient is
    /// projected onto the tangent space of the unit sphere). With unit q = (w, x, y, z):
    /// R = [[1-2(y²+z²), 2(xy-wz), 2(xz+wy)], [2(xy+wz), 1-2(x²+z²), 2(yz-wx)], [2(xz-wy), 2(yz+wx), 1-2(x²+y²)]],
    /// which rotates column vectors: v' = R v. The identity is (1, 0, 0, 0).
    public func quaternionToRotationMatrix() -> Variable {
        precondition(rank == 2 && shape[1] == 4, "quaternionToRotationMatrix needs [N, 4] (w, x, y, z), got \(shape)")
        let count = shape[0]
        let input = value
        let output = Tensor(uninitializedShape: [count, 3, 3])
        Kernels.forRows(count, rowSize: 16) { range in
            for i in range {
                let q = input.basePointer + 4 * i, r = output.basePointer + 9 * i
                let length = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).squareRoot()
                let s: Float = length > 0 ? 1 / length : 0
                let w = q[0] * s, x = q[1] * s, y = q[2] * s, z = q[3] * s
                r[0] = 1 - 2 * (y * y + z * z)
                r[1] = 2 * (x * y - w * z)
                r[2] = 2 * (x * z + w * y)
                r[3] = 2 * (x * y + w * z)
                r[4] = 1 - 2 * (x * x + z * z)
                r[5] = 2 * (y * z - w * x)
                r[6] = 2 * (x * z - w * y)
                r[7] = 2 * (y * z + w * x)
                r[8] = 1 - 2 * (x * x + y * y)
            }
        }
        return Tape.record(inputs: [self], output: output) { g in
            let gradient = Tensor(uninitializedShape: [count, 4])
            Kernels.forRows(count, rowSize: 16) { range in
                for i in range {
                    let q = input.basePointer + 4 * i, d = g.basePointer + 9 * i, out = gradient.basePointer + 4 * i
                    let length = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).squareRoot()
                    guard length > 0 else {
                        out.initialize(repeating: 0, count: 4)
                        continue
                    }
                    let s = 1 / length
                    let w = q[0] * s, x = q[1] * s, y = q[2] * s, z = q[3] * s
                    let gw = 2 * (-z * d[1] + y * d[2] + z * d[3] - x * d[5] - y * d[6] + x * d[7])
                    let gx = 2 * (y * d[1] + z * d[2] + y * d[3] - 2 * x * d[4] - w * d[5] + z * d[6] + w * d[7] - 2 * x * d[8])
                    let gy = 2 * (-2 * y * d[0] + x * d[1] + w * d[2] + x * d[3] + z * d[5] - w * d[6] + z * d[7] - 2 * y * d[8])
                    let gz = 2 * (-2 * z * d[0] - w * d[1] + x * d[2] + w * d[3] - 2 * z * d[4] + y * d[5] + x * d[6] + y * d[7])
                    let radial = w * gw + x * gx + y * gy + z * gz
                    out[0] = (gw - w * radial) * s
                    out[1] = (gx - x * radial) * s
                    out[2] = (gy - y * radial) * s
                    out[3] = (gz - z * radial) * s
                }
            }
            return [gradient]
        }
    }
}
