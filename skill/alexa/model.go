package alexa

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kontoskill/konto/intents"
)

// InteractionModel is the Alexa interaction model schema (PROTOCOLS.md §1.9).
type InteractionModel struct {
	InteractionModel struct {
		LanguageModel LanguageModel `json:"languageModel"`
		Dialog        *Dialog       `json:"dialog,omitempty"`
		Prompts       []Prompt      `json:"prompts,omitempty"`
	} `json:"interactionModel"`
}

// LanguageModel holds intents and slot types.
type LanguageModel struct {
	InvocationName     string         `json:"invocationName"`
	Intents            []ModelIntent  `json:"intents"`
	Types              []SlotType     `json:"types,omitempty"`
	ModelConfiguration map[string]any `json:"modelConfiguration,omitempty"`
}

// ModelIntent is one intent with its slots and samples.
type ModelIntent struct {
	Name    string      `json:"name"`
	Slots   []ModelSlot `json:"slots,omitempty"`
	Samples []string    `json:"samples"`
}

// ModelSlot is a slot of an intent.
type ModelSlot struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Samples []string `json:"samples,omitempty"`
}

// SlotType is a custom slot type.
type SlotType struct {
	Name   string      `json:"name"`
	Values []TypeValue `json:"values"`
}

// TypeValue is one value of a custom slot type.
type TypeValue struct {
	ID   string `json:"id"`
	Name struct {
		Value    string   `json:"value"`
		Synonyms []string `json:"synonyms,omitempty"`
	} `json:"name"`
}

// Dialog is the dialog model.
type Dialog struct {
	DelegationStrategy string         `json:"delegationStrategy"`
	Intents            []DialogIntent `json:"intents"`
}

// DialogIntent is an intent of the dialog model.
type DialogIntent struct {
	Name                 string            `json:"name"`
	DelegationStrategy   string            `json:"delegationStrategy,omitempty"`
	ConfirmationRequired bool              `json:"confirmationRequired"`
	Prompts              map[string]string `json:"prompts"`
	Slots                []DialogSlot      `json:"slots"`
}

// DialogSlot is a slot of a dialog intent.
type DialogSlot struct {
	Name                 string            `json:"name"`
	Type                 string            `json:"type"`
	ElicitationRequired  bool              `json:"elicitationRequired"`
	ConfirmationRequired bool              `json:"confirmationRequired"`
	Prompts              map[string]string `json:"prompts"`
}

