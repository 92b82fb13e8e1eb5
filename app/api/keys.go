package api

import (
	"net/http"
	"strconv"
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

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.Store.APIKeys(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]Key, len(keys))
	for i := range keys {
		out[i] = keyJSON(&keys[i])
	}
	uri := r.URL.Path
	writeJSON(w, http.StatusOK, map[string]any{
		"keys": out, "page": 0, "page_size": len(out), "start": 0, "end": max(len(out)-1, 0),
		"uri": uri, "first_page_uri": uri + "?PageSize=" + strconv.Itoa(max(len(out), 50)) + "&Page=0",
		"next_page_uri": nil, "previous_page_uri": nil,
	})
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
