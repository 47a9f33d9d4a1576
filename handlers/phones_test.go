package handlers_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// phone is one learner's key on one phone, made the way WebCrypto makes it,
// and registered through POST /api/phones.
type phone struct {
	t    testing.TB
	priv *ecdsa.PrivateKey
	id   string // the key id the server gave it
}

func newPhoneKey(t testing.TB) *phone {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &phone{t: t, priv: priv}
}

// jwk is the public key as WebCrypto's exportKey("jwk") gives it.
func (p *phone) jwk() map[string]any {
	b, err := p.priv.PublicKey.Bytes()
	if err != nil {
		p.t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]any{"kty": "EC", "crv": "P-256", "x": enc(b[1:33]), "y": enc(b[33:]), "ext": true, "key_ops": []string{"verify"}}
}

// registerPhone registers p for c's learner and keeps the key id.
func (c *client) registerPhone(p *phone, label string) *phone {
	c.t.Helper()
	res := c.POST("/api/phones").JSON(map[string]any{"public_key": p.jwk(), "label": label}).Expect(http.StatusCreated)
	var out map[string]string
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil || len(out) != 1 || out["key_id"] == "" {
		c.t.Fatalf("register phone: answer %s", res.Body)
	}
	p.id = out["key_id"]
	return p
}

// changeText is the canonical text of a change, built from the contract in
// docs/offline.md independently of the server's code.
func changeText(it item) string {
	return strings.Join([]string{"fieldbook-change-v1", it["id"].(string), it["user_id"].(string),
		it["lesson_id"].(string), strconv.FormatBool(it["completed"].(bool)), it["at"].(string)}, "\n")
}

// sigOf is the phone's signature of text: r||s, base64url without padding.
func (p *phone) sigOf(text string) string {
	h := sha256.Sum256([]byte(text))
	r, s, err := ecdsa.Sign(rand.Reader, p.priv, h[:])
	if err != nil {
		p.t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...))
}

// sign is it signed by this phone's key, as the worker queues it.
func (p *phone) sign(it item) item {
	return it.with("key_id", p.id).with("sig", p.sigOf(changeText(it)))
}

// keyRevoked is whether the key is revoked, as the owner sees the table.
func (a *testApp) keyRevoked(t testing.TB, id string) bool {
	t.Helper()
	return a.count(t, `SELECT count(*) FROM phone_keys WHERE id = $1 AND revoked_at IS NOT NULL`, id) == 1
}

