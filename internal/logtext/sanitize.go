package logtext

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes text from a container safe to put on a terminal: nothing in
// it can move the cursor, clear the screen, retitle the window, change colours
// or reorder the text around it. Escape sequences and control characters are
// shown as visible symbols (ESC as ␛, other C0 controls as their Control
// Pictures, C1 controls and bidi overrides as <U+XXXX>, invalid UTF-8 as �),
// so nothing is lost for debugging. Colour sequences (SGR, ESC [ ... m) are
// removed instead: they carry no text and would otherwise clutter every
// line of a colourful log. Tabs become spaces to the next multiple of four.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	col := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			n, sgr := escapeLen(s[i:])
			if !sgr {
				seq := s[i+1 : i+n]
				b.WriteString("␛")
				col++
				for _, r := range seq {
					writeVisible(&b, r)
					col++
				}
			}
			i += n
			continue
		case c == '\t':
			pad := 4 - col%4
			b.WriteString("    "[:pad])
			col += pad
			i++
			continue
		case c < 0x20:
			b.WriteRune(0x2400 + rune(c))
			col++
			i++
			continue
		case c == 0x7f:
			b.WriteString("␡")
			col++
			i++
			continue
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			col++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			writeVisible(&b, r)
		}
		col++
		i += size
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII needs no work.
// ShowEscapes is Sanitize that keeps colour sequences visible too: for
// stored values and server text, which must be seen as they are, where a
// log line's colours are noise.
func ShowEscapes(s string) string {
	return Sanitize(strings.ReplaceAll(s, "\x1b", "␛"))
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// writeVisible writes r, replacing anything a terminal would act on.
func writeVisible(b *strings.Builder, r rune) {
	switch {
	case r < 0x20:
		b.WriteRune(0x2400 + r)
	case r == 0x7f:
		b.WriteString("␡")
	case r >= 0x80 && r < 0xa0, // C1 controls: 0x9b is a one-byte CSI
		r >= 0x202a && r <= 0x202e, // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // bidi isolates
		r == 0x200e || r == 0x200f || r == 0x061c:
		b.WriteString("<U+")
		const hex = "0123456789ABCDEF"
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hex[(r>>uint(shift))&0xf])
		}
		b.WriteByte('>')
	case r == utf8.RuneError:
		b.WriteRune(r)
	default:
		b.WriteRune(r)
	}
}

// escapeLen returns how many bytes of s (which starts with ESC) form one
// escape sequence, and whether it is an SGR colour sequence. An unterminated
// sequence runs to the end of s; that is safe because the whole of it is then
// shown as text.
func escapeLen(s string) (n int, sgr bool) {
	if len(s) < 2 {
		return len(s), false
	}
	switch s[1] {
	case '[': // CSI: parameters 0x30-0x3f, intermediates 0x20-0x2f, final 0x40-0x7e
		for i := 2; i < len(s); i++ {
			c := s[i]
			if c >= 0x40 && c <= 0x7e {
				return i + 1, c == 'm' && onlySGRParams(s[2:i])
			}
			if c < 0x20 || c > 0x7e {
				return i, false // malformed: stop before the odd byte
			}
		}
		return len(s), false
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: end at BEL or ST (ESC \)
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1, false
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2, false
			}
		}
		return len(s), false
	default: // two-byte sequences such as ESC c (reset) or ESC 7
		_, size := utf8.DecodeRuneInString(s[1:])
		return 1 + size, false
	}
}

func onlySGRParams(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; (c < '0' || c > '9') && c != ';' && c != ':' {
			return false
		}
	}
	return true
}
