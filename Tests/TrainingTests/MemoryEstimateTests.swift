import Testing
import Training

/// The memory estimate sizes a configuration before anything is allocated: close to the peaks
/// measured for the presets, and a configuration that cannot fit is refused in one line.
@Suite struct MemoryEstimateTests {
    private func config(_ preset: String, _ settings: [String] = []) throws -> TrainingConfig {
        var config = Preset.named(preset)!.config
        for setting in settings { try config.apply(ConfigSetting(assignment: setting)) }
        return config
    }

    /// Peaks measured with `/usr/bin/time -f %M trainscope run --headless … --steps 2` (debug build).
    @Test(arguments: [
        ("grokking", [String](), 48.0),
        ("grokking", ["p=300", "hidden=512"], 1035),
        ("grokking", ["p=600", "hidden=64"], 2050),
        ("transformer", [], 156),
        ("teacher-student", ["samples=100000", "hidden=256"], 1489),
    ])
    func estimatesAreWithinAFactorOfMeasuredPeaks(_ preset: String, _ settings: [String], _ measuredMB: Double) throws {
        let estimate = try config(preset, settings).estimatedPeakBytes / 1_048_576
        #expect(estimate > 0.7 * measuredMB && estimate < 1.6 * measuredMB, "\(preset) \(settings): \(estimate) MB estimated")
    }

    @Test func aConfigurationThatCannotFitIsRefusedInOneLine() throws {
        let huge = try config("grokking", ["p=1000", "hidden=65536"])
        #expect(throws: ConfigError.self) { try huge.checkFits(physicalMemory: 16 * 1_073_741_824) }
        do throws(ConfigError) { try huge.checkFits(physicalMemory: 16 * 1_073_741_824) } catch {
            #expect(error.message.hasPrefix("this configuration needs about "))
            #expect(error.message.hasSuffix("GB of memory (p=1000, hidden=65536, train_fraction=0.3, batch_size=0); this machine has 16 GB"))
        }
        #expect(throws: Never.self) { try self.config("grokking").checkFits(physicalMemory: 16 * 1_073_741_824) }
    }
}
