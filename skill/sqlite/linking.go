package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

// The store of Konto's authorization server (skill/linking), in the
// tables of migration 0005: clients, the grants of the consent ledger,
// their codes and tokens by signature, and linking flows; and the
// further banks of grants, of migration 0006.

var _ linking.Store = (*Store)(nil)

// unix is a time as stored: Unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// fromUnix is the inverse of unix.
func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// CreateOAuthClient implements linking.Clients.
func (s *Store) CreateOAuthClient(ctx context.Context, c linking.Client) error {
	const op = "sqlite.CreateOAuthClient"
	uris, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return banks.E(op, banks.Invalid, err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO oauth_clients(id, name, redirect_uris, secret_hash, created_at)
		VALUES (?,?,?,?,?) ON CONFLICT (id) DO NOTHING`, c.ID, c.Name, string(uris), c.SecretHash, unix(c.CreatedAt))
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return banks.Errorf(op, banks.Invalid, "client %q exists", c.ID)
	}
	return nil
}

const clientColumns = `SELECT id, name, redirect_uris, secret_hash, created_at FROM oauth_clients`

func scanClient(row interface{ Scan(...any) error }) (linking.Client, error) {
	var c linking.Client
	var uris string
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &uris, &c.SecretHash, &created); err != nil {
		return c, err
	}
	c.CreatedAt = fromUnix(created)
	return c, json.Unmarshal([]byte(uris), &c.RedirectURIs)
}

// OAuthClient implements linking.Clients.
func (s *Store) OAuthClient(ctx context.Context, id string) (linking.Client, error) {
	c, err := scanClient(s.db.QueryRowContext(ctx, clientColumns+` WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, banks.Errorf("sqlite.OAuthClient", banks.NotFound, "no client %q", id)
	}
	if err != nil {
		return c, banks.E("sqlite.OAuthClient", banks.Unavailable, err)
	}
	return c, nil
}

// OAuthClients implements linking.Clients.
func (s *Store) OAuthClients(ctx context.Context) ([]linking.Client, error) {
	rows, err := s.db.QueryContext(ctx, clientColumns+` ORDER BY id`)
	if err != nil {
		return nil, banks.E("sqlite.OAuthClients", banks.Unavailable, err)
	}
	defer rows.Close()
	var out []linking.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, banks.E("sqlite.OAuthClients", banks.Unavailable, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, banks.E("sqlite.OAuthClients", banks.Unavailable, err)
	}
	return out, nil
}

// CreateGrant implements linking.Grants.
func (s *Store) CreateGrant(ctx context.Context, g linking.Grant) error {
	const op = "sqlite.CreateGrant"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	var clients int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM oauth_clients WHERE id = ?`, g.ClientID).Scan(&clients); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if clients == 0 {
		return banks.Errorf(op, banks.NotFound, "no client %q", g.ClientID)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO oauth_grants(id, client_id, bank, customer, locale, consent_id, scopes,
		granted_at, expires_at, revoked_at, last_used, bank_tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING`,
		g.ID, g.ClientID, g.Bank, g.Customer, g.Locale, g.ConsentID, strings.Join(g.Scopes, " "),
		unix(g.GrantedAt), unix(g.ExpiresAt), unix(g.RevokedAt), unix(g.LastUsed), g.BankTokens)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return banks.Errorf(op, banks.Invalid, "grant %q exists", g.ID)
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

const grantColumns = `g.id, g.client_id, g.bank, g.customer, g.locale, g.consent_id, g.scopes, g.granted_at, g.expires_at,
	g.revoked_at, g.last_used, g.bank_tokens`

// grantFields are the scan targets of grantColumns; done fills g.
func grantFields(g *linking.Grant) (dest []any, done func()) {
	var scopes string
	var granted, expires, revoked, used int64
	return []any{&g.ID, &g.ClientID, &g.Bank, &g.Customer, &g.Locale, &g.ConsentID, &scopes, &granted, &expires,
			&revoked, &used, &g.BankTokens}, func() {
			g.Scopes = strings.Fields(scopes)
			g.GrantedAt, g.ExpiresAt, g.RevokedAt, g.LastUsed = fromUnix(granted), fromUnix(expires), fromUnix(revoked), fromUnix(used)
		}
}

