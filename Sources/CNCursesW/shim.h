#ifndef TRAINSCOPE_CNCURSESW_SHIM_H
#define TRAINSCOPE_CNCURSESW_SHIM_H
// Wide-character ncurses (Debian: libncurses-dev). get_wch/add_wch need the X/Open extended API.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Swift 6 rejects direct use of C global variables (stdscr, COLORS, …) as not concurrency-safe;
// these accessors are the only way the backend reads them.
static inline WINDOW *trainscope_stdscr(void) { return stdscr; }
static inline int trainscope_colors(void) { return COLORS; }
static inline int trainscope_color_pairs(void) { return COLOR_PAIRS; }
static inline int trainscope_lines(void) { return LINES; }
static inline int trainscope_cols(void) { return COLS; }

// Attribute macros are function-like in curses.h, so Swift cannot import them.
static inline attr_t trainscope_a_bold(void) { return A_BOLD; }
static inline attr_t trainscope_a_dim(void) { return A_DIM; }
static inline attr_t trainscope_a_underline(void) { return A_UNDERLINE; }
static inline attr_t trainscope_a_reverse(void) { return A_REVERSE; }
#endif
