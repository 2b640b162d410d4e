// Package dbops is the SQL side of the console: finding the stack's
// database, running ad-hoc statements safely, streaming results. This file
// and classify.go are its text layer: a client-side statement splitter
// (the pane never enables multiStatements) and a statement classifier that
// decides what needs confirmation. Both work on tokens, never on prefixes.
package dbops

import (
	"strings"
)

// Statement is one statement of a buffer, with where it was.
type Statement struct {
	Text       string // the statement without its delimiter, trimmed
	Start, End int    // byte offsets of Text in the buffer
}

// Split cuts a buffer into statements on ';' (or the delimiter set by a
// mysql-client style `DELIMITER xx` line), ignoring delimiters inside
// quotes, backticks and comments. Empty statements are dropped. An
// unterminated quote or comment runs to the end of the buffer, as the
// server would read it.
func Split(buf string) []Statement {
	var out []Statement
	delim := ";"
	start := 0
	emit := func(end int) {
		raw := buf[start:end]
		trimmed := strings.TrimSpace(raw)
		if trimmed != "" && !onlyComments(trimmed) {
			lead := strings.Index(raw, trimmed)
			out = append(out, Statement{Text: trimmed, Start: start + lead, End: start + lead + len(trimmed)})
		}
	}
	i := 0
	for i < len(buf) {
		// A DELIMITER directive at the start of a line (client-side only;
		// delimiterDirective skips the line's leading blanks itself).
		if i == 0 || buf[i-1] == '\n' {
			if d, next, ok := delimiterDirective(buf, i); ok {
				emit(i)
				delim = d
				i = next
				start = i
				continue
			}
		}
		if n := skipQuotedOrComment(buf, i); n > i {
			i = n
			continue
		}
		if strings.HasPrefix(buf[i:], delim) {
			emit(i)
			i += len(delim)
			start = i
			continue
		}
		i++
	}
	emit(len(buf))
	return out
}

// delimiterDirective reads `DELIMITER xx` at i; next is after its line.
func delimiterDirective(s string, i int) (delim string, next int, ok bool) {
	j := i
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	const kw = "delimiter"
	if len(s)-j < len(kw)+2 || !strings.EqualFold(s[j:j+len(kw)], kw) || (s[j+len(kw)] != ' ' && s[j+len(kw)] != '\t') {
		return "", 0, false
	}
	end := strings.IndexByte(s[j:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += j
	}
	d := strings.TrimSpace(s[j+len(kw) : end])
	if d == "" || strings.ContainsAny(d, " \t") {
		return "", 0, false
	}
	if end < len(s) {
		end++
	}
	return d, end, true
}

// skipQuotedOrComment returns the index after a quoted string, identifier
// or comment that starts at i, or i when none does. Executable comments
// (/*! ... */) are not skipped: the server runs what is in them.
func skipQuotedOrComment(s string, i int) int {
	c := s[i]
	switch {
	case c == '\'' || c == '"' || c == '`':
		j := i + 1
		for j < len(s) {
			switch {
			case s[j] == '\\' && c != '`':
				j += 2
				continue
			case s[j] == c:
				if j+1 < len(s) && s[j+1] == c { // doubled quote
					j += 2
					continue
				}
				return j + 1
			}
			j++
		}
		return len(s)
	// "-- " starts a comment when any control character or space follows
	// the dashes, as the server reads it (not just space and tab).
	case c == '#' || (c == '-' && strings.HasPrefix(s[i:], "--") && (i+2 == len(s) || s[i+2] <= ' ' || s[i+2] == 0x7f)):
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j + 1
		}
		return len(s)
	case c == '/' && strings.HasPrefix(s[i:], "/*") && !strings.HasPrefix(s[i:], "/*!") && !strings.HasPrefix(s[i:], "/*M!"):
		if j := strings.Index(s[i+2:], "*/"); j >= 0 {
			return i + 2 + j + 2
		}
		return len(s)
	}
	return i
}

// onlyComments reports whether s holds nothing but comments and space.
func onlyComments(s string) bool {
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' {
			i++
			continue
		}
		if s[i] != '\'' && s[i] != '"' && s[i] != '`' {
			if n := skipQuotedOrComment(s, i); n > i {
				i = n
				continue
			}
		}
		return false
	}
	return true
}
