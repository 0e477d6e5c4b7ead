//go:build !linux

package timerslack

import "time"

func current() (time.Duration, error) { return 0, nil }

func ensure(time.Duration) error { return nil }
