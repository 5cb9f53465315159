// Package linkingtest is the conformance suite of linking.Store: every
// implementation runs it (skill/sqlite does in its tests).
package linkingtest

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

// Open returns a new, empty store for one test.
type Open func(t *testing.T) linking.Store

// day is when the suite's grants are made.
var day = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// Run runs the suite: clients, grants, the consumption of codes and
// refresh tokens (once, also when racing), revocation of a grant and of a
// customer's grants, flows, purging; and, for a store with the optional
// powers (skipped otherwise), grants' further banks (linking.GrantBanks)
// and refreshed bank tokens (linking.BankTokenStore).
func Run(t *testing.T, open Open) {
	t.Run("OAuthClients", func(t *testing.T) { t.Parallel(); clients(t, open) })
	t.Run("Grants", func(t *testing.T) { t.Parallel(); grants(t, open) })
	t.Run("OAuthTokens", func(t *testing.T) { t.Parallel(); tokens(t, open) })
	t.Run("RevokeGrantsOfCustomer", func(t *testing.T) { t.Parallel(); revokeGrantsOfCustomer(t, open) })
	t.Run("ConsumeOnce", func(t *testing.T) { t.Parallel(); consumeOnce(t, open) })
	t.Run("LinkFlows", func(t *testing.T) { t.Parallel(); flows(t, open) })
	t.Run("PurgeOAuth", func(t *testing.T) { t.Parallel(); purge(t, open) })
	t.Run("GrantBanks", func(t *testing.T) { t.Parallel(); grantBanks(t, open) })
	t.Run("SetBankTokens", func(t *testing.T) { t.Parallel(); setBankTokens(t, open) })
}

func wantKind(t *testing.T, err error, want banks.Kind) {
	t.Helper()
	if got := banks.KindOf(err); got != want {
		t.Fatalf("error %v is %v, want %v", err, got, want)
	}
}

func clients(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	c := linking.Client{ID: "alexa", Name: "Alexa", RedirectURIs: []string{"https://a.example/1", "https://b.example/2"},
		SecretHash: "$2a$10$hash", CreatedAt: day}
	if err := s.CreateOAuthClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.CreateOAuthClient(ctx, c), banks.Invalid)
	got, err := s.OAuthClient(ctx, "alexa")
	if err != nil || got.Name != c.Name || !slices.Equal(got.RedirectURIs, c.RedirectURIs) || got.SecretHash != c.SecretHash ||
		!got.CreatedAt.Equal(day) {
		t.Fatalf("client %+v, %v", got, err)
	}
	_, err = s.OAuthClient(ctx, "nobody")
	wantKind(t, err, banks.NotFound)
	if err := s.CreateOAuthClient(ctx, linking.Client{ID: "a-first", Name: "A", RedirectURIs: []string{"https://c.example/"}}); err != nil {
		t.Fatal(err)
	}
	list, err := s.OAuthClients(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "a-first" || list[1].ID != "alexa" {
		t.Fatalf("clients %+v, %v", list, err)
	}
}

// grantFixture stores a client and a grant of alice.
func grantFixture(t *testing.T, s linking.Store, id string) linking.Grant {
	t.Helper()
	ctx := context.Background()
	if _, err := s.OAuthClient(ctx, "alexa"); banks.KindOf(err) == banks.NotFound {
		if err := s.CreateOAuthClient(ctx, linking.Client{ID: "alexa", Name: "Alexa", RedirectURIs: []string{"https://a.example/"}}); err != nil {
			t.Fatal(err)
		}
	}
	g := linking.Grant{ID: id, ClientID: "alexa", Bank: "sandbox", Customer: "alice", Locale: "en-US", ConsentID: "c-1",
		Scopes: []string{"accounts", "payments"}, GrantedAt: day, ExpiresAt: day.AddDate(0, 0, 90), BankTokens: []byte{1, 2, 3}}
	if err := s.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	return g
}

