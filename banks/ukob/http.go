package ukob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/kontoskill/konto/banks"
)

// request is one call of the API.
type request struct {
	op     string
	method string
	url    string
	body   []byte
	tokens oauth2.TokenSource
	// key is the x-idempotency-key of a payment POST; a POST is retried
	// only with one, so that a retry cannot act twice.
	key string
	// sign adds the detached x-jws-signature of the body.
	sign bool
	// verify checks the bank's x-jws-signature (when a BankKey is set).
	verify bool
}

func (rq request) retryable() bool {
	return rq.method == http.MethodGet || rq.method == http.MethodDelete || rq.key != ""
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// do makes a request, retrying what may pass with backoff (honouring
// Retry-After, within the context's deadline), and decodes a 2xx body
// into out. Errors: the kinds of statusError; Unavailable for timeouts,
// throttling, failures and malformed answers.
func (c *Client) do(ctx context.Context, rq request, out any) error {
	interaction := banks.TraceOf(ctx).ID // the turn's trace: one id through Konto's logs and the bank's
	if interaction == "" {
		interaction = newUUID()
	}
	var last error
	for attempt := 1; ; attempt++ {
		tok, err := rq.tokens.Token()
		if err != nil {
			return tokenError(rq.op, err)
		}
		status, header, body, err := c.once(ctx, rq, tok, interaction)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return banks.E(rq.op, banks.Unavailable, fmt.Errorf("the bank did not answer in time: %w", ctx.Err()))
		case err != nil:
			last = err
		case status >= 200 && status < 300:
			if rq.verify && c.o.BankKey != nil {
				if err := c.verifyBank(header.Get("x-jws-signature"), body); err != nil {
					return banks.E(rq.op, banks.Unavailable, fmt.Errorf("the bank's signature: %w", err))
				}
			}
			if out == nil || status == http.StatusNoContent {
				return nil
			}
			if err := json.Unmarshal(body, out); err != nil {
				return banks.E(rq.op, banks.Unavailable, fmt.Errorf("malformed answer from the bank: %w", err))
			}
			return nil
		case status == http.StatusTooManyRequests || status >= 500:
			last = statusError(rq.op, status, body)
			wait = retryAfter(header.Get("Retry-After"), c.o.Now())
		default:
			return statusError(rq.op, status, body)
		}
		if !rq.retryable() || attempt >= c.o.Attempts {
			return banks.E(rq.op, banks.Unavailable, last)
		}
		if wait == 0 {
			wait = backoff(attempt)
		}
		if wait > c.o.MaxWait {
			return banks.E(rq.op, banks.Unavailable, fmt.Errorf("the bank asks to wait %s: %w", wait, last))
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return banks.E(rq.op, banks.Unavailable, fmt.Errorf("no time left to retry: %w", last))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return banks.E(rq.op, banks.Unavailable, ctx.Err())
		case <-t.C:
		}
	}
}

