package banks_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kontoskill/konto/banks"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"1234.56", "USD", 123456, true}, {"0.5", "EUR", 50, true}, {"-20", "USD", -2000, true},
		{"12", "JPY", 12, true}, {"1.5", "JPY", 0, false}, {"1.234", "USD", 0, false}, {"abc", "USD", 0, false},
		{"", "USD", 0, false}, {"1.", "USD", 0, false}, {"--1", "USD", 0, false}, {"1e5", "USD", 0, false},
		{"99999999999999999", "USD", 0, false},
	}
	for _, c := range cases {
		got, err := banks.ParseMoney(c.in, c.cur)
		if (err == nil) != c.ok || (c.ok && got.Minor != c.want) {
			t.Errorf("ParseMoney(%q, %s) = %v, %v", c.in, c.cur, got, err)
		}
		if !c.ok && !errors.Is(err, banks.KindError(banks.Invalid)) {
			t.Errorf("ParseMoney(%q) error kind %v", c.in, banks.KindOf(err))
		}
	}
}

func TestMoneyDecimal(t *testing.T) {
	for _, c := range []struct {
		m    banks.Money
		want string
	}{
		{banks.Money{Minor: 123456, Currency: "USD"}, "1234.56"}, {banks.Money{Minor: -5, Currency: "EUR"}, "-0.05"},
		{banks.Money{Minor: 7, Currency: "JPY"}, "7"}, {banks.Money{Minor: 0, Currency: "USD"}, "0.00"},
	} {
		if got := c.m.Decimal(); got != c.want {
			t.Errorf("%v.Decimal() = %q, want %q", c.m, got, c.want)
		}
	}
}

func TestAddCurrencyMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("adding EUR to USD must panic")
		}
	}()
	banks.Money{Minor: 1, Currency: "USD"}.Add(banks.Money{Minor: 1, Currency: "EUR"})
}

func TestErrorKinds(t *testing.T) {
	base := banks.E("sandbox.Balance", banks.NotFound, errors.New("no account"))
	wrapped := fmt.Errorf("handler: %w", base)
	if !errors.Is(wrapped, banks.KindError(banks.NotFound)) || errors.Is(wrapped, banks.KindError(banks.Forbidden)) {
		t.Fatal("errors.Is by kind")
	}
	if banks.KindOf(wrapped) != banks.NotFound || banks.KindOf(errors.New("x")) != banks.Other {
		t.Fatal("KindOf")
	}
	outer := banks.E("skill", banks.Other, wrapped)
	if banks.KindOf(outer) != banks.NotFound {
		t.Fatal("KindOf looks through Other")
	}
	var e *banks.Error
	if !errors.As(wrapped, &e) || e.Op != "sandbox.Balance" {
		t.Fatal("errors.As")
	}
}
