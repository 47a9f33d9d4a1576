package handlers_test

// Tests for the hardening of issue 14, one (or a few) per finding; each
// fails on the code before the fix (docs/security.md maps them).

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/handlers"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// testClock is a clock the test moves by hand (handlers.Options.Clock), so
// throttle locks and budgets end without waiting.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// retryAfter is a 429 or 503's Retry-After in seconds, failing without one.
func retryAfter(t *testing.T, r response) int {
	t.Helper()
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("status %d without a usable Retry-After: %q", r.Status, r.Header.Get("Retry-After"))
	}
	return n
}

// Item 1: 40 sign-ins sent at once over real connections check at most
// the account's threshold of passwords; the rest are refused at once with
// 429 and Retry-After. The clock stands still, so no lock runs out while
// the burst arrives (one that does lets one more attempt through, as it
// would one at a time).
//
// With 40 wrong passwords (the attacker's burst) at most 5 are checked. In
// the reviewer's burst (39 wrong and the right one) the right one, if it
// is checked, forgives the account's failures as any sign-in by its owner
// does, so up to 5 more wrong ones may follow it: at most 11 checks, at
// most one sign-in, and never more than 5 failures counted at once.
func TestSignInBurstChecksAtMostTheThreshold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		right      bool
		maxChecked int
	}{{"all wrong", false, 5}, {"39 wrong and the right one", true, 11}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newTestClock()
			a, _ := startApp(t, handlers.Options{Clock: clock.Now})
			a.seed.User(t, store.RoleLearner, "wanjiru", "Wanjiru", "a good long password")
			by := signInBurst(t, a, tc.right)
			checked := by[http.StatusUnauthorized] + by[http.StatusSeeOther]
			t.Logf("40 parallel sign-ins: %d passwords checked; answers %v", checked, by)
			if checked > tc.maxChecked || by[http.StatusSeeOther] > 1 {
				t.Errorf("%d passwords checked under parallel requests (%d signed in), want at most %d", checked, by[http.StatusSeeOther], tc.maxChecked)
			}
			if !tc.right && by[http.StatusSeeOther] != 0 {
				t.Errorf("a wrong password signed in: %v", by)
			}
			if checked+by[http.StatusTooManyRequests]+by[http.StatusServiceUnavailable] != 40 {
				t.Errorf("unexpected answers: %v", by)
			}
			if f := a.count(t, `SELECT coalesce(max(failures), 0) FROM login_throttle WHERE key = 'user:wanjiru'`); f > 5 {
				t.Errorf("%d failures counted for the account, want at most 5", f)
			}
		})
	}
}

// signInBurst sends 40 sign-ins for wanjiru at once, each on its own
// connection (the 21st with the right password when right), and counts
// the answers by status; every 429 and 503 must carry a Retry-After.
func signInBurst(t *testing.T, a *testApp, right bool) map[int]int {
	const n = 40
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		pw := "wrong password!"
		if right && i == n/2 {
			pw = "a good long password"
		}
		c := a.newClient(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := login(c, "wanjiru", pw, nil)
			statuses[i] = r.Status
			if r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable {
				retryAfter(t, r)
			}
		}()
	}
	close(start)
	wg.Wait()
	by := map[int]int{}
	for _, s := range statuses {
		by[s]++
	}
	return by
}

// Item 1: once more than 4 × NumCPU password checks are waiting, a sign-in
// is refused at once with 503 and Retry-After, and the attempt it reserved
// is taken back (the password was never checked).
func TestSignInRefusedEarlyWhenHashQueueIsFull(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleLearner, "wanjiru", "Wanjiru", "a good long password")
	release := handlers.FillHashQueue(t)
	r := login(a.newClient(t), "wanjiru", "a good long password", nil)
	release()
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("sign-in with a full hash queue: %d, want 503", r.Status)
	}
	retryAfter(t, r)
	if n := a.count(t, `SELECT coalesce(sum(failures), 0) FROM login_throttle`); n != 0 {
		t.Errorf("an unchecked sign-in left %d counted failures", n)
	}
	if r := login(a.newClient(t), "wanjiru", "a good long password", nil); r.Status != http.StatusSeeOther {
		t.Errorf("after the queue drained: %d", r.Status)
	}
}

