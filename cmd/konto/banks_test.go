package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/berlingroup"
	"github.com/kontoskill/konto/banks/ukob"
)

// bankFiles is a directory with what a banks file points at: a client
// secret, keys, a certificate, a product sheet.
func bankFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("secret.txt", []byte("s3cret-from-the-file\n"))
	write("empty.txt", nil)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	write("signing.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	write("small.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}))
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalPKCS8PrivateKey(p384)
	write("p384.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der384}))
	write("garbage.pem", []byte("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "konto test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ec.PublicKey, ec)
	if err != nil {
		t.Fatal(err)
	}
	write("client.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}))
	write("client.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	write("products.yaml", []byte("bank: Example Bank\ncurrency: GBP\nsupport_phone: 0800 000 0000\n"))
	write("bad-products.yaml", []byte("bank: Example Bank\nsupport_fone: 0800\n"))
	return dir
}

// A bank as the tests write it: field → raw YAML value.
type fields map[string]string

func ukFields() fields {
	return fields{"id": "ukbank", "name": "Example UK", "standard": "ukob", "locale": "en-GB",
		"ais_url": "https://ob.bank.example/open-banking/v3.1/aisp", "pis_url": "https://ob.bank.example/open-banking/v3.1/pisp",
		"token_url": "https://auth.bank.example/oauth2/token", "authorize_url": "https://auth.bank.example/oauth2/authorize",
		"redirect_url": "https://konto.example/link/callback", "client_id": "konto-software-id", "client_secret_file": "secret.txt",
		"signing_key_file": "signing.pem", "signing_key_id": "kid-1", "consent_days": "90", "products_file": "products.yaml"}
}

func bgFields() fields {
	return fields{"id": "debank", "name": "Example DE", "standard": "berlingroup", "locale": "de-DE",
		"base_url": "https://xs2a.bank.example/psd2", "psu_ip_address": "203.0.113.7", "consent_days": "180",
		"payees":   "[{name: Anna Becker, iban: DE02100100100006820101}, {id: p2, name: Max Mustermann, iban: 'DE89 3704 0044 0532 0130 00', customer: jonas}]",
		"products": "{bank: Beispielbank, currency: EUR}"}
}

func (f fields) with(kv ...string) fields {
	out := fields{}
	for k, v := range f {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

func (f fields) yaml() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i == 0 {
			b.WriteString("  - ")
		} else {
			b.WriteString("    ")
		}
		fmt.Fprintf(&b, "%s: %s\n", k, f[k])
	}
	return b.String()
}

func banksFile(t *testing.T, dir string, bs ...fields) string {
	t.Helper()
	return banksFileNamed(t, dir, "konto-banks.yaml", bs...)
}

func banksFileNamed(t *testing.T, dir, name string, bs ...fields) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("banks:\n")
	for _, f := range bs {
		b.WriteString(f.yaml())
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadBanks(t *testing.T) {
	t.Parallel()
	dir := bankFiles(t)
	path := banksFile(t, dir, ukFields(), bgFields(), fields{"id": "sandbox", "standard": "sandbox"},
		ukFields().with("id", "ukenv", "client_secret_file", "", "client_secret_env", "UKENV_SECRET", "pis_url", "", "signing_key_file", "",
			"signing_key_id", "", "client_cert_file", "client.crt", "client_key_file", "client.key", "ca_file", "client.crt"))
	list, err := loadBanks(path, envOf(map[string]string{"UKENV_SECRET": "from-the-environment"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Fatalf("%d banks", len(list))
	}
	uk, bg, sb, env := list[0], list[1], list[2], list[3]
	if uk.ClientSecret != "s3cret-from-the-file" || uk.SigningKey.Signer == nil || uk.Sheet == nil || uk.Sheet.Bank != "Example Bank" {
		t.Errorf("ukbank = %+v (sheet %+v)", uk, uk.Sheet)
	}
	if env.ClientSecret != "from-the-environment" || len(env.MTLS.certs) != 1 || env.MTLS.roots == nil {
		t.Errorf("ukenv: secret from the environment, mTLS: %+v", env)
	}
	if len(bg.Payees) != 2 || bg.Payees[0].ID != "payee-1" || bg.Payees[1].IBAN != "DE89370400440532013000" || bg.Payees[1].Customer != "jonas" ||
		bg.Sheet == nil || bg.Sheet.Bank != "Beispielbank" {
		t.Errorf("debank = %+v", bg)
	}
	if sb.Standard != standardSandbox || sb.Name != "sandbox" {
		t.Errorf("sandbox = %+v", sb)
	}
	// Secrets never print, whatever the verb.
	for _, s := range []string{fmt.Sprintf("%v", list), fmt.Sprintf("%+v", list), fmt.Sprintf("%#v", list), fmt.Sprint(uk.ClientSecret)} {
		if strings.Contains(s, "s3cret") || strings.Contains(s, "from-the-environment") {
			t.Errorf("a secret printed: %s", s)
		}
	}

	// The connectors build, and a user without a stored grant is not linked.
	ctx := context.Background()
	for _, b := range list[:2] {
		c, err := b.connector(connectorDeps{})
		if err != nil {
			t.Fatalf("%s: %v", b.ID, err)
		}
		switch b.Standard {
		case standardUKOB:
			if _, ok := c.(*ukob.Client); !ok {
				t.Errorf("%s: a %T", b.ID, c)
			}
		case standardBerlinGroup:
			if _, ok := c.(*berlingroup.Client); !ok {
				t.Errorf("%s: a %T", b.ID, c)
			}
		}
		_, err = c.Accounts(ctx, banks.User{Bank: b.ID, Customer: "someone", Locale: b.Locale})
		if !errors.Is(err, banks.KindError(banks.NotLinked)) {
			t.Errorf("%s: Accounts without a grant: %v, want NotLinked", b.ID, err)
		}
		sheet, err := c.(banks.Products).ProductSheet(ctx, b.Locale)
		if err != nil || sheet.Bank == "" {
			t.Errorf("%s: ProductSheet = %+v, %v", b.ID, sheet, err)
		}
	}
	if _, err := sb.connector(connectorDeps{}); err == nil {
		t.Error("the sandbox's connector built without the sandbox bank")
	}
	// The Berlin Group payees of a file are everyone's, or one customer's.
	c, _ := bg.connector(connectorDeps{Grants: func(context.Context, string, banks.User) (Grant, error) { return Grant{ConsentID: "c1"}, nil }})
	for customer, want := range map[string]int{"jonas": 2, "lena": 1} {
		ps, err := c.(banks.Recipients).Payees(ctx, banks.User{Bank: "debank", Customer: customer})
		if err != nil || len(ps) != want {
			t.Errorf("Payees(%s) = %v, %v; want %d", customer, ps, err, want)
		}
	}
}

func TestLoadBanksErrors(t *testing.T) {
	t.Parallel()
	dir := bankFiles(t)
	for _, tc := range []struct {
		name  string
		banks []fields
		env   map[string]string
		want  string // after "banks file PATH: "
	}{
		{"unknown standard", []fields{ukFields().with("standard", "swift")}, nil, `bank "ukbank": standard "swift" is not one of`},
		{"no standard", []fields{ukFields().with("standard", "")}, nil, `bank "ukbank": standard is required`},
		{"duplicate id", []fields{ukFields(), bgFields().with("id", "ukbank")}, nil, `bank "ukbank": id is used twice (banks #1 and #2)`},
		{"no id", []fields{ukFields().with("id", "")}, nil, `bank #1: id is required`},
		{"a bad id", []fields{ukFields().with("id", "UK Bank")}, nil, `bank #1: id "UK Bank": use lower-case`},
		{"missing ais_url", []fields{ukFields().with("ais_url", "")}, nil, `bank "ukbank": ais_url is required for standard ukob`},
		{"missing token_url", []fields{ukFields().with("token_url", "")}, nil, `bank "ukbank": token_url is required`},
		{"missing authorize_url", []fields{ukFields().with("authorize_url", "")}, nil, `bank "ukbank": authorize_url is required`},
		{"missing redirect_url", []fields{ukFields().with("redirect_url", "")}, nil, `bank "ukbank": redirect_url is required`},
		{"missing client_id", []fields{ukFields().with("client_id", "")}, nil, `bank "ukbank": client_id is required`},
		{"missing locale", []fields{ukFields().with("locale", "")}, nil, `bank "ukbank": locale is required`},
		{"a bad locale", []fields{ukFields().with("locale", "fr-FR")}, nil, `bank "ukbank": locale "fr-FR"`},
		{"no client secret", []fields{ukFields().with("client_secret_file", "")}, nil, `bank "ukbank": client_secret_file or client_secret_env is required`},
		{"unreadable secret file", []fields{ukFields().with("client_secret_file", "nope.txt")}, nil, `bank "ukbank": client_secret_file open ` + filepath.Join(dir, "nope.txt")},
		{"empty secret file", []fields{ukFields().with("client_secret_file", "empty.txt")}, nil, `bank "ukbank": client_secret_file ` + filepath.Join(dir, "empty.txt") + ` is empty`},
		{"unset environment variable", []fields{ukFields().with("client_secret_file", "", "client_secret_env", "UKBANK_SECRET")}, nil,
			`bank "ukbank": client_secret_env UKBANK_SECRET is not set`},
		{"secret file and variable", []fields{ukFields().with("client_secret_env", "UKBANK_SECRET")}, map[string]string{"UKBANK_SECRET": "x"},
			`bank "ukbank": client_secret_file and client_secret_env are both given`},
		{"an inline secret", []fields{ukFields().with("client_secret", "hunter2")}, nil, `bank "ukbank": client_secret cannot be written in the banks file`},
		{"a key that does not parse", []fields{ukFields().with("signing_key_file", "garbage.pem")}, nil, `bank "ukbank": signing_key_file garbage.pem: the PRIVATE KEY block is not a private key`},
		{"a key that is not PEM", []fields{ukFields().with("signing_key_file", "secret.txt")}, nil, `bank "ukbank": signing_key_file secret.txt: no PEM block`},
		{"a small RSA key", []fields{ukFields().with("signing_key_file", "small.pem")}, nil, `bank "ukbank": signing_key_file small.pem: an RSA key of 1024 bits`},
		{"a key on P-384", []fields{ukFields().with("signing_key_file", "p384.pem")}, nil, `bank "ukbank": signing_key_file p384.pem: an ECDSA key on P-384`},
		{"an unreadable key", []fields{ukFields().with("signing_key_file", "nope.pem")}, nil, `bank "ukbank": signing_key_file nope.pem: open`},
		{"payments without a key", []fields{ukFields().with("signing_key_file", "", "signing_key_id", "")}, nil, `bank "ukbank": signing_key_file is required with pis_url`},
		{"a key without its id", []fields{ukFields().with("signing_key_id", "")}, nil, `bank "ukbank": signing_key_id is required with signing_key_file`},
		{"a URL that does not parse", []fields{ukFields().with("token_url", `"https://auth bank/%zz"`)}, nil, `bank "ukbank": token_url "https://auth bank/%zz" is not an absolute http(s) URL`},
		{"a relative URL", []fields{ukFields().with("authorize_url", "/oauth2/authorize")}, nil, `bank "ukbank": authorize_url "/oauth2/authorize" is not an absolute`},
		{"another scheme", []fields{ukFields().with("ais_url", "ftp://ob.bank.example/")}, nil, `bank "ukbank": ais_url "ftp://ob.bank.example/" is not an absolute`},
		{"an unknown field", []fields{ukFields().with("clientid", "x")}, nil, `bank "ukbank": clientid is not a known field`},
		{"another standard's field", []fields{ukFields().with("base_url", "https://x.example")}, nil, `bank "ukbank": base_url is not a field of standard ukob`},
		{"a number of days that is not one", []fields{ukFields().with("consent_days", "ninety")}, nil, `bank "ukbank": consent_days must be a whole number`},
		{"ciba that is not a yes or no", []fields{ukFields().with("ciba", "sometimes")}, nil, `bank "ukbank": ciba must be true or false`},
		{"too many days", []fields{ukFields().with("consent_days", "400")}, nil, `bank "ukbank": consent_days 400`},
		{"a list for a string", []fields{ukFields().with("client_id", "[a, b]")}, nil, `bank "ukbank": client_id must be a string`},
		{"a certificate without its key", []fields{ukFields().with("client_cert_file", "client.crt")}, nil, `bank "ukbank": client_key_file is required with client_cert_file`},
		{"a key without its certificate", []fields{ukFields().with("client_key_file", "client.key")}, nil, `bank "ukbank": client_cert_file is required with client_key_file`},
		{"a certificate that does not parse", []fields{ukFields().with("client_cert_file", "secret.txt", "client_key_file", "client.key")}, nil,
			`bank "ukbank": client_cert_file secret.txt with client_key_file client.key`},
		{"a CA file without certificates", []fields{ukFields().with("ca_file", "secret.txt")}, nil, `bank "ukbank": ca_file secret.txt holds no PEM certificate`},
		{"an unreadable CA file", []fields{ukFields().with("ca_file", "nope.crt")}, nil, `bank "ukbank": ca_file open`},
		{"products twice", []fields{ukFields().with("products", "{bank: X}")}, nil, `bank "ukbank": products_file and products are both given`},
		{"an unknown product field", []fields{ukFields().with("products_file", "", "products", "{bank: X, bnak: Y}")}, nil, `bank "ukbank": products (line 11): unknown field "bnak"`},
		{"a product sheet file with an unknown field", []fields{ukFields().with("products_file", "bad-products.yaml")}, nil, `bank "ukbank": products_file bad-products.yaml: line 2: unknown field "support_fone"`},
		{"an unreadable product sheet", []fields{ukFields().with("products_file", "nope.yaml")}, nil, `bank "ukbank": products_file open`},
		{"a product sheet without a bank", []fields{ukFields().with("products_file", "", "products", "{currency: GBP}")}, nil, `bank "ukbank": products has no bank`},
		{"Berlin Group without base_url", []fields{bgFields().with("base_url", "")}, nil, `bank "debank": base_url is required for standard berlingroup`},
		{"Berlin Group without a PSU address", []fields{bgFields().with("psu_ip_address", "")}, nil, `bank "debank": psu_ip_address is required`},
		{"a PSU address that is not one", []fields{bgFields().with("psu_ip_address", "localhost")}, nil, `bank "debank": psu_ip_address "localhost" is not an IP address`},
		{"a payee with a bad IBAN", []fields{bgFields().with("payees", "[{name: Anna, iban: DE02100100100006820102}]")}, nil, `bank "debank": payees #1 (Anna): iban "DE02100100100006820102" is not a valid IBAN`},
		{"a payee without a name", []fields{bgFields().with("payees", "[{iban: DE02100100100006820101}]")}, nil, `bank "debank": payees #1 has no name`},
		{"a payee with an unknown field", []fields{bgFields().with("payees", "[{name: A, iban: DE02100100100006820101, bic: X}]")}, nil, `bank "debank": payees (line 7): unknown field "bic"`},
		{"payees with one id", []fields{bgFields().with("payees", "[{id: a, name: A, iban: DE02100100100006820101}, {id: a, name: B, iban: DE02100100100006820101}]")}, nil,
			`bank "debank": payees #2: id "a" is used twice`},
		{"OAuth without a token URL", []fields{bgFields().with("client_id", "tpp-1")}, nil, `bank "debank": token_url is required with client_id`},
		{"OAuth without a client id", []fields{bgFields().with("token_url", "https://auth.bank.example/token")}, nil, `bank "debank": client_id is required with token_url`},
		{"OAuth with an unset secret", []fields{bgFields().with("client_id", "tpp-1", "token_url", "https://auth.bank.example/token", "client_secret_env", "DEBANK_SECRET")}, nil,
			`bank "debank": client_secret_env DEBANK_SECRET is not set`},
		{"Berlin Group days", []fields{bgFields().with("consent_days", "181")}, nil, `bank "debank": consent_days 181: want 1 to 180`},
		{"a UK field on Berlin Group", []fields{bgFields().with("ais_url", "https://x.example")}, nil, `bank "debank": ais_url is not a field of standard berlingroup`},
		{"the sandbox under another id", []fields{{"id": "mybank", "standard": "sandbox"}}, nil, `bank "mybank": id must be "sandbox" for standard sandbox`},
		{"a field on the sandbox", []fields{{"id": "sandbox", "standard": "sandbox", "base_url": "https://x.example"}}, nil, `bank "sandbox": base_url is not a field of standard sandbox`},
		{"another standard as the sandbox", []fields{ukFields().with("id", "sandbox")}, nil, `bank "sandbox": id "sandbox" is kept for the embedded sandbox bank`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.ReplaceAll(tc.name, " ", "-") + ".yaml"
			path := banksFileNamed(t, dir, name, tc.banks...)
			_, err := loadBanks(path, envOf(tc.env))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			msg := err.Error()
			if want := "banks file " + path + ": " + tc.want; !strings.HasPrefix(msg, want) {
				t.Errorf("error\n  %s\nwant it to start with\n  %s", msg, want)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "s3cret") {
				t.Errorf("the error is not one clean line: %q", msg)
			}
		})
	}
}

func TestLoadBanksFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"empty", "", "is empty"},
		{"not YAML", "banks: [", "yaml:"},
		{"a list at the top", "- id: x\n", "want a mapping with banks: at the top"},
		{"an unknown top-level field", "bank:\n  - id: x\n", `unknown field "bank"`},
		{"no banks", "banks: []\n", "banks: lists no banks"},
		{"a bank that is no mapping", "banks:\n  - ukbank\n", "bank #1: line 2: want a mapping of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			os.WriteFile(path, []byte(tc.content), 0o600)
			_, err := loadBanks(path, noEnv)
			if err == nil || !strings.HasPrefix(err.Error(), "banks file "+path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := loadBanks(filepath.Join(dir, "missing.yaml"), noEnv); err == nil || !strings.Contains(err.Error(), "banks file "+filepath.Join(dir, "missing.yaml")) {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := loadBanks("", noEnv); err == nil || !strings.Contains(err.Error(), "--banks FILE") {
		t.Errorf("no file named: %v", err)
	}
}

func TestCheckReachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := closed.Addr().String()
	closed.Close()
	ctx := context.Background()
	up := bankConfig{bankEntry: bankEntry{ID: "debank", BaseURL: "http://" + ln.Addr().String() + "/psd2"}, file: "konto-banks.yaml"}
	if err := up.checkReachable(ctx); err != nil {
		t.Errorf("a listening bank: %v", err)
	}
	down := bankConfig{bankEntry: bankEntry{ID: "ukbank", AISURL: "http://" + ln.Addr().String() + "/aisp", TokenURL: "http://" + gone + "/oauth2/token"},
		file: "konto-banks.yaml"}
	err = checkBanksReachable(ctx, []bankConfig{up, down})
	if err == nil || !strings.HasPrefix(err.Error(), `banks file konto-banks.yaml: bank "ukbank": token_url http://`+gone+"/oauth2/token is unreachable") {
		t.Errorf("an unreachable token URL: %v", err)
	}
}

func TestBanksListAndVerifyArguments(t *testing.T) {
	t.Parallel()
	dir := bankFiles(t)
	path := banksFile(t, dir, ukFields(), bgFields())
	var out, errb bytes.Buffer
	env := envOf(map[string]string{"KONTO_BANKS": path})
	if err := realMain(context.Background(), []string{"banks", "list"}, env, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], "ukbank  Example UK  ukob") || !strings.Contains(lines[1], "en-GB   https://ob.bank.example/open-banking/v3.1/aisp") ||
		!strings.Contains(lines[2], "debank  Example DE  berlingroup  de-DE   https://xs2a.bank.example/psd2") {
		t.Errorf("banks list:\n%s", out.String())
	}
	if strings.Contains(out.String(), "s3cret") {
		t.Error("banks list printed a secret")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"banks"}, "list or verify"},
		{[]string{"banks", "nope"}, `unknown banks subcommand "nope"`},
		{[]string{"banks", "verify", "--banks", path}, "--bank ID is required"},
		{[]string{"banks", "verify", "--banks", path, "--bank", "ukbank"}, "give --customer NAME"},
		{[]string{"banks", "verify", "--banks", path, "--bank", "ukbank", "--customer", "oliver", "--access-token", "t"}, "not both"},
		{[]string{"banks", "verify", "--banks", path, "--bank", "frbank", "--access-token", "t"}, `no bank "frbank" (it has ukbank, debank)`},
		{[]string{"banks", "list", "--banks", filepath.Join(dir, "nope.yaml")}, "banks file " + filepath.Join(dir, "nope.yaml")},
	} {
		_, err := run(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestValidIBAN(t *testing.T) {
	t.Parallel()
	for iban, want := range map[string]bool{"DE89370400440532013000": true, "GB29NWBK60161331926819": true, "DE89370400440532013001": false,
		"DE8937040044053201300": false, "de89370400440532013000": false, "DE": false} {
		if got := validIBAN(iban); got != want {
			t.Errorf("validIBAN(%s) = %v", iban, got)
		}
	}
}
