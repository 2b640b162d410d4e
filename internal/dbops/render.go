package dbops

import (
	"encoding/hex"
	"unicode/utf8"

	"github.com/tts-portal/ttsui/internal/logtext"
)

// RenderCell turns a value into text that is safe on a terminal: NULL as the
// word NULL (distinct from an empty string, shown as ”), binary values and
// invalid UTF-8 as 0x-hex, control characters and escape sequences inert,
// and at most max bytes of the value (0 = all) followed by an ellipsis.
func RenderCell(c Cell, binary bool, max int) string {
	if c.Null {
		return "NULL"
	}
	if len(c.Bytes) == 0 {
		return "''"
	}
	b := c.Bytes
	cut := false
	if max > 0 && len(b) > max {
		b, cut = b[:max], true
	}
	var s string
	if binary || !utf8.Valid(trimPartialRune(b)) {
		s = "0x" + hex.EncodeToString(b)
	} else {
		s = logtext.ShowEscapes(string(trimPartialRune(b)))
	}
	if cut {
		s += "…"
	}
	return s
}

// trimPartialRune drops an incomplete UTF-8 sequence that a cut left at the
// end, so truncating text does not turn it into hex.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return b[:len(b)-i]
		}
	}
	return b
}
