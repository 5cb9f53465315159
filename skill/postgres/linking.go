package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/skill/linking"
)

// The store of Konto's authorization server (skill/linking), in the
// tables of migration 0002, as skill/sqlite keeps it; and the further
// banks of grants, of migration 0003.

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
	const op = "postgres.CreateOAuthClient"
	uris, err := json.Marshal(c.RedirectURIs)
	if err != nil {
		return banks.E(op, banks.Invalid, err)
	}
	n, err := s.exec(ctx, `INSERT INTO oauth_clients(id, name, redirect_uris, secret_hash, created_at)
		VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO NOTHING`, c.ID, c.Name, string(uris), c.SecretHash, unix(c.CreatedAt))
	if err != nil {
		return banks.E(op, banks.Unavailable, err)
	}
	if n == 0 {
		return banks.Errorf(op, banks.Invalid, "client %q exists", c.ID)
	}
	return nil
}

const clientColumns = `SELECT id, name, redirect_uris, secret_hash, created_at FROM oauth_clients`

func scanClient(row pgx.Row) (linking.Client, error) {
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
	c, err := scanClient(s.db.QueryRow(ctx, clientColumns+` WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, banks.Errorf("postgres.OAuthClient", banks.NotFound, "no client %q", id)
	}
	if err != nil {
		return c, banks.E("postgres.OAuthClient", banks.Unavailable, err)
	}
	return c, nil
}

// OAuthClients implements linking.Clients.
func (s *Store) OAuthClients(ctx context.Context) ([]linking.Client, error) {
	rows, err := s.db.Query(ctx, clientColumns+` ORDER BY id`)
	var out []linking.Client
	if err == nil {
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (linking.Client, error) { return scanClient(row) })
	}
	if err != nil {
		return nil, banks.E("postgres.OAuthClients", banks.Unavailable, err)
	}
	return out, nil
}

// CreateGrant implements linking.Grants.
func (s *Store) CreateGrant(ctx context.Context, g linking.Grant) error {
	const op = "postgres.CreateGrant"
	return s.tx(ctx, op, func(tx pgx.Tx) error {
		// FOR SHARE: the client cannot go while its grant is made.
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM oauth_clients WHERE id = $1 FOR SHARE)`, g.ClientID).Scan(&found); err != nil {
			return err
		}
		if !found {
			return banks.Errorf(op, banks.NotFound, "no client %q", g.ClientID)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO oauth_grants(id, client_id, bank, customer, locale, consent_id, scopes,
			granted_at, expires_at, revoked_at, last_used, bank_tokens) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
			ON CONFLICT (id) DO NOTHING`, g.ID, g.ClientID, g.Bank, g.Customer, g.Locale, g.ConsentID, strings.Join(g.Scopes, " "),
			unix(g.GrantedAt), unix(g.ExpiresAt), unix(g.RevokedAt), unix(g.LastUsed), g.BankTokens)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return banks.Errorf(op, banks.Invalid, "grant %q exists", g.ID)
		}
		return nil
	})
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
	err := s.queryRow(ctx, `SELECT `+grantColumns+` FROM oauth_grants g WHERE g.id = $1`, []any{id}, dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, banks.E("postgres.Grant", banks.NotFound, nil)
	}
	if err != nil {
		return g, banks.E("postgres.Grant", banks.Unavailable, err)
	}
	done()
	return g, nil
}

// Grants implements linking.Grants.
func (s *Store) Grants(ctx context.Context, bank, customer string) ([]linking.Grant, error) {
	rows, err := s.db.Query(ctx, `SELECT `+grantColumns+` FROM oauth_grants g WHERE g.bank = $1 AND g.customer = $2
		ORDER BY g.granted_at, g.seq`, bank, customer)
	var out []linking.Grant
	if err == nil {
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (linking.Grant, error) {
			var g linking.Grant
			dest, done := grantFields(&g)
			if err := row.Scan(dest...); err != nil {
				return g, err
			}
			done()
			return g, nil
		})
	}
	if err != nil {
		return nil, banks.E("postgres.Grants", banks.Unavailable, err)
	}
	return out, nil
}

// RevokeGrant implements linking.Grants.
func (s *Store) RevokeGrant(ctx context.Context, id string, at time.Time) error {
	return s.tx(ctx, "postgres.RevokeGrant", func(tx pgx.Tx) error {
		return revokeGrants(ctx, tx, at, `id = $1`, id)
	})
}

// RevokeGrants implements linking.Grants. A customer's grants are revoked
// when they delete their data: the sealed bank tokens, the bank's consent
// id and the customer id go too; what stays is that a grant existed and
// when it ended.
func (s *Store) RevokeGrants(ctx context.Context, bank, customer string, at time.Time) error {
	return s.tx(ctx, "postgres.RevokeGrants", func(tx pgx.Tx) error {
		if err := revokeGrants(ctx, tx, at, `bank = $1 AND customer = $2`, bank, customer); err != nil {
			return err
		}
		// The further banks of those grants go with them (their customers
		// are the same person's), and so does the customer's bank wherever
		// it is another grant's further bank.
		if _, err := tx.Exec(ctx, `UPDATE oauth_grant_banks SET bank_tokens = $1, consent_id = '', customer = '',
			revoked_at = CASE revoked_at WHEN 0 THEN $2 ELSE revoked_at END
			WHERE grant_id IN (SELECT id FROM oauth_grants WHERE bank = $3 AND customer = $4) OR (bank = $3 AND customer = $4)`,
			[]byte{}, at.Unix(), bank, customer); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE oauth_grants SET bank_tokens = $1, consent_id = '', customer = ''
			WHERE bank = $2 AND customer = $3`, []byte{}, bank, customer)
		return err
	})
}

