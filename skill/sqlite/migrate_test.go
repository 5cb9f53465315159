package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill"
)

// schemaV0 is the schema text of the release before numbered migrations,
// copied verbatim: databases made by it must upgrade.
const schemaV0 = `
CREATE TABLE IF NOT EXISTS links (
	platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	token_hash BLOB NOT NULL, linked_at INTEGER NOT NULL, PRIMARY KEY (platform, user_id));
CREATE TABLE IF NOT EXISTS sessions (
	platform TEXT NOT NULL, session_id TEXT NOT NULL, user_id TEXT NOT NULL, state BLOB NOT NULL,
	updated_at INTEGER NOT NULL, PRIMARY KEY (platform, session_id));
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(platform, user_id);
CREATE TABLE IF NOT EXISTS voice_pins (
	bank TEXT NOT NULL, customer TEXT NOT NULL, hash TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0,
	locked_until INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bank, customer));
CREATE TABLE IF NOT EXISTS audit (
	id INTEGER PRIMARY KEY, at INTEGER NOT NULL, day TEXT NOT NULL, actor TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	channel TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, amount INTEGER NOT NULL DEFAULT 0, outcome TEXT NOT NULL,
	op_key TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS audit_op ON audit(op_key) WHERE op_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_customer ON audit(bank, customer, day);
CREATE TABLE IF NOT EXISTS requests (
	platform TEXT NOT NULL, request_id TEXT NOT NULL, user_id TEXT NOT NULL, response BLOB, created_at INTEGER NOT NULL,
	PRIMARY KEY (platform, request_id));
CREATE INDEX IF NOT EXISTS requests_user ON requests(platform, user_id);
CREATE INDEX IF NOT EXISTS requests_age ON requests(created_at);
CREATE INDEX IF NOT EXISTS sessions_age ON sessions(updated_at);
CREATE TABLE IF NOT EXISTS callbacks (
	id INTEGER PRIMARY KEY, platform TEXT NOT NULL, user_id TEXT NOT NULL, bank TEXT NOT NULL, customer TEXT NOT NULL,
	topic TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pin_guard (
	bank TEXT NOT NULL, customer TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,
	lock_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (bank, customer));
CREATE TABLE IF NOT EXISTS revoked_tokens (token_hash BLOB PRIMARY KEY, at INTEGER NOT NULL);
`

// lastRelease is what that release's Open did after schemaV0: its two
// ad-hoc migrations (audit fingerprint and currency; the PIN guard copied
// out of voice_pins) and the index it created at every open.
const lastRelease = `
ALTER TABLE audit ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN currency TEXT NOT NULL DEFAULT '';
INSERT INTO pin_guard(bank, customer, failures, locked_until) SELECT bank, customer, failures, locked_until FROM voice_pins
	WHERE true ON CONFLICT DO NOTHING;
CREATE INDEX IF NOT EXISTS audit_pending ON audit(bank, customer, outcome, fingerprint);
`

// data is a user's data as the old code wrote it (alice, whose PIN guard
// was still in voice_pins, and bob's PIN hash).
const data = `
INSERT INTO links VALUES ('alexa', 'u1', 'sandbox', 'alice', x'0102', 1795420800);
INSERT INTO sessions VALUES ('alexa', 's1', 'u1', '{"old":true}', 1795420800000);
INSERT INTO voice_pins(bank, customer, hash, failures, locked_until) VALUES ('sandbox', 'alice', 'hash', 2, 0);
INSERT INTO audit(at, day, actor, bank, customer, channel, action, detail, amount, outcome, op_key)
	VALUES (1795420800, '2026-11-23', 'alexa:u1', 'sandbox', 'alice', 'alexa', 'transfer', 'to Tom', 3500, 'done', 'k1');
INSERT INTO requests VALUES ('alexa', 'r1', 'u1', 'answer', 1795420800);
INSERT INTO callbacks(platform, user_id, bank, customer, topic, at) VALUES ('alexa', 'u1', 'sandbox', 'alice', 'card', 1795420800);
`

var day = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) // 1795420800

// makeDB writes a database by running sql statements on a new file.
func makeDB(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "konto.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%v in\n%s", err, q)
		}
	}
	return path
}

