package ukob_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kontoskill/konto/banks"
	"github.com/kontoskill/konto/banks/bankstest"
	"github.com/kontoskill/konto/banks/ukob"
)

func withCIBA(o *ukob.Options) { o.CIBA = true }

// TestConformanceCIBA runs the suite with payments approved by CIBA, the
// customer approving in the bank's app as soon as the payment waits.
func TestConformanceCIBA(t *testing.T) {
	w := newWorld(t, withCIBA)
	oliver, priya := w.link("oliver"), w.link("priya")
	bankstest.Run(t, bankstest.Subject{Connector: inTheApp{w.client, w.srv}, A: oliver, B: priya})
}

func TestCIBAPayment(t *testing.T) {
	var hinted []string
	w := newWorld(t, func(o *ukob.Options) {
		o.CIBA = true
		o.LoginHint = func(u banks.User) string { hinted = append(hinted, u.Customer); return u.Customer }
	})
	ctx := context.Background()
	oliver := w.link("oliver")
	payees, err := w.client.Payees(ctx, oliver)
	if err != nil || len(payees) == 0 {
		t.Fatalf("Payees = %+v, %v", payees, err)
	}
	p := banks.PaymentRequest{Key: "ciba-emily-1", FromAccountID: "oliver-checking", PayeeID: payees[0].ID, Amount: banks.Money{Minor: 1500, Currency: "GBP"}}
	before, _ := w.client.Balance(ctx, oliver, "oliver-checking")
	for i := 0; i < 3; i++ {
		res, err := w.client.Pay(ctx, oliver, p)
		if err != nil || !res.AwaitingApproval || res.Reference != "" {
			t.Fatalf("Pay %d before approval = %+v, %v", i+1, res, err)
		}
		if i == 1 {
			w.clock.Advance(6 * time.Second) // past the poll interval
		}
	}
	if len(hinted) != 1 || hinted[0] != "oliver" {
		t.Errorf("bc-authorize calls with login hints %v, want one for oliver", hinted)
	}
	pending, err := w.srv.Pending(ctx, "oliver")
	if err != nil || len(pending) != 1 || pending[0].Amount.Minor != 1500 {
		t.Fatalf("Pending = %+v, %v (one key, one consent)", pending, err)
	}
	if op, err := w.client.Operation(ctx, oliver, p.Key); err != nil || op.Applied {
		t.Errorf("Operation before approval = %+v, %v", op, err)
	}
	if err := w.srv.Decide(ctx, "oliver", pending[0].ConsentID, true); err != nil {
		t.Fatal(err)
	}
	res, err := w.client.Pay(ctx, oliver, p)
	if err != nil || res.AwaitingApproval || res.Reference == "" {
		t.Fatalf("Pay after approval = %+v, %v", res, err)
	}
	for i := 0; i < 2; i++ {
		again, err := w.client.Pay(ctx, oliver, p)
		if err != nil || again.Reference != res.Reference {
			t.Errorf("Pay again = %+v, %v; want %s", again, err, res.Reference)
		}
	}
	after, _ := w.client.Balance(ctx, oliver, "oliver-checking")
	if moved := before.Booked.Minor - after.Booked.Minor; moved != 1500 {
		t.Errorf("moved %d, want 1500 once", moved)
	}
	if op, err := w.client.Operation(ctx, oliver, p.Key); err != nil || !op.Applied || op.Reference != res.Reference {
		t.Errorf("Operation = %+v, %v", op, err)
	}

	// Rejected in the app.
	p2 := p
	p2.Key = "ciba-emily-2"
	if res, err := w.client.Pay(ctx, oliver, p2); err != nil || !res.AwaitingApproval {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	pending, _ = w.srv.Pending(ctx, "oliver")
	if len(pending) != 1 {
		t.Fatalf("Pending = %+v", pending)
	}
	if err := w.srv.Decide(ctx, "oliver", pending[0].ConsentID, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		_, err = w.client.Pay(ctx, oliver, p2)
		if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != "sca_rejected" {
			t.Errorf("Pay after rejection: %v, want sca_rejected", err)
		}
	}

	// Never approved.
	p3 := p
	p3.Key = "ciba-emily-3"
	if res, err := w.client.Pay(ctx, oliver, p3); err != nil || !res.AwaitingApproval {
		t.Fatalf("Pay = %+v, %v", res, err)
	}
	w.clock.Advance(11 * time.Minute)
	_, err = w.client.Pay(ctx, oliver, p3)
	if !errors.Is(err, banks.KindError(banks.Forbidden)) || banks.ReasonOf(err) != "sca_expired" {
		t.Errorf("Pay after the window: %v, want sca_expired", err)
	}
	final, _ := w.client.Balance(ctx, oliver, "oliver-checking")
	if final.Booked.Minor != after.Booked.Minor {
		t.Errorf("a rejected or expired payment moved money: %d -> %d", after.Booked.Minor, final.Booked.Minor)
	}
}

// TestCIBAUnknownCustomer: a login hint the bank does not know.
func TestCIBAUnknownCustomer(t *testing.T) {
	w := newWorld(t, func(o *ukob.Options) {
		o.CIBA = true
		o.LoginHint = func(banks.User) string { return "nobody" }
	})
	ctx := context.Background()
	oliver := w.link("oliver")
	_, err := w.client.Pay(ctx, oliver, banks.PaymentRequest{Key: "ciba-nobody", FromAccountID: "oliver-checking", ToAccountID: "oliver-savings",
		Amount: banks.Money{Minor: 100, Currency: "GBP"}})
	if !errors.Is(err, banks.KindError(banks.NotLinked)) {
		t.Errorf("Pay with an unknown login hint: %v, want NotLinked", err)
	}
}
