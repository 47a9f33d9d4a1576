package quiz_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"fieldbook/internal/quiz"
)

// TestJavaScriptAgrees runs static/quiz.js under node's own test runner
// against the shared table, and against Go's results for every Unicode code
// point (normalisation) and for random numbers (parsing and tolerance), so
// the two implementations cannot drift apart. node is required: a missing
// node fails this test, it never skips.
func TestJavaScriptAgrees(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to test static/quiz.js (Debian: apt-get install nodejs): %v", err)
	}
	gen := generatedCases()
	b, err := json.Marshal(gen)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "generated.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "--test", "--test-reporter=tap", "quiz_test.js")
	cmd.Env = append(os.Environ(), "FIELDBOOK_QUIZ_GENERATED="+file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test quiz_test.js failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "# fail 0") || !strings.Contains(string(out), "generated cases agree with Go") {
		t.Fatalf("node's test run did not report every test passing:\n%s", out)
	}
}

// recategorised are code points whose category Unicode changed after Go's
// tables (unicode.Version): AHOM CONSONANT SIGN MEDIAL RA went from Mn to
// Mc in Unicode 16.
var recategorised = map[rune]bool{0x1171E: true}

// assigned reports whether Go's Unicode tables know cp (category not Cn).
func assigned(cp rune) bool { return !unicode.Is(unicode.Categories["Cn"], cp) }

type generated struct {
	Normalize   [][2]any `json:"normalize"`
	Tolerance   [][4]any `json:"tolerance"`
	ParseNumber [][2]any `json:"parse_number"`
}

// generatedCases are Go's answers for every code point but the surrogates,
// and for a few thousand random numbers near tolerance edges.
func generatedCases() generated {
	var g generated
	for cp := rune(0); cp <= utf8.MaxRune; cp++ {
		// Surrogates are not text; code points Go's Unicode tables do not
		// know yet (assigned after unicode.Version) may differ until they
		// do: node's ICU is usually newer.
		if cp >= 0xD800 && cp <= 0xDFFF || !assigned(cp) || recategorised[cp] {
			continue
		}
		g.Normalize = append(g.Normalize, [2]any{cp, quiz.NormalizeText(string(cp))})
	}
	rng := rand.New(rand.NewPCG(12, 34))
	digits := func(n int) float64 {
		return math.Round(rng.Float64()*math.Pow(10, float64(n))) / math.Pow(10, float64(rng.IntN(n+1)))
	}
	for range 3000 {
		v, tol := digits(6), digits(3)
		if rng.IntN(4) == 0 {
			v = -v
		}
		var given float64
		switch rng.IntN(4) {
		case 0:
			given = v + tol
		case 1:
			given = v - tol
		case 2:
			given = v + tol*(1+rng.Float64()*1e-9)
		default:
			given = math.Float64frombits(math.Float64bits(v+tol) + uint64(rng.IntN(3)))
		}
		g.Tolerance = append(g.Tolerance, [4]any{given, v, tol, quiz.WithinTolerance(given, v, tol)})
	}
	alphabet := []rune("0123456789.,-+ ٠١٢٣٤٥٦٧٨٩٫۰۱۲۳۴۵۶۷۸۹１２．，−－e\u00a0")
	for range 3000 {
		var sb strings.Builder
		for range 1 + rng.IntN(8) {
			sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		s := sb.String()
		var out any
		if f, ok := quiz.ParseNumber(s); ok {
			out = f
			if f == 0 && math.Signbit(f) {
				out = json.RawMessage("-0")
			}
		}
		g.ParseNumber = append(g.ParseNumber, [2]any{s, out})
	}
	return g
}
