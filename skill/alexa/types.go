package alexa

import "encoding/json"

// RequestEnvelope is the part of an Alexa request Konto reads
// (ask-sdk-model RequestEnvelope).
type RequestEnvelope struct {
	Version string   `json:"version"`
	Session *Session `json:"session,omitempty"`
	Context struct {
		System struct {
			Application struct {
				ApplicationID string `json:"applicationId"`
			} `json:"application"`
			User User `json:"user"`
		} `json:"System"`
	} `json:"context"`
	Request Request `json:"request"`
}

// Session is the envelope's session.
type Session struct {
	New         bool   `json:"new"`
	SessionID   string `json:"sessionId"`
	Application struct {
		ApplicationID string `json:"applicationId"`
	} `json:"application"`
	Attributes map[string]any `json:"attributes,omitempty"`
	User       User           `json:"user"`
}

// User is the Alexa user.
type User struct {
	UserID      string `json:"userId"`
	AccessToken string `json:"accessToken,omitempty"`
}

// Request is the envelope's request, all types in one struct.
type Request struct {
	Type        string          `json:"type"`
	RequestID   string          `json:"requestId"`
	Timestamp   string          `json:"timestamp"`
	Locale      string          `json:"locale,omitempty"`
	DialogState string          `json:"dialogState,omitempty"`
	Intent      *Intent         `json:"intent,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Error       *RequestError   `json:"error,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
}

// RequestError is SessionEndedRequest.error and System.ExceptionEncountered.error.
type RequestError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Intent is an IntentRequest's intent.
type Intent struct {
	Name               string          `json:"name"`
	ConfirmationStatus string          `json:"confirmationStatus,omitempty"`
	Slots              map[string]Slot `json:"slots,omitempty"`
}

// Slot is one slot of an intent.
type Slot struct {
	Name        string       `json:"name"`
	Value       string       `json:"value,omitempty"`
	Resolutions *Resolutions `json:"resolutions,omitempty"`
}

// Resolutions carries entity resolution results.
type Resolutions struct {
	PerAuthority []struct {
		Authority string `json:"authority"`
		Status    struct {
			Code string `json:"code"`
		} `json:"status"`
		Values []struct {
			Value struct {
				Name string `json:"name"`
				ID   string `json:"id"`
			} `json:"value"`
		} `json:"values"`
	} `json:"resolutionsPerAuthority"`
}

// ResolvedID returns the id of the first successful entity resolution.
func (s Slot) ResolvedID() (string, bool) {
	if s.Resolutions == nil {
		return "", false
	}
	for _, a := range s.Resolutions.PerAuthority {
		if a.Status.Code == "ER_SUCCESS_MATCH" && len(a.Values) > 0 {
			return a.Values[0].Value.ID, true
		}
	}
	return "", false
}

// ResponseEnvelope is Konto's answer (ask-sdk-model ResponseEnvelope).
type ResponseEnvelope struct {
	Version           string         `json:"version"`
	SessionAttributes map[string]any `json:"sessionAttributes,omitempty"`
	Response          Response       `json:"response"`
}

// Response is the envelope's response. ShouldEndSession is a pointer so
// that it can be left out.
type Response struct {
	OutputSpeech     *OutputSpeech     `json:"outputSpeech,omitempty"`
	Card             *Card             `json:"card,omitempty"`
	Reprompt         *Reprompt         `json:"reprompt,omitempty"`
	Directives       []Directive       `json:"directives,omitempty"`
	ShouldEndSession *bool             `json:"shouldEndSession,omitempty"`
	CanFulfillIntent *CanFulfillIntent `json:"canFulfillIntent,omitempty"`
}

// OutputSpeech is plain text speech.
type OutputSpeech struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
}

// Reprompt is what Alexa says when the user stays silent.
type Reprompt struct {
	OutputSpeech *OutputSpeech `json:"outputSpeech"`
}

// Card is a Standard, Simple or LinkAccount card.
type Card struct {
	Type  string `json:"type"`
	Title string `json:"title,omitempty"`
	Text  string `json:"text,omitempty"`
}

// CanFulfillIntent answers a CanFulfillIntentRequest.
type CanFulfillIntent struct {
	CanFulfill string                    `json:"canFulfill"`
	Slots      map[string]CanFulfillSlot `json:"slots,omitempty"`
}

// CanFulfillSlot is one slot's verdict.
type CanFulfillSlot struct {
	CanUnderstand string `json:"canUnderstand"`
	CanFulfill    string `json:"canFulfill,omitempty"`
}

// Directive is a dialog directive (Dialog.ElicitSlot).
type Directive struct {
	Type          string         `json:"type"`
	SlotToElicit  string         `json:"slotToElicit,omitempty"`
	UpdatedIntent *UpdatedIntent `json:"updatedIntent,omitempty"`
}

// UpdatedIntent is the intent a dialog directive continues.
type UpdatedIntent struct {
	Name               string                 `json:"name"`
	ConfirmationStatus string                 `json:"confirmationStatus"`
	Slots              map[string]UpdatedSlot `json:"slots"`
}

// UpdatedSlot is a slot of an updated intent.
type UpdatedSlot struct {
	Name               string `json:"name"`
	ConfirmationStatus string `json:"confirmationStatus"`
}
