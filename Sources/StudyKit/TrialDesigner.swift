import SeededRandom

/// Builds the trial design: for each task, balanced participant sequences drawn from a seeded generator.
/// A pure function of its arguments (no files, no clock), so tests can check its properties over many seeds.
///
/// Per task (tasks are between-subjects; each sequence belongs to one task):
/// - Main trials come from a stream of passes over all images. In pass `q` image `x` is shown with model
///   `tau[(label(x) + q) mod m]`, so every `m` consecutive passes show each image once with every model.
///   The stream is cut into sequences of `k` trials; at a pass boundary the next pass starts with images
///   not already in the open sequence, so no sequence repeats an image. Complete blocks (`DesignPlan`) show
///   every (image, model) cell exactly equally often, and an early prefix of the sequences nearly so.
/// - Within a sequence, models are interleaved so that each model gets about `k / m` trials.
/// - Left/right: within each sequence, each model's trials are split evenly between the sides, the odd ones
///   alternating, so both the sequence and each model within it differ by at most one.
/// - Catch trials (ground truth against `DesignTrial.catchFoilModel`) are spread through the main trials,
///   one per stretch of `k / catches` trials; practice trials (with feedback) come first and pit the truth
///   against the study's `practice_model` (main-like pairs), or against the catch foil when it has none.
///   The random draws are the same either way, so a study without `practice_model` keeps its design.
///   Both use images the sequence does not show in main trials whenever there are enough.
public enum TrialDesigner {
    public static func makeDesign<G: RandomNumberGenerator>(
        definition: StudyDefinition, images: [String], models: [String], using rng: inout G
    ) throws -> TrialDesign {
        guard Set(images).count == images.count else {
            throw DesignError(field: "images.folder", problem: "two source images have the same id", fix: "give every source image its own file name")
        }
        guard Set(models).count == models.count else {
            throw DesignError(field: "models", problem: "two models have the same id", fix: "give every model its own id")
        }
        let plan = try DesignPlan(definition: definition, imageCount: images.count, modelCount: models.count)
        if let practiceModel = definition.practiceModel, !models.contains(practiceModel) {
            throw DesignError(
                field: "practice_model", problem: "practice model `\(practiceModel)` has no outputs in this build",
                fix: "choose a model that runs, or remove `practice_model`")
        }
        var sequences: [TrialSequence] = []
        for task in definition.tasks {
            var taskRNG = SeededGenerator(seed: rng.next())
            let mains = mainTrials(plan: plan, rng: &taskRNG)
            let width = max(3, String(max(mains.count - 1, 0)).count)
            for (index, main) in mains.enumerated() {
                let number = String(index)
                let id = "\(task.id)-\(String(repeating: "0", count: max(0, width - number.count)))\(number)"
                let trials = sequenceTrials(
                    main: main, plan: plan, images: images, models: models,
                    practiceModel: definition.practiceModel ?? DesignTrial.catchFoilModel, rng: &taskRNG)
                sequences.append(TrialSequence(id: id, task: task.id, trials: trials))
            }
        }
        return TrialDesign(sequences: sequences)
    }

    struct Cell: Equatable {
        var image: Int
        var model: Int
    }

    /// The main trials of every sequence of one task, as (image index, model index), in stream order.
    static func mainTrials<G: RandomNumberGenerator>(plan: DesignPlan, rng: inout G) -> [[Cell]] {
        let n = plan.images
        let m = plan.models
        let k = plan.imagesPerSequence
        let passes = plan.sequencesPerTask * k / n
        let label = rng.stableShuffled(Array(0..<n))
        var sequences: [[Cell]] = []
        sequences.reserveCapacity(plan.sequencesPerTask)
        var open: [Cell] = []
        var tau: [Int] = []
        for pass in 0..<passes {
            if pass % m == 0 { tau = rng.stableShuffled(Array(0..<m)) }
            var groups = [[Int]](repeating: [], count: m)
            for image in rng.stableShuffled(Array(0..<n)) { groups[tau[(label[image] + pass) % m]].append(image) }
            for _ in 0..<n {
                let openImages = Set(open.map(\.image))
                var perModel = [Int](repeating: 0, count: m)
                for cell in open { perModel[cell.model] += 1 }
                // Fewest in the open sequence first, then the fuller group (so groups run out together), then chance.
                var best: (model: Int, key: (Int, Int, UInt64))?
                for model in 0..<m where groups[model].contains(where: { !openImages.contains($0) }) {
                    let key = (perModel[model], -groups[model].count, rng.next())
                    if let current = best, !(key < current.key) { continue }
                    best = (model, key)
                }
                // A fresh image always exists: the open sequence holds fewer than k <= n images,
                // and the ones it holds from this pass are no longer in the groups.
                guard let model = best?.model,
                    let position = groups[model].firstIndex(where: { !openImages.contains($0) })
                else { continue }
                open.append(Cell(image: groups[model].remove(at: position), model: model))
                if open.count == k {
                    sequences.append(open)
                    open = []
                }
            }
        }
        return sequences
    }