func statuses(rs []syncResult) string {
	var out []string
	for _, r := range rs {
		s := r.Status
		if r.Reason != nil {
			s += ":" + *r.Reason
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestRegisterPhone(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)

	p := newPhoneKey(t)
	res := c.POST("/api/phones").JSON(map[string]any{"public_key": p.jwk()}).Send()
	checkAPIError(t, res, http.StatusUnauthorized)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}

	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	c.registerPhone(p, "Shared phone at the clinic")
	var owner uuid.UUID
	var stored []byte
	var label string
	if err := a.owner.QueryRow(t.Context(), `SELECT user_id, public_key, label FROM phone_keys WHERE id = $1`, p.id).
		Scan(&owner, &stored, &label); err != nil {
		t.Fatal(err)
	}
	want, _ := p.priv.PublicKey.Bytes()
	if owner != w.Learner.ID() || !bytes.Equal(stored, want) || label != "Shared phone at the clinic" {
		t.Errorf("stored %s %x %q, want the learner's key %x", owner, stored, label, want)
	}
	if n := a.count(t, `SELECT count(*) FROM phone_keys`); n != 1 {
		t.Errorf("%d keys stored, want 1", n)
	}
	// A retry of the same registration gets the same id.
	first := p.id
	if c.registerPhone(p, "Shared phone at the clinic"); p.id != first {
		t.Errorf("registering again gave %s, want %s", p.id, first)
	}
	// No label: the browser's name for itself.
	q := newPhoneKey(t)
	res = c.POST("/api/phones").JSON(map[string]any{"public_key": q.jwk()}).Headers(http.Header{"User-Agent": {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"}}).Expect(http.StatusCreated)
	if n := a.count(t, `SELECT count(*) FROM phone_keys WHERE label = 'Android, Chrome'`); n != 1 {
		t.Error("a key without a label is not named after its browser")
	}

	// Another account cannot register the same key.
	o := a.newClient(t)
	a.seed.User(t, store.RoleLearner, "omar", "Omar", "omar password 1")
	o.signIn("omar", "omar password 1")
	checkAPIError(t, o.POST("/api/phones").JSON(map[string]any{"public_key": p.jwk()}).Send(), http.StatusConflict)
}

func TestRegisterPhoneRefusesBadInput(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	p := newPhoneKey(t)
	key := func(k, v string) map[string]any {
		j := p.jwk()
		if v == "" {
			delete(j, k)
		} else {
			j[k] = v
		}
		return j
	}
	x := p.jwk()["x"].(string)
	raw, _ := base64.RawURLEncoding.DecodeString(x)
	notOnCurve := base64.RawURLEncoding.EncodeToString(append(raw[:31:31], raw[31]^1))
	priv := p.jwk()
	priv["d"] = base64.RawURLEncoding.EncodeToString(p.priv.D.FillBytes(make([]byte, 32)))

	for _, tt := range []struct {
		name   string
		body   string
		ctype  string
		status int
	}{
		{"not JSON", `public_key=1`, "application/json", http.StatusBadRequest},
		{"trailing garbage", `{"public_key": {}} x`, "application/json", http.StatusBadRequest},
		{"a form", `public_key=1`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"no content type", `{}`, "", http.StatusUnsupportedMediaType},
		{"no key", `{"label": "x"}`, "application/json", http.StatusUnprocessableEntity},
		{"key a string", `{"public_key": "BAAA"}`, "application/json", http.StatusUnprocessableEntity},
		{"RSA", mustJSON(t, map[string]any{"public_key": key("kty", "RSA")}), "application/json", http.StatusUnprocessableEntity},
		{"P-384", mustJSON(t, map[string]any{"public_key": key("crv", "P-384")}), "application/json", http.StatusUnprocessableEntity},
		{"no y", mustJSON(t, map[string]any{"public_key": key("y", "")}), "application/json", http.StatusUnprocessableEntity},
		{"x too short", mustJSON(t, map[string]any{"public_key": key("x", x[:40])}), "application/json", http.StatusUnprocessableEntity},
		{"x padded", mustJSON(t, map[string]any{"public_key": key("x", x+"=")}), "application/json", http.StatusUnprocessableEntity},
		{"x in standard base64", mustJSON(t, map[string]any{"public_key": key("x", strings.NewReplacer("-", "+", "_", "/").Replace(x)+"+/")}), "application/json", http.StatusUnprocessableEntity},
		{"not on the curve", mustJSON(t, map[string]any{"public_key": key("x", notOnCurve)}), "application/json", http.StatusUnprocessableEntity},
		{"the private key", mustJSON(t, map[string]any{"public_key": priv}), "application/json", http.StatusUnprocessableEntity},
		{"label too long", mustJSON(t, map[string]any{"public_key": p.jwk(), "label": strings.Repeat("é", 61)}), "application/json", http.StatusUnprocessableEntity},
		{"label with a newline", mustJSON(t, map[string]any{"public_key": p.jwk(), "label": "a\nb"}), "application/json", http.StatusUnprocessableEntity},
		{"label a number", mustJSON(t, map[string]any{"public_key": p.jwk(), "label": 7}), "application/json", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msg := checkAPIError(t, c.POST("/api/phones").Stream(tt.ctype, strings.NewReader(tt.body)).Send(), tt.status)
			if tt.status == http.StatusUnprocessableEntity && !strings.Contains(msg, "key") && !strings.Contains(msg, "label") {
				t.Errorf("message %q names neither the key nor the label", msg)
			}
		})
	}
	if n := a.count(t, `SELECT count(*) FROM phone_keys`); n != 0 {
		t.Fatalf("%d keys stored from bad requests", n)
	}
	// A label of exactly 60 characters is fine.
	res := c.POST("/api/phones").JSON(map[string]any{"public_key": p.jwk(), "label": strings.Repeat("é", 60)}).Send()
	if res.Status != http.StatusCreated {
		t.Errorf("60-character label: %d %s", res.Status, res.Body)
	}
	// From another site: refused, whatever the session.
	checkAPIError(t, c.POST("/api/phones").JSON(map[string]any{"public_key": newPhoneKey(t).jwk()}).Headers(http.Header{"Sec-Fetch-Site": {"cross-site"}}).Send(), http.StatusForbidden)

	// Twenty live phones at most.
	for i := 2; i <= store.MaxPhones; i++ {
		c.registerPhone(newPhoneKey(t), "")
	}
	msg := checkAPIError(t, c.POST("/api/phones").JSON(map[string]any{"public_key": newPhoneKey(t).jwk()}).Send(), http.StatusConflict)
	if !strings.Contains(msg, "20") {
		t.Errorf("over the cap: %q does not say the limit", msg)
	}
	if n := a.count(t, `SELECT count(*) FROM phone_keys`); n != store.MaxPhones {
		t.Errorf("%d keys, want %d", n, store.MaxPhones)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signedWorld: Lena has registered a phone key; Omar is another learner,
// signed in on the same phone when the network comes back.
type signedWorld struct {
	a          *testApp
	w          *storetest.World
	omar       uuid.UUID
	lena, om   *client
	lenaPhone  *phone
	base       time.Time
	omarsPhone *phone
}

func newSignedWorld(t *testing.T) *signedWorld {
	t.Helper()
	a := newTestApp(t)
	sw := &signedWorld{a: a, w: a.seedWorld(t), base: time.Now().Add(-time.Hour).Truncate(time.Millisecond)}
	sw.omar = a.seed.User(t, store.RoleLearner, "omar", "Omar", "omar password 1").ID()
	sw.lena, sw.om = a.newClient(t), a.newClient(t)
	sw.lena.signIn(storetest.LearnerUser, storetest.LearnerPass)
	sw.om.signIn("omar", "omar password 1")
	sw.lenaPhone = sw.lena.registerPhone(newPhoneKey(t), "")
	sw.omarsPhone = sw.om.registerPhone(newPhoneKey(t), "")
	return sw
}

func TestSignedChangesJudgedByKey(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a, w := s.a, s.w

	// Offline, Lena picked herself and completed two lessons; the network
	// comes back with Omar signed in.
	l1 := s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[0], true, s.base))
	l2 := s.lenaPhone.sign(newItem(w.Learner.ID(), w.OtherCourse.Lessons[0], true, s.base))
	omars := newItem(s.omar, w.Course.Lessons[1], true, s.base)
	got := results(t, s.om.POST(syncPath).JSON(syncBody(t, l1, omars, l2)).Send())
	if st := statuses(got); st != "applied applied applied" {
		t.Fatalf("statuses = %s", st)
	}
	for _, c := range []struct {
		who, lesson uuid.UUID
		want        bool
	}{
		{w.Learner.ID(), w.Course.Lessons[0], true}, {w.Learner.ID(), w.OtherCourse.Lessons[0], true}, {s.omar, w.Course.Lessons[1], true},
		{s.omar, w.Course.Lessons[0], false}, {s.omar, w.OtherCourse.Lessons[0], false}, {w.Learner.ID(), w.Course.Lessons[1], false},
	} {
		if d := a.completedInDB(t, c.who, c.lesson); (d != nil && *d) != c.want {
			t.Errorf("user %s lesson %s: stored %v, want completed %v", c.who, c.lesson, d, c.want)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM progress_changes WHERE student_id = $1 AND id = ANY($2)`,
		w.Learner.ID(), []string{l1["id"].(string), l2["id"].(string)}); n != 2 {
		t.Errorf("%d of Lena's change ids recorded for her, want 2", n)
	}

	// With nobody signed in at all.
	anon := a.newClient(t)
	l3 := s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[2], true, s.base))
	if st := statuses(results(t, anon.POST(syncPath).JSON(syncBody(t, l3)).Send())); st != "applied" {
		t.Fatalf("signed change with no session: %s", st)
	}
	if d := a.completedInDB(t, w.Learner.ID(), w.Course.Lessons[2]); d == nil || !*d {
		t.Error("the signed change sent with no session did not reach Lena")
	}
	// Its own learner signed in: the key still decides, the same way.
	l4 := s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[2], false, s.base.Add(time.Minute)))
	if st := statuses(results(t, s.lena.POST(syncPath).JSON(syncBody(t, l4)).Send())); st != "applied" {
		t.Fatalf("signed change with its own learner's session: %s", st)
	}

	// A replay of any of them changes nothing.
	before := a.syncSnapshot(t)
	for _, c := range []*client{anon, s.om, s.lena} {
		if st := statuses(results(t, c.POST(syncPath).JSON(syncBody(t, l1, l2, l3, l4)).Send())); st != "duplicate duplicate duplicate duplicate" {
			t.Errorf("replay: %s", st)
		}
	}
	if a.syncSnapshot(t) != before {
		t.Error("a replay changed the database")
	}

	// With nobody signed in, an unsigned change stays the phone's to keep;
	// a batch of unsigned changes only is a 401, as before.
	unsigned := newItem(w.Learner.ID(), w.Course.Lessons[1], true, s.base)
	l5 := s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[1], false, s.base))
	if st := statuses(results(t, anon.POST(syncPath).JSON(syncBody(t, unsigned, l5)).Send())); st != "rejected:wrong_user applied" {
		t.Errorf("no session, unsigned and signed: %s", st)
	}
	checkAPIError(t, anon.POST(syncPath).JSON(syncBody(t, newItem(w.Learner.ID(), w.Course.Lessons[1], true, s.base))).Send(), http.StatusUnauthorized)
	// A user id of all zeros is nobody's.
	checkAPIError(t, anon.POST(syncPath).JSON(syncBody(t, newItem(uuid.Nil, w.Course.Lessons[1], true, s.base))).Send(), http.StatusUnauthorized)
	if n := a.count(t, `SELECT count(*) FROM progress_changes WHERE id = $1`, unsigned["id"]); n != 0 {
		t.Error("an unsigned change sent with no session was recorded")
	}
}

func TestSignedChangesRejected(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a, w := s.a, s.w
	ok := func(lesson uuid.UUID) item { return newItem(w.Learner.ID(), lesson, true, s.base) }
	good := s.lenaPhone.sign(ok(w.Course.Lessons[0]))
	other := s.lenaPhone.sign(ok(w.Course.Lessons[1]))

	revoked := s.lena.registerPhone(newPhoneKey(t), "")
	s.lena.POST("/api/phones/" + revoked.id + "/forget").JSON(nil).Expect(http.StatusNoContent)
	unknown := newPhoneKey(t)
	unknown.id = uuid.NewString()
	stranger := newPhoneKey(t) // never registered, claims Lena's key id
	stranger.id = s.lenaPhone.id

	tests := []struct {
		name   string
		item   item
		reason string
	}{
		{"random signature", ok(w.Course.Lessons[0]).with("key_id", s.lenaPhone.id).with("sig", base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{9}, 64))), "bad_signature"},
		{"completed altered", good.with("completed", false), "bad_signature"},
		{"time altered", good.with("at", s.base.Add(time.Second).Format(time.RFC3339Nano)), "bad_signature"},
		{"lesson altered", good.with("lesson_id", w.Course.Lessons[2].String()), "bad_signature"},
		{"id altered", good.with("id", uuid.NewString()), "bad_signature"},
		{"user altered to Omar", good.with("user_id", s.omar.String()), "bad_signature"},
		{"signature moved to another change", good.with("sig", other["sig"]), "bad_signature"},
		{"key id moved to Omar's key", good.with("key_id", s.omarsPhone.id), "bad_signature"},
		{"signed by another key under Lena's key id", stranger.sign(ok(w.Course.Lessons[0])), "bad_signature"},
		{"Lena's key signs a change for Omar", s.lenaPhone.sign(newItem(s.omar, w.Course.Lessons[0], true, s.base)), "wrong_key_user"},
		{"Omar's key signs a change for Lena", s.omarsPhone.sign(ok(w.Course.Lessons[0])), "wrong_key_user"},
		{"unknown key", unknown.sign(ok(w.Course.Lessons[0])), "revoked_key"},
		{"forgotten key", revoked.sign(ok(w.Course.Lessons[0])), "revoked_key"},
		{"malformed key id", good.with("key_id", "phone-1"), "revoked_key"},
		{"signature padded", good.with("sig", good["sig"].(string)+"="), "bad_signature"},
		{"signature in standard base64", good.with("sig", strings.NewReplacer("-", "+", "_", "/").Replace(good["sig"].(string))+"/+"), "bad_signature"},
		{"signature short", good.with("sig", good["sig"].(string)[:80]), "bad_signature"},
		{"signature ASN.1", good.with("sig", asn1Sig(t, s.lenaPhone, changeText(ok(w.Course.Lessons[0])))), "bad_signature"},
		{"signature missing", good.with("sig", nil), "bad_signature"},
		{"key id missing", good.with("key_id", nil), "bad_signature"},
		{"signature not a string", good.with("sig", 64), "bad_signature"},
		{"key id not a string", good.with("key_id", 7), "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.syncSnapshot(t)
			// Sent with each kind of session: the key alone decides.
			for _, c := range []*client{a.newClient(t), s.om, s.lena} {
				got := results(t, c.POST(syncPath).JSON(syncBody(t, tt.item)).Send())
				if len(got) != 1 || got[0].Status != "rejected" || got[0].ID != tt.item["id"] {
					t.Fatalf("results = %+v, want one rejected", got)
				}
				if r := *got[0].Reason; r != tt.reason {
					t.Errorf("reason = %q, want %q", r, tt.reason)
				}
			}
			if a.syncSnapshot(t) != before {
				t.Error("a rejected signed change changed the database")
			}
		})
	}
	// The genuine change still goes through after all that.
	if st := statuses(results(t, s.om.POST(syncPath).JSON(syncBody(t, good)).Send())); st != "applied" {
		t.Errorf("the genuine change: %s", st)
	}
}

// asn1Sig is a signature in ASN.1 DER, which WebCrypto never sends.
func asn1Sig(t *testing.T, p *phone, text string) string {
	h := sha256.Sum256([]byte(text))
	b, err := ecdsa.SignASN1(rand.Reader, p.priv, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestSignedChangesTouchKeyOncePerDay(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a, w := s.a, s.w
	lastUsed := func() *time.Time {
		var at *time.Time
		if err := a.owner.QueryRow(t.Context(), `SELECT last_used_at FROM phone_keys WHERE id = $1`, s.lenaPhone.id).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if lastUsed() != nil {
		t.Fatal("a new key is already used")
	}
	batch := func(n int, from time.Time) []any {
		var out []any
		for i := range n {
			out = append(out, s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[i%3], i%2 == 0, from.Add(time.Duration(i)*time.Second))))
		}
		return out
	}
	results(t, s.om.POST(syncPath).JSON(syncBody(t, batch(20, s.base)...)).Send())
	first := lastUsed()
	if first == nil {
		t.Fatal("using the key did not note it")
	}
	results(t, s.om.POST(syncPath).JSON(syncBody(t, batch(5, s.base.Add(time.Hour))...)).Send())
	if again := lastUsed(); !again.Equal(*first) {
		t.Errorf("a second batch the same day wrote last_used_at again: %v after %v", again, first)
	}
	// A rejected item is not a use.
	if _, err := a.owner.Exec(t.Context(), `UPDATE phone_keys SET last_used_at = now() - interval '2 days' WHERE id = $1`, s.lenaPhone.id); err != nil {
		t.Fatal(err)
	}
	old := lastUsed()
	results(t, s.om.POST(syncPath).JSON(syncBody(t, s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[0], true, s.base)).with("completed", false))).Send())
	if now := lastUsed(); !now.Equal(*old) {
		t.Error("a rejected signed item noted a use")
	}
	results(t, s.om.POST(syncPath).JSON(syncBody(t, batch(1, s.base.Add(2*time.Hour))...)).Send())
	if now := lastUsed(); time.Since(*now) > time.Hour {
		t.Errorf("two days later, a use left last_used_at at %v", now)
	}
}

// TestSignedChangesOfStaff: a volunteer who learns has a phone key too; their
// signed change is applied under their own role, never the sender's.
func TestSignedChangesOfStaff(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	vol := s.a.newClient(t)
	vol.signIn("victor", "volunteer password")
	vp := vol.registerPhone(newPhoneKey(t), "")
	victor := s.a.seed.UserID(t, "victor")
	it := vp.sign(newItem(victor, s.w.Course.Lessons[0], true, s.base))
	if st := statuses(results(t, s.lena.POST(syncPath).JSON(syncBody(t, it)).Send())); st != "applied" {
		t.Fatalf("volunteer's signed change: %s", st)
	}
	if d := s.a.completedInDB(t, victor, s.w.Course.Lessons[0]); d == nil || !*d {
		t.Error("the volunteer's change did not reach the volunteer")
	}
	// A draft lesson stays out of reach of a signed change as of any other.
	draft := vp.sign(newItem(victor, s.w.DraftLesson(), true, s.base))
	if st := statuses(results(t, s.lena.POST(syncPath).JSON(syncBody(t, draft)).Send())); st != "rejected:unknown or unpublished lesson" {
		t.Errorf("signed change of a draft lesson: %s", st)
	}
}

func TestForgetPhone(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a, w := s.a, s.w
	second := s.lena.registerPhone(newPhoneKey(t), "Kitchen tablet")

	// Signed out, or someone else's key: refused, nothing changes.
	anon := a.newClient(t)
	res := anon.POST("/api/phones/" + s.lenaPhone.id + "/forget").JSON(nil).Send()
	checkAPIError(t, res, http.StatusUnauthorized)
	checkAPIError(t, s.om.POST("/api/phones/"+s.lenaPhone.id+"/forget").JSON(nil).Send(), http.StatusNotFound)
	checkAPIError(t, s.lena.POST("/api/phones/"+uuid.NewString()+"/forget").JSON(nil).Send(), http.StatusNotFound)
	checkAPIError(t, s.lena.POST("/api/phones/not-a-key/forget").JSON(nil).Send(), http.StatusBadRequest)
	checkAPIError(t, s.lena.POST("/api/phones/"+s.lenaPhone.id+"/forget").JSON(nil).Headers(http.Header{"Sec-Fetch-Site": {"cross-site"}}).Send(), http.StatusForbidden)
	if a.keyRevoked(t, s.lenaPhone.id) {
		t.Fatal("a refused forget revoked the key")
	}

	// Each learner lists their own live phones.
	checkAPIError(t, anon.getJSON("/api/phones", &struct{}{}), http.StatusUnauthorized)
	checkPhoneList(t, s.lena, second.id, s.lenaPhone.id)
	checkPhoneList(t, s.om, s.omarsPhone.id)

	// "Forget this phone" on the phone: 204, and twice is fine.
	for range 2 {
		res := s.lena.POST("/api/phones/" + s.lenaPhone.id + "/forget").JSON(nil).Send()
		if res.Status != http.StatusNoContent || res.Body != "" {
			t.Fatalf("forget: %d %q", res.Status, res.Body)
		}
	}
	checkPhoneList(t, s.lena, second.id)
	it := s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[0], true, s.base))
	before := a.syncSnapshot(t)
	if st := statuses(results(t, s.om.POST(syncPath).JSON(syncBody(t, it)).Send())); st != "rejected:revoked_key" {
		t.Errorf("after forget: %s", st)
	}
	if a.syncSnapshot(t) != before {
		t.Error("a forgotten key's change changed the database")
	}
	// The phone then sends it unsigned under its learner's session.
	if st := statuses(results(t, s.lena.POST(syncPath).JSON(syncBody(t, it.with("key_id", nil).with("sig", nil))).Send())); st != "applied" {
		t.Errorf("the same change unsigned, under Lena's session: %s", st)
	}

	// "Your account" lists the live phone with a plain form to forget it.
	doc := s.lena.GET("/account").Send().Doc()
	section := mustSelect(t, doc, "section[id=\"phones\"]")
	items := section.Find("li")
	if items.Length() != 1 || !strings.Contains(textOf(items.Eq(0)), "Kitchen tablet") || !strings.Contains(textOf(items.Eq(0)), "not used yet") {
		t.Fatalf("phones listed: %q", textOf(section))
	}
	form := mustSelect(t, items.Eq(0), "form")
	action, _ := form.Attr("action")
	if m, _ := form.Attr("method"); m != "post" || action != "/account/phones/"+second.id+"/forget" {
		t.Fatalf("forget form: method %q action %q", m, action)
	}
	checkAPIErrorPage(t, s.om.POST(action).Send(), http.StatusNotFound)
	res = s.lena.POST(action).Send()
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=phone" {
		t.Fatalf("forget from the account page: %d %q", res.Status, res.Header.Get("Location"))
	}
	if !a.keyRevoked(t, second.id) || a.keyRevoked(t, s.omarsPhone.id) {
		t.Error("the form forgot the wrong keys")
	}
	doc = s.lena.GET("/account?done=phone").Send().Doc()
	if items := doc.Find("section[id=\"phones\"]").First().Find("li"); items.Length() != 0 {
		t.Errorf("%d phones still listed after forgetting both", items.Length())
	}
}

// checkPhoneList checks GET /api/phones: exactly the live keys ids, newest
// first, each with its set-up time.
func checkPhoneList(t *testing.T, c *client, ids ...string) {
	t.Helper()
	var got struct {
		Phones []struct {
			KeyID      string     `json:"key_id"`
			Label      string     `json:"label"`
			CreatedAt  time.Time  `json:"created_at"`
			LastUsedAt *time.Time `json:"last_used_at"`
		} `json:"phones"`
	}
	c.getJSON("/api/phones", &got)
	var listed []string
	for _, p := range got.Phones {
		listed = append(listed, p.KeyID)
		if p.CreatedAt.IsZero() || time.Since(p.CreatedAt) > time.Hour || p.Label == "" {
			t.Errorf("phone %+v: want a label and its set-up time", p)
		}
	}
	if strings.Join(listed, " ") != strings.Join(ids, " ") {
		t.Errorf("GET /api/phones lists %v, want %v", listed, ids)
	}
}

// checkAPIErrorPage checks a refusal of a plain page route: the status, and
// no internals.
func checkAPIErrorPage(t *testing.T, res response, status int) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d\n%s", res.Status, status, res.Body)
	}
	checkNoLeak(t, res.Body)
}

// TestPhoneKeysRevokedWithAccount: a password change in the app, a role
// change and disabling the account revoke every key of that user, through
// the real routes; nobody else's keys move.
func TestPhoneKeysRevokedWithAccount(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a := s.a
	a.seed.User(t, store.RoleAdmin, "ada", "Ada", "admin password 1")
	admin := a.newClient(t)
	admin.signIn("ada", "admin password 1")

	for _, tt := range []struct {
		name   string
		change func(t *testing.T, user uuid.UUID, c *client)
	}{
		{"password change", func(t *testing.T, _ uuid.UUID, c *client) {
			r := c.POST("/account/password").Form(url.Values{"current_password": {"first long password"}, "new_password": {"second long password"}}).Send()
			if r.Status != http.StatusSeeOther {
				t.Fatalf("change password: %d", r.Status)
			}
		}},
		{"role change", func(t *testing.T, user uuid.UUID, _ *client) {
			if r := admin.POST("/admin/users/" + user.String() + "/role").Form(url.Values{"role": {"volunteer"}}).Send(); r.Status != http.StatusSeeOther {
				t.Fatalf("role change: %d", r.Status)
			}
		}},
		{"disable", func(t *testing.T, user uuid.UUID, _ *client) {
			if r := admin.POST("/admin/users/" + user.String() + "/disable").Send(); r.Status != http.StatusSeeOther {
				t.Fatalf("disable: %d", r.Status)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			username := strings.ReplaceAll(strings.ToLower(tt.name), " ", "-")
			user := a.seed.User(t, store.RoleLearner, username, "U", "first long password").ID()
			c := a.newClient(t)
			c.signIn(username, "first long password")
			k1, k2 := c.registerPhone(newPhoneKey(t), ""), c.registerPhone(newPhoneKey(t), "")
			tt.change(t, user, c)
			if !a.keyRevoked(t, k1.id) || !a.keyRevoked(t, k2.id) {
				t.Error("the user's keys are still live")
			}
			if a.keyRevoked(t, s.lenaPhone.id) || a.keyRevoked(t, s.omarsPhone.id) {
				t.Error("other users' keys were revoked")
			}
			it := k1.sign(newItem(user, s.w.Course.Lessons[0], true, s.base))
			if st := statuses(results(t, s.om.POST(syncPath).JSON(syncBody(t, it)).Send())); st != "rejected:revoked_key" {
				t.Errorf("a change signed with the revoked key: %s", st)
			}
		})
	}
}

// TestEndOtherSessionsForgetsOtherPhones: "Sign out everywhere else" keeps
// the phone it is sent from (the key its session registered, and the key the
// page names) and forgets the others.
func TestEndOtherSessionsForgetsOtherPhones(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a := s.a
	here := s.lenaPhone // registered by this session
	elsewhere := a.newClient(t)
	elsewhere.signIn(storetest.LearnerUser, storetest.LearnerPass)
	there := elsewhere.registerPhone(newPhoneKey(t), "")
	// This phone's key from an earlier session of Lena's, long signed out:
	// only the page knows it is this phone's.
	earlier := a.newClient(t)
	earlier.signIn(storetest.LearnerUser, storetest.LearnerPass)
	named := earlier.registerPhone(newPhoneKey(t), "")
	earlier.POST("/logout").Expect(http.StatusSeeOther)

	// The page carries the field for the phone to fill in.
	doc := s.lena.GET("/account").Send().Doc()
	form := mustSelect(t, doc, "form[action=\"/account/sessions/end-others\"]")
	mustSelect(t, form, "input[name=\"keep_key\"][type=\"hidden\"]")
	mark := doc.Find("li" + attrIs("data-key-id", here.id)).First()
	if !strings.Contains(textOf(mark), "This phone") {
		t.Errorf("the phone this session set up is not marked: %q", textOf(mark))
	}

	before := a.count(t, `SELECT count(*) FROM phone_keys WHERE revoked_at IS NOT NULL`)
	res := s.lena.POST("/account/sessions/end-others").Form(url.Values{"keep_key": {"not-a-key"}}).Send()
	checkAPIErrorPage(t, res, http.StatusBadRequest)
	if a.count(t, `SELECT count(*) FROM phone_keys WHERE revoked_at IS NOT NULL`) != before || !a.sessionExists(t, elsewhere.sessionToken()) {
		t.Fatal("a refused request changed keys or sessions")
	}

	res = s.lena.POST("/account/sessions/end-others").Form(url.Values{"keep_key": {named.id}}).Expect(http.StatusSeeOther)
	for k, want := range map[*phone]bool{here: false, named: false, there: true, s.omarsPhone: false} {
		if got := a.keyRevoked(t, k.id); got != want {
			t.Errorf("key %s revoked = %v, want %v", k.id, got, want)
		}
	}
	if a.sessionExists(t, elsewhere.sessionToken()) {
		t.Error("the other session survived")
	}
	// Without JavaScript (no keep_key), the key this session registered stays.
	res = s.lena.POST("/account/sessions/end-others").Send()
	if res.Status != http.StatusSeeOther || a.keyRevoked(t, here.id) || !a.keyRevoked(t, named.id) {
		t.Errorf("end others without keep_key: %d; this session's key revoked %v, the named one %v",
			res.Status, a.keyRevoked(t, here.id), a.keyRevoked(t, named.id))
	}
}

// TestPhoneKeyIsNoSignIn: a key id and a signature, however they are sent,
// sign nobody in anywhere; only POST /api/progress reads them, per item.
func TestPhoneKeyIsNoSignIn(t *testing.T) {
	t.Parallel()
	s := newSignedWorld(t)
	a, w := s.a, s.w
	it := s.lenaPhone.sign(newItem(w.Learner.ID(), w.Course.Lessons[0], true, s.base))
	key, sig := it["key_id"].(string), it["sig"].(string)
	headers := http.Header{
		"Authorization":   {"Bearer " + sig},
		"X-Fieldbook-Key": {key},
		"X-Key-Id":        {key},
		"X-Signature":     {sig},
		"Cookie":          {"key_id=" + key + "; sig=" + sig},
	}
	form := url.Values{"key_id": {key}, "sig": {sig}, "user_id": {w.Learner.ID().String()}, "completed": {"true"}}
	anon := a.newClient(t)
	before := a.syncSnapshot(t)
	for _, r := range []struct {
		method, path string
		json         bool
	}{
		{http.MethodGet, "/api/me", false},
		{http.MethodGet, "/api/phones", false},
		{http.MethodGet, "/api/me/progress?key_id=" + key + "&sig=" + sig, false},
		{http.MethodGet, "/api/courses/" + w.Course.ID.String() + "/progress", false},
		{http.MethodPost, "/api/phones", true},
		{http.MethodPost, "/api/phones/" + key + "/forget", true},
		{http.MethodPost, "/lessons/" + w.Course.Lessons[0].String() + "/complete", false},
		{http.MethodGet, "/account", false},
		{http.MethodPost, "/account/phones/" + key + "/forget", false},
		{http.MethodPost, "/account/sessions/end-others", false},
		{http.MethodPost, "/account/password", false},
		{http.MethodGet, "/me/progress", false},
		{http.MethodGet, "/studio", false},
	} {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			h := headers.Clone()
			var res response
			switch {
			case r.method == http.MethodGet:
				res = anon.GET(r.path).Headers(h).Send()
			case r.json:
				res = anon.POST(r.path).JSON(map[string]any{"key_id": key, "sig": sig, "public_key": s.lenaPhone.jwk()}).Headers(h).Send()
			default:
				res = anon.POST(r.path).Form(form).Headers(h).Send()
			}
			switch {
			case strings.HasPrefix(r.path, "/api/"):
				checkAPIError(t, res, http.StatusUnauthorized)
			case res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login"):
				t.Errorf("status %d Location %q, want a redirect to sign in", res.Status, res.Header.Get("Location"))
			}
			if strings.Contains(res.Body, storetest.LearnerName) {
				t.Error("the answer names the key's owner")
			}
		})
	}
	if a.syncSnapshot(t) != before || a.keyRevoked(t, s.lenaPhone.id) {
		t.Error("a request carrying a key changed the database")
	}
	if n := a.count(t, `SELECT count(*) FROM phone_keys`); n != 2 {
		t.Errorf("%d keys, want 2", n)
	}
}