// Item 3: the current password on "Change password" is throttled per
// account: after 5 wrong tries the form answers 429 (even for the right
// password, so a stolen session cannot guess its way to a takeover), the
// lock ends by itself, and then the right password works.
func TestPasswordChangeThrottled(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	a, _ := startApp(t, handlers.Options{Clock: clock.Now})
	id := a.seed.User(t, store.RoleLearner, "wanjiru", "Wanjiru", "a good long password").ID()
	thief := a.newClient(t)
	thief.signIn("wanjiru", "a good long password")
	owner := a.newClient(t)
	owner.signIn("wanjiru", "a good long password")
	change := func(current string) response {
		return thief.POST("/account/password").Form(url.Values{
			"current_password": {current}, "new_password": {"the thief's new password"}}).Send()
	}
	got := map[int]int{}
	for i := range 15 {
		r := change("guess number " + strconv.Itoa(i))
		got[r.Status]++
		if r.Status == http.StatusTooManyRequests {
			retryAfter(t, r)
		}
	}
	if got[http.StatusUnprocessableEntity] != 5 || got[http.StatusTooManyRequests] != 10 {
		t.Fatalf("15 wrong current passwords: %v, want 5×422 then 10×429", got)
	}
	if n := a.count(t, `SELECT count(*) FROM login_throttle WHERE key = $1 AND failures = 5`, "passwd:"+id.String()); n != 1 {
		t.Errorf("no throttle row for the account's password changes")
	}
	if r := change("a good long password"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("the right password while locked: %d, want 429", r.Status)
	}
	owner.GET("/account").Expect(http.StatusOK)
	clock.Add(16 * time.Minute)
	if r := change("a good long password"); r.Status != http.StatusSeeOther {
		t.Fatalf("the right password after the lock ended: %d", r.Status)
	}
	if n := a.count(t, `SELECT count(*) FROM login_throttle WHERE key = $1`, "passwd:"+id.String()); n != 0 {
		t.Errorf("a good password change left the throttle row")
	}
}

// deviceCookieOf is the device cookie in a client's jar for /login.
func deviceCookieOf(c *client) string {
	u, _ := url.Parse(c.app.URL + "/login")
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "fieldbook_device" {
			return ck.Value
		}
	}
	return ""
}

