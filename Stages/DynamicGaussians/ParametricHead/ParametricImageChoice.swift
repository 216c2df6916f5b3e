import Avatars
import Foundation
import MediaIO

/// The one image a GPHM stage fits (`gphm.fit-image`'s person, `gphm.edit`'s target): a population
/// subject, a frame of its training sequence and a camera, with every camera's view of that frame.
struct ParametricImageChoice {
    /// The subject.
    var subject: Population.Subject
    /// Every camera's view of the frame, in capture order.
    var views: [(camera: String, view: PopulationView)]
    /// The chosen camera.
    var camera: String
    /// The chosen camera's view.
    var view: PopulationView

    /// Subject `id` (empty: `fallback`, or an error naming `parameter` when there is none), frame
    /// `frame`, camera `camera` (empty: the middle camera, frontal on the default arc).
    /// - Throws: `DynamicGaussiansError` naming the stage parameter to fix.
    init(population: Population, id: String, fallback: Population.Subject?, parameter: String, frame: Int, camera: String, cameraParameter: String)
        throws
    {
        if id.isEmpty {
            guard let fallback else {
                throw DynamicGaussiansError(
                    "the population has no subject to choose by default; set `\(parameter)` (or re-run synthetic.population with more identities)")
            }
            subject = fallback
        } else {
            guard let named = population.index.subjects.first(where: { $0.id == id }) else {
                throw DynamicGaussiansError(
                    "\(parameter) '\(id)' is not in the population (\(population.index.subjects.map(\.id).joined(separator: ", ")))")
            }
            subject = named
        }
        let views = try PopulationTrainingData.views(population: population, subject: subject, frame: frame)
        let chosenCamera = camera.isEmpty ? views[views.count / 2].camera : camera
        guard let chosen = views.first(where: { $0.camera == chosenCamera }) else {
            throw DynamicGaussiansError(
                "\(cameraParameter) '\(chosenCamera)' is not in the subject's capture (\(views.map(\.camera).joined(separator: ", ")))")
        }
        self.views = views
        self.camera = chosenCamera
        view = chosen.view
    }
}
