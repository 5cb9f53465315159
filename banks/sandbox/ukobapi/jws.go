package ukobapi

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The Open Banking private header parameters of x-jws-signature.
const (
	claimIat = "http://openbanking.org.uk/iat"
	claimIss = "http://openbanking.org.uk/iss"
	claimTan = "http://openbanking.org.uk/tan"
)

// jwsMaxAge bounds how old a signature's iat may be, and jwsSkew how far
// in the future, so that a captured signature cannot be replayed for long.
const (
	jwsMaxAge = time.Hour
	jwsSkew   = 5 * time.Minute
)

// algFor is the JWS algorithm a key signs with under the Open Banking
// profile: PS256 for RSA, ES256 for P-256.
func algFor(k crypto.PublicKey) (jose.SignatureAlgorithm, bool) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return jose.PS256, true
	case *ecdsa.PublicKey:
		return jose.ES256, k.Curve.Params().Name == "P-256"
	}
	return "", false
}

// verifyDetached checks an x-jws-signature header against the request
// body and the client's key, per the Open Banking signing profile. Both
// profiles are accepted: v3.1.4 and later (payload base64url-encoded, crit
// = the three Open Banking claims) and v3.1.3 and earlier (b64=false, with
// "b64" among the critical headers too). go-jose cannot verify these
// itself, since it refuses critical headers other than b64, so the header
// is checked here and the signature with crypto/rsa or crypto/ecdsa.
func (s *Server) verifyDetached(sig string, body []byte, c *Client) *apiError {
	if sig == "" {
		return badRequest(codeSignatureMissing, "x-jws-signature", "the request has no x-jws-signature")
	}
	parts := strings.Split(sig, ".")
	if len(parts) != 3 || parts[1] != "" || parts[0] == "" || parts[2] == "" {
		return badRequest(codeSignatureMalformed, "x-jws-signature", "x-jws-signature is not a detached compact JWS")
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return badRequest(codeSignatureMalformed, "x-jws-signature", "the JOSE header is not base64url")
	}
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return badRequest(codeSignatureMalformed, "x-jws-signature", "the signature is not base64url")
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(rawHeader, &h); err != nil {
		return badRequest(codeSignatureMalformed, "x-jws-signature", "the JOSE header is not a JSON object")
	}
	str := func(name string) (string, bool) {
		var v string
		raw, ok := h[name]
		return v, ok && json.Unmarshal(raw, &v) == nil
	}
	want, ok := algFor(c.Key)
	if !ok {
		return badRequest(codeSignatureInvalid, "x-jws-signature", "the client has no signing key the bank accepts")
	}
	if alg, _ := str("alg"); alg != string(want) {
		return badRequest(codeSignatureInvalid, "x-jws-signature", "alg %q; the client signs with %s", alg, want)
	}
	if c.KeyID != "" {
		if kid, _ := str("kid"); kid != c.KeyID {
			return badRequest(codeSignatureInvalidClaim, "x-jws-signature", "kid %q is not the client's key", kid)
		}
	}
	var crit []string
	if raw, ok := h["crit"]; !ok || json.Unmarshal(raw, &crit) != nil {
		return badRequest(codeSignatureMissingClaim, "x-jws-signature", "crit is missing")
	}
	encoded := true
	if raw, ok := h["b64"]; ok {
		var b64 bool
		if json.Unmarshal(raw, &b64) != nil || b64 || !slices.Contains(crit, "b64") {
			return badRequest(codeSignatureMalformed, "x-jws-signature", "b64 must be false and critical when present")
		}
		encoded = false
	}
	for _, name := range crit {
		switch name {
		case claimIat, claimIss, claimTan:
		case "b64":
			if encoded {
				return badRequest(codeSignatureMalformed, "x-jws-signature", "b64 is critical but absent")
			}
		default:
			return badRequest(codeSignatureMalformed, "x-jws-signature", "unknown critical header %q", name)
		}
	}
	for _, name := range []string{claimIat, claimIss, claimTan} {
		if !slices.Contains(crit, name) {
			return badRequest(codeSignatureMissingClaim, "x-jws-signature", "%s is not critical", name)
		}
		if _, ok := h[name]; !ok {
			return badRequest(codeSignatureMissingClaim, "x-jws-signature", "%s is missing", name)
		}
	}
	var iat float64
	if json.Unmarshal(h[claimIat], &iat) != nil {
		return badRequest(codeSignatureInvalidClaim, "x-jws-signature", "%s is not a number", claimIat)
	}
	now := s.now()
	if at := time.Unix(int64(iat), 0); at.After(now.Add(jwsSkew)) || at.Before(now.Add(-jwsMaxAge)) {
		return badRequest(codeSignatureInvalidClaim, "x-jws-signature", "%s is out of range", claimIat)
	}
	if iss, _ := str(claimIss); iss != c.Issuer {
		return badRequest(codeSignatureInvalidClaim, "x-jws-signature", "%s %q is not the client", claimIss, iss)
	}
	if tan, _ := str(claimTan); tan != s.opts.TrustAnchor {
		return badRequest(codeSignatureInvalidClaim, "x-jws-signature", "%s %q is not the trust anchor %s", claimTan, tan, s.opts.TrustAnchor)
	}
	input := []byte(parts[0] + ".")
	if encoded {
		input = append(input, base64.RawURLEncoding.EncodeToString(body)...)
	} else {
		input = append(input, body...)
	}
	if !verifySignature(c.Key, input, signature) {
		return badRequest(codeSignatureInvalid, "x-jws-signature", "the signature does not match the body and the client's key")
	}
	return nil
}

func verifySignature(key crypto.PublicKey, input, sig []byte) bool {
	digest := sha256.Sum256(input)
	switch k := key.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPSS(k, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	case *ecdsa.PublicKey:
		if len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k, digest[:], r, s)
	}
	return false
}

// sign makes the server's detached x-jws-signature of a response body,
// in the v3.1.4+ profile.
func (s *Server) sign(r *http.Request, body []byte) (string, error) {
	alg, _ := algFor(s.opts.SigningKey.Public())
	opts := (&jose.SignerOptions{}).
		WithType("JOSE").
		WithHeader(claimIat, s.now().Unix()).
		WithHeader(claimIss, s.issuer(r)).
		WithHeader(claimTan, s.opts.TrustAnchor).
		WithCritical(claimIat, claimIss, claimTan)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: s.opts.SigningKey, KeyID: s.opts.KeyID}}, opts)
	if err != nil {
		return "", fmt.Errorf("ukobapi: signer: %w", err)
	}
	obj, err := signer.Sign(body)
	if err != nil {
		return "", fmt.Errorf("ukobapi: sign: %w", err)
	}
	return obj.DetachedCompactSerialize()
}

// PublicKey is the key that verifies the server's x-jws-signature headers.
func (s *Server) PublicKey() crypto.PublicKey { return s.opts.SigningKey.Public() }
