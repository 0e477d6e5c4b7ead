package shipment_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/microshop/microshop/functions/shipping/internal/shipment"
)

var t0 = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

func TestTransitions(t *testing.T) {
	tests := []struct {
		name        string
		from        func() *shipment.Shipment
		deliver     bool // else cancel
		wantStatus  shipment.Status
		wantChanged bool
		wantErr     error
	}{
		{"deliver created", created, true, shipment.Delivered, true, nil},
		{"deliver delivered", delivered, true, shipment.Delivered, false, nil},
		{"deliver cancelled", cancelled, true, shipment.Cancelled, false, shipment.ErrCancelled},
		{"deliver tombstone", tombstone, true, shipment.Cancelled, false, shipment.ErrCancelled},
		{"cancel created", created, false, shipment.Cancelled, true, nil},
		{"cancel cancelled", cancelled, false, shipment.Cancelled, false, nil},
		{"cancel delivered", delivered, false, shipment.Delivered, false, shipment.ErrDelivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.from()
			before := s.Version()
			op := s.Cancel
			if tt.deliver {
				op = s.Deliver
			}
			changed, err := op(t0.Add(time.Hour))
			if !errors.Is(err, tt.wantErr) || changed != tt.wantChanged || s.Status() != tt.wantStatus {
				t.Errorf("got changed %v, err %v, status %s; want %v, %v, %s", changed, err, s.Status(), tt.wantChanged, tt.wantErr, tt.wantStatus)
			}
			wantVersion := before
			if changed {
				wantVersion++
			}
			if s.Version() != wantVersion {
				t.Errorf("version %d, want %d", s.Version(), wantVersion)
			}
		})
	}
}

func created() *shipment.Shipment { return shipment.New("o1", "c1", "MS123", t0) }

func delivered() *shipment.Shipment {
	s := created()
	_, _ = s.Deliver(t0)
	return s
}

func cancelled() *shipment.Shipment {
	s := created()
	_, _ = s.Cancel(t0)
	return s
}

func tombstone() *shipment.Shipment { return shipment.Tombstone("o1", "c1", t0) }

func TestNewTrackingNumber(t *testing.T) {
	shape := regexp.MustCompile(`^MS[2-9A-HJ-NP-Z]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		n := shipment.NewTrackingNumber()
		if !shape.MatchString(n) || seen[n] {
			t.Fatalf("tracking number %q: wrong shape or repeated", n)
		}
		seen[n] = true
	}
}
