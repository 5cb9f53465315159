// Package pgtest starts a throwaway PostgreSQL server for a test, from
// the binaries of Debian's or PGDG's postgresql package (initdb and
// pg_ctl, found in PATH or /usr/lib/postgresql/*/bin): initdb into a
// temporary directory, pg_ctl start on a free port of 127.0.0.1 with its
// unix socket in a temporary directory too, and pg_ctl stop when the test
// ends. Without the binaries the test is skipped, saying so, or fails
// when the environment variable CI is set.
//
// initdb and postgres refuse to run as root; a test running as root runs
// them as the postgres user (made by the postgresql package), or nobody.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Missing is what a test says when the binaries are not installed.
const Missing = "PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql"

// packageDirs is where Debian's and PGDG's packages put the binaries of
// each major version.
var packageDirs = "/usr/lib/postgresql/*/bin"

// Server is a running PostgreSQL server of one test.
type Server struct {
	port int

	mu      sync.Mutex
	n       int       // databases and schemas made
	schemas *pgx.Conn // to the database "konto", once NewSchema made it
}

// Binaries returns the directory of initdb and pg_ctl, or "" when they
// are not installed.
func Binaries() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dir := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
				return dir
			}
		}
	}
	dirs, _ := filepath.Glob(packageDirs)
	// The newest version first: 16 before 9.6.
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return int(version(b)*100 - version(a)*100) })
	for _, dir := range dirs {
		_, err1 := os.Stat(filepath.Join(dir, "initdb"))
		_, err2 := os.Stat(filepath.Join(dir, "pg_ctl"))
		if err1 == nil && err2 == nil {
			return dir
		}
	}
	return ""
}

// Start starts a server for t and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binaries()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(Missing)
		}
		t.Skip(Missing)
	}
	cred, err := credential()
	if err != nil {
		t.Fatal(err)
	}
	// The data and socket directories are made here rather than by
	// t.TempDir, whose parent only the test's own user may enter, and
	// short, since a socket path has at most 107 bytes.
	base, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	data, sock := filepath.Join(base, "data"), filepath.Join(base, "s")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if cred != nil {
		for _, d := range []string{base, data, sock} {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
		cmd.Dir = base
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", name, err, out)
		}
		return nil
	}
	if err := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(base, "postgres.log")
	// A free port can be taken by another process before postgres binds
	// it: then try another.
	s := &Server{}
	for attempt := 0; ; attempt++ {
		s.port, err = freePort()
		if err != nil {
			t.Fatal(err)
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"+
			" -c max_connections=300", s.port, sock)
		err = run("pg_ctl", "-D", data, "-l", logFile, "-w", "-t", "60", "-o", opts, "start")
		if err == nil {
			break
		}
		if attempt == 2 {
			log, _ := os.ReadFile(logFile)
			t.Fatalf("%v\n%s", err, log)
		}
	}
	t.Cleanup(func() {
		if s.schemas != nil {
			s.schemas.Close(context.Background())
		}
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Error(err)
		}
	})
	return s
}

// credential is who runs initdb and postgres: nil for the test's own
// user, the postgres user (or nobody) when that is root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DSN is the URL of database db on the server.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// NewSchema creates a new, empty schema in the database "konto" and
// returns a DSN whose search_path is that schema: a store of its own, for
// a fraction of a database's cost (a CREATE DATABASE takes about 0.2 s).
func (s *Server) NewSchema(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.schemas == nil {
		c, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Exec(ctx, "CREATE DATABASE konto")
		c.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.schemas, err = pgx.Connect(ctx, s.DSN("konto")); err != nil {
			t.Fatal(err)
		}
	}
	s.n++
	name := "s" + strconv.Itoa(s.n)
	if _, err := s.schemas.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	return s.DSN("konto") + "&search_path=" + name
}

// NewDatabase creates a new, empty database and returns its DSN.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	name := "konto_" + strconv.Itoa(s.n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return s.DSN(name)
}