    static func sequenceTrials<G: RandomNumberGenerator>(
        main: [Cell], plan: DesignPlan, images: [String], models: [String], practiceModel: String = DesignTrial.catchFoilModel,
        rng: inout G
    ) -> [DesignTrial] {
        let sides = balancedSides(models: main.map(\.model), modelCount: models.count, rng: &rng)
        let mainTrials = rng.stableShuffled(Array(zip(main, sides))).map { cell, side in
            DesignTrial(kind: .main, image: images[cell.image], model: models[cell.model], modelSide: side)
        }

        // Arrays, not sets, wherever order matters: a Set's order changes from one process to the next.
        let shown = Set(main.map(\.image))
        var unseen = rng.stableShuffled((0..<images.count).filter { !shown.contains($0) })
        var seen = rng.stableShuffled(main.map(\.image))
        func take(_ count: Int) -> [Int] {
            var picked: [Int] = []
            while picked.count < count {
                if !unseen.isEmpty {
                    picked.append(unseen.removeFirst())
                    continue
                }
                if seen.isEmpty { seen = rng.stableShuffled(Array(0..<images.count)) }
                picked.append(seen.removeFirst())
            }
            return picked
        }
        let catchImages = take(plan.catchTrials)
        let practiceImages = take(plan.practiceTrials)

        let practice = zip(practiceImages, alternatingSides(plan.practiceTrials, rng: &rng)).map { image, side in
            DesignTrial(kind: .practice, image: images[image], model: practiceModel, modelSide: side)
        }
        let catches = zip(catchImages, alternatingSides(plan.catchTrials, rng: &rng)).map { image, side in
            DesignTrial(kind: .catch, image: images[image], model: DesignTrial.catchFoilModel, modelSide: side)
        }
        // Catch j follows a main trial drawn from the j-th of `catches` equal stretches.
        let k = mainTrials.count
        var after = [Int: [DesignTrial]]()
        for (j, trial) in catches.enumerated() {
            let start = j * k / catches.count
            let end = max((j + 1) * k / catches.count, start + 1)
            after[start + rng.stableIndex(below: end - start), default: []].append(trial)
        }
        var trials = practice
        for (index, trial) in mainTrials.enumerated() {
            trials.append(trial)
            trials.append(contentsOf: after[index] ?? [])
        }
        return trials
    }

    /// Sides for the model's image: each model's trials split evenly, odd ones alternating between models.
    static func balancedSides<G: RandomNumberGenerator>(models: [Int], modelCount: Int, rng: inout G) -> [Side] {
        var sides = [Side](repeating: .left, count: models.count)
        var extraGoesLeft = rng.stableBool()
        for model in rng.stableShuffled(Array(0..<modelCount)) {
            let indices = rng.stableShuffled(models.indices.filter { models[$0] == model })
            var lefts = indices.count / 2
            if indices.count % 2 == 1 {
                if extraGoesLeft { lefts += 1 }
                extraGoesLeft.toggle()
            }
            for (j, index) in indices.enumerated() { sides[index] = j < lefts ? .left : .right }
        }
        return sides
    }

    static func alternatingSides<G: RandomNumberGenerator>(_ count: Int, rng: inout G) -> [Side] {
        let first: Side = rng.stableBool() ? .left : .right
        let sides = (0..<count).map { $0 % 2 == 0 ? first : first.other }
        return rng.stableShuffled(sides)
    }
}