// Item 4: strangers hammering an account lock it for strangers only. A
// device that signed in to the account before gets its own, smaller budget
// and still signs in; that budget is not unlimited; a made-up device cookie
// or one from another account is a stranger's; locks end by themselves.
func TestDeviceCookieOutlastsLockout(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	a, _ := startApp(t, handlers.Options{Clock: clock.Now})
	a.seed.User(t, store.RoleLearner, "wanjiru", "Wanjiru", "a good long password")
	a.seed.User(t, store.RoleLearner, "mallory", "Mallory", "mallory's own password")
	phone := a.newClient(t)
	r := login(phone, "wanjiru", "a good long password", nil)
	ck := r.cookie("fieldbook_device")
	if r.Status != http.StatusSeeOther || ck == nil {
		t.Fatalf("sign-in: %d, device cookie %v", r.Status, ck)
	}
	if !ck.HttpOnly || ck.Path != "/login" || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge < 300*24*3600 {
		t.Errorf("device cookie attributes: %+v", ck)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(ck.Value); err != nil || len(raw) != 32 {
		t.Errorf("device cookie %q is not 32 random bytes", ck.Value)
	}
	if n := a.count(t, `SELECT count(*) FROM login_devices`); n != 1 {
		t.Errorf("%d device rows, want 1", n)
	}
	if a.count(t, `SELECT count(*) FROM login_devices WHERE encode(device_hash, 'escape') LIKE '%'||$1||'%'`, ck.Value) != 0 {
		t.Error("the device cookie is stored in clear")
	}
	phone.POST("/logout").Send()

	// A stranger keeps the account locked for strangers, with every lock.
	stranger := a.newClient(t)
	for range 5 {
		login(stranger, "wanjiru", "guess", nil)
	}
	if r := login(stranger, "wanjiru", "a good long password", nil); r.Status != http.StatusTooManyRequests {
		t.Fatalf("a stranger with the right password while locked: %d, want 429", r.Status)
	}
	// The owner's phone still signs in.
	if r := login(phone, "wanjiru", "a good long password", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("the known device with the right password: %d, want 303", r.Status)
	}
	phone.POST("/logout").Send()

	// Someone else holding the phone cannot guess for long.
	got := map[int]int{}
	for range 6 {
		got[login(phone, "wanjiru", "guess", nil).Status]++
	}
	if got[http.StatusUnauthorized] != 3 || got[http.StatusTooManyRequests] != 3 {
		t.Errorf("6 wrong passwords from the known device: %v, want 3×401 then 429", got)
	}

	// A made-up cookie, or one another account earned, is a stranger's.
	forged := a.newClient(t)
	u, _ := url.Parse(a.URL + "/login")
	forged.jar.SetCookies(u, []*http.Cookie{{Name: "fieldbook_device", Value: base64.RawURLEncoding.EncodeToString(make([]byte, 32)), Path: "/login"}})
	if r := login(forged, "wanjiru", "a good long password", nil); r.Status != http.StatusTooManyRequests {
		t.Errorf("a made-up device cookie: %d, want 429", r.Status)
	}
	own := a.newClient(t)
	own.signIn("mallory", "mallory's own password")
	own.POST("/logout").Send()
	if deviceCookieOf(own) == "" {
		t.Fatal("mallory's browser has no device cookie")
	}
	if r := login(own, "wanjiru", "a good long password", nil); r.Status != http.StatusTooManyRequests {
		t.Errorf("another account's device cookie: %d, want 429", r.Status)
	}

	// Locks end by themselves: never a permanent lockout.
	clock.Add(16 * time.Minute)
	if r := login(stranger, "wanjiru", "a good long password", nil); r.Status != http.StatusSeeOther {
		t.Errorf("a new device after the lock ended: %d, want 303", r.Status)
	}
}

// newStreamApp is the app with a hub and a short session re-check, so
// streams end quickly after their session does.
func newStreamApp(t *testing.T) *testApp {
	t.Helper()
	hub := handlers.NewHub(testStreamsPerUser, testStreamBuffer)
	a, _ := startApp(t, handlers.Options{Hub: hub, SSEHeartbeat: 100 * time.Millisecond, SessionRecheck: 50 * time.Millisecond})
	return a
}

// waitStreamEnd waits until the stream's channel closes.
func waitStreamEnd(t *testing.T, events <-chan sseEvent, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("the stream is still open %v after its session ended", within)
		}
	}
}