// revokeGrants revokes the grants matching where (with args as $1, $2,
// ...) and their further banks, and ends their tokens.
func revokeGrants(ctx context.Context, tx pgx.Tx, at time.Time, where string, args ...any) error {
	// The grants first: their row locks make a concurrent SaveOAuthTokens
	// or AddGrantBank (which read them FOR SHARE) wait, and then see them
	// revoked or their new bank.
	atArg, withAt := fmt.Sprintf("$%d", len(args)+1), append(args[:len(args):len(args)], at.Unix())
	if _, err := tx.Exec(ctx, `UPDATE oauth_grants SET revoked_at = `+atArg+` WHERE revoked_at = 0 AND `+where, withAt...); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE oauth_grant_banks SET revoked_at = `+atArg+` WHERE revoked_at = 0 AND grant_id IN
		(SELECT id FROM oauth_grants WHERE `+where+`)`, withAt...); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE oauth_tokens SET active = false WHERE active AND grant_id IN
		(SELECT id FROM oauth_grants WHERE `+where+`)`, args...)
	return err
}

// TouchGrant implements linking.Grants.
func (s *Store) TouchGrant(ctx context.Context, id string, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE oauth_grants SET last_used = $1 WHERE id = $2 AND last_used < $1`, at.Unix(), id); err != nil {
		return banks.E("postgres.TouchGrant", banks.Unavailable, err)
	}
	return nil
}

// SaveOAuthTokens implements linking.Tokens. Two requests with the same
// code or refresh token both run the UPDATE ... WHERE active; the second
// waits for the first's row lock, then finds the token inactive.
func (s *Store) SaveOAuthTokens(ctx context.Context, w linking.TokenWrite) error {
	const op = "postgres.SaveOAuthTokens"
	return s.tx(ctx, op, func(tx pgx.Tx) error {
		if w.ConsumeSignature != "" {
			var grant string
			err := tx.QueryRow(ctx, `UPDATE oauth_tokens SET active = false WHERE kind = $1 AND signature = $2 AND active
				RETURNING grant_id`, w.ConsumeKind, w.ConsumeSignature).Scan(&grant)
			if errors.Is(err, pgx.ErrNoRows) {
				return banks.Errorf(op, banks.Forbidden, "the %s is used or revoked", w.ConsumeKind)
			}
			if err != nil {
				return err
			}
			if w.ConsumeKind == linking.KindRefresh {
				if _, err := tx.Exec(ctx, `UPDATE oauth_tokens SET active = false WHERE grant_id = $1 AND kind = $2 AND active`,
					grant, linking.KindAccess); err != nil {
					return err
				}
			}
		}
		for _, t := range w.Tokens {
			var revoked int64
			err := tx.QueryRow(ctx, `SELECT revoked_at FROM oauth_grants WHERE id = $1 FOR SHARE`, t.GrantID).Scan(&revoked)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && revoked != 0 {
				return banks.Errorf(op, banks.Forbidden, "grant %q is unknown or revoked", t.GrantID)
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO oauth_tokens(kind, signature, grant_id, issued_at, expires_at, active, form)
				VALUES ($1,$2,$3,$4,$5,$6,$7)`, t.Kind, t.Signature, t.GrantID, unix(t.IssuedAt), unix(t.ExpiresAt), t.Active, t.Form); err != nil {
				return err
			}
		}
		return nil
	})
}

