package store

// The PostgreSQL roles of the schema (migrations/ creates them). A request's
// transaction switches to one of the four caller roles; the others own
// SECURITY DEFINER functions or are switched to for one step (grading).
// They are exported so that the policy tests switch exactly as InTx does
// instead of spelling the names again.
const (
	DBRoleAnonymous = "fieldbook_anon"
	DBRoleLearner   = "fieldbook_learner"
	DBRoleVolunteer = "fieldbook_volunteer"
	DBRoleAdmin     = "fieldbook_admin"
	// DBRoleApp is the login role the app connects as: it owns nothing.
	DBRoleApp = "fieldbook_app"
	// DBRoleAuth owns the sign-in and session functions.
	DBRoleAuth = "fieldbook_auth"
	// DBRoleGrader reads quiz keys and writes attempts while grading.
	DBRoleGrader = "fieldbook_grader"
	// DBRoleCertify owns the functions that issue and verify certificates.
	DBRoleCertify = "fieldbook_certify"
)

// SwitchRoleSQL is the first statement of every request's transaction: the
// caller's database role ($1) and user id ($2, "" when anonymous), both
// transaction-local so a pooled connection never carries them on.
const SwitchRoleSQL = `SELECT set_config('role', $1, true), set_config('fieldbook.user_id', $2, true)`

// DBRole is the PostgreSQL role a caller of role r switches to, for tests
// that switch by hand.
func (r Role) DBRole() (string, error) { return r.dbRole() }