// Item 5: an open dashboard stream ends within seconds of sign-out, of the
// session being ended from another device, of a role change and of a
// disable; a stream whose session stands stays open.
func TestStreamsEndWhenTheirSessionDoes(t *testing.T) {
	t.Parallel()
	a := newStreamApp(t)
	a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass)
	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)
	open := func(name string) (uuid.UUID, *client, <-chan sseEvent) {
		vol := a.seed.User(t, store.RoleVolunteer, name, name, "volunteer password")
		id, course := vol.ID(), a.seed.Course(t, vol.Caller, name+"'s course", true, storetest.Published("One")).ID
		c := a.newClient(t)
		c.signIn(name, "volunteer password")
		events, _ := openStream(t, a, c, "/courses/"+course.String()+"/dashboard/events")
		return id, c, events
	}
	_, keeper, kept := open("keeper")
	for _, tc := range []struct {
		name string
		end  func(id uuid.UUID, c *client)
	}{
		{"sign-out", func(_ uuid.UUID, c *client) { c.POST("/logout").Send() }},
		{"ended from another device", func(_ uuid.UUID, _ *client) {
			other := a.newClient(t)
			other.signIn("ended", "volunteer password")
			if r := other.POST("/account/sessions/end-others").Send(); r.Status != http.StatusSeeOther {
				t.Fatalf("end other sessions: %d", r.Status)
			}
		}},
		{"role change", func(id uuid.UUID, _ *client) {
			if r := admin.POST("/admin/users/" + id.String() + "/role").Form(url.Values{"role": {"learner"}}).Send(); r.Status != http.StatusSeeOther {
				t.Fatalf("demote: %d", r.Status)
			}
		}},
		{"disable", func(id uuid.UUID, _ *client) {
			if r := admin.POST("/admin/users/" + id.String() + "/disable").Send(); r.Status != http.StatusSeeOther {
				t.Fatalf("disable: %d", r.Status)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := map[string]string{"sign-out": "signout", "ended from another device": "ended", "role change": "demoted", "disable": "disabled"}[tc.name]
			id, c, events := open(name)
			waitEvent(t, events, "refresh", 5*time.Second)
			tc.end(id, c)
			waitStreamEnd(t, events, 10*time.Second)
		})
	}
	// The stream whose session stands still flows.
	for got := false; !got; {
		select {
		case ev, ok := <-kept:
			if !ok {
				t.Fatal("a stream whose session stands was ended")
			}
			got = ev.comment
		case <-time.After(5 * time.Second):
			t.Fatal("no heartbeat on the stream whose session stands")
		}
	}
	keeper.GET("/account").Expect(http.StatusOK)
}

// Item 7: origins in FIELDBOOK_CORS_ORIGINS are trusted for cross-origin
// requests to /api/* only; a POST from them to an admin form is refused
// and changes nothing.
func TestCORSOriginsTrustedForAPIOnly(t *testing.T) {
	t.Parallel()
	a, _ := newAppWith(t, handlers.Options{CORSOrigins: []string{"https://partner.example"}})
	w := a.seedWorld(t)
	a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass)
	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)
	partner := http.Header{"Origin": {"https://partner.example"}, "Sec-Fetch-Site": {"cross-site"}}
	r := admin.POST("/admin/users/" + w.Learner.ID().String() + "/disable").Headers(partner).Send()
	if r.Status != http.StatusForbidden {
		t.Errorf("cross-site admin POST from a CORS origin: %d, want 403", r.Status)
	}
	if n := a.count(t, `SELECT count(*) FROM users WHERE disabled_at IS NOT NULL`); n != 0 {
		t.Fatalf("the cross-site POST disabled %d accounts", n)
	}
	if r := admin.POST("/logout").Headers(partner).Send(); r.Status != http.StatusForbidden {
		t.Errorf("cross-site sign-out from a CORS origin: %d, want 403", r.Status)
	}
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	res := learner.POST(syncPath).JSON(syncBody(t, newItem(w.Learner.ID(), w.Course.Lessons[0], true, time.Now()))).Headers(partner).Send()
	if got := results(t, res); len(got) != 1 || got[0].Status != "applied" {
		t.Errorf("the API from the CORS origin: %+v", got)
	}
}

