package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
	"github.com/kontoskill/konto/skill/postgres/pgtest"
)

// What linkingtest cannot see of the further banks of grants on Postgres:
// their order within one second, and refreshed tokens racing a customer's
// deletion of their data.
func testGrantBanks(t *testing.T, srv *pgtest.Server) {
	t.Run("order", func(t *testing.T) { testGrantBanksOrder(t, srv) })
	t.Run("tokens after deletion", func(t *testing.T) { testBankTokensRaceDeletion(t, srv) })
}

var grantDay = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// grantWithBank stores a client, alice's grant g1 and its further bank
// northbank of oliver with the sealed tokens "old".
func grantWithBank(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateOAuthClient(ctx, linking.Client{ID: "alexa", Name: "Alexa", RedirectURIs: []string{"https://a.example/"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGrant(ctx, linking.Grant{ID: "g1", ClientID: "alexa", Bank: "sandbox", Customer: "alice",
		Scopes: []string{"accounts"}, GrantedAt: grantDay, ExpiresAt: grantDay.AddDate(0, 0, 90)}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGrantBank(ctx, linking.GrantBank{GrantID: "g1", Bank: "northbank", Customer: "oliver", Scopes: []string{"accounts"},
		GrantedAt: grantDay, ExpiresAt: grantDay.AddDate(0, 0, 30), BankTokens: []byte("old")}); err != nil {
		t.Fatal(err)
	}
}

// Banks added in the same second are listed as added (seq), not by name
// (the primary key's index) nor where a row's newest version lies in the
// table (an UPDATE moves it).
func testGrantBanksOrder(t *testing.T, srv *pgtest.Server) {
	s, ctx := open(t, srv), context.Background()
	grantWithBank(t, s)
	if err := s.AddGrantBank(ctx, linking.GrantBank{GrantID: "g1", Bank: "abank", Customer: "oliver", Scopes: []string{"accounts"},
		GrantedAt: grantDay, ExpiresAt: grantDay.AddDate(0, 0, 30)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBankTokens(ctx, "g1", "northbank", []byte("new")); err != nil {
		t.Fatal(err)
	}
	for name, list := range map[string]func() ([]linking.GrantBank, error){
		"GrantBanks":         func() ([]linking.GrantBank, error) { return s.GrantBanks(ctx, "g1") },
		"CustomerGrantBanks": func() ([]linking.GrantBank, error) { return s.CustomerGrantBanks(ctx, "abank", "oliver") },
	} {
		got, err := list()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"northbank", "abank"}
		if name == "CustomerGrantBanks" {
			want = want[1:]
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %+v, want banks %v", name, got, want)
		}
		for i := range want {
			if got[i].Bank != want[i] {
				t.Fatalf("%s: %+v, want banks %v", name, got, want)
			}
		}
	}
}

// Tokens a bank refreshed are not written back once the customer deleted
// their data, also when SetBankTokens runs while RevokeGrants does: here
// a third transaction holds the further bank's row, RevokeGrants and then
// SetBankTokens queue for it, and it is let go. SetBankTokens then finds
// the bank revoked, and the cleared tokens stay cleared.
func testBankTokensRaceDeletion(t *testing.T, srv *pgtest.Server) {
	ctx := context.Background()
	s, err := Open(ctx, srv.NewSchema(t)+"&application_name=tokensrace")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	grantWithBank(t, s)
	holder, err := s.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT 1 FROM oauth_grant_banks WHERE grant_id = 'g1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	// waiting waits until n of the store's connections wait for a lock.
	waiting := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			// A transaction reads pg_stat_activity once, unless told to
			// read it again.
			var got int
			if _, err := holder.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
				t.Fatal(err)
			}
			if err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE application_name = 'tokensrace' AND wait_event_type = 'Lock'`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d connections wait for a lock, want %d", got, n)
			}
		}
	}
	revoked, set := make(chan error, 1), make(chan error, 1)
	go func() { revoked <- s.RevokeGrants(ctx, "sandbox", "alice", grantDay.Add(time.Hour)) }()
	waiting(1)
	go func() { set <- s.SetBankTokens(ctx, "g1", "northbank", []byte("late")) }()
	waiting(2)
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-revoked; err != nil {
		t.Fatal(err)
	}
	if err := <-set; banks.KindOf(err) != banks.NotFound {
		t.Fatalf("SetBankTokens after RevokeGrants: %v, want NotFound", err)
	}
	got, err := s.GrantBanks(ctx, "g1")
	if err != nil || len(got) != 1 || len(got[0].BankTokens) != 0 || got[0].Customer != "" || got[0].RevokedAt.IsZero() {
		t.Fatalf("the further bank after its customer deleted their data: %+v, %v", got, err)
	}
}
