import Foundation

/// One failing step of a dbt or transformation run (`data.result.stepResults`), with what alerts show of
/// it: its command, exit code, model counts and output (the error, then the output).
public struct DbtFailingStep: Sendable, Equatable {
    /// The step's command, else its name; nil when it has neither.
    public var named: String?
    public var exitCode: Int?
    public var failedModels: Int?
    public var succeededModels: Int?
    public var output: String

    /// The command or name, else "unnamed step".
    public var command: String { named ?? "unnamed step" }

    /// The failing steps of a run's `result`, in order. A step without `success` counts as failed when
    /// its exit code says so.
    public static func failing(in result: JSONValue?) -> [DbtFailingStep] {
        let steps = result?["stepResults"]?.arrayValue ?? []
        return steps.compactMap { step in
            let commandResult = step["commandResult"]
            let exitCode = commandResult?["exitCode"]?.intValue
            let success = step["success"]?.boolValue ?? ((exitCode ?? 0) == 0)
            guard !success else { return nil }
            let parts = [commandResult?["error"]?.displayText, commandResult?["output"]?.displayText]
                .compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
            return DbtFailingStep(
                named: step["step"]?["command"]?.displayText ?? step["step"]?["name"]?.displayText,
                exitCode: exitCode, failedModels: step["failedModelRuns"]?.intValue,
                succeededModels: step["successfulModelRuns"]?.intValue, output: parts.joined(separator: "\n"))
        }
    }
}
