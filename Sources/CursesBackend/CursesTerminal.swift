import CNCursesW
import FileOutput
import Foundation
import TerminalUI

/// The real terminal through ncurses: shows Buffers (writing only changed cells), reads keys,
/// tracks the size, and always gives the terminal back as it found it.
///
/// `start()` installs handlers for SIGINT, SIGTERM, SIGHUP and the crash signals (a failed Swift
/// precondition traps with SIGILL or SIGTRAP) that restore the terminal before the process ends, and `stop()` is idempotent, so `defer { terminal.stop() }` covers normal exits and thrown errors.
public final class CursesTerminal {
    private var table: ColorPairTable
    private var previous: Buffer?
    private var started = false
    /// The terminal opened for keys when standard input is not one (kept open while curses runs).
    private var inputTTY: UnsafeMutablePointer<FILE>?

    public init() { table = ColorPairTable(colors: 0, maxPairs: 0) }

    deinit { stop() }

    /// Enters curses mode (alternate screen, no echo, keypad, hidden cursor, colours when offered).
    public func start() {
        guard !started else { return }
        setlocale(LC_ALL, "")
        // Keys come from the terminal even when standard input carries data
        // (`python train.py | trainscope watch -`): then curses reads /dev/tty instead.
        if isatty(STDIN_FILENO) == 0, let tty = fopen("/dev/tty", "r+"), newterm(nil, tty, tty) != nil {
            inputTTY = tty
        } else {
            initscr()
        }
        cbreak()
        noecho()
        keypad(trainscope_stdscr(), true)
        nodelay(trainscope_stdscr(), true)
        curs_set(0)
        // Esc arrives alone only after this many milliseconds without a following byte (default 1000).
        set_escdelay(25)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        table = ColorPairTable(colors: noColor ? 0 : Int(trainscope_colors()), maxPairs: Int(trainscope_color_pairs()))
        started = true
        CursesTerminal.installSignalHandlers()
    }

    /// Leaves curses mode and restores the terminal; safe to call more than once.
    public func stop() {
        guard started else { return }
        started = false
        endwin()
    }

    /// The terminal's size in columns and rows.
    public var size: (width: Int, height: Int) { (Int(trainscope_cols()), Int(trainscope_lines())) }

    /// Shows `buffer`, writing only the cells that changed since the last frame.
    public func draw(_ buffer: Buffer) {
        guard started else { return }
        let changes = buffer.changes(from: previous)
        for change in changes {
            let style = change.cell.style
            let (pair, isNew) = table.pair(foreground: style.foreground, background: style.background)
            if isNew, let colors = table.colors(ofPair: pair) { init_pair(pair, colors.0, colors.1) }
            var attributes: attr_t = 0
            if style.bold { attributes |= trainscope_a_bold() }
            if style.dim { attributes |= trainscope_a_dim() }
            if style.underline { attributes |= trainscope_a_underline() }
            if style.reverse { attributes |= trainscope_a_reverse() }
            wattr_set(trainscope_stdscr(), attributes, pair, nil)
            mvwaddstr(trainscope_stdscr(), Int32(change.y), Int32(change.x), String(change.cell.character))
        }
        wattr_set(trainscope_stdscr(), 0, 0, nil)
        if !changes.isEmpty { wrefresh(trainscope_stdscr()) }
        previous = buffer
    }

    /// Forgets the last frame so the next `draw` repaints everything (after a resize or a redraw key).
    public func invalidate() {
        previous = nil
        if started { wclear(trainscope_stdscr()) }
    }

    /// The next key press, or nil when none is waiting (never blocks). Keys the dashboard has no use
    /// for (function keys, the resize pseudo-key) are skipped.
    public func readKey() -> Key? {
        guard started else { return nil }
        while true {
            var character: wint_t = 0
            let result = wget_wch(trainscope_stdscr(), &character)
            if result == ERR { return nil }
            if result == KEY_CODE_YES {
                if let key = Self.functionKey(Int32(bitPattern: character)) { return key }
                continue
            }
            switch character {
            case 0x0A, 0x0D: return .enter
            case 0x09: return .tab
            case 0x1B: return .escape
            case 0x08, 0x7F: return .backspace
            default:
                guard let scalar = Unicode.Scalar(UInt32(character)) else { continue }
                return .character(Character(scalar))
            }
        }
    }

    /// The dashboard key for a curses function-key code.
    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_SLEFT: .shiftLeft
        case KEY_SRIGHT: .shiftRight
        case KEY_BTAB: .backTab
        case KEY_ENTER: .enter
        case KEY_BACKSPACE, KEY_DC: .backspace
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_HOME: .home
        case KEY_END: .end
        default: nil
        }
    }

    nonisolated(unsafe) private static var handlersInstalled = false

    private static func installSignalHandlers() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE] {
            signal(sig) { received in
                endwin()
                ExitCleanup.removeAll()
                // Re-raise with the default action so the exit status tells the parent what happened.
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}

extension CursesTerminal: Backend {}
