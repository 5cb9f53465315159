package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/oauth2"
	"gopkg.in/yaml.v3"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/bankstest"
	"github.com/kontoskill/konto/banks/berlingroup"
	"github.com/kontoskill/konto/banks/sandbox"
	"github.com/kontoskill/konto/banks/ukob"
)

// The banks file (--banks, KONTO_BANKS) lists the real banks Konto
// connects to: each with an id (banks.User.Bank of its customers), a
// standard (sandbox, ukob or berlingroup) and what that standard needs.
// Secrets come from files or environment variables named in the file,
// never from the file itself, and are never printed. Relative paths are
// relative to the banks file.

// The standards a bank can speak.
const (
	standardSandbox     = "sandbox"
	standardUKOB        = "ukob"
	standardBerlinGroup = "berlingroup"
)

// bankEntry is one bank as the file has it.
type bankEntry struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name,omitempty"`
	Standard string `yaml:"standard"`
	Locale   string `yaml:"locale,omitempty"`

	// Berlin Group: the XS2A root, under which /v1/... is served.
	BaseURL string `yaml:"base_url,omitempty"`
	// UK Open Banking: the two APIs and the OAuth 2 endpoints. A Berlin
	// Group bank with OAuth has a token_url too, and redirect_url is its
	// TPP-Redirect-URI.
	AISURL       string `yaml:"ais_url,omitempty"`
	PISURL       string `yaml:"pis_url,omitempty"`
	TokenURL     string `yaml:"token_url,omitempty"`
	AuthorizeURL string `yaml:"authorize_url,omitempty"`
	RedirectURL  string `yaml:"redirect_url,omitempty"`

	// Registration, secrets and transport.
	ClientID         string `yaml:"client_id,omitempty"`
	ClientSecretFile string `yaml:"client_secret_file,omitempty"`
	ClientSecretEnv  string `yaml:"client_secret_env,omitempty"`
	SigningKeyFile   string `yaml:"signing_key_file,omitempty"`
	SigningKeyID     string `yaml:"signing_key_id,omitempty"`
	ClientCertFile   string `yaml:"client_cert_file,omitempty"`
	ClientKeyFile    string `yaml:"client_key_file,omitempty"`
	CAFile           string `yaml:"ca_file,omitempty"`

	// CIBA: payments at a UK bank are approved by decoupled
	// authorisation (CIBA, poll mode), the bank knowing the customer by
	// the login hint; otherwise by the customer's own consent token.
	CIBA         bool                `yaml:"ciba,omitempty"`
	PSUIPAddress string              `yaml:"psu_ip_address,omitempty"`
	ConsentDays  int                 `yaml:"consent_days,omitempty"`
	Payees       []payeeEntry        `yaml:"payees,omitempty"`
	Products     *banks.ProductSheet `yaml:"products,omitempty"`
	ProductsFile string              `yaml:"products_file,omitempty"`
}

// payeeEntry is a saved recipient of a Berlin Group bank, which has no
// beneficiary list of its own. Customer, if set, keeps it to that
// customer's payees.
type payeeEntry struct {
	ID       string `yaml:"id,omitempty"`
	Name     string `yaml:"name"`
	IBAN     string `yaml:"iban"`
	Customer string `yaml:"customer,omitempty"`
}

// bankConfig is a checked bank: its entry and what the entry's files and
// variables hold. The secrets print as placeholders.
type bankConfig struct {
	bankEntry
	ClientSecret secretText
	SigningKey   signingKey
	MTLS         clientTLS
	// Sheet is the product sheet, inline or from products_file.
	Sheet *banks.ProductSheet
	file  string
}

// secretText is a secret read from a file or the environment.
type secretText string

func (secretText) String() string   { return "[secret]" }
func (secretText) GoString() string { return "[secret]" }

// signingKey is a private key for signatures.
type signingKey struct{ crypto.Signer }

func (signingKey) String() string   { return "[private key]" }
func (signingKey) GoString() string { return "[private key]" }

// clientTLS is mutual TLS: Konto's certificate and the roots that verify the bank.
type clientTLS struct {
	certs []tls.Certificate
	roots *x509.CertPool
}

func (clientTLS) String() string   { return "[tls]" }
func (clientTLS) GoString() string { return "[tls]" }

