package cognito_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/microshop/microshop/local/cognito"
)

// BenchmarkInitiateAuth is sign-in latency through the edge with the SDK: USER_PASSWORD_AUTH,
// a new session, and an access and an ID token signed with RS256. At bcrypt's default cost
// (what the runtime uses) the password check is most of the time, on purpose; the minimum
// cost shows the rest of the path.
func BenchmarkInitiateAuth(b *testing.B) {
	for _, cost := range []int{bcrypt.DefaultCost, bcrypt.MinCost} {
		b.Run(fmt.Sprintf("bcrypt-cost-%d", cost), func(b *testing.B) {
			s := start(b, cognito.Options{PasswordCost: cost, AutoConfirm: true})
			s.signUp(b, "bench@example.com")
			s.mustSignIn(b, "bench@example.com") // warm the connection

			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				began := time.Now()
				s.mustSignIn(b, "bench@example.com")
				lat = append(lat, time.Since(began))
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