func openAt(t *testing.T, path string, now time.Time) *Store {
	t.Helper()
	s, err := Open(path, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type applied struct {
	Version int
	At      int64
}

func versions(t *testing.T, s *Store) []applied {
	t.Helper()
	rows, err := s.db.Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []applied
	for rows.Next() {
		var a applied
		if err := rows.Scan(&a.Version, &a.At); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func versionNumbers(t *testing.T, s *Store) []int {
	var out []int
	for _, a := range versions(t, s) {
		out = append(out, a.Version)
	}
	return out
}

func TestMigrationFiles(t *testing.T) {
	steps, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range steps {
		if m.version != i+1 || strings.TrimSpace(m.sql) == "" {
			t.Errorf("step %d: %s", i+1, m.name)
		}
	}
	if len(steps) < 3 {
		t.Fatalf("%d steps, want at least the 3 that replaced the old schema", len(steps))
	}
}

// The old data survives the upgrade, whichever state the old code left
// the file in, and the upgraded store works.
func TestUpgrade(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		stmts []string
	}{
		{"schema text of version 0", []string{schemaV0, data}},
		{"as the last release left it", []string{schemaV0, data, lastRelease}},
		{"from before pin_guard and revoked_tokens", []string{schemaV0, `DROP TABLE pin_guard; DROP TABLE revoked_tokens`, data}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := openAt(t, makeDB(t, c.stmts...), day.Add(time.Minute))
			if got, want := versionNumbers(t, s), allVersions(t); !slices.Equal(got, want) {
				t.Fatalf("versions %v, want %v", got, want)
			}
			l, err := s.Link(ctx, "alexa", "u1")
			if err != nil || l.Customer != "alice" || string(l.TokenHash) != "\x01\x02" || !l.LinkedAt.Equal(day) {
				t.Errorf("link %+v, %v", l, err)
			}
			if b, err := s.Session(ctx, "alexa", "s1", "u1", time.Hour); err != nil || string(b) != `{"old":true}` {
				t.Errorf("session %q, %v", b, err)
			}
			if r, err := s.PIN(ctx, "sandbox", "alice"); err != nil || r.Hash != "hash" || r.Failures != 2 {
				t.Errorf("PIN %+v, %v; want the hash and the 2 failures kept", r, err)
			}
			log, err := s.AuditLog(ctx, "sandbox", "alice")
			want := skill.AuditEntry{At: day, Actor: "alexa:u1", Bank: "sandbox", Customer: "alice", Channel: "alexa", Action: "transfer",
				Detail: "to Tom", Amount: 3500, Outcome: "done", OpKey: "k1"}
			if err != nil || len(log) != 1 || fmt.Sprint(log[0]) != fmt.Sprint(want) {
				t.Errorf("audit %+v, %v; want %+v", log, err, want)
			}
			if ok, stored, err := s.ClaimRequest(ctx, "alexa", "r1", "u1", day, time.Minute); ok || string(stored) != "answer" || err != nil {
				t.Errorf("claim %v, %q, %v; want the stored answer", ok, stored, err)
			}
			if n, err := s.CallbackCount(ctx, "alexa", "u1"); n != 1 || err != nil {
				t.Errorf("%d callbacks, %v", n, err)
			}
			// What the new steps added works.
			if err := s.RevokeToken(ctx, []byte("gone")); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u2", TokenHash: []byte("gone")}); banks.KindOf(err) != banks.Forbidden {
				t.Errorf("SaveLink with a revoked token: %v", err)
			}
			a := want
			a.OpKey, a.Fingerprint, a.Currency = "k2", "fp", "USD"
			if _, err := s.ReserveOp(ctx, a, 10000); err != nil {
				t.Fatal(err)
			}
			a.OpKey = "k3"
			if got, err := s.ReserveOp(ctx, a, 10000); err != nil || got.OpKey != "k2" {
				t.Errorf("the same action again = %+v, %v; want key k2", got, err)
			}
		})
	}
}

// A step the old code had taken is recorded, not run again: in the last
// release's file, pin_guard has rows, so its copy from voice_pins (which
// would give bob the failures left in voice_pins) must not run.
func TestUpgradeRunsOnlyWhatIsMissing(t *testing.T) {
	path := makeDB(t, schemaV0, data, lastRelease,
		`INSERT INTO voice_pins(bank, customer, hash, failures) VALUES ('sandbox', 'bob', 'hash', 2)`)
	s := openAt(t, path, day)
	if r, err := s.PIN(context.Background(), "sandbox", "bob"); err != nil || r.Failures != 0 {
		t.Fatalf("bob's PIN %+v, %v; the recorded pin_guard step ran again", r, err)
	}
}

func TestOpenTwiceIsANoOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "konto.db")
	s, err := Open(path, WithClock(func() time.Time { return day }))
	if err != nil {
		t.Fatal(err)
	}
	first := versions(t, s)
	if len(first) < 3 {
		t.Fatalf("a new file is at %v", first)
	}
	if err := s.SaveLink(context.Background(), skill.Link{Platform: "alexa", UserID: "u1", Customer: "alice", TokenHash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path, day.Add(time.Hour))
	if again := versions(t, s); !slices.Equal(again, first) {
		t.Fatalf("opening again changed schema_migrations from %v to %v", first, again)
	}
	if l, err := s.Link(context.Background(), "alexa", "u1"); err != nil || l.Customer != "alice" {
		t.Fatalf("link %+v, %v", l, err)
	}
}

// Processes starting together on a new file take turns: every step runs
// once, and every Open succeeds.
func TestConcurrentOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "konto.db")
	var wg sync.WaitGroup
	stores := make([]*Store, 8)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if got, want := versionNumbers(t, stores[0]), allVersions(t); !slices.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "konto.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO schema_migrations VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatal("a database of a newer schema was opened")
	}
}

// allVersions are the versions of every embedded migration, in order.
func allVersions(t *testing.T) []int {
	t.Helper()
	steps, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, m := range steps {
		out = append(out, m.version)
	}
	return out
}