func grants(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	g := grantFixture(t, s, "g1")
	wantKind(t, s.CreateGrant(ctx, g), banks.Invalid)
	other := g
	other.ID, other.ClientID = "g9", "nobody"
	wantKind(t, s.CreateGrant(ctx, other), banks.NotFound)
	got, err := s.Grant(ctx, "g1")
	if err != nil || got.ClientID != "alexa" || got.Customer != "alice" || got.ConsentID != "c-1" || got.Locale != "en-US" ||
		!slices.Equal(got.Scopes, g.Scopes) || !got.GrantedAt.Equal(day) || !got.ExpiresAt.Equal(g.ExpiresAt) ||
		!got.RevokedAt.IsZero() || !got.LastUsed.IsZero() || !bytes.Equal(got.BankTokens, []byte{1, 2, 3}) {
		t.Fatalf("grant %+v, %v", got, err)
	}
	_, err = s.Grant(ctx, "nope")
	wantKind(t, err, banks.NotFound)
	if err := s.TouchGrant(ctx, "g1", day.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchGrant(ctx, "g1", day); err != nil { // an older use does not go back
		t.Fatal(err)
	}
	if got, _ := s.Grant(ctx, "g1"); !got.LastUsed.Equal(day.Add(time.Hour)) {
		t.Fatalf("last used %v", got.LastUsed)
	}
	grantFixture(t, s, "g2")
	list, err := s.Grants(ctx, "sandbox", "alice")
	if err != nil || len(list) != 2 || list[0].ID != "g1" || list[1].ID != "g2" {
		t.Fatalf("grants %+v, %v", list, err)
	}
	if list, _ := s.Grants(ctx, "sandbox", "bob"); len(list) != 0 {
		t.Fatalf("bob's grants %+v", list)
	}
}

func tok(kind, sig, grant string, exp time.Time) linking.Token {
	return linking.Token{Kind: kind, Signature: sig, GrantID: grant, IssuedAt: day, ExpiresAt: exp, Active: true, Form: "redirect_uri=x"}
}

func active(t *testing.T, s linking.Store, kind, sig string) bool {
	t.Helper()
	got, _, err := s.OAuthToken(context.Background(), kind, sig)
	if err != nil {
		t.Fatal(err)
	}
	return got.Active
}

func tokens(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	grantFixture(t, s, "g1")
	exp := day.Add(time.Minute)
	if err := s.SaveOAuthTokens(ctx, linking.TokenWrite{Tokens: []linking.Token{tok(linking.KindCode, "c1", "g1", exp),
		tok(linking.KindPKCE, "c1", "g1", exp)}}); err != nil {
		t.Fatal(err)
	}
	got, g, err := s.OAuthToken(ctx, linking.KindCode, "c1")
	if err != nil || got.GrantID != "g1" || !got.Active || got.Form != "redirect_uri=x" || !got.ExpiresAt.Equal(exp) ||
		!got.IssuedAt.Equal(day) || g.ID != "g1" || g.Customer != "alice" {
		t.Fatalf("token %+v grant %+v, %v", got, g, err)
	}
	_, _, err = s.OAuthToken(ctx, linking.KindAccess, "c1")
	wantKind(t, err, banks.NotFound)

	// A code is consumed once, together with the tokens it gives.
	exchange := linking.TokenWrite{ConsumeKind: linking.KindCode, ConsumeSignature: "c1",
		Tokens: []linking.Token{tok(linking.KindAccess, "a1", "g1", day.Add(time.Hour)), tok(linking.KindRefresh, "r1", "g1", day.AddDate(0, 0, 90))}}
	if err := s.SaveOAuthTokens(ctx, exchange); err != nil {
		t.Fatal(err)
	}
	if active(t, s, linking.KindCode, "c1") || !active(t, s, linking.KindAccess, "a1") || !active(t, s, linking.KindRefresh, "r1") {
		t.Fatal("after the exchange")
	}
	again := exchange
	again.Tokens = []linking.Token{tok(linking.KindAccess, "a-again", "g1", day.Add(time.Hour))}
	wantKind(t, s.SaveOAuthTokens(ctx, again), banks.Forbidden)
	_, _, err = s.OAuthToken(ctx, linking.KindAccess, "a-again")
	wantKind(t, err, banks.NotFound)

	// A refresh token rotates once and takes the older access tokens along.
	rotate := linking.TokenWrite{ConsumeKind: linking.KindRefresh, ConsumeSignature: "r1",
		Tokens: []linking.Token{tok(linking.KindAccess, "a2", "g1", day.Add(time.Hour)), tok(linking.KindRefresh, "r2", "g1", day.AddDate(0, 0, 90))}}
	if err := s.SaveOAuthTokens(ctx, rotate); err != nil {
		t.Fatal(err)
	}
	if active(t, s, linking.KindRefresh, "r1") || active(t, s, linking.KindAccess, "a1") || !active(t, s, linking.KindAccess, "a2") {
		t.Fatal("after the rotation")
	}
	wantKind(t, s.SaveOAuthTokens(ctx, rotate), banks.Forbidden)
	// Nothing of an unknown token.
	wantKind(t, s.SaveOAuthTokens(ctx, linking.TokenWrite{ConsumeKind: linking.KindRefresh, ConsumeSignature: "zz"}), banks.Forbidden)

	if err := s.DeactivateOAuthToken(ctx, linking.KindAccess, "a2"); err != nil {
		t.Fatal(err)
	}
	if active(t, s, linking.KindAccess, "a2") {
		t.Fatal("a2 still active")
	}
	if err := s.DeactivateOAuthToken(ctx, linking.KindAccess, "missing"); err != nil {
		t.Fatal(err)
	}

	// Revoking the grant ends every token, and it gets no new ones.
	if err := s.RevokeGrant(ctx, "g1", day.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if active(t, s, linking.KindRefresh, "r2") {
		t.Fatal("r2 outlived its grant")
	}
	if g, _ := s.Grant(ctx, "g1"); !g.RevokedAt.Equal(day.Add(2 * time.Hour)) {
		t.Fatalf("revoked at %v", g.RevokedAt)
	}
	if err := s.RevokeGrant(ctx, "g1", day.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Grant(ctx, "g1"); !g.RevokedAt.Equal(day.Add(2 * time.Hour)) {
		t.Fatalf("revoking again moved the time to %v", g.RevokedAt)
	}
	wantKind(t, s.SaveOAuthTokens(ctx, linking.TokenWrite{Tokens: []linking.Token{tok(linking.KindAccess, "a3", "g1", day.Add(time.Hour))}}),
		banks.Forbidden)
	if err := s.RevokeGrant(ctx, "unknown", day); err != nil {
		t.Fatal(err)
	}
}

func revokeGrantsOfCustomer(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	for _, id := range []string{"g1", "g2"} {
		grantFixture(t, s, id)
		if err := s.SaveOAuthTokens(ctx, linking.TokenWrite{Tokens: []linking.Token{tok(linking.KindAccess, "a-"+id, id, day.Add(time.Hour))}}); err != nil {
			t.Fatal(err)
		}
	}
	bob := linking.Grant{ID: "g3", ClientID: "alexa", Bank: "sandbox", Customer: "bob", Scopes: []string{"accounts"}, GrantedAt: day,
		ExpiresAt: day.AddDate(0, 0, 1)}
	if err := s.CreateGrant(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveOAuthTokens(ctx, linking.TokenWrite{Tokens: []linking.Token{tok(linking.KindAccess, "a-g3", "g3", day.Add(time.Hour))}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeGrants(ctx, "sandbox", "alice", day); err != nil {
		t.Fatal(err)
	}
	if active(t, s, linking.KindAccess, "a-g1") || active(t, s, linking.KindAccess, "a-g2") || !active(t, s, linking.KindAccess, "a-g3") {
		t.Fatal("RevokeGrants reached the wrong tokens")
	}
	if g, _ := s.Grant(ctx, "g3"); !g.RevokedAt.IsZero() {
		t.Fatal("bob's grant revoked")
	}
}

// TestConsumeOnce: of writes racing to consume one code, one wins.
func consumeOnce(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	grantFixture(t, s, "g1")
	if err := s.SaveOAuthTokens(ctx, linking.TokenWrite{Tokens: []linking.Token{tok(linking.KindCode, "c1", "g1", day.Add(time.Minute))}}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.SaveOAuthTokens(ctx, linking.TokenWrite{ConsumeKind: linking.KindCode, ConsumeSignature: "c1",
				Tokens: []linking.Token{tok(linking.KindAccess, "a"+string(rune('0'+i)), "g1", day.Add(time.Hour))}})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch banks.KindOf(err) {
		case banks.Other:
			if err == nil {
				won++
			} else {
				t.Fatal(err)
			}
		case banks.Forbidden:
		default:
			t.Fatal(err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writes consumed the code", won)
	}
}

func flows(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	id := []byte("hash-of-id")
	if err := s.SaveLinkFlow(ctx, linking.Flow{IDHash: id, Data: []byte("one"), ExpiresAt: day.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveLinkFlow(ctx, linking.Flow{IDHash: id, Data: []byte("two"), ExpiresAt: day.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	f, err := s.LinkFlow(ctx, id)
	if err != nil || string(f.Data) != "two" || !f.ExpiresAt.Equal(day.Add(2*time.Minute)) {
		t.Fatalf("flow %+v, %v", f, err)
	}
	for i, want := range []bool{true, false} {
		took, err := s.TakeLinkFlow(ctx, id)
		if err != nil || took != want {
			t.Fatalf("take %d: %v, %v", i, took, err)
		}
	}
	_, err = s.LinkFlow(ctx, id)
	wantKind(t, err, banks.NotFound)
}

func purge(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	grantFixture(t, s, "g1")
	if err := s.SaveOAuthTokens(ctx, linking.TokenWrite{Tokens: []linking.Token{tok(linking.KindCode, "old", "g1", day.Add(time.Minute)),
		tok(linking.KindRefresh, "new", "g1", day.AddDate(0, 0, 90))}}); err != nil {
		t.Fatal(err)
	}
	for i, exp := range []time.Time{day.Add(time.Minute), day.Add(time.Hour)} {
		if err := s.SaveLinkFlow(ctx, linking.Flow{IDHash: []byte{byte(i)}, Data: []byte("x"), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PurgeOAuth(ctx, day.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.OAuthToken(ctx, linking.KindCode, "old")
	wantKind(t, err, banks.NotFound)
	if _, _, err := s.OAuthToken(ctx, linking.KindRefresh, "new"); err != nil {
		t.Fatal(err)
	}
	_, err = s.LinkFlow(ctx, []byte{0})
	wantKind(t, err, banks.NotFound)
	if _, err := s.LinkFlow(ctx, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Grant(ctx, "g1"); err != nil {
		t.Fatal("the grant was purged")
	}
}

func grantBanks(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	gb, ok := s.(linking.GrantBanks)
	if !ok {
		t.Skip("the store keeps one bank per grant (no linking.GrantBanks)")
	}
	g := grantFixture(t, s, "g-multi")
	north := linking.GrantBank{GrantID: g.ID, Bank: "northbank", Customer: "oliver", Locale: "en-GB", ConsentID: "c-north",
		Scopes: []string{"accounts", "payments"}, GrantedAt: day, ExpiresAt: day.AddDate(0, 0, 30), BankTokens: []byte{4, 5, 6}}
	if err := gb.AddGrantBank(ctx, north); err != nil {
		t.Fatal(err)
	}
	wantKind(t, gb.AddGrantBank(ctx, north), banks.Invalid)
	own := north
	own.Bank = g.Bank
	wantKind(t, gb.AddGrantBank(ctx, own), banks.Invalid)
	stray := north
	stray.GrantID = "nobody"
	wantKind(t, gb.AddGrantBank(ctx, stray), banks.NotFound)
	euro := north
	euro.Bank, euro.Customer, euro.GrantedAt = "eurobank", "jonas", day.Add(time.Second)
	if err := gb.AddGrantBank(ctx, euro); err != nil {
		t.Fatal(err)
	}
	list, err := gb.GrantBanks(ctx, g.ID)
	if err != nil || len(list) != 2 || list[0].Bank != "northbank" || list[1].Bank != "eurobank" {
		t.Fatalf("further banks %+v, %v", list, err)
	}
	got := list[0]
	if got.Customer != "oliver" || got.Locale != "en-GB" || got.ConsentID != "c-north" || !slices.Equal(got.Scopes, north.Scopes) ||
		!got.GrantedAt.Equal(day) || !got.ExpiresAt.Equal(north.ExpiresAt) || !got.RevokedAt.IsZero() || !bytes.Equal(got.BankTokens, north.BankTokens) {
		t.Fatalf("further bank %+v, want %+v", got, north)
	}
	if mine, err := gb.CustomerGrantBanks(ctx, "northbank", "oliver"); err != nil || len(mine) != 1 || mine[0].GrantID != g.ID {
		t.Fatalf("oliver's further banks %+v, %v", mine, err)
	}
	// Revoking the grant revokes its further banks.
	at := day.Add(time.Hour)
	if err := s.RevokeGrant(ctx, g.ID, at); err != nil {
		t.Fatal(err)
	}
	list, _ = gb.GrantBanks(ctx, g.ID)
	for _, b := range list {
		if !b.RevokedAt.Equal(at) {
			t.Errorf("%s after the grant's revocation: revoked at %v, want %v", b.Bank, b.RevokedAt, at)
		}
	}

	// A customer's data deleted: their grants' further banks forget the
	// customer and tokens, and so does their bank where it is another
	// grant's further bank.
	g2 := grantFixture(t, s, "g-multi-2")
	if err := gb.AddGrantBank(ctx, linking.GrantBank{GrantID: g2.ID, Bank: "northbank", Customer: "oliver", Scopes: g2.Scopes,
		GrantedAt: day, ExpiresAt: day.AddDate(0, 0, 30), BankTokens: []byte{7}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeGrants(ctx, "sandbox", "alice", at); err != nil {
		t.Fatal(err)
	}
	list, _ = gb.GrantBanks(ctx, g2.ID)
	if len(list) != 1 || list[0].Customer != "" || len(list[0].BankTokens) != 0 || list[0].RevokedAt.IsZero() {
		t.Fatalf("a further bank after its grant's customer deleted their data: %+v", list)
	}
	g3 := linking.Grant{ID: "g-bob", ClientID: "alexa", Bank: "sandbox", Customer: "bob", Scopes: []string{"accounts"}, GrantedAt: day,
		ExpiresAt: day.AddDate(0, 0, 90)}
	if err := s.CreateGrant(ctx, g3); err != nil {
		t.Fatal(err)
	}
	if err := gb.AddGrantBank(ctx, linking.GrantBank{GrantID: g3.ID, Bank: "ukbank", Customer: "priya", Scopes: g3.Scopes,
		GrantedAt: day, ExpiresAt: day.AddDate(0, 0, 30), BankTokens: []byte{8}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeGrants(ctx, "ukbank", "priya", at); err != nil {
		t.Fatal(err)
	}
	list, _ = gb.GrantBanks(ctx, g3.ID)
	if len(list) != 1 || list[0].Customer != "" || len(list[0].BankTokens) != 0 || !list[0].RevokedAt.Equal(at) {
		t.Fatalf("priya's bank in bob's grant after priya deleted her data: %+v", list)
	}
	if g, _ := s.Grant(ctx, g3.ID); !g.RevokedAt.IsZero() {
		t.Errorf("bob's grant was revoked with priya's data")
	}
}

func setBankTokens(t *testing.T, open Open) {
	s, ctx := open(t), context.Background()
	bt, ok := s.(linking.BankTokenStore)
	if !ok {
		t.Skip("the store keeps bank tokens as linked (no linking.BankTokenStore)")
	}
	g := grantFixture(t, s, "g-tokens")
	if err := bt.SetBankTokens(ctx, g.ID, g.Bank, []byte("refreshed")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Grant(ctx, g.ID); string(got.BankTokens) != "refreshed" {
		t.Fatalf("the grant's tokens %q", got.BankTokens)
	}
	wantKind(t, bt.SetBankTokens(ctx, g.ID, "otherbank", []byte("x")), banks.NotFound)
	if gb, ok := s.(linking.GrantBanks); ok {
		if err := gb.AddGrantBank(ctx, linking.GrantBank{GrantID: g.ID, Bank: "northbank", Customer: "oliver", Scopes: g.Scopes,
			GrantedAt: day, ExpiresAt: day.AddDate(0, 0, 30), BankTokens: []byte("old")}); err != nil {
			t.Fatal(err)
		}
		if err := bt.SetBankTokens(ctx, g.ID, "northbank", []byte("refreshed-north")); err != nil {
			t.Fatal(err)
		}
		if list, _ := gb.GrantBanks(ctx, g.ID); len(list) != 1 || string(list[0].BankTokens) != "refreshed-north" {
			t.Fatalf("the further bank's tokens %+v", list)
		}
	}
	if err := s.RevokeGrant(ctx, g.ID, day.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, bt.SetBankTokens(ctx, g.ID, g.Bank, []byte("late")), banks.NotFound)
}
