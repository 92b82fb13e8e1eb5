package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRenderLiquid(t *testing.T) {
	f := newFixture(t)
	ctx := `{"flow":{"variables":{"count":3}},"trigger":{"call":{"From":"+15550100"}},"widgets":{"menu":{"Digits":"1"}}}`
	tests := []struct {
		name     string
		form     url.Values
		status   int
		rendered any    // string when rendered
		kind     string // error kind when the render failed
		line     float64
	}{
		{"context values and filters", url.Values{"Template": {"{{trigger.call.From}} pressed {{widgets.menu.Digits | plus: 1}}"}, "Context": {ctx}}, 200, "+15550100 pressed 2", "", 0},
		{"numbers stay numbers", url.Values{"Template": {"{% if flow.variables.count > 2 %}many{% endif %}"}, "Context": {ctx}}, 200, "many", "", 0},
		{"missing values render empty", url.Values{"Template": {"[{{widgets.nobody.Digits}}]"}, "Context": {ctx}}, 200, "[]", "", 0},
		{"no context", url.Values{"Template": {"{{ 'x' | upcase }}"}}, 200, "X", "", 0},
		{"plain text", url.Values{"Template": {"no markup"}}, 200, "no markup", "", 0},
		{"parse error with its line", url.Values{"Template": {"line one\n{% if %}"}}, 200, nil, "parse", 2},
		{"include is not Studio's", url.Values{"Template": {"{% include 'x' %}"}}, 200, nil, "parse", 1},
		{"loop bomb stops", url.Values{"Template": {"{% for i in (1..100000000) %}x{% endfor %}"}}, 200, nil, "loop too long", 0},
		{"template missing", url.Values{"Context": {ctx}}, 400, nil, "", 0},
		{"context not JSON", url.Values{"Template": {"x"}, "Context": {"{nope"}}, 400, nil, "", 0},
		{"context not an object", url.Values{"Template": {"x"}, "Context": {"[1]"}}, 400, nil, "", 0},
		{"two JSON values", url.Values{"Template": {"x"}, "Context": {"{} {}"}}, 400, nil, "", 0},
		{"template too long", url.Values{"Template": {strings.Repeat("x", maxTemplate+1)}}, 400, nil, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(http.MethodPost, "/v2/Liquid/Render", tc.form)
			require.Equal(t, tc.status, status, "%v", body)
			if status != 200 {
				require.EqualValues(t, CodeInvalidParam, body["code"])
				return
			}
			require.Equal(t, tc.rendered, body["rendered"])
			if tc.kind == "" {
				require.Nil(t, body["error"])
				return
			}
			e, ok := body["error"].(map[string]any)
			require.True(t, ok, "%v", body)
			require.EqualValues(t, 84003, e["code"])
			require.Equal(t, tc.kind, e["kind"])
			require.NotEmpty(t, e["message"])
			if tc.line > 0 {
				require.EqualValues(t, tc.line, e["line"])
			}
		})
	}
}

func TestRenderLiquidNeedsCredentials(t *testing.T) {
	f := newFixture(t)
	resp, err := http.PostForm(f.srv.URL+"/v2/Liquid/Render", url.Values{"Template": {"{{ 1 }}"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
