package berlingroup_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/berlingroup"
)

// The connector presents the TPP's certificate to a bank that demands
// one (mutual TLS, as PSD2 production does with an eIDAS QWAC).
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test QTSP"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Konto TPP", Organization: []string{"Konto"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca)
	var tpp string
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tpp = r.TLS.PeerCertificates[0].Subject.CommonName
		answer(w, 200, `{"accounts":[{"resourceId":"a1","iban":"DE89370400440532013000","currency":"EUR","cashAccountType":"CACC","name":"Giro"}]}`)
	}))
	ts.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())

	c, err := berlingroup.New(berlingroup.Options{BaseURL: ts.URL, Consents: linked, RootCAs: roots,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	if accs, err := c.Accounts(context.Background(), bob); err != nil || len(accs) != 1 || tpp != "Konto TPP" {
		t.Errorf("Accounts with the certificate = %v, %v (the bank saw %q)", accs, err, tpp)
	}
	without, _ := berlingroup.New(berlingroup.Options{BaseURL: ts.URL, Consents: linked, RootCAs: roots, Retries: -1})
	if _, err := without.Accounts(context.Background(), bob); !errors.Is(err, banks.KindError(banks.Unavailable)) {
		t.Errorf("Accounts without the certificate: %v", err)
	}
}
