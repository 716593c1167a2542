// The default and mono themes compiled in, so the app works without its Themes/ folder.
// ThemeTests keeps these texts byte-for-byte equal to Themes/default.theme and Themes/mono.theme
// (the blank line before each closing delimiter keeps the files' final newline).

extension Theme {
    /// The text of Themes/default.theme.
    public static let defaultThemeText = """
# trainscope theme "default": 256 colours on the terminal's own background.
# Format: one `key = value` per line; a value is attributes (bold dim underline reverse) followed by a
# colour: `default`, an xterm index 0-255, or #RRGGBB. `series` lists the colours of a chart's lines.
text = default
dim_text = 245
border = 240
focus_border = bold 75
title = bold 252
axis = 244
series = 75 215 114 176 221 81 209 147 167 37 143 183
reference = dim 244
marker_knob = 214
marker_phase = 141
good = 114
warning = 214
error = bold 203
status_bar = reverse 238
heatmap = 17 18 19 20 26 32 38 44 78 113 149 185 221 220 226

"""

    /// The text of Themes/mono.theme.
    public static let monoThemeText = """
# trainscope theme "mono": no colour at all, only attributes (also used when NO_COLOR is set).
text = default
dim_text = dim default
border = default
focus_border = bold default
title = bold default
axis = dim default
series = default bold default underline default dim default bold underline default dim underline default
reference = dim default
marker_knob = bold default
marker_phase = underline default
good = default
warning = bold default
error = bold reverse default
status_bar = reverse default
heatmap = default

"""

    /// The compiled-in themes by name.
    public static let builtIn: [String: Theme] = {
        var themes: [String: Theme] = [:]
        for (name, text) in [("default", defaultThemeText), ("mono", monoThemeText)] {
            do throws(ThemeError) { themes[name] = try Theme.parse(text, name: name, source: "built-in \(name)") } catch {
                preconditionFailure("compiled-in theme does not parse: \(error)")
            }
        }
        return themes
    }()
}
