// Package sesmail is the local Amazon SES v2: it serves SendEmail (POST
// /v2/email/outbound-emails, Simple and Raw content) on the edge port and, instead of
// sending, keeps each message in a bounded in-memory mailbox that developers and tests read
// through a small JSON API (MailboxHandler).
package sesmail

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// DefaultSize is how many messages the mailbox keeps when New is given 0.
const DefaultSize = 1000

// SendPath is SES v2 SendEmail's path.
const SendPath = "/v2/email/outbound-emails"

// Message is one email a function sent.
type Message struct {
	MessageID string    `json:"messageId"`
	Time      time.Time `json:"time"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	Cc        []string  `json:"cc,omitempty"`
	Bcc       []string  `json:"bcc,omitempty"`
	ReplyTo   []string  `json:"replyTo,omitempty"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text,omitempty"`
	HTML      string    `json:"html,omitempty"`
	// Raw is the whole MIME message of Raw content.
	Raw string `json:"raw,omitempty"`
}

// Mailbox keeps the last messages sent, oldest dropped first. It is safe for concurrent use.
type Mailbox struct {
	mu   sync.Mutex
	msgs []Message // ring: message n (from 0) is at msgs[n%size]
	next int
	size int
}

// New returns an empty Mailbox keeping size messages (DefaultSize when size <= 0).
func New(size int) *Mailbox {
	if size <= 0 {
		size = DefaultSize
	}
	return &Mailbox{size: size}
}

func (m *Mailbox) add(msg Message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.msgs) < m.size {
		m.msgs = append(m.msgs, msg)
	} else {
		m.msgs[m.next%m.size] = msg
	}
	m.next++
}

// Messages returns the messages kept, oldest first.
func (m *Mailbox) Messages() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Message, 0, len(m.msgs))
	for n := m.next - len(m.msgs); n < m.next; n++ {
		out = append(out, m.msgs[n%m.size])
	}
	return out
}

// sendInput is SendEmail's request, as far as the local mailbox reads it.
type sendInput struct {
	FromEmailAddress string
	Destination      *struct {
		ToAddresses, CcAddresses, BccAddresses []string
	}
	ReplyToAddresses []string
	Content          *struct {
		Simple *struct {
			Subject *struct{ Data string }
			Body    *struct {
				Text, Html *struct{ Data string }
			}
		}
		Raw *struct {
			Data []byte // base64 in JSON
		}
		Template json.RawMessage
	}
}

// badRequest is SES's BadRequestException.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// ServeHTTP serves SendEmail; any other SES request is refused as not served.
func (m *Mailbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != SendPath {
		writeError(w, http.StatusNotFound, "NotFoundException", "the local runtime serves only SES v2 SendEmail (POST "+SendPath+")")
		return
	}
	var in sendInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 40<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "invalid request body: "+err.Error())
		return
	}
	msg, err := message(in)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", err.Error())
		return
	}
	m.add(msg)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": msg.MessageID})
}