// OAuthToken implements linking.Tokens.
func (s *Store) OAuthToken(ctx context.Context, kind, signature string) (linking.Token, linking.Grant, error) {
	t := linking.Token{Kind: kind, Signature: signature}
	var g linking.Grant
	var issued, expires int64
	dest, done := grantFields(&g)
	err := s.queryRow(ctx, `SELECT t.grant_id, t.issued_at, t.expires_at, t.active, t.form, `+grantColumns+`
		FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.kind = $1 AND t.signature = $2`, []any{kind, signature},
		append([]any{&t.GrantID, &issued, &expires, &t.Active, &t.Form}, dest...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, g, banks.E("postgres.OAuthToken", banks.NotFound, nil)
	}
	if err != nil {
		return t, g, banks.E("postgres.OAuthToken", banks.Unavailable, err)
	}
	done()
	t.IssuedAt, t.ExpiresAt = fromUnix(issued), fromUnix(expires)
	return t, g, nil
}

// DeactivateOAuthToken implements linking.Tokens.
func (s *Store) DeactivateOAuthToken(ctx context.Context, kind, signature string) error {
	if _, err := s.exec(ctx, `UPDATE oauth_tokens SET active = false WHERE kind = $1 AND signature = $2`, kind, signature); err != nil {
		return banks.E("postgres.DeactivateOAuthToken", banks.Unavailable, err)
	}
	return nil
}

// SaveLinkFlow implements linking.Flows.
func (s *Store) SaveLinkFlow(ctx context.Context, f linking.Flow) error {
	if _, err := s.exec(ctx, `INSERT INTO oauth_flows(id_hash, data, expires_at) VALUES ($1,$2,$3)
		ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
		f.IDHash, f.Data, unix(f.ExpiresAt)); err != nil {
		return banks.E("postgres.SaveLinkFlow", banks.Unavailable, err)
	}
	return nil
}

// LinkFlow implements linking.Flows.
func (s *Store) LinkFlow(ctx context.Context, idHash []byte) (linking.Flow, error) {
	f := linking.Flow{IDHash: idHash}
	var expires int64
	err := s.queryRow(ctx, `SELECT data, expires_at FROM oauth_flows WHERE id_hash = $1`, []any{idHash}, &f.Data, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, banks.E("postgres.LinkFlow", banks.NotFound, nil)
	}
	if err != nil {
		return f, banks.E("postgres.LinkFlow", banks.Unavailable, err)
	}
	f.ExpiresAt = fromUnix(expires)
	return f, nil
}

// TakeLinkFlow implements linking.Flows.
func (s *Store) TakeLinkFlow(ctx context.Context, idHash []byte) (bool, error) {
	n, err := s.exec(ctx, `DELETE FROM oauth_flows WHERE id_hash = $1`, idHash)
	if err != nil {
		return false, banks.E("postgres.TakeLinkFlow", banks.Unavailable, err)
	}
	return n == 1, nil
}

// PurgeOAuth implements linking.Store.
func (s *Store) PurgeOAuth(ctx context.Context, before time.Time) error {
	for _, q := range []string{`DELETE FROM oauth_tokens WHERE expires_at < $1`, `DELETE FROM oauth_flows WHERE expires_at < $1`} {
		if _, err := s.exec(ctx, q, before.Unix()); err != nil {
			return banks.E("postgres.PurgeOAuth", banks.Unavailable, err)
		}
	}
	return nil
}

// The further banks of grants (linking.GrantBanks), in the table of
// migration 0003.

var _ linking.GrantBanks = (*Store)(nil)

// AddGrantBank implements linking.GrantBanks.
func (s *Store) AddGrantBank(ctx context.Context, b linking.GrantBank) error {
	const op = "postgres.AddGrantBank"
	return s.tx(ctx, op, func(tx pgx.Tx) error {
		// FOR SHARE: a revocation of the grant that comes while the bank is
		// added waits for it, and revokes it too. (One that came first
		// leaves the bank in a revoked grant, as skill/sqlite does: readers
		// check the grant as well.)
		var bank string
		err := tx.QueryRow(ctx, `SELECT bank FROM oauth_grants WHERE id = $1 FOR SHARE`, b.GrantID).Scan(&bank)
		if errors.Is(err, pgx.ErrNoRows) {
			return banks.Errorf(op, banks.NotFound, "no grant %q", b.GrantID)
		}
		if err != nil {
			return err
		}
		if bank == b.Bank {
			return banks.Errorf(op, banks.Invalid, "grant %q is at bank %q already", b.GrantID, b.Bank)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO oauth_grant_banks(grant_id, bank, customer, locale, consent_id, scopes,
			granted_at, expires_at, revoked_at, bank_tokens) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
			ON CONFLICT (grant_id, bank) DO NOTHING`, b.GrantID, b.Bank, b.Customer, b.Locale, b.ConsentID, strings.Join(b.Scopes, " "),
			unix(b.GrantedAt), unix(b.ExpiresAt), unix(b.RevokedAt), b.BankTokens)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return banks.Errorf(op, banks.Invalid, "grant %q is at bank %q already", b.GrantID, b.Bank)
		}
		return nil
	})
}

