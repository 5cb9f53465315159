package skill

import (
	"context"

	"github.com/kontoskill/konto/banks"
)

// The user's saved payees and billers, asked of the bank once a turn:
// the read-back, the resolver, the follow-ups and the guards all look at
// them, and each used to ask again. An error or a bank without
// recipients gives none (ok false); nothing is cached across turns, and
// the lists are the user's the turn had when they were asked (listsFor).

func (s *Skill) userPayees(ctx context.Context, r *Request) ([]banks.Payee, bool) {
	if r.turn != nil && r.turn.payeeList != nil && r.turn.listsFor == ownerOf(r.User) {
		return *r.turn.payeeList, true
	}
	rec, ok := s.cfg.Bank.(banks.Recipients)
	if !ok {
		return nil, false
	}
	payees, err := rec.Payees(ctx, r.User)
	if err != nil {
		return nil, false
	}
	if r.turn != nil {
		if r.turn.listsFor != ownerOf(r.User) {
			r.turn.billerList = nil
		}
		r.turn.payeeList, r.turn.listsFor = &payees, ownerOf(r.User)
	}
	return payees, true
}

func (s *Skill) userBillers(ctx context.Context, r *Request) ([]banks.Biller, bool) {
	if r.turn != nil && r.turn.billerList != nil && r.turn.listsFor == ownerOf(r.User) {
		return *r.turn.billerList, true
	}
	rec, ok := s.cfg.Bank.(banks.Recipients)
	if !ok {
		return nil, false
	}
	billers, err := rec.Billers(ctx, r.User)
	if err != nil {
		return nil, false
	}
	if r.turn != nil {
		if r.turn.listsFor != ownerOf(r.User) {
			r.turn.payeeList = nil
		}
		r.turn.billerList, r.turn.listsFor = &billers, ownerOf(r.User)
	}
	return billers, true
}
