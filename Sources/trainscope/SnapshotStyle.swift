import ArgumentParser

/// How `snapshot` draws SVG: the terminal's cell grid, or real charts for papers.
enum SnapshotStyle: String, CaseIterable, ExpressibleByArgument {
    case terminal, figure
}