// The fields of each standard, besides id, name, standard and locale.
var standardFields = map[string][]string{
	standardSandbox: {},
	standardUKOB: {"ais_url", "pis_url", "token_url", "authorize_url", "redirect_url", "client_id", "client_secret_file", "client_secret_env",
		"signing_key_file", "signing_key_id", "client_cert_file", "client_key_file", "ca_file", "consent_days", "products", "products_file", "ciba"},
	standardBerlinGroup: {"base_url", "client_id", "client_secret_file", "client_secret_env", "token_url", "redirect_url", "client_cert_file",
		"client_key_file", "ca_file", "psu_ip_address", "payees", "consent_days", "products", "products_file"},
}

// inlineSecrets are fields people write by mistake, with what to use.
var inlineSecrets = map[string]string{
	"client_secret": "client_secret_file or client_secret_env", "secret": "client_secret_file or client_secret_env",
	"password": "client_secret_file or client_secret_env", "signing_key": "signing_key_file", "private_key": "signing_key_file",
	"access_token": "konto banks verify --access-token",
}

var (
	bankIDRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	ibanRE    = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]+$`)
)

// loadBanks reads and checks a banks file. It returns the first problem
// as one error naming the file, the bank and the field: an unknown
// standard or field, a duplicate id, a missing field, an unreadable file,
// an unset environment variable, a key, certificate or URL that does not
// parse. Reachability is checked apart (checkReachable), at start-up.
func loadBanks(path string, getenv func(string) string) ([]bankConfig, error) {
	if path == "" {
		return nil, errors.New("no banks file: give --banks FILE or set KONTO_BANKS")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("banks file %s: %w", path, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("banks file %s: %w", path, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("banks file %s: is empty; it needs a list under banks:", path)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("banks file %s: line %d: want a mapping with banks: at the top", path, doc.Line)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := doc.Content[i]; k.Value != "banks" {
			return nil, fmt.Errorf("banks file %s: line %d: unknown field %q (the file has only banks:)", path, k.Line, k.Value)
		}
		list = doc.Content[i+1]
	}
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil, fmt.Errorf("banks file %s: banks: lists no banks", path)
	}
	dir := filepath.Dir(path)
	var out []bankConfig
	first := map[string]int{}
	for i, n := range list.Content {
		b, err := parseBank(path, dir, i+1, n, getenv)
		if err != nil {
			return nil, err
		}
		if j, dup := first[b.ID]; dup {
			return nil, fmt.Errorf("banks file %s: bank %q: id is used twice (banks #%d and #%d)", path, b.ID, j, i+1)
		}
		first[b.ID] = i + 1
		out = append(out, b)
	}
	return out, nil
}

// fieldError is a problem with one field of one bank.
type fieldError struct{ file, bank, field, msg string }

func (e *fieldError) Error() string {
	return fmt.Sprintf("banks file %s: %s: %s %s", e.file, e.bank, e.field, e.msg)
}

func parseBank(path, dir string, index int, n *yaml.Node, getenv func(string) string) (bankConfig, error) {
	label := fmt.Sprintf("bank #%d", index)
	fail := func(field, format string, args ...any) error {
		return &fieldError{file: path, bank: label, field: field, msg: fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.MappingNode {
		return bankConfig{}, fmt.Errorf("banks file %s: %s: line %d: want a mapping of fields", path, label, n.Line)
	}
	fields := map[string]*yaml.Node{}
	var order []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		fields[k] = n.Content[i+1]
		order = append(order, k)
	}
	var e bankEntry
	str := func(field string, dst *string) error {
		v, ok := fields[field]
		if !ok {
			return nil
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Decode(dst) != nil {
			return fail(field, "must be a string (line %d)", v.Line)
		}
		*dst = strings.TrimSpace(*dst)
		return nil
	}
	if err := str("id", &e.ID); err != nil {
		return bankConfig{}, err
	}
	if e.ID == "" {
		return bankConfig{}, fail("id", "is required")
	}
	if !bankIDRE.MatchString(e.ID) {
		return bankConfig{}, fail("id", "%q: use lower-case letters, digits, - and _ (up to 32)", e.ID)
	}
	label = fmt.Sprintf("bank %q", e.ID)
	if err := str("standard", &e.Standard); err != nil {
		return bankConfig{}, err
	}
	allowed, known := standardFields[e.Standard]
	switch {
	case e.Standard == "":
		return bankConfig{}, fail("standard", "is required: sandbox, ukob or berlingroup")
	case !known:
		return bankConfig{}, fail("standard", "%q is not one of sandbox, ukob, berlingroup", e.Standard)
	}
	for _, k := range order {
		switch {
		case k == "id" || k == "name" || k == "standard" || k == "locale":
		case inlineSecrets[k] != "":
			return bankConfig{}, fail(k, "cannot be written in the banks file: use %s", inlineSecrets[k])
		case contains(allowed, k):
		case anyStandardHas(k):
			return bankConfig{}, fail(k, "is not a field of standard %s", e.Standard)
		default:
			return bankConfig{}, fail(k, "is not a known field (line %d)", fields[k].Line)
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &e.Name}, {"locale", &e.Locale}, {"ais_url", &e.AISURL}, {"pis_url", &e.PISURL}, {"token_url", &e.TokenURL},
		{"authorize_url", &e.AuthorizeURL}, {"redirect_url", &e.RedirectURL}, {"signing_key_id", &e.SigningKeyID},
		{"base_url", &e.BaseURL}, {"psu_ip_address", &e.PSUIPAddress}, {"client_id", &e.ClientID},
		{"client_secret_file", &e.ClientSecretFile}, {"client_secret_env", &e.ClientSecretEnv}, {"signing_key_file", &e.SigningKeyFile},
		{"client_cert_file", &e.ClientCertFile}, {"client_key_file", &e.ClientKeyFile}, {"ca_file", &e.CAFile},
		{"products_file", &e.ProductsFile}} {
		if err := str(f.name, f.dst); err != nil {
			return bankConfig{}, err
		}
	}
	if v, ok := fields["ciba"]; ok {
		if v.Decode(&e.CIBA) != nil {
			return bankConfig{}, fail("ciba", "must be true or false (line %d)", v.Line)
		}
	}
	if v, ok := fields["consent_days"]; ok {
		if v.Decode(&e.ConsentDays) != nil {
			return bankConfig{}, fail("consent_days", "must be a whole number of days (line %d)", v.Line)
		}
	}
	if v, ok := fields["payees"]; ok {
		if err := strictDecode(v, &e.Payees); err != nil {
			return bankConfig{}, fail("payees", "(line %d): %s", v.Line, yamlProblem(err, false))
		}
	}
	if v, ok := fields["products"]; ok {
		var sheet banks.ProductSheet
		if err := strictDecode(v, &sheet); err != nil {
			return bankConfig{}, fail("products", "(line %d): %s", v.Line, yamlProblem(err, false))
		}
		e.Products = &sheet
	}
	b := bankConfig{bankEntry: e, file: path}
	if b.Name == "" {
		b.Name = b.ID
	}
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if b.Locale != "" && b.Locale != "en-US" && b.Locale != "en-GB" && b.Locale != "de-DE" {
		return b, fail("locale", "%q: want en-US, en-GB or de-DE", b.Locale)
	}
	if b.Standard == standardSandbox {
		if b.ID != sandbox.Name {
			return b, fail("id", "must be %q for standard sandbox: the embedded sandbox bank names its customers' bank so", sandbox.Name)
		}
		return b, nil
	}
	if b.ID == sandbox.Name {
		return b, fail("id", "%q is kept for the embedded sandbox bank (standard sandbox)", sandbox.Name)
	}
	if b.Locale == "" {
		return b, fail("locale", "is required: en-US, en-GB or de-DE")
	}
	checkURL := func(field, v string, required bool) error {
		if v == "" {
			if required {
				return fail(field, "is required for standard %s", b.Standard)
			}
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return fail(field, "%q is not an absolute http(s) URL", v)
		}
		return nil
	}
	var err error
	switch b.Standard {
	case standardUKOB:
		for _, f := range []struct {
			name, v  string
			required bool
		}{{"ais_url", b.AISURL, true}, {"pis_url", b.PISURL, false}, {"token_url", b.TokenURL, true},
			{"authorize_url", b.AuthorizeURL, true}, {"redirect_url", b.RedirectURL, true}} {
			if err := checkURL(f.name, f.v, f.required); err != nil {
				return b, err
			}
		}
		if b.ClientID == "" {
			return b, fail("client_id", "is required for standard ukob")
		}
		if b.ClientSecret, err = readSecret(fail, resolve(b.ClientSecretFile), b.ClientSecretEnv, getenv, true); err != nil {
			return b, err
		}
		switch {
		case b.PISURL != "" && b.SigningKeyFile == "":
			return b, fail("signing_key_file", "is required with pis_url: payment requests are signed")
		case b.SigningKeyFile != "" && b.SigningKeyID == "":
			return b, fail("signing_key_id", "is required with signing_key_file (the kid of the key at the trust anchor)")
		case b.SigningKeyID != "" && b.SigningKeyFile == "":
			return b, fail("signing_key_file", "is required with signing_key_id")
		}
		if b.SigningKeyFile != "" {
			k, err := readSigningKey(resolve(b.SigningKeyFile))
			if err != nil {
				return b, fail("signing_key_file", "%s: %v", b.SigningKeyFile, err)
			}
			b.SigningKey = signingKey{k}
		}
		if b.ConsentDays < 0 || b.ConsentDays > 365 {
			return b, fail("consent_days", "%d: want 1 to 365 (90 if left out)", b.ConsentDays)
		}
	case standardBerlinGroup:
		if err := checkURL("base_url", b.BaseURL, true); err != nil {
			return b, err
		}
		if err := checkURL("redirect_url", b.RedirectURL, false); err != nil {
			return b, err
		}
		if b.PSUIPAddress == "" {
			return b, fail("psu_ip_address", "is required for standard berlingroup (PSU-IP-Address where the customer's own is not known)")
		}
		if net.ParseIP(b.PSUIPAddress) == nil {
			return b, fail("psu_ip_address", "%q is not an IP address", b.PSUIPAddress)
		}
		oauth := b.ClientID != "" || b.TokenURL != "" || b.ClientSecretFile != "" || b.ClientSecretEnv != ""
		if oauth {
			if b.ClientID == "" {
				return b, fail("client_id", "is required with token_url or a client secret (OAuth)")
			}
			if b.TokenURL == "" {
				return b, fail("token_url", "is required with client_id (OAuth)")
			}
			if err := checkURL("token_url", b.TokenURL, true); err != nil {
				return b, err
			}
			if b.ClientSecret, err = readSecret(fail, resolve(b.ClientSecretFile), b.ClientSecretEnv, getenv, false); err != nil {
				return b, err
			}
		}
		ids := map[string]bool{}
		for i := range b.Payees {
			p := &b.Payees[i]
			p.IBAN = strings.ToUpper(strings.ReplaceAll(p.IBAN, " ", ""))
			switch {
			case strings.TrimSpace(p.Name) == "":
				return b, fail("payees", "#%d has no name", i+1)
			case p.IBAN == "":
				return b, fail("payees", "#%d (%s) has no iban", i+1, p.Name)
			case !validIBAN(p.IBAN):
				return b, fail("payees", "#%d (%s): iban %q is not a valid IBAN", i+1, p.Name, p.IBAN)
			}
			if p.ID == "" {
				p.ID = fmt.Sprintf("payee-%d", i+1)
			}
			if ids[p.ID] {
				return b, fail("payees", "#%d: id %q is used twice", i+1, p.ID)
			}
			ids[p.ID] = true
		}
		if b.ConsentDays < 0 || b.ConsentDays > 180 {
			return b, fail("consent_days", "%d: want 1 to 180 (180 if left out)", b.ConsentDays)
		}
	}
	switch {
	case b.ClientCertFile != "" && b.ClientKeyFile == "":
		return b, fail("client_key_file", "is required with client_cert_file")
	case b.ClientKeyFile != "" && b.ClientCertFile == "":
		return b, fail("client_cert_file", "is required with client_key_file")
	case b.ClientCertFile != "":
		cert, err := tls.LoadX509KeyPair(resolve(b.ClientCertFile), resolve(b.ClientKeyFile))
		if err != nil {
			return b, fail("client_cert_file", "%s with client_key_file %s: %v", b.ClientCertFile, b.ClientKeyFile, err)
		}
		b.MTLS.certs = []tls.Certificate{cert}
	}
	if b.CAFile != "" {
		pemBytes, err := os.ReadFile(resolve(b.CAFile))
		if err != nil {
			return b, fail("ca_file", "%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return b, fail("ca_file", "%s holds no PEM certificate", b.CAFile)
		}
		b.MTLS.roots = pool
	}
	switch {
	case b.Products != nil && b.ProductsFile != "":
		return b, fail("products_file", "and products are both given: keep one")
	case b.Products != nil:
		b.Sheet = b.Products
	case b.ProductsFile != "":
		raw, err := os.ReadFile(resolve(b.ProductsFile))
		if err != nil {
			return b, fail("products_file", "%v", err)
		}
		var sheet banks.ProductSheet
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&sheet); err != nil {
			return b, fail("products_file", "%s: %s", b.ProductsFile, yamlProblem(err, true))
		}
		b.Sheet = &sheet
	}
	if b.Sheet != nil && b.Sheet.Bank == "" {
		return b, fail("products", "has no bank: (the name Konto says)")
	}
	return b, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyStandardHas(field string) bool {
	for _, fs := range standardFields {
		if contains(fs, field) {
			return true
		}
	}
	return false
}

// strictDecode decodes a node and refuses fields the type does not have.
func strictDecode(n *yaml.Node, v any) error {
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}

var (
	yamlLineRE     = regexp.MustCompile(`^line \d+: `)
	yamlNotFoundRE = regexp.MustCompile(`field (\S+) not found in type`)
)

// yamlProblem is a decoding error on one line: yaml.v3 lists each
// problem on a line of its own. Lines of a node decoded on its own count
// from the node, so they are dropped unless keepLines.
func yamlProblem(err error, keepLines bool) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.Join(strings.Fields(strings.TrimPrefix(err.Error(), "yaml: ")), " ")
	}
	var out []string
	for _, e := range te.Errors {
		line := yamlLineRE.FindString(e)
		e = strings.TrimPrefix(e, line)
		if m := yamlNotFoundRE.FindStringSubmatch(e); m != nil {
			e = fmt.Sprintf("unknown field %q", m[1])
		}
		if keepLines {
			e = strings.TrimSuffix(line, ": ") + ": " + e
		}
		out = append(out, e)
	}
	return strings.Join(out, "; ")
}

// readSecret reads a client secret from its file or environment
// variable, exactly one of which may be named.
func readSecret(fail func(field, format string, args ...any) error, file, env string, getenv func(string) string, required bool) (secretText, error) {
	switch {
	case file != "" && env != "":
		return "", fail("client_secret_file", "and client_secret_env are both given: keep one")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fail("client_secret_file", "%v", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fail("client_secret_file", "%s is empty", file)
		}
		return secretText(s), nil
	case env != "":
		if !envNameRE.MatchString(env) {
			return "", fail("client_secret_env", "%q is not an environment variable name", env)
		}
		s := strings.TrimSpace(getenv(env))
		if s == "" {
			return "", fail("client_secret_env", "%s is not set", env)
		}
		return secretText(s), nil
	case required:
		return "", fail("client_secret_file", "or client_secret_env is required (the client secret is never written in the banks file)")
	}
	return "", nil
}

// readSigningKey reads a PEM private key (PKCS #8, PKCS #1 or SEC 1): RSA
// for PS256 or ECDSA on P-256 for ES256, as Open Banking signs with.
func readSigningKey(path string) (crypto.Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("no PEM block in the file")
	}
	var key any
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		key = k
	} else if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		key = k
	} else {
		return nil, fmt.Errorf("the %s block is not a private key Konto can read (PKCS #8, PKCS #1 or SEC 1)", block.Type)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("an RSA key of %d bits; Open Banking wants at least 2048", k.N.BitLen())
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve.Params().Name != "P-256" {
			return nil, fmt.Errorf("an ECDSA key on %s; ES256 needs P-256", k.Curve.Params().Name)
		}
		return k, nil
	}
	return nil, fmt.Errorf("a %T; want an RSA or an ECDSA P-256 key", key)
}

// validIBAN checks an IBAN's shape and ISO 13616 check digits.
func validIBAN(s string) bool {
	if len(s) < 15 || len(s) > 34 || !ibanRE.MatchString(s) {
		return false
	}
	var digits strings.Builder
	for _, r := range s[4:] + s[:4] {
		if r >= 'A' && r <= 'Z' {
			fmt.Fprintf(&digits, "%d", r-'A'+10)
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// baseURL is where the bank is reached, for listings.
func (b bankConfig) baseURL() string {
	switch b.Standard {
	case standardUKOB:
		return b.AISURL
	case standardBerlinGroup:
		return b.BaseURL
	}
	return "(embedded)"
}

// checkReachable dials the hosts of the bank's API URLs, as serve and
// verify do at start-up, so that a wrong address is one clear error
// rather than every user's first request failing.
func (b bankConfig) checkReachable(ctx context.Context) error {
	seen := map[string]bool{}
	for _, f := range []struct{ field, v string }{{"ais_url", b.AISURL}, {"pis_url", b.PISURL}, {"token_url", b.TokenURL}, {"base_url", b.BaseURL}} {
		if f.v == "" {
			continue
		}
		u, err := url.Parse(f.v)
		if err != nil {
			return &fieldError{file: b.file, bank: fmt.Sprintf("bank %q", b.ID), field: f.field, msg: "does not parse"}
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
		if seen[host] {
			continue
		}
		seen[host] = true
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", host)
		if err != nil {
			return &fieldError{file: b.file, bank: fmt.Sprintf("bank %q", b.ID), field: f.field, msg: fmt.Sprintf("%s is unreachable: %v", f.v, err)}
		}
		conn.Close()
	}
	return nil
}

// checkBanksReachable is checkReachable for every bank of a file, for
// serve's start-up.
func checkBanksReachable(ctx context.Context, list []bankConfig) error {
	for _, b := range list {
		if err := b.checkReachable(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Grant is what account linking keeps of a user at a configured bank.
type Grant struct {
	// Token is the user's OAuth token: UK Open Banking, and Berlin Group
	// banks that use OAuth.
	Token *oauth2.Token
	// ConsentID is the user's Consent-ID at a Berlin Group bank.
	ConsentID string
}

// GrantSource is the account-linking hook of the bank connectors: the
// stored Grant of a user at a bank, or a NotLinked (or ConsentExpired)
// *banks.Error. Account linking, a later issue, supplies one backed by
// Konto's store; until then noGrants answers for everyone.
type GrantSource func(ctx context.Context, bankID string, u banks.User) (Grant, error)

// noGrants is the GrantSource before account linking: no user is linked.
func noGrants(_ context.Context, bankID string, _ banks.User) (Grant, error) {
	return Grant{}, banks.Errorf("konto.grants", banks.NotLinked, "no stored grant at bank %q: account linking is not built yet", bankID)
}

// connectorDeps is what a connector needs besides its bank's configuration.
type connectorDeps struct {
	// Grants gives users' tokens and consents; noGrants if nil.
	Grants GrantSource
	// Sandbox is the data directory's sandbox bank, for standard sandbox.
	Sandbox *sandbox.Bank
	// HTTPClient replaces the client built from the mTLS files (tests).
	HTTPClient *http.Client
	// SaveToken, if set, keeps a token the bank refreshed for a user in
	// the user's grant (account linking's realBanks.saveToken).
	SaveToken func(ctx context.Context, bankID string, u banks.User, t *oauth2.Token) error
}

// connector builds the bank's connector: a *ukob.Client, a
// *berlingroup.Client, or the sandbox bank. Errors: the configuration
// cannot work (loadBanks has refused most such files already).
func (b bankConfig) connector(d connectorDeps) (banks.Connector, error) {
	grants := d.Grants
	if grants == nil {
		grants = noGrants
	}
	wrap := func(err error) error { return fmt.Errorf("banks file %s: bank %q: %w", b.file, b.ID, err) }
	var sheets map[string]banks.ProductSheet
	if b.Sheet != nil {
		sheets = map[string]banks.ProductSheet{"": *b.Sheet}
	}
	switch b.Standard {
	case standardSandbox:
		if d.Sandbox == nil {
			return nil, wrap(errors.New("the sandbox bank is not open"))
		}
		return d.Sandbox, nil
	case standardUKOB:
		var c *ukob.Client
		o := ukob.Options{Name: b.ID, AccountsURL: b.AISURL, PaymentsURL: b.PISURL, TokenURL: b.TokenURL, AuthorizeURL: b.AuthorizeURL,
			ClientID: b.ClientID, ClientSecret: string(b.ClientSecret), RedirectURL: b.RedirectURL, SigningKey: b.SigningKey.Signer,
			KeyID: b.SigningKeyID, Certificates: b.MTLS.certs, RootCAs: b.MTLS.roots, HTTPClient: d.HTTPClient, Products: sheets,
			ConsentLifetime: time.Duration(b.ConsentDays) * 24 * time.Hour, CIBA: b.CIBA,
			Tokens: func(ctx context.Context, u banks.User) (oauth2.TokenSource, error) {
				g, err := grants(ctx, b.ID, u)
				if err != nil {
					return nil, err
				}
				if g.Token == nil {
					return nil, banks.Errorf("konto.grants", banks.NotLinked, "no token at bank %q", b.ID)
				}
				src := c.TokenSource(ctx, g.Token)
				if d.SaveToken != nil {
					src = &keptTokens{src: src, last: g.Token.AccessToken,
						save: func(t *oauth2.Token) error { return d.SaveToken(ctx, b.ID, u, t) }}
				}
				return src, nil
			}}
		var err error
		if c, err = ukob.New(o); err != nil {
			return nil, wrap(err)
		}
		return c, nil
	case standardBerlinGroup:
		o := berlingroup.Options{BaseURL: b.BaseURL, HTTPClient: d.HTTPClient, Certificates: b.MTLS.certs, RootCAs: b.MTLS.roots,
			PSUIPAddress: b.PSUIPAddress, RedirectURI: b.RedirectURL, ConsentDays: b.ConsentDays, Sheets: sheets,
			Consents: func(ctx context.Context, u banks.User) (string, *oauth2.Token, error) {
				g, err := grants(ctx, b.ID, u)
				return g.ConsentID, g.Token, err
			},
			Payees: func(_ context.Context, u banks.User) ([]berlingroup.Payee, error) {
				out := []berlingroup.Payee{}
				for _, p := range b.Payees {
					if p.Customer == "" || p.Customer == u.Customer {
						out = append(out, berlingroup.Payee{Payee: banks.Payee{ID: p.ID, Name: p.Name}, IBAN: p.IBAN})
					}
				}
				return out, nil
			}}
		if d.SaveToken != nil {
			o.SaveToken = func(ctx context.Context, u banks.User, t *oauth2.Token) error { return d.SaveToken(ctx, b.ID, u, t) }
		}
		if b.ClientID != "" {
			o.OAuth2 = &oauth2.Config{ClientID: b.ClientID, ClientSecret: string(b.ClientSecret), Endpoint: oauth2.Endpoint{TokenURL: b.TokenURL}}
		}
		c, err := berlingroup.New(o)
		if err != nil {
			return nil, wrap(err)
		}
		return c, nil
	}
	return nil, wrap(fmt.Errorf("unknown standard %q", b.Standard))
}

// keptTokens is a token source whose refreshed tokens are saved (a UK
// bank's, whose connector asks for a source each call): the refresh
// token the bank may have rotated is the one the next call needs.
type keptTokens struct {
	src  oauth2.TokenSource
	mu   sync.Mutex
	last string
	save func(*oauth2.Token) error
}

func (k *keptTokens) Token() (*oauth2.Token, error) {
	t, err := k.src.Token()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if t.AccessToken != k.last {
		k.last = t.AccessToken
		if err := k.save(t); err != nil {
			return nil, banks.E("konto.keptTokens", banks.Unavailable, err)
		}
	}
	return t, nil
}

// oneGrant is a GrantSource that knows one user: the customer a verify
// run linked.
type oneGrant struct {
	mu       sync.Mutex
	customer string
	g        Grant
}

func (o *oneGrant) set(customer string, g Grant) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.customer, o.g = customer, g
}

func (o *oneGrant) get(ctx context.Context, bankID string, u banks.User) (Grant, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if u.Customer == "" || u.Customer != o.customer {
		return noGrants(ctx, bankID, u)
	}
	return o.g, nil
}

func runBanks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("banks needs a subcommand: list or verify")
	}
	switch args[0] {
	case "list":
		cfg, err := parseConfig("banks list", args[1:], getenv, stderr, "banks")
		if err != nil {
			return err
		}
		list, err := loadBanks(cfg.Banks, getenv)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTANDARD\tLOCALE\tBASE URL")
		for _, b := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.ID, b.Name, b.Standard, cmpOr(b.Locale, "-"), b.baseURL())
		}
		return tw.Flush()
	case "verify":
		return runVerify(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("unknown banks subcommand %q", args[0])
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runVerify is `konto banks verify`: bankstest.Verify against one
// configured bank, for a demo customer of the Konto open-banking sandbox
// (who links and approves on the sandbox's pages by themselves) or with
// a real customer's access token.
func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("banks verify", args, getenv, stderr, "banks", "bank", "customer", "access-token", "consent-id", "pay",
		"junit", "data")
	if err != nil {
		return err
	}
	if cfg.Bank == "" {
		return errors.New("banks verify: --bank ID is required (konto banks list shows the ids)")
	}
	if (cfg.Customer != "") == (cfg.AccessToken != "" || cfg.ConsentID != "") {
		return errors.New("banks verify: give --customer NAME (a demo customer of the Konto sandbox) or --access-token T (a real bank), not both")
	}
	list, err := loadBanks(cfg.Banks, getenv)
	if err != nil {
		return err
	}
	var b bankConfig
	var ids []string
	for _, x := range list {
		ids = append(ids, x.ID)
		if x.ID == cfg.Bank {
			b = x
		}
	}
	if b.ID == "" {
		return fmt.Errorf("banks file %s: no bank %q (it has %s)", cfg.Banks, cfg.Bank, strings.Join(ids, ", "))
	}
	if err := b.checkReachable(ctx); err != nil {
		return err
	}
	if b.Standard == standardBerlinGroup {
		// The customer takes part in this run: reads do not use up the
		// consent's unattended accesses of the day.
		ctx = berlingroup.WithPSU(ctx, b.PSUIPAddress)
	}
	opts := bankstest.VerifyOptions{Pay: cfg.Pay || cfg.Customer != ""}
	var conn banks.Connector
	var u banks.User
	who := "the access token's customer"
	switch {
	case b.Standard == standardSandbox:
		if cfg.Customer == "" {
			return errors.New("banks verify: the embedded sandbox bank needs --customer NAME")
		}
		a, c, err := openCustomer(ctx, cfg.Data, cfg.Customer)
		if err != nil {
			return err
		}
		defer a.Close()
		conn, u, who = a.bank, banks.User{Bank: sandbox.Name, Customer: c.ID, Locale: c.Locale}, "demo customer "+c.ID
	case cfg.Customer != "":
		link, err := linkSandboxCustomer(ctx, b, cfg.Data, cfg.Customer, stderr)
		if err != nil {
			return err
		}
		defer link.unlink()
		conn, u, who, opts.Approve = link.conn, link.user, "demo customer "+link.user.Customer, link.approve
	default:
		held := &oneGrant{}
		g := Grant{ConsentID: cfg.ConsentID}
		if cfg.AccessToken != "" {
			g.Token = &oauth2.Token{AccessToken: cfg.AccessToken, TokenType: "Bearer"}
		}
		switch {
		case b.Standard == standardUKOB && g.Token == nil:
			return errors.New("banks verify: a UK Open Banking bank needs --access-token")
		case b.Standard == standardBerlinGroup && g.ConsentID == "":
			return errors.New("banks verify: a Berlin Group bank needs --consent-id (and --access-token at banks that use OAuth)")
		}
		held.set("verify", g)
		if conn, err = b.connector(connectorDeps{Grants: held.get}); err != nil {
			return err
		}
		u = banks.User{Bank: b.ID, Customer: "verify", Locale: b.Locale}
		opts.Approve = func(_ context.Context, p banks.PaymentRequest, to banks.Payee) error {
			fmt.Fprintf(stderr, "The bank waits for the customer to approve the payment of %s to %s in its app; waiting up to 2 minutes.\n",
				p.Amount, to.Name)
			return nil
		}
	}
	checks := bankstest.Verify(ctx, conn, u, opts)
	fmt.Fprintf(stdout, "Bank %s: %s, standard %s, %s; as %s\n", b.ID, b.Name, b.Standard, cmpOr(b.Locale, u.Locale), who)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAPABILITY\tSTATUS\tDETAIL")
	count := map[bankstest.Status]int{}
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Capability, c.Status, c.Detail)
		count[c.Status]++
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d supported, %d not offered, %d failed\n", count[bankstest.Supported], count[bankstest.NotOffered], count[bankstest.Failed])
	if cfg.JUnit != "" {
		if err := writeVerifyJUnit(cfg.JUnit, b.ID, checks); err != nil {
			return err
		}
	}
	if n := count[bankstest.Failed]; n > 0 {
		return fmt.Errorf("banks verify %s: %d of %d checks failed", b.ID, n, len(checks))
	}
	return nil
}

type verifySuites struct {
	XMLName xml.Name      `xml:"testsuites"`
	Suites  []verifySuite `xml:"testsuite"`
}

type verifySuite struct {
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Cases    []verifyCase `xml:"testcase"`
}

type verifyCase struct {
	Name      string     `xml:"name,attr"`
	Classname string     `xml:"classname,attr"`
	Failure   *verifyMsg `xml:"failure,omitempty"`
	Skipped   *verifyMsg `xml:"skipped,omitempty"`
	SystemOut string     `xml:"system-out,omitempty"`
}

type verifyMsg struct {
	Message string `xml:"message,attr"`
}

// writeVerifyJUnit writes the checks as a JUnit report: one test case per
// capability, a failure for Failed, skipped for NotOffered.
func writeVerifyJUnit(path, bankID string, checks []bankstest.Check) error {
	s := verifySuite{Name: "konto banks verify " + bankID, Tests: len(checks)}
	for _, c := range checks {
		tc := verifyCase{Name: c.Capability, Classname: "banks." + bankID, SystemOut: c.Detail}
		switch c.Status {
		case bankstest.Failed:
			s.Failures++
			tc.Failure = &verifyMsg{Message: c.Detail}
		case bankstest.NotOffered:
			s.Skipped++
			tc.Skipped = &verifyMsg{Message: c.Detail}
		}
		s.Cases = append(s.Cases, tc)
	}
	out, err := xml.MarshalIndent(verifySuites{Suites: []verifySuite{s}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), out...), 0o644)
}