// Grant implements linking.Grants.
func (s *Store) Grant(ctx context.Context, id string) (linking.Grant, error) {
	var g linking.Grant
	dest, done := grantFields(&g)
	err := s.db.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM oauth_grants g WHERE g.id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return g, banks.E("sqlite.Grant", banks.NotFound, nil)
	}
	if err != nil {
		return g, banks.E("sqlite.Grant", banks.Unavailable, err)
	}
	done()
	return g, nil
}

// Grants implements linking.Grants.
func (s *Store) Grants(ctx context.Context, bank, customer string) ([]linking.Grant, error) {
	// rowid (SQLite's) orders grants of the same second as they were made.
	rows, err := s.db.QueryContext(ctx, `SELECT `+grantColumns+` FROM oauth_grants g WHERE g.bank = ? AND g.customer = ?
		ORDER BY g.granted_at, g.rowid`, bank, customer)
	if err != nil {
		return nil, banks.E("sqlite.Grants", banks.Unavailable, err)
	}
	defer rows.Close()
	var out []linking.Grant
	for rows.Next() {
		var g linking.Grant
		dest, done := grantFields(&g)
		if err := rows.Scan(dest...); err != nil {
			return nil, banks.E("sqlite.Grants", banks.Unavailable, err)
		}
		done()
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, banks.E("sqlite.Grants", banks.Unavailable, err)
	}
	return out, nil
}

// RevokeGrant implements linking.Grants.
func (s *Store) RevokeGrant(ctx context.Context, id string, at time.Time) error {
	return s.revokeGrants(ctx, "sqlite.RevokeGrant", at, `id = ?`, id)
}

// RevokeGrants implements linking.Grants.
// A customer's grants are revoked when they delete their data: the
// sealed bank tokens, the bank's consent id and the customer id go too;
// what stays is that a grant existed and when it ended.
func (s *Store) RevokeGrants(ctx context.Context, bank, customer string, at time.Time) error {
	if err := s.revokeGrants(ctx, "sqlite.RevokeGrants", at, `bank = ? AND customer = ?`, bank, customer); err != nil {
		return err
	}
	// The further banks of those grants go with them (their customers
	// are the same person's), and so does the customer's bank wherever
	// it is another grant's further bank.
	if _, err := s.db.ExecContext(ctx, `UPDATE oauth_grant_banks SET bank_tokens = ?, consent_id = '', customer = '',
		revoked_at = CASE revoked_at WHEN 0 THEN ? ELSE revoked_at END
		WHERE grant_id IN (SELECT id FROM oauth_grants WHERE bank = ? AND customer = ?) OR (bank = ? AND customer = ?)`,
		[]byte{}, at.Unix(), bank, customer, bank, customer); err != nil {
		return banks.E("sqlite.RevokeGrants", banks.Unavailable, err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE oauth_grants SET bank_tokens = ?, consent_id = '', customer = ''
		WHERE bank = ? AND customer = ?`, []byte{}, bank, customer); err != nil {
		return banks.E("sqlite.RevokeGrants", banks.Unavailable, err)
	}
	return nil
}

// revokeGrants revokes the grants matching where (with args) and ends
// their tokens in one transaction.
func (s *Store) revokeGrants(ctx context.Context, op string, at time.Time, where string, args ...any) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET active = 0 WHERE active = 1 AND grant_id IN
		(SELECT id FROM oauth_grants WHERE `+where+`)`, args...); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE oauth_grant_banks SET revoked_at = ? WHERE revoked_at = 0 AND grant_id IN
		(SELECT id FROM oauth_grants WHERE `+where+`)`, append([]any{at.Unix()}, args...)...); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE oauth_grants SET revoked_at = ? WHERE revoked_at = 0 AND `+where,
		append([]any{at.Unix()}, args...)...); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

// TouchGrant implements linking.Grants.
func (s *Store) TouchGrant(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE oauth_grants SET last_used = ? WHERE id = ? AND last_used < ?`,
		at.Unix(), id, at.Unix()); err != nil {
		return banks.E("sqlite.TouchGrant", banks.Unavailable, err)
	}
	return nil
}

// SaveOAuthTokens implements linking.Tokens. The transaction takes the
// write lock when it begins (_txlock=immediate), so two requests with the
// same code or refresh token run one after the other and the second finds
// it used.
func (s *Store) SaveOAuthTokens(ctx context.Context, w linking.TokenWrite) error {
	const op = "sqlite.SaveOAuthTokens"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	if w.ConsumeSignature != "" {
		var grant string
		err := tx.QueryRowContext(ctx, `UPDATE oauth_tokens SET active = 0 WHERE kind = ? AND signature = ? AND active = 1
			RETURNING grant_id`, w.ConsumeKind, w.ConsumeSignature).Scan(&grant)
		if errors.Is(err, sql.ErrNoRows) {
			return banks.Errorf(op, banks.Forbidden, "the %s is used or revoked", w.ConsumeKind)
		}
		if err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		if w.ConsumeKind == linking.KindRefresh {
			if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET active = 0 WHERE grant_id = ? AND kind = ? AND active = 1`,
				grant, linking.KindAccess); err != nil {
				return banks.E(op, banks.Unavailable, err)
			}
		}
	}
	for _, t := range w.Tokens {
		var revoked int64
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM oauth_grants WHERE id = ?`, t.GrantID).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) || revoked != 0 {
			return banks.Errorf(op, banks.Forbidden, "grant %q is unknown or revoked", t.GrantID)
		}
		if err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO oauth_tokens(kind, signature, grant_id, issued_at, expires_at, active, form)
			VALUES (?,?,?,?,?,?,?)`, t.Kind, t.Signature, t.GrantID, unix(t.IssuedAt), unix(t.ExpiresAt), t.Active, t.Form); err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

