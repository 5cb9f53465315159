package ukobapi

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"
)

// FuzzSignature feeds the x-jws-signature verifier and the booking-time
// parser what a client might send: they never panic, and nothing made up
// verifies.
func FuzzSignature(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{opts: Options{TrustAnchor: "openbanking.org.uk"}, now: time.Now}
	c := &Client{ID: "c", Issuer: "c", Key: &key.PublicKey}
	f.Add("eyJhbGciOiJQUzI1NiJ9..c2ln", []byte(`{"Data":{}}`))
	f.Add("a..b", []byte(nil))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		if e := s.verifyDetached(sig, body, c); e == nil {
			t.Fatalf("a made-up signature %q verified", sig)
		}
		bookingTime(sig)
	})
}
