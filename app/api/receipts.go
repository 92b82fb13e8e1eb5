package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiml"
)

// DefaultReceiptTTL is how long a webhook's receipt is kept: a delivery
// of the same webhook within it answers as the first did and changes
// nothing. Twilio retries within seconds; proxies and queues may hold a
// webhook for hours.
const DefaultReceiptTTL = 48 * time.Hour

// maxReceiptBody caps the answer a receipt keeps (TwiML answers are small).
const maxReceiptBody = 256 << 10

// receiptKey is a webhook's dedupe key, "" when it has none. An SMS is its
// MessageSid. A call's first webhook is its CallSid; the call's other
// requests (action callbacks, status callbacks) carry the same CallSid and
// differ in what they report, so their key is the CallSid with a hash of
// the query and the form. The action URLs we answer with carry the step
// (FlowStep), so two callbacks of one call that report the same thing at
// different moments (the same key pressed twice at a menu) differ.
func receiptKey(flowSID string, r *http.Request, form url.Values) string {
	if sid := firstOf(form, "MessageSid", "SmsSid"); sid != "" {
		return "sms|" + flowSID + "|" + sid
	}
	call := form.Get("CallSid")
	if call == "" {
		return ""
	}
	q := r.URL.Query()
	if q.Get(flowEventParam) == "" && !callEnded(form.Get("CallStatus")) {
		return "call|" + flowSID + "|" + call
	}
	h := sha256.New()
	h.Write([]byte(q.Encode()))
	h.Write([]byte{0})
	h.Write([]byte(form.Encode()))
	return "call|" + flowSID + "|" + call + "|" + hex.EncodeToString(h.Sum(nil)[:16])
}

func firstOf(form url.Values, names ...string) string {
	for _, n := range names {
		if v := form.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// replay answers a webhook delivered before with the first answer. A
// receipt without an answer is one whose sprint committed while the process
// stopped before it answered: nothing runs again, and the answer is an
// empty TwiML response.
func replay(w http.ResponseWriter, log *slog.Logger, rc *store.Receipt) {
	if rc.Status == 0 {
		log.Warn("webhook delivered again; its first answer was never written, answering an empty response", "key", rc.Key)
		writeTwiML(w, &twiml.Response{})
		return
	}
	log.Info("webhook delivered again; answering as the first time", "key", rc.Key)
	if rc.ContentType != "" {
		w.Header().Set("Content-Type", rc.ContentType)
	}
	w.WriteHeader(rc.Status)
	_, _ = w.Write([]byte(rc.Body))
}

// recorder keeps a copy of the answer it passes on.
type recorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	if rw.body.Len()+len(b) > maxReceiptBody {
		rw.overflow = true
	} else {
		rw.body.Write(b)
	}
	return rw.ResponseWriter.Write(b)
}

// keyLocks serializes the deliveries of one webhook within the process, so
// that a repeat that arrives while the first is answered waits for its
// answer.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// receiptTTL is the configured age of receipts.
func (s *Server) receiptTTL() time.Duration {
	if s.ReceiptTTL > 0 {
		return s.ReceiptTTL
	}
	return DefaultReceiptTTL
}

// purgeReceipts deletes receipts past their age, at most once a minute and
// a bounded batch at a time, on the goroutine of a webhook that just
// answered.
func (s *Server) purgeReceipts(r *http.Request, log *slog.Logger) {
	now := time.Now()
	last := s.receiptPurge.Load()
	if now.UnixNano()-last < int64(time.Minute) || !s.receiptPurge.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	n, err := s.Store.PurgeReceipts(r.Context(), now.Add(-s.receiptTTL()), 1000)
	if err != nil {
		log.Error("webhook: purging old receipts", "err", err)
		return
	}
	if n > 0 {
		log.Debug("webhook: purged old receipts", "count", n)
	}
}

// unrecorded is the writer under a recorder: an answer written to it is
// not kept as the webhook's answer.
func unrecorded(w http.ResponseWriter) http.ResponseWriter {
	if rw, ok := w.(*recorder); ok {
		return rw.ResponseWriter
	}
	return w
}