// Item 8: new changes are charged to their owner's budget (a burst, then a
// rate per hour), across all of the owner's sessions; over it the request
// gets 429 with Retry-After and nothing of it is applied; replays cost
// nothing; another learner is not affected; the budget refills.
func TestSyncRateLimitPerLearner(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	a, _ := startApp(t, handlers.Options{Clock: clock.Now})
	a.st.SetSyncLimit(store.SyncLimit{Burst: 10, PerHour: 40}, clock.Now)
	w := a.seedWorld(t)
	other := a.seed.User(t, store.RoleLearner, "ravi", "Ravi", "ravi's password").ID()
	phone, laptop := a.newClient(t), a.newClient(t)
	phone.signIn(storetest.LearnerUser, storetest.LearnerPass)
	laptop.signIn(storetest.LearnerUser, storetest.LearnerPass)
	at := time.Now().Add(-time.Hour)
	batch := func(user uuid.UUID, n int) []any {
		var out []any
		for i := range n {
			out = append(out, newItem(user, w.Course.Lessons[i%len(w.Course.Lessons)], i%2 == 0, at.Add(time.Duration(i)*time.Second)))
		}
		return out
	}
	first := batch(w.Learner.ID(), 8)
	results(t, phone.POST(syncPath).JSON(syncBody(t, first...)).Send())
	before := a.count(t, `SELECT count(*) FROM progress_changes`)
	r := laptop.POST(syncPath).JSON(syncBody(t, batch(w.Learner.ID(), 5)...)).Expect(http.StatusTooManyRequests)
	if wait := retryAfter(t, r); wait < 60 || wait > 10*60 {
		t.Errorf("Retry-After %d s, want the time 3 changes take to refill (4.5 min)", wait)
	}
	if n := a.count(t, `SELECT count(*) FROM progress_changes`); n != before {
		t.Errorf("a refused batch recorded %d changes", n-before)
	}
	// Replays cost nothing.
	for _, res := range results(t, phone.POST(syncPath).JSON(syncBody(t, first...)).Send()) {
		if res.Status != "duplicate" {
			t.Errorf("replay: %+v", res)
		}
	}
	ravi := a.newClient(t)
	ravi.signIn("ravi", "ravi's password")
	results(t, ravi.POST(syncPath).JSON(syncBody(t, batch(other, 8)...)).Send())
	clock.Add(10 * time.Minute)
	results(t, laptop.POST(syncPath).JSON(syncBody(t, batch(w.Learner.ID(), 5)...)).Send())
}

// Item 8: the budget is the owner's, not the session's: Lena's signed
// changes sent through Omar's session spend Lena's budget, so her own
// session is then refused, while Omar's budget is untouched.
func TestSyncRateLimitCountsTheOwner(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	now := time.Now()
	s.a.st.SetSyncLimit(store.SyncLimit{Burst: 3, PerHour: 3}, func() time.Time { return now })
	var signed []any
	for i, l := range s.w.Course.Lessons {
		signed = append(signed, s.lenaPhone.sign(newItem(s.w.Learner.ID(), l, true, s.base.Add(time.Duration(i)*time.Second))))
	}
	if st := statuses(results(t, s.om.POST(syncPath).JSON(syncBody(t, signed...)).Send())); st != "applied applied applied" {
		t.Fatalf("Lena's signed changes through Omar's session: %s", st)
	}
	if r := s.lena.POST(syncPath).JSON(syncBody(t, newItem(s.w.Learner.ID(), s.w.OtherCourse.Lessons[0], true, s.base))).Send(); r.Status != http.StatusTooManyRequests {
		t.Errorf("Lena's own change after her budget went on signed changes: %d, want 429", r.Status)
	}
	if st := statuses(results(t, s.om.POST(syncPath).JSON(syncBody(t, newItem(s.omar, s.w.OtherCourse.Lessons[0], true, s.base))).Send())); st != "applied" {
		t.Errorf("Omar's own change: %s, want applied (his budget is his)", st)
	}
}

// Item 8: under the default budget a phone back from weeks offline sends
// its whole queue (2,000 changes in batches of 500) at once.
func TestSyncDefaultBudgetLetsAPhoneCatchUp(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	at := time.Now().Add(-30 * 24 * time.Hour)
	for b := range 4 {
		var items []any
		for i := range 500 {
			items = append(items, newItem(w.Learner.ID(), w.Course.Lessons[i%3], i%2 == 0, at.Add(time.Duration(b*500+i)*time.Minute)))
		}
		results(t, c.POST(syncPath).JSON(syncBody(t, items...)).Send())
	}
	if n := a.count(t, `SELECT count(*) FROM progress_changes`); n != 2000 {
		t.Errorf("%d changes recorded, want 2000", n)
	}
}