// message validates in as SES does and turns it into a Message.
func message(in sendInput) (Message, error) {
	msg := Message{MessageID: newMessageID(), Time: time.Now().UTC(), From: in.FromEmailAddress, ReplyTo: in.ReplyToAddresses}
	if d := in.Destination; d != nil {
		msg.To, msg.Cc, msg.Bcc = d.ToAddresses, d.CcAddresses, d.BccAddresses
	}
	c := in.Content
	switch {
	case c == nil || (c.Simple == nil && c.Raw == nil && c.Template == nil):
		return Message{}, badRequest("Content is required: one of Simple, Raw or Template")
	case c.Template != nil:
		return Message{}, badRequest("the local runtime does not send Template content")
	case c.Simple != nil:
		s := c.Simple
		if s.Subject == nil || s.Body == nil || (s.Body.Text == nil && s.Body.Html == nil) {
			return Message{}, badRequest("Simple content needs a Subject and a Body with Text or Html")
		}
		msg.Subject = s.Subject.Data
		if s.Body.Text != nil {
			msg.Text = s.Body.Text.Data
		}
		if s.Body.Html != nil {
			msg.HTML = s.Body.Html.Data
		}
	default:
		if err := readRaw(&msg, c.Raw.Data); err != nil {
			return Message{}, err
		}
	}
	if msg.From == "" {
		return Message{}, badRequest("FromEmailAddress is required")
	}
	if _, err := mail.ParseAddress(msg.From); err != nil {
		return Message{}, badRequest("Illegal address: " + msg.From)
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		return Message{}, badRequest("Missing final '@domain'") // SES's answer to no recipient
	}
	for _, a := range append(append(append([]string(nil), msg.To...), msg.Cc...), msg.Bcc...) {
		if _, err := mail.ParseAddress(a); err != nil {
			return Message{}, badRequest("Illegal address: " + a)
		}
	}
	return msg, nil
}

// readRaw fills msg from a raw MIME message: the headers SES reads when Destination or
// FromEmailAddress are not given, the subject, and a single-part body as Text.
func readRaw(msg *Message, raw []byte) error {
	if len(raw) == 0 {
		return badRequest("Raw content needs Data")
	}
	msg.Raw = string(raw)
	parsed, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return badRequest("Raw content is not a MIME message: " + err.Error())
	}
	h := parsed.Header
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(h.Get("Subject")); err == nil {
		msg.Subject = s
	}
	if msg.From == "" {
		msg.From = h.Get("From")
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		for _, f := range []struct {
			key string
			dst *[]string
		}{{"To", &msg.To}, {"Cc", &msg.Cc}, {"Bcc", &msg.Bcc}} {
			if h.Get(f.key) == "" {
				continue
			}
			list, err := h.AddressList(f.key)
			if err != nil {
				return badRequest("Illegal address in " + f.key + " header")
			}
			for _, a := range list {
				*f.dst = append(*f.dst, a.Address)
			}
		}
	}
	if ct := h.Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/plain") {
		body, _ := io.ReadAll(io.LimitReader(parsed.Body, 10<<20))
		msg.Text = string(body)
	}
	return nil
}

// newMessageID returns an ID shaped like SES's (hex groups, then a dated suffix).
func newMessageID() string {
	var b [16]byte
	for i := range 2 {
		v := rand.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	h := hex.EncodeToString(b[:])
	return "0100" + h[:12] + "-" + h[12:20] + "-" + h[20:24] + "-" + h[24:] + "-000000"
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// MailboxPath is where MailboxHandler is mounted on the edge.
const MailboxPath = "/_console/api/mail"

// MailboxHandler serves the mailbox as JSON to loopback clients: GET returns
// {"messages": [...]} oldest first, only those sent to ?to=<address> when given.
func (m *Mailbox) MailboxHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !loopback(r.RemoteAddr) {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(apiError("Forbidden", "the mailbox is served to loopback clients only"))
			return
		}
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			_ = json.NewEncoder(w).Encode(apiError("MethodNotAllowed", "the mailbox is read with GET"))
			return
		}
		msgs := m.Messages()
		if to := r.URL.Query().Get("to"); to != "" {
			kept := msgs[:0]
			for _, msg := range msgs {
				if sentTo(msg, to) {
					kept = append(kept, msg)
				}
			}
			msgs = kept
		}
		_ = json.NewEncoder(w).Encode(map[string][]Message{"messages": msgs})
	})
}

// apiError is the console API's error body.
func apiError(code, message string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": message}, "requestId": newMessageID()}
}

func sentTo(msg Message, addr string) bool {
	for _, list := range [][]string{msg.To, msg.Cc, msg.Bcc} {
		for _, a := range list {
			if p, err := mail.ParseAddress(a); err == nil && strings.EqualFold(p.Address, addr) {
				return true
			}
		}
	}
	return false
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