// OAuthToken implements linking.Tokens.
func (s *Store) OAuthToken(ctx context.Context, kind, signature string) (linking.Token, linking.Grant, error) {
	t := linking.Token{Kind: kind, Signature: signature}
	var g linking.Grant
	var issued, expires int64
	dest, done := grantFields(&g)
	err := s.db.QueryRowContext(ctx, `SELECT t.grant_id, t.issued_at, t.expires_at, t.active, t.form, `+grantColumns+`
		FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.kind = ? AND t.signature = ?`, kind, signature).
		Scan(append([]any{&t.GrantID, &issued, &expires, &t.Active, &t.Form}, dest...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return t, g, banks.E("sqlite.OAuthToken", banks.NotFound, nil)
	}
	if err != nil {
		return t, g, banks.E("sqlite.OAuthToken", banks.Unavailable, err)
	}
	done()
	t.IssuedAt, t.ExpiresAt = fromUnix(issued), fromUnix(expires)
	return t, g, nil
}

// DeactivateOAuthToken implements linking.Tokens.
func (s *Store) DeactivateOAuthToken(ctx context.Context, kind, signature string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE oauth_tokens SET active = 0 WHERE kind = ? AND signature = ?`, kind, signature); err != nil {
		return banks.E("sqlite.DeactivateOAuthToken", banks.Unavailable, err)
	}
	return nil
}

// SaveLinkFlow implements linking.Flows.
func (s *Store) SaveLinkFlow(ctx context.Context, f linking.Flow) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO oauth_flows(id_hash, data, expires_at) VALUES (?,?,?)
		ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
		f.IDHash, f.Data, unix(f.ExpiresAt)); err != nil {
		return banks.E("sqlite.SaveLinkFlow", banks.Unavailable, err)
	}
	return nil
}

// LinkFlow implements linking.Flows.
func (s *Store) LinkFlow(ctx context.Context, idHash []byte) (linking.Flow, error) {
	f := linking.Flow{IDHash: idHash}
	var expires int64
	err := s.db.QueryRowContext(ctx, `SELECT data, expires_at FROM oauth_flows WHERE id_hash = ?`, idHash).Scan(&f.Data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return f, banks.E("sqlite.LinkFlow", banks.NotFound, nil)
	}
	if err != nil {
		return f, banks.E("sqlite.LinkFlow", banks.Unavailable, err)
	}
	f.ExpiresAt = fromUnix(expires)
	return f, nil
}

// TakeLinkFlow implements linking.Flows.
func (s *Store) TakeLinkFlow(ctx context.Context, idHash []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM oauth_flows WHERE id_hash = ?`, idHash)
	if err != nil {
		return false, banks.E("sqlite.TakeLinkFlow", banks.Unavailable, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// PurgeOAuth implements linking.Store.
func (s *Store) PurgeOAuth(ctx context.Context, before time.Time) error {
	for _, q := range []string{`DELETE FROM oauth_tokens WHERE expires_at < ?`, `DELETE FROM oauth_flows WHERE expires_at < ?`} {
		if _, err := s.db.ExecContext(ctx, q, before.Unix()); err != nil {
			return banks.E("sqlite.PurgeOAuth", banks.Unavailable, err)
		}
	}
	return nil
}

// The further banks of grants (linking.GrantBanks), in the table of
// migration 0006.

var _ linking.GrantBanks = (*Store)(nil)

// AddGrantBank implements linking.GrantBanks.
func (s *Store) AddGrantBank(ctx context.Context, b linking.GrantBank) error {
	const op = "sqlite.AddGrantBank"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	var bank string
	err = tx.QueryRowContext(ctx, `SELECT bank FROM oauth_grants WHERE id = ?`, b.GrantID).Scan(&bank)
	if errors.Is(err, sql.ErrNoRows) {
		return banks.Errorf(op, banks.NotFound, "no grant %q", b.GrantID)
	}
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if bank == b.Bank {
		return banks.Errorf(op, banks.Invalid, "grant %q is at bank %q already", b.GrantID, b.Bank)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO oauth_grant_banks(grant_id, bank, customer, locale, consent_id, scopes,
		granted_at, expires_at, revoked_at, bank_tokens) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (grant_id, bank) DO NOTHING`,
		b.GrantID, b.Bank, b.Customer, b.Locale, b.ConsentID, strings.Join(b.Scopes, " "),
		unix(b.GrantedAt), unix(b.ExpiresAt), unix(b.RevokedAt), b.BankTokens)
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return banks.Errorf(op, banks.Invalid, "grant %q is at bank %q already", b.GrantID, b.Bank)
	}
	if err := tx.Commit(); err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	return nil
}

const grantBankColumns = `SELECT grant_id, bank, customer, locale, consent_id, scopes, granted_at, expires_at, revoked_at, bank_tokens
	FROM oauth_grant_banks`

func (s *Store) grantBanks(ctx context.Context, op, where string, args ...any) ([]linking.GrantBank, error) {
	rows, err := s.db.QueryContext(ctx, grantBankColumns+` WHERE `+where+` ORDER BY granted_at, rowid`, args...)
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	defer rows.Close()
	var out []linking.GrantBank
	for rows.Next() {
		var b linking.GrantBank
		var scopes string
		var granted, expires, revoked int64
		if err := rows.Scan(&b.GrantID, &b.Bank, &b.Customer, &b.Locale, &b.ConsentID, &scopes, &granted, &expires, &revoked,
			&b.BankTokens); err != nil {
			return nil, banks.E(op, banks.Unavailable, err)
		}
		b.Scopes = strings.Fields(scopes)
		b.GrantedAt, b.ExpiresAt, b.RevokedAt = fromUnix(granted), fromUnix(expires), fromUnix(revoked)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	return out, nil
}

// GrantBanks implements linking.GrantBanks.
func (s *Store) GrantBanks(ctx context.Context, grantID string) ([]linking.GrantBank, error) {
	return s.grantBanks(ctx, "sqlite.GrantBanks", `grant_id = ?`, grantID)
}

// CustomerGrantBanks implements linking.GrantBanks.
func (s *Store) CustomerGrantBanks(ctx context.Context, bank, customer string) ([]linking.GrantBank, error) {
	return s.grantBanks(ctx, "sqlite.CustomerGrantBanks", `bank = ? AND customer = ?`, bank, customer)
}

var _ linking.BankTokenStore = (*Store)(nil)

// SetBankTokens implements linking.BankTokenStore.
func (s *Store) SetBankTokens(ctx context.Context, grantID, bank string, sealed []byte) error {
	const op = "sqlite.SetBankTokens"
	for _, q := range []string{
		`UPDATE oauth_grants SET bank_tokens = ? WHERE id = ? AND bank = ? AND revoked_at = 0`,
		`UPDATE oauth_grant_banks SET bank_tokens = ? WHERE grant_id = ? AND bank = ? AND revoked_at = 0
			AND grant_id IN (SELECT id FROM oauth_grants WHERE revoked_at = 0)`,
	} {
		res, err := s.db.ExecContext(ctx, q, sealed, grantID, bank)
		if err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
	}
	return banks.Errorf(op, banks.NotFound, "grant %q holds no bank %q in force", grantID, bank)
}
