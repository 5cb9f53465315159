//go:build konto_failpoints

package main

import (
	"os"
	"syscall"
)

// In a crash-test binary, KONTO_FAILPOINT=NAME kills the process with
// SIGKILL at that point of a turn: no deferred function, no flush.
func init() {
	failpoint = func(name string) {
		if os.Getenv("KONTO_FAILPOINT") == name {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
}
