package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kontoskill/konto/banks"
)

// startOpenBanking runs `konto sandbox openbanking` on a free port of the
// loopback address, as startServe does for serve, and returns its base
// URL, its output and a stop with the shutdown signal's context.
func startOpenBanking(t *testing.T, data string) (string, *syncBuffer, func() error) {
	t.Helper()
	base, out, _, stop := startCommand(t, []string{"sandbox", "openbanking", "--addr", "127.0.0.1:0", "--data", data})
	return base, out, stop
}

// printedBanks writes the banks file `--print-banks` prints for a sandbox
// at base and returns its path.
func printedBanks(t *testing.T, data, base string) string {
	t.Helper()
	out, err := run(t, "", "sandbox", "openbanking", "--print-banks", "--data", data, "--addr", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "konto-banks.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPrintBanksLoads(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	out, err := run(t, "", "sandbox", "openbanking", "--print-banks", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "banks.yaml")
	os.WriteFile(path, []byte(out), 0o600)
	list, err := loadBanks(path, noEnv)
	if err != nil {
		t.Fatalf("the printed banks file does not load: %v\n%s", err, out)
	}
	if len(list) != 2 || list[0].ID != "ukbank" || list[0].Standard != standardUKOB || list[1].ID != "debank" || list[1].Standard != standardBerlinGroup {
		t.Fatalf("banks %+v", list)
	}
	uk, de := list[0], list[1]
	if uk.AISURL != "http://127.0.0.1:8090/open-banking/v3.1/aisp" || de.BaseURL != "http://127.0.0.1:8090/psd2" || uk.Locale != "en-GB" || de.Locale != "de-DE" {
		t.Errorf("the default address: %s, %s", uk.AISURL, de.BaseURL)
	}
	if uk.SigningKey.Signer == nil || uk.ClientSecret == "" || uk.Sheet == nil || uk.Sheet.Currency != "GBP" || de.Sheet == nil || de.Sheet.Currency != "EUR" {
		t.Errorf("ukbank %+v, debank %+v", uk, de)
	}
	customers := map[string]int{}
	for _, p := range de.Payees {
		customers[p.Customer]++
	}
	if customers["jonas"] == 0 || customers["lena"] == 0 || len(customers) != 2 {
		t.Errorf("payees by customer: %v", customers)
	}
	// The secret itself is in a file of the data directory, never in the banks file.
	secret, _ := os.ReadFile(filepath.Join(data, obSecretFile))
	if len(bytes.TrimSpace(secret)) < 32 || strings.Contains(out, strings.TrimSpace(string(secret))) {
		t.Errorf("client secret %q, banks file:\n%s", secret, out)
	}
	for _, f := range []string{obSecretFile, obKeyFile} {
		st, err := os.Stat(filepath.Join(data, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, st.Mode().Perm())
		}
	}
	// Printed again, it is the same: the credentials are made once.
	again, err := run(t, "", "sandbox", "openbanking", "--print-banks", "--data", data)
	if err != nil || again != out {
		t.Errorf("printed again: %v\n%s", err, again)
	}
}

// TestOpenBankingVerify is the whole round: the sandbox serves both
// standards, verify links demo customers on its pages, pays and approves
// in its app, and the checks pass.
func TestOpenBankingVerify(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	base, out, stop := startOpenBanking(t, data)
	for _, want := range []string{"oliver (Oliver Bennett, password ", "priya", "jonas (Jonas Becker, password ", "lena",
		base + "/open-banking/v3.1/aisp", base + "/psd2/app/approvals", "sandbox approve --customer oliver", "Ctrl-C"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, out.String())
		}
	}
	// Both standards on the one listener.
	for _, p := range []string{"/app/approvals", "/psd2/app/approvals"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
	path := printedBanks(t, data, base)
	// The same UK bank with payments approved by CIBA (decoupled
	// authorisation) instead of the customer's consent token.
	printed, _ := os.ReadFile(path)
	ciba := filepath.Join(t.TempDir(), "ciba-banks.yaml")
	os.WriteFile(ciba, []byte(strings.Replace(string(printed), "    consent_days: 90\n", "    consent_days: 90\n    ciba: true\n", 1)), 0o600)
	for _, tc := range []struct{ bank, customer, file string }{{"ukbank", "oliver", path}, {"debank", "jonas", path}, {"ukbank", "priya", ciba}} {
		t.Run(tc.bank+"-"+tc.customer, func(t *testing.T) {
			path := tc.file
			junit := filepath.Join(t.TempDir(), "verify.xml")
			got, err := run(t, "", "banks", "verify", "--banks", path, "--bank", tc.bank, "--customer", tc.customer, "--data", data, "--junit", junit)
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, got)
			}
			t.Log("\n" + got)
			for _, c := range []string{"accounts", "balances", "transactions", "payees", "payment", "operation lookup", "products"} {
				if !regexp.MustCompile(`(?m)^` + c + `\s+supported\s`).MatchString(got) {
					t.Errorf("%s is not supported:\n%s", c, got)
				}
			}
			for _, c := range []string{"card controls", "rewards", "credit score"} {
				if !regexp.MustCompile(`(?m)^` + c + `\s+not offered\s`).MatchString(got) {
					t.Errorf("%s is not reported as not offered:\n%s", c, got)
				}
			}
			if !strings.Contains(got, "approved in the bank's app") || !strings.Contains(got, ", 0 failed") {
				t.Errorf("verify:\n%s", got)
			}
			raw, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			var report verifySuites
			if err := xml.Unmarshal(raw, &report); err != nil || len(report.Suites) != 1 || report.Suites[0].Tests != 10 ||
				report.Suites[0].Failures != 0 || report.Suites[0].Skipped != 3 {
				t.Errorf("JUnit report %+v, %v:\n%s", report, err, raw)
			}
		})
	}
	// verify ended its consents: nothing of the run waits for anyone.
	got, err := run(t, "", "sandbox", "approve", "--customer", "oliver", "--data", data)
	if err != nil || strings.TrimSpace(got) != "nothing waits for oliver" {
		t.Errorf("sandbox approve after verify: %v\n%s", err, got)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	if !strings.Contains(out.String(), "has stopped") {
		t.Errorf("no word of the shutdown:\n%s", out.String())
	}
	for _, f := range []string{obUKDB, obXS2ADB, obSecretFile, obKeyFile} {
		st, err := os.Stat(filepath.Join(data, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v; want mode 0600", f, err)
		}
	}
}

// TestSandboxApprove: a payment created through a connector waits in the
// bank's app until `konto sandbox approve` decides it, in both standards.
func TestSandboxApprove(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	base, _, _ := startOpenBanking(t, data)
	list, err := loadBanks(printedBanks(t, data, base), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		bank     bankConfig
		customer string
		reject   bool
		want     string
	}{
		{list[0], "oliver", false, "Approved UK Open Banking payment of 2.50 GBP to Emily Bennett, account ending 5540 from oliver-checking for Konto"},
		{list[1], "jonas", true, "Rejected Berlin Group payment "},
	} {
		t.Run(tc.bank.ID, func(t *testing.T) {
			link, err := linkSandboxCustomer(ctx, tc.bank, data, tc.customer, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer link.unlink()
			pay := link.conn.(banks.Payments)
			payees, err := link.conn.(banks.Recipients).Payees(ctx, link.user)
			if err != nil || len(payees) == 0 {
				t.Fatalf("Payees = %v, %v", payees, err)
			}
			cur := banks.CurrencyOf(tc.bank.Locale)
			p := banks.PaymentRequest{Key: "approve-test-" + tc.bank.ID, FromAccountID: "", PayeeID: payees[0].ID, Amount: banks.Money{Minor: 250, Currency: cur}}
			accs, err := link.conn.Accounts(ctx, link.user)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range accs {
				if a.Kind == banks.Checking {
					p.FromAccountID = a.ID
				}
			}
			res, err := pay.Pay(ctx, link.user, p)
			if err != nil || !res.AwaitingApproval {
				t.Fatalf("Pay = %+v, %v; want it to wait for approval", res, err)
			}
			args := []string{"sandbox", "approve", "--customer", tc.customer, "--data", data}
			if tc.reject {
				args = append(args, "--reject")
			}
			got, err := run(t, "", args...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tc.want) {
				t.Errorf("sandbox approve:\n%s\nwant one line starting %q", got, tc.want)
			}
			res, err = pay.Pay(ctx, link.user, p)
			switch {
			case tc.reject && (!errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != "sca_rejected"):
				t.Errorf("Pay after the rejection = %+v, %v; want sca_rejected", res, err)
			case !tc.reject && (err != nil || res.AwaitingApproval || res.Reference == ""):
				t.Errorf("Pay after the approval = %+v, %v; want it made", res, err)
			}
			got, err = run(t, "", "sandbox", "approve", "--customer", tc.customer, "--data", data)
			if err != nil || strings.TrimSpace(got) != "nothing waits for "+tc.customer {
				t.Errorf("sandbox approve again: %v\n%s", err, got)
			}
		})
	}
	if _, err := run(t, "", "sandbox", "approve", "--data", data); err == nil || !strings.Contains(err.Error(), "--customer NAME is required") {
		t.Errorf("approve without a customer: %v", err)
	}
	if _, err := run(t, "", "sandbox", "approve", "--customer", "nobody", "--data", data); err == nil || !strings.Contains(err.Error(), `no sandbox customer "nobody"`) {
		t.Errorf("approve for nobody: %v", err)
	}
}

// TestVerifyFailures: verify exits non-zero on a failed check, and names
// an unreachable bank before it starts.
func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	base, _, stop := startOpenBanking(t, data)
	path := printedBanks(t, data, base)
	// A token the bank does not know: the reads fail, exit code 1.
	got, err := run(t, "", "banks", "verify", "--banks", path, "--bank", "ukbank", "--access-token", "not-a-token")
	if err == nil || !strings.Contains(err.Error(), "checks failed") || !regexp.MustCompile(`(?m)^accounts\s+failed\s+.*not linked`).MatchString(got) {
		t.Errorf("verify with a bad token: %v\n%s", err, got)
	}
	if !regexp.MustCompile(`(?m)^payment\s+not offered\s+not tried`).MatchString(got) {
		t.Errorf("a real-bank run paid without --pay:\n%s", got)
	}
	// A demo customer's password comes from the sandbox's data directory.
	elsewhere := filepath.Join(t.TempDir(), "elsewhere")
	_, err = run(t, "", "banks", "verify", "--banks", path, "--bank", "ukbank", "--customer", "oliver", "--data", elsewhere)
	if err == nil || !strings.Contains(err.Error(), "--data "+elsewhere+" holds no sandbox bank") {
		t.Errorf("verify with another data directory: %v", err)
	}
	if _, err := os.Stat(elsewhere); err == nil {
		t.Error("verify made a data directory")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, err = run(t, "", "banks", "verify", "--banks", path, "--bank", "debank", "--customer", "jonas", "--data", data)
	if err == nil || !strings.HasPrefix(err.Error(), "banks file "+path+`: bank "debank": base_url `+base+"/psd2 is unreachable") {
		t.Errorf("verify against a stopped sandbox: %v", err)
	}
}
