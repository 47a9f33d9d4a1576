package i18ntest

import (
	"slices"
	"strings"
	"testing"
)

const englishPage = `<!DOCTYPE html><html lang="en"><head><title>Sign in · Fieldbook</title>
<script>var x = "Sign in";</script><style>.a{}</style></head><body>
<a class="brand" href="/" translate="no">Fieldbook</a>
<nav><a href="/signup">Sign up</a> <span class="who" translate="no">Lena</span></nav>
<h1>Sign in</h1><label>Username</label><input placeholder="Your username">
<input type="submit" value="Go"><input type="hidden" value="keep out">
<article lang="en"><p>Wash your hands.</p></article>
<p>42 %</p><button aria-label="Close">×</button>
<select><option lang="fr">Français</option></select></body></html>`

func TestUntranslatedFindsEnglishLeft(t *testing.T) {
	// "Username" and the placeholder were forgotten; everything else is
	// translated, a proper noun, content, or has no letters.
	french := `<!DOCTYPE html><html lang="fr"><head><title>Connexion · Fieldbook</title>
<script>var x = "Sign in";</script></head><body>
<a class="brand" href="/" translate="no">Fieldbook</a>
<nav><a href="/signup">Créer un compte</a> <span class="who" translate="no">Lena</span></nav>
<h1>Connexion</h1><label>Username</label><input placeholder="Your username">
<input type="submit" value="Aller"><input type="hidden" value="keep out">
<article lang="en"><p>Wash your hands.</p></article>
<p>42 %</p><button aria-label="Fermer">×</button>
<select><option lang="fr">Français</option></select></body></html>`
	got, err := Untranslated(strings.NewReader(englishPage), strings.NewReader(french), "fr")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Username", "Your username"}
	if !slices.Equal(got, want) {
		t.Errorf("Untranslated = %q, want %q", got, want)
	}
}

func TestUntranslatedPassesAFullTranslation(t *testing.T) {
	french := strings.NewReplacer("Sign in", "Connexion", "Sign up", "Créer un compte",
		"Username", "Nom d’utilisateur", "Your username", "Votre nom d’utilisateur",
		`value="Go"`, `value="Aller"`, "Close", "Fermer").Replace(englishPage)
	got, err := Untranslated(strings.NewReader(englishPage), strings.NewReader(french), "fr")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("Untranslated = %q, want none", got)
	}
}

func TestUntranslatedHonoursTheAllowlist(t *testing.T) {
	saved := Allowed["fr"]
	t.Cleanup(func() { Allowed["fr"] = saved })
	en := `<html><body><p>Total</p><p>Done</p></body></html>`
	fr := `<html><body><p>Total</p><p>Done</p></body></html>`
	Allowed["fr"] = []string{"Total"}
	got, err := Untranslated(strings.NewReader(en), strings.NewReader(fr), "fr")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"Done"}) {
		t.Errorf("Untranslated = %q, want [Done]", got)
	}
}

func TestVisibleTexts(t *testing.T) {
	got, err := VisibleTexts(strings.NewReader(englishPage))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Sign in · Fieldbook", "Sign up", "Sign in", "Username", "Your username", "Go", "Close"}
	if !slices.Equal(got, want) {
		t.Errorf("VisibleTexts =\n%q\nwant\n%q", got, want)
	}
}

func TestUntranslatedExceptContent(t *testing.T) {
	en := `<html><head><title>Receipts · Fieldbook</title></head><body><h1>Receipts</h1>
<p>Dashboard: Receipts</p><td>Lena Okafor</td><p>Lena Okafor, Receipts</p><p>Done</p></body></html>`
	fr := strings.Replace(en, "<p>Done</p>", "<p>Fini</p>", 1)
	got, err := UntranslatedExcept(strings.NewReader(en), strings.NewReader(fr), "fr", []string{"Receipts", "Lena Okafor"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Dashboard: Receipts"}; !slices.Equal(got, want) {
		t.Errorf("UntranslatedExcept = %q, want %q", got, want)
	}
}
