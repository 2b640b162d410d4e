package logtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                        "plain text",
		"\x1b[2Jcleared":                    "␛[2Jcleared",
		"\x1b]0;pwned title\x07after":       "␛]0;pwned title␇after",
		"\x1b]8;;http://x\x1b\\link":        "␛]8;;http://x␛\\link",
		"\x1b[31mred\x1b[0m plain":          "red plain",
		"\x1b[1;38;5;208mbold":              "bold",
		"\x1b[?1049h alt screen":            "␛[?1049h alt screen",
		"carriage\rreturn":                  "carriage␍return",
		"bell\a":                            "bell␇",
		"back\bspace":                       "back␈space",
		"del\x7f":                           "del␡",
		"a\tb":                              "a   b",
		"\xff\xfe bad utf8":                 "\uFFFD\uFFFD bad utf8",
		"c1 csi \u009b2J":                   "c1 csi <U+009B>2J",
		"bidi \u202eevil":                   "bidi <U+202E>evil",
		"emoji 🙂 and ünïcode":               "emoji 🙂 and ünïcode",
		"\x1bc reset":                       "␛c reset",
		"unterminated \x1b]0;title":         "unterminated ␛]0;title",
		"trailing esc \x1b":                 "trailing esc ␛",
		"\x1b[2\x1b[J nested":               "␛[2␛[J nested",
		"\x1bP+q\x1b\\ dcs":                 "␛P+q␛\\ dcs",
		"cursor \x1b[10;20H moved":          "cursor ␛[10;20H moved",
		"\x1b[38;2;255;0;0mtruecolor\x1b[m": "truecolor",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// assertInert checks the property every sanitised string must have.
func assertInert(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
	}
	for _, r := range out {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("control %U survived in %q (from %q)", r, out, in)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", "\x1b]0;t\x07", "\x1b[31mx", "\r\n\t", "\xff", "\u009b", "\x1b", "\x1b[", "\x1bP"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		assertInert(t, in, out)
		// Sanitising is idempotent: a second pass finds nothing to do.
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		// Printable ASCII passes through untouched.
		if isPlain(in) && out != in {
			t.Fatalf("plain text changed: %q -> %q", in, out)
		}
		// Nothing printable is dropped from text without escape sequences.
		if !strings.ContainsRune(in, 0x1b) {
			for i := 0; i < len(in); i++ {
				if c := in[i]; c > 0x20 && c < 0x7f && !strings.ContainsRune(out, rune(c)) {
					t.Fatalf("%q lost from %q: %q", c, in, out)
				}
			}
		}
	})
}
