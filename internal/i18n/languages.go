package i18n

// languages are the interface languages Fieldbook offers, in the order the
// language picker lists them; the first is the source language, whose
// catalogue every other one is checked against. Adding a language is one
// catalogue file (catalog/<tag>.json) and one line here.
var languages = []Language{
	{Tag: "en", Name: "English"},
	{Tag: "fr", Name: "Français"},
	{Tag: "pt", Name: "Português"},
	{Tag: "es", Name: "Español"},
	{Tag: "sw", Name: "Kiswahili"},
	{Tag: "ar", Name: "العربية", RTL: true, Numbers: "latn"},
}
