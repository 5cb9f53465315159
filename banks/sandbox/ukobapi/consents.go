package ukobapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kontoskill/konto/banks"
)

// Consent kinds and the statuses of v3.1.
const (
	kindAccount = "account"
	kindPayment = "payment"

	statusAwaiting   = "AwaitingAuthorisation"
	statusAuthorised = "Authorised"
	statusRejected   = "Rejected"
	statusRevoked    = "Revoked"
	statusConsumed   = "Consumed"
)

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// consent is an account-access or domestic-payment consent.
type consent struct {
	ID, Kind, ClientID, Customer string
	// Bound: the consent was created with the customer's own access
	// token, so the bank knows whose it is before approval and shows it
	// in the customer's app.
	Bound            bool
	Status, Reason   string
	Created, Updated time.Time
	Expires          time.Time // zero: no expiry (account consents)
	Deadline         time.Time // approval possible until then
	Request          json.RawMessage
}

var errNoConsent = errors.New("no such consent")

func (s *Server) loadConsent(ctx context.Context, q querier, id string) (consent, error) {
	var c consent
	var created, updated, expires, deadline int64
	var req string
	err := q.QueryRowContext(ctx, `SELECT id, kind, client_id, customer_id, bound, status, reason, created_at, updated_at,
		expires_at, deadline, request FROM consents WHERE id = ?`, id).Scan(&c.ID, &c.Kind, &c.ClientID, &c.Customer, &c.Bound,
		&c.Status, &c.Reason, &created, &updated, &expires, &deadline, &req)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNoConsent
	}
	if err != nil {
		return c, err
	}
	c.Created, c.Updated, c.Deadline = fromUnix(created), fromUnix(updated), fromUnix(deadline)
	if expires != 0 {
		c.Expires = fromUnix(expires)
	}
	c.Request = json.RawMessage(req)
	// A consent nobody approved in time is rejected as expired, at the
	// moment its window closed.
	if c.Status == statusAwaiting && !s.now().Before(c.Deadline) {
		if _, err := q.ExecContext(ctx, `UPDATE consents SET status = ?, reason = 'expired', updated_at = ? WHERE id = ? AND status = ?`,
			statusRejected, deadline, c.ID, statusAwaiting); err != nil {
			return c, err
		}
		c.Status, c.Reason, c.Updated = statusRejected, "expired", c.Deadline
	}
	return c, nil
}

// usable reports whether an authorised consent may still be used.
func (s *Server) usable(c consent) bool {
	return c.Status == statusAuthorised && (c.Expires.IsZero() || s.now().Before(c.Expires))
}

func (s *Server) insertConsent(ctx context.Context, q querier, c consent) error {
	var expires int64
	if !c.Expires.IsZero() {
		expires = unix(c.Expires)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO consents(id, kind, client_id, customer_id, bound, status, created_at, updated_at,
		expires_at, deadline, request) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, c.ID, c.Kind, c.ClientID, c.Customer, c.Bound, c.Status,
		unix(c.Created), unix(c.Updated), expires, unix(c.Deadline), string(c.Request))
	return err
}

// decide approves or rejects a consent for a customer, from the consent
// page or the bank app. Errors: NotFound (no such consent of the
// customer's), Forbidden with reason sca_expired (too late), Invalid
// (already decided, or a payment the customer cannot make).
func (s *Server) decide(ctx context.Context, id, customer string, approve bool) (consent, error) {
	const op = "ukobapi.Decide"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return consent{}, banks.E(op, banks.Unavailable, err)
	}
	defer tx.Rollback()
	c, err := s.loadConsent(ctx, tx, id)
	if errors.Is(err, errNoConsent) || (err == nil && c.Customer != "" && c.Customer != customer) {
		return consent{}, banks.Errorf(op, banks.NotFound, "no consent %q for this customer", id)
	}
	if err != nil {
		return consent{}, banks.E(op, banks.Unavailable, err)
	}
	switch {
	case c.Status == statusRejected && c.Reason == "expired":
		if err := tx.Commit(); err != nil { // keep the expiry just recorded
			return consent{}, banks.E(op, banks.Unavailable, err)
		}
		return c, banks.Refuse(op, "sca_expired")
	case c.Status != statusAwaiting:
		return c, banks.Errorf(op, banks.Invalid, "the consent is %s", c.Status)
	}
	status, reason := statusRejected, "rejected"
	if approve {
		status, reason = statusAuthorised, ""
		if c.Kind == kindPayment {
			u, err := s.user(ctx, customer)
			if err != nil {
				return c, banks.E(op, banks.NotFound, err)
			}
			req, err := parsePaymentConsent(c.Request)
			if err != nil {
				return c, banks.E(op, banks.Unavailable, err)
			}
			if _, e := s.resolvePayment(ctx, u, req.Data.Initiation); e != nil {
				return c, banks.Errorf(op, banks.Invalid, "the payment cannot be made: %s", e.errs[0].Message)
			}
		}
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE consents SET status = ?, reason = ?, customer_id = ?, updated_at = ? WHERE id = ?`,
		status, reason, customer, unix(now), c.ID); err != nil {
		return c, banks.E(op, banks.Unavailable, err)
	}
	if err := tx.Commit(); err != nil {
		return c, banks.E(op, banks.Unavailable, err)
	}
	c.Status, c.Reason, c.Customer, c.Updated = status, reason, customer, now.UTC().Truncate(time.Second)
	return c, nil
}

// canonical re-encodes JSON with sorted keys and no spaces, so that two
// encodings of the same request compare equal.
func canonical(raw []byte) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// idempotent looks an idempotency key up for a client. It returns the
// resource the key made, "" for a new key, or an error response when the
// key was used for another request.
func (s *Server) idempotent(ctx context.Context, q querier, client, kind, key string, reqHash []byte) (string, *apiError) {
	var id string
	var stored []byte
	var created int64
	err := q.QueryRowContext(ctx, `SELECT resource_id, request_hash, created_at FROM idempotency WHERE client_id = ? AND kind = ? AND key = ?`,
		client, kind, key).Scan(&id, &stored, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", internal(err)
	}
	// A key is valid for 24 hours; after that it may be used again.
	if s.now().Sub(fromUnix(created)) >= 24*time.Hour {
		if _, err := q.ExecContext(ctx, `DELETE FROM idempotency WHERE client_id = ? AND kind = ? AND key = ?`, client, kind, key); err != nil {
			return "", internal(err)
		}
		return "", nil
	}
	if !bytes.Equal(stored, reqHash) {
		return "", badRequest(codeHeaderInvalid, "x-idempotency-key", "the x-idempotency-key was used for another request")
	}
	return id, nil
}

func (s *Server) rememberKey(ctx context.Context, q querier, client, kind, key, id string, reqHash []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO idempotency(client_id, kind, key, resource_id, request_hash, created_at) VALUES (?,?,?,?,?,?)`,
		client, kind, key, id, reqHash, unix(s.now()))
	return err
}
