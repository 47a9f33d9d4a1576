package handlers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"fieldbook/store"
)

// Signed items: a learner picked on a shared phone with their PIN signs each
// change there with their per-phone key (ECDSA P-256, SHA-256, WebCrypto's
// 64-byte r||s signature). POST /api/progress applies a signed item as the
// key's owner, whoever is signed in when it arrives. This file is the
// server's half of that: reading a public key, the signed text, and judging
// a batch of signed items by their keys alone. Any kind of item (a change
// now, a quiz attempt later) plugs in by building a signedItem from its own
// canonical text.

// b64url is base64url without padding, strict about trailing bits, as
// WebCrypto's JWK export and the phone's signatures use it.
var b64url = base64.RawURLEncoding.Strict()

// signedItem is what judging a signed item needs, whatever its kind.
type signedItem struct {
	keyID uuid.UUID
	user  uuid.UUID // the account the item names
	msg   []byte    // the canonical text the phone signed
	sig   []byte    // r||s, 64 bytes
}

// signedMessage is the canonical text of a signed item: its kind's tag line,
// then one field per line. A field that holds a newline would make the text
// ambiguous, so it gives nil, which no signature matches.
func signedMessage(tag string, fields ...string) []byte {
	for _, f := range fields {
		if strings.ContainsAny(f, "\n\r") {
			return nil
		}
	}
	return []byte(tag + "\n" + strings.Join(fields, "\n"))
}

// parseSignature checks the key id and signature fields (raw JSON) of an
// item that names user and whose canonical text is msg, or gives the
// rejection reason. A missing or malformed signature is bad_signature; a
// malformed key id cannot name a live key, so it is revoked_key.
func parseSignature(keyID, sig json.RawMessage, user uuid.UUID, msg []byte) (*signedItem, string) {
	var k, s string
	if json.Unmarshal(sig, &s) != nil || json.Unmarshal(keyID, &k) != nil || msg == nil {
		return nil, reasonBadSignature
	}
	id, err := uuid.Parse(k)
	if err != nil || id == uuid.Nil {
		return nil, reasonRevokedKey
	}
	raw, err := b64url.DecodeString(s)
	if err != nil || len(raw) != 64 {
		return nil, reasonBadSignature
	}
	return &signedItem{keyID: id, user: user, msg: msg, sig: raw}, ""
}

// verify reports whether the item's signature is pub's (an uncompressed
// P-256 point) over its text. Both halves of the signature must be in
// [1, n-1]; ecdsa.Verify checks that.
func (si signedItem) verify(pub []byte) bool {
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
	if err != nil || len(si.sig) != 64 {
		return false
	}
	h := sha256.Sum256(si.msg)
	r := new(big.Int).SetBytes(si.sig[:32])
	s := new(big.Int).SetBytes(si.sig[32:])
	return ecdsa.Verify(key, h[:], r, s)
}

// verdict is what became of one signed item: applied as owner, or
// rejected for reason. touch is the key, when its last use is due to be
// written.
type verdict struct {
	owner  store.Caller
	reason string
	touch  uuid.UUID
}

// judgeSigned looks up every key the items name in one query (as the
// request's caller: a replay may come with nobody signed in) and judges
// each item by its key alone: unknown or revoked → revoked_key, a signature
// that is not the key's over the item → bad_signature, an item naming
// another account than the key's owner → wrong_key_user.
func (h *syncHandlers) judgeSigned(ctx context.Context, caller store.Caller, items []signedItem) ([]verdict, error) {
	if len(items) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, 0, len(items))
	seen := map[uuid.UUID]bool{}
	for _, it := range items {
		if !seen[it.keyID] {
			seen[it.keyID] = true
			ids = append(ids, it.keyID)
		}
	}
	var keys map[uuid.UUID]store.LivePhoneKey
	err := h.store.ReadTx(ctx, caller, func(tx *store.Tx) (err error) {
		keys, err = tx.LivePhoneKeys(ctx, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	touched := map[uuid.UUID]bool{}
	out := make([]verdict, len(items))
	for i, it := range items {
		k, ok := keys[it.keyID]
		switch {
		case !ok:
			out[i].reason = reasonRevokedKey
		case !it.verify(k.PublicKey):
			out[i].reason = reasonBadSignature
		case it.user != k.Owner.UserID:
			out[i].reason = reasonWrongKeyUser
		default:
			out[i].owner = k.Owner
			if !touched[k.ID] && k.DueForTouch(now) {
				touched[k.ID] = true
				out[i].touch = k.ID
			}
		}
	}
	return out, nil
}

// judgedTouches groups the keys due a touch by owner.
func judgedTouches(vs []verdict) map[store.Caller][]uuid.UUID {
	out := map[store.Caller][]uuid.UUID{}
	for _, v := range vs {
		if v.touch != uuid.Nil {
			out[v.owner] = append(out[v.owner], v.touch)
		}
	}
	return out
}

// phoneJWK is the public half of a phone's key, as WebCrypto exports it
// (extra members such as "ext" and "key_ops" are ignored).
type phoneJWK struct {
	Kty string          `json:"kty"`
	Crv string          `json:"crv"`
	X   string          `json:"x"`
	Y   string          `json:"y"`
	D   json.RawMessage `json:"d"`
}

// parsePhoneKey reads a JWK of an ECDSA P-256 public key into the 65-byte
// uncompressed point the database keeps, or says what is wrong with it.
func parsePhoneKey(raw json.RawMessage) ([]byte, string) {
	var k phoneJWK
	if len(raw) == 0 || json.Unmarshal(raw, &k) != nil {
		return nil, msgKeyNotJWK
	}
	if k.D != nil {
		return nil, msgKeyPrivate
	}
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, msgKeyNotP256
	}
	x, errX := b64url.DecodeString(k.X)
	y, errY := b64url.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, msgKeyCoordinates
	}
	point := append(append([]byte{4}, x...), y...)
	if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point); err != nil {
		return nil, msgKeyNotOnCurve
	}
	return point, ""
}
