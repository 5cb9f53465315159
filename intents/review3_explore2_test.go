package intents

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReview3ExploreConf(t *testing.T) {
	if os.Getenv("REV3_UTTS") == "" {
		t.Skip()
	}
	rec := NewOffline()
	for _, u := range strings.Split(os.Getenv("REV3_UTTS"), ";;") {
		parts := strings.SplitN(u, "|", 2)
		res, _ := rec.Parse(context.Background(), parts[1], parts[0], time.Now())
		t.Logf("%q -> %s %.2f %v", parts[1], res.Intent, res.Confidence, res.Slots)
	}
}
