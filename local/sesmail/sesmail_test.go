package sesmail_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sesmail"
)

func send(t *testing.T, m *sesmail.Mailbox, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest(http.MethodPost, sesmail.SendPath, strings.NewReader(body)))
	return w
}

func simple(to, subject string) string {
	return `{"FromEmailAddress":"shop@example.com","Destination":{"ToAddresses":["` + to + `"]},` +
		`"Content":{"Simple":{"Subject":{"Data":"` + subject + `"},"Body":{"Text":{"Data":"x"}}}}}`
}

// The mailbox keeps its last size messages, oldest dropped first.
func TestMailboxIsBounded(t *testing.T) {
	m := sesmail.New(3)
	for i := range 5 {
		if w := send(t, m, simple("a@example.com", strconv.Itoa(i))); w.Code != http.StatusOK {
			t.Fatalf("send %d: %d %s", i, w.Code, w.Body)
		}
	}
	var got []string
	for _, msg := range m.Messages() {
		got = append(got, msg.Subject)
	}
	if diff := cmp.Diff([]string{"2", "3", "4"}, got); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
}

// Requests SES refuses get BadRequestException and leave the mailbox as it was.
func TestSendEmailRefuses(t *testing.T) {
	tests := []struct{ name, body string }{
		{"no content", `{"FromEmailAddress":"shop@example.com","Destination":{"ToAddresses":["a@example.com"]}}`},
		{"no recipient", `{"FromEmailAddress":"shop@example.com","Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"x"}}}}}`},
		{"no sender", `{"Destination":{"ToAddresses":["a@example.com"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"x"}}}}}`},
		{"bad recipient", simple("not-an-address", "s")},
		{"template", `{"FromEmailAddress":"shop@example.com","Destination":{"ToAddresses":["a@example.com"]},"Content":{"Template":{"TemplateName":"t"}}}`},
		{"not JSON", `{`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sesmail.New(0)
			w := send(t, m, tt.body)
			if w.Code != http.StatusBadRequest || w.Header().Get("X-Amzn-ErrorType") != "BadRequestException" {
				t.Errorf("got %d %q, want 400 BadRequestException", w.Code, w.Header().Get("X-Amzn-ErrorType"))
			}
			if n := len(m.Messages()); n != 0 {
				t.Errorf("%d messages kept, want none", n)
			}
		})
	}
}

// The mailbox API answers loopback clients only.
func TestMailboxAPILoopbackOnly(t *testing.T) {
	m := sesmail.New(0)
	send(t, m, simple("a@example.com", "hello"))
	tests := []struct {
		remote string
		want   int
	}{{"127.0.0.1:5000", http.StatusOK}, {"[::1]:5000", http.StatusOK}, {"192.0.2.7:5000", http.StatusForbidden}}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, sesmail.MailboxPath, nil)
		r.RemoteAddr = tt.remote
		w := httptest.NewRecorder()
		m.MailboxHandler().ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("from %s: %d, want %d", tt.remote, w.Code, tt.want)
		}
		if tt.want == http.StatusOK && !strings.Contains(w.Body.String(), `"subject":"hello"`) {
			t.Errorf("from %s: %s, want the message", tt.remote, w.Body)
		}
	}
}
