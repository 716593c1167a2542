import ArgumentParser
import Foundation
import TerminalUI
import Training

/// Writes a message to standard error, a newline after it. Messages quote data (run ids, names,
/// bad lines), so control characters in them are written as visible escapes.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((TerminalText.visible(message, keepingNewlines: true) + "\n").utf8))
}

/// Writes a report that quotes data to standard output, control characters escaped as for `printError`.
func printReport(_ text: String) {
    FileHandle.standardOutput.write(Data(TerminalText.visible(text, keepingNewlines: true).utf8))
}

/// A bad command line: one error line on standard error, exit status 2 (as for every other bad input).
func usageError(_ message: String) -> ExitCode {
    // ArgumentParser runs `validate()` before it shows `--help`, then drops the error: say nothing then.
    let askedForHelp = CommandLine.arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" || $0 == "help" }
    if !askedForHelp { printError("trainscope: error: \(message)") }
    return ExitCode(2)
}

/// The theme `--theme` names: a file path, or a name looked up in `themeFolders()` and then among
/// the built-ins; without `--theme`, NO_COLOR picks mono.
func loadTheme(_ name: String?) throws -> Theme {
    let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    let wanted = name ?? (noColor ? "mono" : "default")
    let isPath = wanted.contains("/") || wanted.hasSuffix(".theme")
    let candidates = isPath ? [wanted] : themeFolders().map { "\($0)/\(wanted).theme" }
    for path in candidates {
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        let themeName = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        do { return try Theme.parse(String(decoding: data, as: UTF8.self), name: themeName, source: path) } catch {
            throw ConfigError("\(error)")
        }
    }
    if !isPath, let builtIn = Theme.builtIn[wanted] { return builtIn }
    if isPath { throw ConfigError("\(wanted): no such theme file") }
    throw ConfigError("unknown theme '\(wanted)' (looked in \(themeFolders().joined(separator: ", ")); built in: default, mono, paper)")
}

/// Where `--theme NAME` looks, in order: the user's folder (`$XDG_CONFIG_HOME/trainscope/themes`,
/// `~/.config/…` by default), the installed share folder beside the binary
/// (`PREFIX/share/trainscope/themes`), and the source tree's `Themes/` for a binary built in it.
func themeFolders() -> [String] {
    let environment = ProcessInfo.processInfo.environment
    let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"].map { "\($0)/.config" } ?? "")
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let binDirectory = (executable as NSString).deletingLastPathComponent
    var folders = ["\(config)/trainscope/themes", "\(binDirectory)/../share/trainscope/themes"]
    // A build in the source tree: .build/<triple>/<configuration>/trainscope, the themes three levels up.
    for up in ["../..", "../../.."] where FileManager.default.fileExists(atPath: "\(binDirectory)/\(up)/Themes/default.theme") {
        folders.append(((binDirectory + "/" + up) as NSString).standardizingPath + "/Themes")
        break
    }
    return folders.map { ($0 as NSString).standardizingPath }
}

/// What `--preset NAME` trains, for `run` and `snapshot`/`check` alike: the preset's study (every
/// member in turn) or one trainer, with run ids `NAME-sSEED` unless `name` is given.
func presetDriver(_ preset: Preset, config: TrainingConfig, name: String? = nil, seeds: Int = 1) throws -> TrainingDriver {
    do {
        // Seeds of one run are named PRESET-sSEED, as a single run is.
        return try preset.driver(config: config, runID: name ?? (seeds > 1 && preset.study == nil ? preset.name : "\(preset.name)-s\(config[.seed])"),
                                 seeds: seeds, clock: { Date().timeIntervalSince1970 })
    } catch {
        throw usageError(error.message)
    }
}
