package dev.podlab.tui;

/** What a piece of text is; the {@link Palette} decides how that looks (colour or monochrome). */
enum Style { NORMAL, HEADER, TITLE, COLUMN, SELECTED, DIM, GOOD, WARN, BAD, ACCENT, PROMPT }
