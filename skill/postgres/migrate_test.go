package postgres

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kontoskill/konto/skill"
	"github.com/kontoskill/konto/skill/postgres/pgtest"
)

// versions are the rows of schema_migrations.
func versions(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.db.Query(context.Background(), `SELECT version FROM schema_migrations ORDER BY version`)
	var out []int
	if err == nil {
		out, err = pgx.CollectRows(rows, pgx.RowTo[int])
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

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

// Instances starting together on a new database take turns: every step
// runs once, and every Open succeeds.
func testConcurrentOpens(t *testing.T, srv *pgtest.Server) {
	dsn := srv.NewDatabase(t)
	ctx := context.Background()
	stores := make([]*Store, 6)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctx, dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if got, want := versions(t, stores[0]), allVersions(t); !slices.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	// What one instance writes, another reads.
	if err := stores[1].SaveLink(ctx, skill.Link{Platform: "alexa", UserID: "u1", Bank: "sandbox", Customer: "alice", TokenHash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if l, err := stores[4].Link(ctx, "alexa", "u1"); err != nil || l.Customer != "alice" {
		t.Fatalf("link %+v, %v", l, err)
	}

	// Opening again changes nothing; a schema newer than the program's
	// is refused.
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(t, s), allVersions(t); !slices.Equal(got, want) {
		t.Fatalf("versions after reopening %v, want %v", got, want)
	}
	if _, err := s.exec(ctx, `INSERT INTO schema_migrations VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a database of a newer schema was opened: %v", err)
	}
}