const grantBankColumns = `SELECT grant_id, bank, customer, locale, consent_id, scopes, granted_at, expires_at, revoked_at, bank_tokens
	FROM oauth_grant_banks`

// grantBanks lists the further banks matching where (with args as $1,
// $2, ...) in the order added.
func (s *Store) grantBanks(ctx context.Context, op, where string, args ...any) ([]linking.GrantBank, error) {
	rows, err := s.db.Query(ctx, grantBankColumns+` WHERE `+where+` ORDER BY granted_at, seq`, args...)
	var out []linking.GrantBank
	if err == nil {
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (linking.GrantBank, error) {
			var b linking.GrantBank
			var scopes string
			var granted, expires, revoked int64
			if err := row.Scan(&b.GrantID, &b.Bank, &b.Customer, &b.Locale, &b.ConsentID, &scopes, &granted, &expires, &revoked,
				&b.BankTokens); err != nil {
				return b, err
			}
			b.Scopes = strings.Fields(scopes)
			b.GrantedAt, b.ExpiresAt, b.RevokedAt = fromUnix(granted), fromUnix(expires), fromUnix(revoked)
			return b, nil
		})
	}
	if err != nil {
		return nil, banks.E(op, banks.Unavailable, err)
	}
	return out, nil
}

// GrantBanks implements linking.GrantBanks.
func (s *Store) GrantBanks(ctx context.Context, grantID string) ([]linking.GrantBank, error) {
	return s.grantBanks(ctx, "postgres.GrantBanks", `grant_id = $1`, grantID)
}

// CustomerGrantBanks implements linking.GrantBanks.
func (s *Store) CustomerGrantBanks(ctx context.Context, bank, customer string) ([]linking.GrantBank, error) {
	return s.grantBanks(ctx, "postgres.CustomerGrantBanks", `bank = $1 AND customer = $2`, bank, customer)
}

var _ linking.BankTokenStore = (*Store)(nil)

// SetBankTokens implements linking.BankTokenStore. A revocation running
// at the same time holds the row this UPDATE waits for, which it then
// finds revoked: tokens are never written back after RevokeGrants
// cleared them.
func (s *Store) SetBankTokens(ctx context.Context, grantID, bank string, sealed []byte) error {
	const op = "postgres.SetBankTokens"
	for _, q := range []string{
		`UPDATE oauth_grants SET bank_tokens = $1 WHERE id = $2 AND bank = $3 AND revoked_at = 0`,
		`UPDATE oauth_grant_banks SET bank_tokens = $1 WHERE grant_id = $2 AND bank = $3 AND revoked_at = 0
			AND grant_id IN (SELECT id FROM oauth_grants WHERE revoked_at = 0)`,
	} {
		n, err := s.exec(ctx, q, sealed, grantID, bank)
		if err != nil {
			return banks.E(op, banks.Unavailable, err)
		}
		if n > 0 {
			return nil
		}
	}
	return banks.Errorf(op, banks.NotFound, "grant %q holds no bank %q in force", grantID, bank)
}
