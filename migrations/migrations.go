// Package migrations holds Fieldbook's numbered goose SQL migrations, embedded
// into the binary so that `fieldbook migrate` and `fieldbook serve` need no
// files beside them.
package migrations

import "embed"

// FS is the embedded set of *.sql migrations, applied in name order.
//
//go:embed *.sql
var FS embed.FS
