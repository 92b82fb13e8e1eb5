// Package twiliosig computes and checks X-Twilio-Signature, the header with
// which Twilio signs its webhook requests: base64(HMAC-SHA1(auth token, the
// full URL followed by every POST parameter, sorted by name, as name+value)).
// A parameter sent more than once contributes each of its values, in order.
package twiliosig

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Twilio's scheme is HMAC-SHA1; HMAC keeps it sound.
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// Header is the request header that carries the signature.
const Header = "X-Twilio-Signature"

// Sign returns the signature of a request to rawURL with the POST params.
func Sign(authToken, rawURL string, params url.Values) string {
	return sign(authToken, rawURL, params, false)
}

func sign(authToken, rawURL string, params url.Values, sortValues bool) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(rawURL))
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := params[k]
		if sortValues && len(vals) > 1 {
			vals = slices.Sorted(slices.Values(vals))
		}
		for _, v := range vals {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Validate reports whether signature signs a request to rawURL with the POST
// params. Like Twilio's own validators it accepts the URL as given, with the
// scheme's default port added, and with it removed; a parameter sent more
// than once may contribute its values in order or sorted. Comparisons run in
// constant time.
func Validate(authToken, rawURL string, params url.Values, signature string) bool {
	if signature == "" || authToken == "" {
		return false
	}
	repeated := false
	for _, v := range params {
		if len(v) > 1 {
			repeated = true
			break
		}
	}
	ok := 0
	for _, u := range Variants(rawURL) {
		ok |= subtle.ConstantTimeCompare([]byte(sign(authToken, u, params, false)), []byte(signature))
		if repeated {
			ok |= subtle.ConstantTimeCompare([]byte(sign(authToken, u, params, true)), []byte(signature))
		}
	}
	return ok == 1
}

// Variants returns rawURL as given, then (when it is an http or https URL)
// the same URL with the scheme's default port added or removed. Only the
// authority changes; the rest of the URL keeps its bytes.
func Variants(rawURL string) []string {
	out := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil {
		return out
	}
	def := map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	if def == "" {
		return out
	}
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return out
	}
	rest := rawURL[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host := u.Hostname()
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	var authority string
	switch u.Port() {
	case "":
		authority = host + ":" + def
	case def:
		authority = host
	default:
		return out
	}
	return append(out, rawURL[:i+3]+authority+rest[end:])
}
