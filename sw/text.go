package sw

// Text is every sentence the page script and the worker show, per language:
// a key maps to a string with {placeholders}, or to plural forms by CLDR
// category ("one", "other", …) chosen in JavaScript with Intl.PluralRules.
// English only until the message catalogues (issue 13) generate this table.
var Text = map[string]map[string]any{
	"en": {
		"progress": map[string]string{
			"one":   "{done} of {total} lesson done ({pct}%)",
			"other": "{done} of {total} lessons done ({pct}%)",
		},
		"no_lessons": "No lessons yet",
		"waiting": map[string]string{
			"one":   "{n} change waiting to sync",
			"other": "{n} changes waiting to sync",
		},
		"all_synced": "All changes synced",
		"failed": map[string]string{
			"one":   "{n} change could not sync: {reasons}",
			"other": "{n} changes could not sync: {reasons}",
		},
		"logout_warning": map[string]string{
			"one":   "{n} change is waiting to sync. It stays on this phone and syncs when you are back. Press Sign out again to continue.",
			"other": "{n} changes are waiting to sync. They stay on this phone and sync when you are back. Press Sign out again to continue.",
		},
		"save_removed":  "Removed from this phone.",
		"save_done":     "Available offline ✓",
		"save_partial":  "{done} of {total} pages are on this phone. Save the rest to read them offline.",
		"save_failed":   "Saved {done} of {total}. Try again to finish.",
		"save_progress": "Saving… {done} of {total} pages saved",
		"need_learner":  "Sign in, or pick your name under “Who is learning?”, to mark lessons complete.",
		"pin_for":       "PIN of {name}",
		"pin_format":    "Use 4 to 8 digits.",
		"pin_mismatch":  "The two PINs are not the same.",
		"pin_wrong": map[string]string{
			"one":   "Wrong PIN. {n} try left.",
			"other": "Wrong PIN. {n} tries left.",
		},
		"pin_locked":   "Wrong PIN five times: {name} is off this phone's list until they sign in online once. Their saved changes stay.",
		"optin_done":   "Done: {name} can now pick their name here while offline.",
		"need_online":  "Connect to the internet first.",
		"forgotten":    "This phone is forgotten: {name} is off its list.",
		"failed_retry": "That did not work. Try again.",
		"offline":      "You are offline.",
	},
}