// Item 9: a change dated before the account existed (a backdated
// completion, a phone whose clock reset to 1970) is accepted and clamped up
// to the account's creation, as a future one is clamped down.
func TestSyncClampsTimesToAccountLifetime(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	created := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Microsecond)
	if _, err := a.owner.Exec(context.Background(), `UPDATE users SET created_at = $2 WHERE id = $1`, w.Learner.ID(), created); err != nil {
		t.Fatal(err)
	}
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	for i, at := range []time.Time{time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()} {
		lesson := w.Course.Lessons[i]
		got := results(t, c.POST(syncPath).JSON(syncBody(t, newItem(w.Learner.ID(), lesson, true, at))).Send())
		if len(got) != 1 || got[0].Status != "applied" {
			t.Fatalf("a change dated %s: %+v, want applied", at.Format(time.DateOnly), got)
		}
		var clientAt, doneAt time.Time
		if err := a.owner.QueryRow(context.Background(),
			`SELECT client_updated_at, completed_at FROM student_progress WHERE student_id = $1 AND lesson_id = $2`,
			w.Learner.ID(), lesson).Scan(&clientAt, &doneAt); err != nil {
			t.Fatal(err)
		}
		if !clientAt.Equal(created) || !doneAt.Equal(created) {
			t.Errorf("dated %s: stored %s / %s, want the account's creation %s", at.Format(time.DateOnly), clientAt, doneAt, created)
		}
	}
}

// Item 11: /readyz tells its (anonymous) caller only which part is not
// ready; the detail, which names the database's user and address, is logged.
func TestReadyzHidesDetails(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	detail := "failed to connect to `user=fieldbook_app database=fieldbook`: 10.0.0.5:5432: connection refused"
	var fail error
	a, _ := startApp(t, handlers.Options{Logger: logger, Ready: func(context.Context) error { return fail }})
	c := a.newClient(t)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&handlers.ReadyError{Part: "database", Err: errors.New(detail)}, "not ready: database"},
		{&handlers.ReadyError{Part: "realtime", Err: errors.New("LISTEN on 10.0.0.5 lost")}, "not ready: realtime"},
		{errors.New(detail), "not ready"},
	} {
		fail = tc.err
		r := c.GET("/readyz").Send()
		if r.Status != http.StatusServiceUnavailable || strings.TrimSpace(r.Body) != tc.want {
			t.Errorf("/readyz: %d %q, want 503 %q", r.Status, r.Body, tc.want)
		}
	}
	if !strings.Contains(logs.String(), "10.0.0.5:5432") {
		t.Errorf("the detail is not in the log:\n%s", logs.String())
	}
}

// stalledBody is an upload of a declared 5 MB that starts and then stalls
// until done is closed (or 15 s pass): a slow phone still sending.
type stalledBody struct {
	started bool
	done    chan struct{}
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if !b.started {
		b.started = true
		return copy(p, "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG"), nil
	}
	select {
	case <-b.done:
	case <-time.After(15 * time.Second):
	}
	return 0, errors.New("upload abandoned")
}

// Item 2: someone who edits nothing is refused before the server reads the
// upload (the answer comes while the body is still arriving), and an
// editor's image whose header says it would decode to more than the limit
// (a 194 KB 16-bit PNG of 5000×4999: 200 MB) is refused without decoding.
func TestUploadAuthorisedBeforeWork(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	for _, target := range []string{f.lessonEdit, "/lessons/" + uuid.NewString()} {
		body := &stalledBody{done: make(chan struct{})}
		req, _ := http.NewRequest(http.MethodPost, f.a.URL+target+"/media", body)
		req.ContentLength = 5 << 20
		req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
		u, _ := url.Parse(f.a.URL)
		for _, ck := range f.nora.jar.Cookies(u) {
			req.AddCookie(ck)
		}
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
		res, err := client.Do(req)
		close(body.done)
		if err != nil {
			t.Fatalf("%s: no answer while the upload was still arriving: %v", target, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", target, res.StatusCode)
		}
	}
	bomb := pngBomb(t)
	res := f.victor.POST(f.lessonEdit+"/media").File(nil, "bomb.png", "image/png", bomb).Send()
	if res.Status != http.StatusUnsupportedMediaType || !strings.Contains(res.Body, "too large to open") {
		t.Errorf("a %d-byte PNG that decodes to 200 MB: %d\n%s", len(bomb), res.Status, res.Body)
	}
	if n := f.a.mediaRows(t); n != 0 {
		t.Errorf("%d media rows", n)
	}
}
