package main

import "github.com/newsroom/dossier/internal/display"

// safe makes text from a leak harmless on a terminal (see package
// display): a file name or a subject cannot move the cursor, retitle the
// window or reorder what is displayed.
func safe(s string) string { return display.Line(s) }

// safeText is safe for multi-line text (keeps newlines and tabs).
func safeText(s string) string { return display.Text(s) }
