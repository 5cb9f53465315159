package ukob

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// The Open Banking private header parameters of x-jws-signature.
const (
	claimIat = "http://openbanking.org.uk/iat"
	claimIss = "http://openbanking.org.uk/iss"
	claimTan = "http://openbanking.org.uk/tan"
)

// sign makes the detached x-jws-signature of a body: the Open Banking
// profile's header (alg, kid, iat, iss, tan, all three critical), and with
// LegacySignatures b64=false as v3.1.3 and earlier had it.
func (c *Client) sign(body []byte) (string, error) {
	alg, err := algOf(c.o.SigningKey)
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).
		WithType("JOSE").
		WithContentType("application/json").
		WithHeader(claimIat, c.o.Now().Unix()).
		WithHeader(claimIss, c.o.Issuer).
		WithHeader(claimTan, c.o.TrustAnchor).
		WithCritical(claimIat, claimIss, claimTan)
	if c.o.LegacySignatures {
		opts = opts.WithBase64(false)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg),
		Key: jose.JSONWebKey{Key: c.o.SigningKey, KeyID: c.o.KeyID}}, opts)
	if err != nil {
		return "", fmt.Errorf("ukob: signer: %w", err)
	}
	obj, err := signer.Sign(body)
	if err != nil {
		return "", fmt.Errorf("ukob: sign: %w", err)
	}
	return obj.DetachedCompactSerialize()
}

// signRequest signs an authorisation request object (a JWT).
func (c *Client) signRequest(claims map[string]any) (string, error) {
	alg, err := algOf(c.o.SigningKey)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg),
		Key: jose.JSONWebKey{Key: c.o.SigningKey, KeyID: c.o.KeyID}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// verifyBank checks the bank's detached signature of a response. go-jose
// refuses the profile's critical headers, so the header is checked here
// and the signature with crypto/rsa or crypto/ecdsa.
func (c *Client) verifyBank(sig string, body []byte) error {
	parts := strings.Split(sig, ".")
	if len(parts) != 3 || parts[1] != "" {
		return errors.New("no detached JWS")
	}
	raw, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	signature, err2 := base64.RawURLEncoding.DecodeString(parts[2])
	var h struct {
		Alg  string          `json:"alg"`
		B64  *bool           `json:"b64"`
		Crit []string        `json:"crit"`
		Iss  json.RawMessage `json:"http://openbanking.org.uk/iss"`
	}
	if err1 != nil || err2 != nil || json.Unmarshal(raw, &h) != nil {
		return errors.New("malformed JWS")
	}
	for _, name := range h.Crit {
		if name != claimIat && name != claimIss && name != claimTan && !(name == "b64" && h.B64 != nil) {
			return fmt.Errorf("unknown critical header %q", name)
		}
	}
	if c.o.BankIssuer != "" {
		var iss string
		if json.Unmarshal(h.Iss, &iss) != nil || iss != c.o.BankIssuer || !slices.Contains(h.Crit, claimIss) {
			return errors.New("not signed by the bank")
		}
	}
	input := []byte(parts[0] + ".")
	if h.B64 != nil && !*h.B64 {
		input = append(input, body...)
	} else {
		input = append(input, base64.RawURLEncoding.EncodeToString(body)...)
	}
	digest := sha256.Sum256(input)
	switch k := c.o.BankKey.(type) {
	case *rsa.PublicKey:
		if h.Alg == "PS256" && rsa.VerifyPSS(k, crypto.SHA256, digest[:], signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
			return nil
		}
	case *ecdsa.PublicKey:
		if h.Alg == "ES256" && len(signature) == 64 &&
			ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(signature[:32]), new(big.Int).SetBytes(signature[32:])) {
			return nil
		}
	}
	return errors.New("the signature does not verify")
}
