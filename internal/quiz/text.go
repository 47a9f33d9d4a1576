package quiz

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeText is the text answers' comparison form, defined exactly so
// that the phone (static/quiz.js) computes the same string: Unicode NFKD;
// drop combining marks (category Mn); lower-case each code point with the
// simple case mapping (no Final_Sigma context, no one-to-many mappings);
// collapse each run of White_Space to one space and trim it at both ends.
// Byte-order marks (U+FEFF) are not White_Space and stay.
func NormalizeText(s string) string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.Is(unicode.White_Space, r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// maxNumberLen bounds the text ParseNumber reads.
const maxNumberLen = 64

// ParseNumber reads a number as people type it on a phone: "1.5", "1,5"
// (decimal comma), Eastern Arabic (U+0660–0669) and Extended Arabic-Indic
// (U+06F0–06F9) digits with the Arabic decimal separator U+066B, full-width
// digits and signs, and U+2212 MINUS SIGN; White_Space around it is ignored.
// No thousands separators and no exponent: "1,000" is one. ok is false for
// anything else.
func ParseNumber(s string) (f float64, ok bool) {
	if len(s) > 4*maxNumberLen || !utf8.ValidString(s) {
		return 0, false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x660 && r <= 0x669:
			b.WriteByte(byte('0' + r - 0x660))
		case r >= 0x6F0 && r <= 0x6F9:
			b.WriteByte(byte('0' + r - 0x6F0))
		case r >= 0xFF10 && r <= 0xFF19:
			b.WriteByte(byte('0' + r - 0xFF10))
		case r == ',' || r == 0x66B || r == 0xFF0C || r == 0xFF0E:
			b.WriteByte('.')
		case r == 0x2212 || r == 0xFF0D:
			b.WriteByte('-')
		case r == 0xFF0B:
			b.WriteByte('+')
		case unicode.Is(unicode.White_Space, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	t := strings.Trim(b.String(), " ")
	if len(t) == 0 || len(t) > maxNumberLen || !numberSyntax(t) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// numberSyntax matches [+-]?(digits(.digits?)?|.digits) in ASCII.
func numberSyntax(t string) bool {
	if t[0] == '+' || t[0] == '-' {
		t = t[1:]
	}
	digits, dots := 0, 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// exactDecimal is the shortest decimal that reads back as f, exactly.
func exactDecimal(f float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'e', -1, 64))
	if !ok {
		return new(big.Rat)
	}
	return r
}

// WithinTolerance is |given − value| ≤ tolerance, computed exactly on the
// decimals people typed rather than on binary floating point: each number is
// taken as the shortest decimal that reads back as the same IEEE double
// (what Go's strconv and JavaScript's Number#toExponential() print), so
// 1.6 is within 0.1 of 1.5, and 0.1+0.2 (0.30000000000000004) is not 0.3.
func WithinTolerance(given, value, tolerance float64) bool {
	d := new(big.Rat).Sub(exactDecimal(given), exactDecimal(value))
	return d.Abs(d).Cmp(exactDecimal(tolerance)) <= 0
}
