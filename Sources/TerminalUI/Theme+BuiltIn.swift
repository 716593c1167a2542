// The default, mono and paper themes compiled in, so the app works without its Themes/ folder.
// ThemeTests keeps these texts byte-for-byte equal to Themes/default.theme, Themes/mono.theme and Themes/paper.theme
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

    /// The text of Themes/paper.theme (the figures' default, so it is here when Themes/ is not).
    public static let paperThemeText = """
# trainscope theme "paper": black on white for print, the default of figures (snapshot --style figure).
# Lines take Okabe & Ito's colour-blind-safe palette (its yellow left out: it vanishes on white),
# then Paul Tol's "muted" colours; the heat ramp is ColorBrewer's YlGnBu: it starts near the paper's
# white, so faint density stays faint, and it is ordered in lightness for every reader.
text = #000000
dim_text = #595959
border = #BBBBBB
focus_border = bold #0072B2
title = bold #000000
axis = #262626
series = #0072B2 #D55E00 #009E73 #CC79A7 #E69F00 #56B4E9 #000000 #332288 #882255 #117733 #999933 #AA4499
reference = #666666
marker_knob = #E69F00
marker_phase = #882255
good = #009E73
warning = #E69F00
error = bold #D55E00
status_bar = reverse #595959
heatmap = #EDF8B1 #C7E9B4 #7FCDBB #41B6C4 #1D91C0 #225EA8 #253494 #081D58

"""

    /// The compiled-in themes by name.
    public static let builtIn: [String: Theme] = {
        var themes: [String: Theme] = [:]
        for (name, text) in [("default", defaultThemeText), ("mono", monoThemeText), ("paper", paperThemeText)] {
            do throws(ThemeError) { themes[name] = try Theme.parse(text, name: name, source: "built-in \(name)") } catch {
                preconditionFailure("compiled-in theme does not parse: \(error)")
            }
        }
        return themes
    }()
}
