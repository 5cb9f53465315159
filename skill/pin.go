package skill

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Voice PINs are stored as argon2id hashes with a random salt, at the
// cost OWASP recommends (19 MiB, two passes), so that a stolen database
// does not give up four-digit PINs cheaply.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// A PIN is first keyed with an HMAC under the data directory's secret and
// bound to its customer, then hashed with argon2id: a stolen database
// alone gives up nothing, since trying the 10,000 PINs needs the secret.
// Hashes written before keying ("argon2id$...") still verify and are
// replaced at the next right PIN.
const keyedPrefix = "argon2id+hmac"

// pinInput is what argon2 hashes: HMAC-SHA256(key, customer, pin).
func pinInput(key []byte, bank, customer, pin string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("konto-voice-pin\x00" + bank + "\x00" + customer + "\x00" + pin))
	return m.Sum(nil)
}

// HashPIN returns the encoded keyed argon2id hash of a customer's PIN.
func HashPIN(key []byte, bank, customer, pin string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	release := acquireHash()
	defer release()
	sum := argon2.IDKey(pinInput(key, bank, customer, pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("%s$v=19$m=%d,t=%d,p=%d$%s$%s", keyedPrefix, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(sum))
}

// VerifyPIN checks a PIN against an encoded hash in constant time;
// legacy reports a right PIN whose hash predates keying.
func VerifyPIN(key []byte, bank, customer, encoded, pin string) (ok, legacy bool) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 5 || (parts[0] != keyedPrefix && parts[0] != "argon2id") {
		return false, false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[3])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[4])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false, false
	}
	input := []byte(pin)
	if parts[0] == keyedPrefix {
		input = pinInput(key, bank, customer, pin)
	}
	release := acquireHash()
	defer release()
	got := argon2.IDKey(input, salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && parts[0] != keyedPrefix
}

// hashSlots bounds the argon2 work running at once: each hash takes
// 19 MiB and a core for ~20 ms, so a burst of PIN answers queues here
// instead of exhausting memory.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func acquireHash() (release func()) {
	hashSlots <- struct{}{}
	return func() { <-hashSlots }
}
