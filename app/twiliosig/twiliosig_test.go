package twiliosig

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// The reference's golden vector (checked with Python).
const (
	goldenURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	goldenToken = "12345"
	goldenSig   = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
)

func goldenParams() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+12349013030"},
		"Digits":  {"1234"},
		"From":    {"+12349013030"},
		"To":      {"+18005551212"},
	}
}

func TestSignGolden(t *testing.T) {
	require.Equal(t, goldenSig, Sign(goldenToken, goldenURL, goldenParams()))
}

func TestValidate(t *testing.T) {
	repeated := url.Values{"To": {"+1555"}, "MediaUrl": {"b", "a"}}
	tests := []struct {
		name   string
		token  string
		url    string
		params url.Values
		sig    string
		want   bool
	}{
		{"golden", goldenToken, goldenURL, goldenParams(), goldenSig, true},
		{"golden with :443", goldenToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", goldenParams(), goldenSig, true},
		{"signed with :443, checked without", goldenToken, goldenURL, goldenParams(),
			Sign(goldenToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", goldenParams()), true},
		{"http with :80", "t", "http://example.com:80/x", nil, Sign("t", "http://example.com/x", nil), true},
		{"http without :80", "t", "http://example.com/x", nil, Sign("t", "http://example.com:80/x", nil), true},
		{"other port is not dropped", "t", "http://example.com:8080/x", nil, Sign("t", "http://example.com/x", nil), false},
		{"wrong token", "54321", goldenURL, goldenParams(), goldenSig, false},
		{"changed param", goldenToken, goldenURL, url.Values{"Digits": {"1"}}, goldenSig, false},
		{"changed url", goldenToken, "https://mycompany.com/myapp.php?foo=1", goldenParams(), goldenSig, false},
		{"empty signature", goldenToken, goldenURL, goldenParams(), "", false},
		{"empty token", "", goldenURL, goldenParams(), Sign("", goldenURL, goldenParams()), false},
		{"repeated key in order", "t", "http://h/x", repeated, Sign("t", "http://h/x", repeated), true},
		{"repeated key sorted", "t", "http://h/x", repeated, Sign("t", "http://h/x", url.Values{"To": {"+1555"}, "MediaUrl": {"a", "b"}}), true},
		{"ipv6 host", "t", "http://[::1]/x", nil, Sign("t", "http://[::1]:80/x", nil), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Validate(tt.token, tt.url, tt.params, tt.sig))
		})
	}
}

func TestVariants(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://a.com/p?q=1", []string{"https://a.com/p?q=1", "https://a.com:443/p?q=1"}},
		{"https://a.com:443/p", []string{"https://a.com:443/p", "https://a.com/p"}},
		{"http://a.com", []string{"http://a.com", "http://a.com:80"}},
		{"http://a.com:81/p", []string{"http://a.com:81/p"}},
		{"ftp://a.com/p", []string{"ftp://a.com/p"}},
		{"/relative", []string{"/relative"}},
		{"https://a.com/p%2Fq?x=%20", []string{"https://a.com/p%2Fq?x=%20", "https://a.com:443/p%2Fq?x=%20"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, Variants(tt.in))
		})
	}
}

func FuzzValidate(f *testing.F) {
	f.Add(goldenToken, goldenURL, "Digits", "1234", goldenSig)
	f.Add("", "", "", "", "")
	f.Add("t", "http://[::1]:80/x?y", "a", "b", "=")
	f.Add("t", "https://a:b@c:443/%zz", "k", "v", "!!")
	f.Fuzz(func(t *testing.T, token, rawURL, key, value, sig string) {
		params := url.Values{key: {value, value + "x"}}
		_ = Validate(token, rawURL, params, sig)
		_ = Variants(rawURL)
		if token != "" && !Validate(token, rawURL, params, Sign(token, rawURL, params)) {
			t.Fatalf("own signature rejected for %q", rawURL)
		}
	})
}
