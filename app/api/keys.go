package api

import (
	"net/http"
	"time"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
)

// Key is Twilio's API Key resource (2010-04-01 API: RFC 2822 dates); the
// secret is present only in the answer to its creation.
type Key struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	DateCreated  string `json:"date_created"`
	DateUpdated  string `json:"date_updated"`
	Secret       string `json:"secret,omitempty"`
}

// routesKeys registers API key management, where Twilio has it.
func (s *Server) routesKeys(mux *http.ServeMux) {
	const base = "/2010-04-01/Accounts/{AccountSid}/"
	mux.HandleFunc("POST "+base+"Keys.json", s.accountOnly(s.createKey))
	mux.HandleFunc("GET "+base+"Keys.json", s.accountOnly(s.listKeys))
	mux.HandleFunc("GET "+base+"Keys/{Sid}", s.accountOnly(s.fetchKey))
	mux.HandleFunc("POST "+base+"Keys/{Sid}", s.accountOnly(s.updateKey))
	mux.HandleFunc("DELETE "+base+"Keys/{Sid}", s.accountOnly(s.deleteKey))
	mux.HandleFunc("/2010-04-01/", func(w http.ResponseWriter, r *http.Request) { writeError(w, notFound(r)) })
}

// accountOnly admits requests for this account made with the account's own
// credentials: an API key cannot manage keys.
func (s *Server) accountOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("AccountSid") != s.accountSID() {
			writeError(w, notFound(r))
			return
		}
		if p, ok := principal(r); !ok || p.KeySID != "" {
			writeError(w, apiError(http.StatusForbidden, CodeUnauthorized, "API keys cannot manage API keys: use the account's auth token"))
			return
		}
		h(w, r)
	}
}

func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func keyJSON(k *store.APIKey) Key {
	return Key{SID: k.SID, FriendlyName: k.FriendlyName, DateCreated: rfc2822(k.DateCreated), DateUpdated: rfc2822(k.DateUpdated)}
}

// keySID is the {Sid} path value without Twilio's ".json" suffix.
func keySID(r *http.Request) string {
	v := r.PathValue("Sid")
	if len(v) > 5 && v[len(v)-5:] == ".json" {
		v = v[:len(v)-5]
	}
	return v
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	secret := auth.NewToken() + auth.NewToken()
	k, err := s.Store.CreateAPIKey(r.Context(), sid.New(auth.KeyPrefix), f.Get("FriendlyName"), auth.HashSecret(secret))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := keyJSON(k)
	out.Secret = secret
	s.Log.Info("API key created", "key_sid", k.SID)
	writeJSON(w, http.StatusCreated, out)
}

// listKeys pages with the 2010 API's envelope (page, page_size, uris).
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	keys, err := s.Store.APIKeys(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	start := min(p.page*p.size, len(keys))
	end := min(start+p.size, len(keys))
	out := make([]Key, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, keyJSON(&keys[i]))
	}
	writeList2010(w, r, "keys", p, out, end < len(keys))
}

func (s *Server) updateKey(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	k, err := s.Store.RenameAPIKey(r.Context(), keySID(r), f.Get("FriendlyName"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyJSON(k))
}

func (s *Server) fetchKey(w http.ResponseWriter, r *http.Request) {
	keys, err := s.Store.APIKeys(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for i := range keys {
		if keys[i].SID == keySID(r) {
			writeJSON(w, http.StatusOK, keyJSON(&keys[i]))
			return
		}
	}
	writeError(w, notFound(r))
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteAPIKey(r.Context(), keySID(r)); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.Log.Info("API key revoked", "key_sid", keySID(r))
	w.WriteHeader(http.StatusNoContent)
}