// Prompt is a prompt referenced by the dialog model.
type Prompt struct {
	ID         string `json:"id"`
	Variations []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"variations"`
}

// DefaultInvocation is the invocation name per language.
func DefaultInvocation(locale string) string {
	if intents.German(locale) {
		return "meine bank"
	}
	return "my bank"
}

// sampleOK is what Alexa accepts in a sample: lower-case letters (with
// umlauts), apostrophes, periods, spaces and {slot} references; no digits.
var sampleOK = regexp.MustCompile(`^[\p{Ll}' .{}_]+$`)

var invocationOK = regexp.MustCompile(`^[\p{Ll} ]+$`)

// BuildModel exports the catalog for one locale as an Alexa interaction
// model: custom intents with their samples ({slot} placeholders kept),
// custom slot types with ids and synonyms, Amazon's built-ins, and a dialog
// model that confirms TransferMoney and PayBill.
func BuildModel(locale, invocation string) (*InteractionModel, error) {
	if invocation == "" {
		invocation = DefaultInvocation(locale)
	}
	invocation = strings.ToLower(strings.TrimSpace(invocation))
	if !invocationOK.MatchString(invocation) || len(strings.Fields(invocation)) < 2 || strings.Contains(invocation, "alexa") {
		return nil, fmt.Errorf("invocation name %q: use two or more lower-case words, without \"alexa\"", invocation)
	}
	samples, _, err := intents.Samples(locale)
	if err != nil {
		return nil, err
	}
	currencyWord := "dollars"
	if intents.German(locale) {
		currencyWord = "euro"
	}
	m := &InteractionModel{}
	lm := &m.InteractionModel.LanguageModel
	lm.InvocationName = invocation
	lm.ModelConfiguration = map[string]any{"fallbackIntentSensitivity": map[string]string{"level": "MEDIUM"}}
	used := map[string]bool{}  // samples must be unique across intents
	types := map[string]bool{} // custom types referenced
	for _, in := range intents.Catalog {
		if b, ok := builtinOf[in.Name]; ok {
			lm.Intents = append(lm.Intents, ModelIntent{Name: b, Samples: []string{}})
			continue
		}
		mi := ModelIntent{Name: in.Name, Samples: []string{}}
		literal := slotWords(in, locale)
		for _, s := range in.Slots {
			typ := alexaType(in.SlotTypes[s])
			mi.Slots = append(mi.Slots, ModelSlot{Name: s, Type: typ})
			if !strings.HasPrefix(typ, "AMAZON.") {
				types[typ] = true
			}
		}
		for _, t := range samples[in.Name] {
			for _, v := range sampleVariants(t, currencyWord) {
				if !sampleOK.MatchString(v) || used[v] || literal(v) {
					continue // (a slot's value written out would reach Konto without the slot)
				}
				if slot, only := slotOnly(v); only {
					// A bare slot ("{pin}") answers an elicitation: it
					// belongs to the slot's samples, not the intent's.
					for i := range mi.Slots {
						if mi.Slots[i].Name == slot {
							mi.Slots[i].Samples = append(mi.Slots[i].Samples, v)
						}
					}
					continue
				}
				used[v] = true
				mi.Samples = append(mi.Samples, v)
			}
		}
		lm.Intents = append(lm.Intents, mi)
	}
	lm.Intents = append(lm.Intents, ModelIntent{Name: "AMAZON.NavigateHomeIntent", Samples: []string{}})
	for _, name := range sortedTypeNames(types) {
		st := SlotType{Name: name}
		for _, v := range intents.SlotTypes[name] {
			forms := v.Forms(locale)
			if len(forms) == 0 {
				continue
			}
			var tv TypeValue
			tv.ID = strings.ToUpper(v.ID)
			tv.Name.Value = forms[0]
			tv.Name.Synonyms = forms[1:]
			st.Values = append(st.Values, tv)
		}
		if len(st.Values) == 0 {
			return nil, fmt.Errorf("slot type %s has no values for %s", name, locale)
		}
		lm.Types = append(lm.Types, st)
	}
	m.InteractionModel.Dialog, m.InteractionModel.Prompts = dialogModel(locale)
	return m, nil
}

// slotWords tells a sample that writes out a value of one of the intent's
// custom slots ("how much did i spend on groceries"): Alexa would match it
// and send no slot, so it is left out of the model (the recognizer still
// trains on it).
func slotWords(in intents.Intent, locale string) func(sample string) bool {
	var forms []string
	for _, s := range in.Slots {
		for _, v := range intents.SlotTypes[in.SlotTypes[s]] {
			for _, f := range v.Forms(locale) {
				if f = strings.ToLower(strings.TrimSpace(f)); len(f) >= 3 {
					forms = append(forms, " "+f+" ")
				}
			}
		}
	}
	return func(sample string) bool {
		t := " " + sample + " "
		for _, f := range forms {
			if strings.Contains(t, f) {
				return true
			}
		}
		return false
	}
}

// sampleVariants turns a training template into Alexa samples: amounts
// are spoken with the currency word ("{amount} dollars").
func sampleVariants(t, currencyWord string) []string {
	t = strings.ToLower(strings.TrimSpace(t))
	if strings.Contains(t, "{amount}") {
		return []string{strings.Replace(t, "{amount}", "{amount} "+currencyWord, 1)}
	}
	return []string{t}
}

func slotOnly(sample string) (string, bool) {
	if strings.HasPrefix(sample, "{") && strings.HasSuffix(sample, "}") && strings.Count(sample, "{") == 1 {
		return sample[1 : len(sample)-1], true
	}
	return "", false
}

func sortedTypeNames(m map[string]bool) []string {
	var out []string
	for _, in := range []string{"ACCOUNT", "CARD", "BILLER", "CATEGORY", "MERCHANT", "PAYEE"} {
		if m[in] {
			out = append(out, in)
			delete(m, in)
		}
	}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// dialogIntents are the intents whose slots Konto may ask for; they are in
// the dialog model so that Dialog.ElicitSlot can continue them.
var dialogIntents = map[string]bool{
	intents.TransferMoney: true, intents.PayBill: true, intents.ProvidePin: true, intents.LockCard: true,
	intents.UnlockCard: true, intents.ReportLostCard: true, intents.ReplaceCard: true, intents.FreezeAccount: true,
	intents.ReportFraud: true, intents.OrderChecks: true, intents.AccountDetails: true,
}

func dialogModel(locale string) (*Dialog, []Prompt) {
	d := &Dialog{DelegationStrategy: "SKILL_RESPONSE"}
	var prompts []Prompt
	text := map[string][2]string{
		intents.TransferMoney: {"Shall I make this transfer?", "Soll ich diese Überweisung ausführen?"},
		intents.PayBill:       {"Shall I pay this bill?", "Soll ich diese Rechnung bezahlen?"},
	}
	for _, in := range intents.Catalog {
		if !dialogIntents[in.Name] {
			continue
		}
		di := DialogIntent{Name: in.Name, Prompts: map[string]string{}}
		for _, s := range in.Slots {
			di.Slots = append(di.Slots, DialogSlot{Name: s, Type: alexaType(in.SlotTypes[s]), Prompts: map[string]string{}})
		}
		if !in.Confirm {
			d.Intents = append(d.Intents, di)
			continue
		}
		id := "Confirm.Intent." + in.Name
		di.ConfirmationRequired, di.Prompts["confirmation"] = true, id
		d.Intents = append(d.Intents, di)
		p := Prompt{ID: id}
		v := text[in.Name][0]
		if intents.German(locale) {
			v = text[in.Name][1]
		}
		p.Variations = append(p.Variations, struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		}{"PlainText", v})
		prompts = append(prompts, p)
	}
	return d, prompts
}

// builtinOf names the Amazon built-in intent a catalog intent is.
var builtinOf = map[string]string{
	intents.Yes: "AMAZON.YesIntent", intents.No: "AMAZON.NoIntent", intents.Help: "AMAZON.HelpIntent",
	intents.Stop: "AMAZON.StopIntent", intents.Cancel: "AMAZON.CancelIntent", intents.Repeat: "AMAZON.RepeatIntent",
	intents.Fallback: "AMAZON.FallbackIntent",
}

// alexaType is the Alexa slot type of a catalog slot type: the
// catalog's neutral NUMBER, DATE and PIN are Amazon built-ins; the
// others are custom types exported with their values.
func alexaType(catalogType string) string {
	switch catalogType {
	case "NUMBER":
		return "AMAZON.NUMBER"
	case "DATE":
		return "AMAZON.DATE"
	case "PIN":
		return "AMAZON.FOUR_DIGIT_NUMBER"
	}
	return catalogType
}