// once is one try of a request.
func (c *Client) once(ctx context.Context, rq request, tok *oauth2.Token, interaction string) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.o.AttemptTimeout)
	defer cancel()
	var rd io.Reader
	if rq.body != nil {
		rd = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(actx, rq.method, rq.url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	tok.SetAuthHeader(req)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("x-fapi-interaction-id", interaction)
	if rq.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.key != "" {
		req.Header.Set("x-idempotency-key", rq.key)
	}
	if rq.sign {
		sig, err := c.sign(rq.body)
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("x-jws-signature", sig)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return res.StatusCode, res.Header, body, nil
}

// backoff is the wait before try n+1: 200 ms doubling, with jitter.
func backoff(n int) time.Duration {
	d := 200 * time.Millisecond << min(n-1, 5)
	j, _ := rand.Int(rand.Reader, big.NewInt(int64(d/2)))
	return d/2 + time.Duration(j.Int64())
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// obErrors is the standard's error body (OBErrorResponse1).
type obErrors struct {
	Code    string
	Message string
	Errors  []struct {
		ErrorCode string
		Message   string
		Path      string
	}
}

// refusals are the error codes (the last part, after the namespace) a
// bank gives for a payment it will not make, and the reason they mean:
// words, or the ISO 20022 status reason codes v4 uses.
var refusals = map[string]string{
	"InsufficientFunds": "insufficient_funds", "AM04": "insufficient_funds",
	"AccountFrozen": "account_frozen", "AccountBlocked": "account_frozen", "AC06": "account_frozen",
	"AccountClosed": "account_closed", "AC04": "account_closed",
	"NotAllowed": "not_allowed", "TransactionForbidden": "not_allowed", "AG01": "not_allowed",
}

// statusError maps an error response onto a banks error kind: 401 is
// NotLinked; 403 ConsentExpired when the consent lapsed, else NotLinked;
// 404 and UK.OBIE.Resource.NotFound (the standard answers an unknown id
// with 400) are NotFound; other 400s are Invalid, or Forbidden with a
// reason when the bank refuses a payment; 429 and 5xx are Unavailable.
func statusError(op string, status int, body []byte) error {
	var e obErrors
	json.Unmarshal(body, &e)
	var codes []string
	msg := e.Message
	for _, x := range e.Errors {
		codes = append(codes, x.ErrorCode)
		if x.Message != "" {
			msg = x.Message
		}
	}
	err := fmt.Errorf("the bank answered %d %s: %s", status, strings.Join(codes, ","), msg)
	has := func(code string) bool {
		for _, c := range codes {
			if c == code {
				return true
			}
		}
		return false
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return banks.E(op, banks.Unavailable, err)
	case has("UK.OBIE.Resource.NotFound") || status == http.StatusNotFound:
		return banks.E(op, banks.NotFound, err)
	case status == http.StatusUnauthorized:
		return banks.E(op, banks.NotLinked, err)
	case status == http.StatusForbidden && (has("UK.OBIE.Resource.InvalidConsentStatus") || has("UK.OBIE.Reauthenticate")):
		return banks.E(op, banks.ConsentExpired, err)
	case status == http.StatusForbidden:
		return banks.E(op, banks.NotLinked, err)
	case status == http.StatusBadRequest:
		for _, c := range codes {
			if i := strings.LastIndexByte(c, '.'); !strings.HasPrefix(c, "UK.OBIE.") {
				if reason, ok := refusals[c[i+1:]]; ok {
					return &banks.Error{Op: op, Kind: banks.Forbidden, Reason: reason, Err: err}
				}
			}
		}
		return banks.E(op, banks.Invalid, err)
	}
	return banks.E(op, banks.Other, err)
}

// tokenError maps a failure to get an access token: the bank refused the
// refresh (the consent lapsed or was revoked), could not answer, or the
// customer has no usable token.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	var ne net.Error
	switch {
	case errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == http.StatusTooManyRequests || re.Response.StatusCode >= 500):
		return banks.E(op, banks.Unavailable, err)
	case errors.As(err, &re) && re.ErrorCode == "invalid_grant":
		return banks.E(op, banks.ConsentExpired, err)
	case errors.As(err, &re):
		return banks.E(op, banks.NotLinked, err)
	case banks.KindOf(err) != banks.Other:
		return banks.E(op, banks.KindOf(err), err)
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return banks.E(op, banks.Unavailable, err)
	}
	return banks.E(op, banks.NotLinked, err)
}

// page is the envelope of a response: Data, and Links to follow.
type page struct {
	Data  json.RawMessage
	Links struct{ Next string }
}

// pages reads a listing, following Links.Next while it stays within the
// API (a bank's broken link must not send the customer's token elsewhere).
func (c *Client) pages(ctx context.Context, op string, ts oauth2.TokenSource, first string, each func(data json.RawMessage) error) error {
	seen := map[string]bool{}
	for next := first; next != ""; {
		if seen[next] || len(seen) >= 1000 {
			return banks.Errorf(op, banks.Unavailable, "the bank's paging loops at %s", next)
		}
		seen[next] = true
		var p page
		if err := c.do(ctx, request{op: op, method: http.MethodGet, url: next, tokens: ts}, &p); err != nil {
			return err
		}
		if err := each(p.Data); err != nil {
			return err
		}
		if p.Links.Next == "" {
			return nil
		}
		u, err := c.accounts.Parse(p.Links.Next)
		if err != nil || !strings.HasPrefix(u.Path, c.accounts.Path+"/") {
			return banks.Errorf(op, banks.Unavailable, "the bank's Links.Next %q leaves the API", p.Links.Next)
		}
		// Links name the bank's public host, which may not be the one
		// Konto is configured with (a gateway, mutual TLS): the path and
		// query are followed, always at the configured host.
		u.Scheme, u.Host, u.User = c.accounts.Scheme, c.accounts.Host, nil
		next = u.String()
	}
	return nil
}

// endpoint joins an API base and path segments, each escaped.
func endpoint(base *url.URL, segments ...string) string {
	out := base.String()
	for _, s := range segments {
		out += "/" + url.PathEscape(s)
	}
	return out
}
