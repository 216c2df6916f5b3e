/// The identity coefficients of the procedural head, in basis order. One unit is about one
/// standard deviation of adult variation; ±2 stays plausible.
public enum IdentityCoefficient: Int, CaseIterable, Sendable {
    /// Overall head width (±4.5 % per unit).
    case headWidth
    /// Back-of-head depth (occiput).
    case headDepth
    /// Cranium height above the brows.
    case headHeight
    /// Width of the lower face and jaw angles.
    case jawWidth
    /// Chin length (lower face drops).
    case chinLength
    /// Nose protrusion (±25 %).
    case noseLength
    /// Nose and alae width.
    case noseWidth
    /// Fullness of the cheeks.
    case cheekFullness
    /// Prominence of the brow ridge.
    case browRidge
    /// Distance between the eyes (±2.5 mm per side).
    case eyeSpacing
    /// Lip volume.
    case lipFullness
    /// Forehead slope (positive slopes back).
    case foreheadSlope
    /// Outer-ear size.
    case earSize

    /// The name stored in the model manifest.
    public var name: String { String(describing: self) }
}

/// The expression coefficients of the procedural head, in basis order. 0 is neutral, 1 the full
/// expression; left/right are the subject's.
public enum ExpressionCoefficient: Int, CaseIterable, Sendable {
    /// Left brow up (forehead lifts).
    case browRaiseLeft
    /// Right brow up.
    case browRaiseRight
    /// Inner brows down and together.
    case browFrown
    /// Left eye closes (upper lid down to the lower).
    case blinkLeft
    /// Right eye closes.
    case blinkRight
    /// Left lower lid up, upper lid slightly down.
    case squintLeft
    /// Right lower lid up, upper lid slightly down.
    case squintRight
    /// Both upper lids up.
    case eyesWide
    /// Left mouth corner up and back, cheek raised.
    case smileLeft
    /// Right mouth corner up and back, cheek raised.
    case smileRight
    /// Left mouth corner down.
    case mouthFrownLeft
    /// Right mouth corner down.
    case mouthFrownRight
    /// Lips forward and corners inward.
    case pucker
    /// Mouth corners pulled wide.
    case mouthStretch
    /// Lips part (without jaw rotation).
    case lipsPart
    /// Upper lip raised.
    case upperLipRaise
    /// Lower lip pulled down.
    case lowerLipDepress
    /// Lips pressed and rolled in.
    case lipPress
    /// Mouth shifted to the subject's left.
    case mouthLeft
    /// Mouth shifted to the subject's right.
    case mouthRight
    /// Left cheek puffed out.
    case cheekPuffLeft
    /// Right cheek puffed out.
    case cheekPuffRight
    /// Nose wrinkled (sneer).
    case noseWrinkle
    /// Lower face pushed forward.
    case jawForward

    /// The name stored in the model manifest.
    public var name: String { String(describing: self) }
}
