package smpp

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
)

func TestKindRegistered(t *testing.T) {
	k, ok := sms.Lookup("smpp")
	require.True(t, ok)
	require.Equal(t, []string{"password"}, k.Secrets)
	var schema struct {
		Required   []string                  `json:"required"`
		Properties map[string]map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(k.Schema, &schema))
	require.Equal(t, true, schema.Properties["password"]["writeOnly"])
	require.EqualValues(t, 2775, schema.Properties["port"]["default"])
	// Every settings field has a schema property with a title, and the other way round.
	fields := map[string]any{}
	b, _ := json.Marshal(Settings{Port: 1, Window: 1, EnquireLinkSeconds: 1, ResponseTimeoutSeconds: 1, Throughput: 1,
		Password: "x", SystemType: "x", DataCoding: "x", SourceTON: new(int), SourceNPI: new(int), DestTON: new(int), DestNPI: new(int), RegisteredDelivery: new(bool)})
	require.NoError(t, json.Unmarshal(b, &fields))
	for name := range fields {
		require.Contains(t, schema.Properties, name)
		require.NotEmpty(t, schema.Properties[name]["title"], name)
	}
	require.Len(t, schema.Properties, len(fields))
}

func TestCheck(t *testing.T) {
	k, _ := sms.Lookup("smpp")
	tests := []struct {
		name, settings, errHas string
	}{
		{"minimal", `{"host":"smsc.example","system_id":"acme"}`, ""},
		{"full", `{"host":"h","port":2776,"system_id":"a","password":"12345678","system_type":"VMA","source_ton":5,"source_npi":0,"dest_ton":1,"dest_npi":1,"window":50,"enquire_link_seconds":60,"data_coding":"ucs2","registered_delivery":false,"throughput":25.5}`, ""},
		{"empty", ``, "empty"},
		{"not json", `{`, "settings"},
		{"unknown field", `{"host":"h","system_id":"a","passwd":"x"}`, "unknown field"},
		{"no host", `{"system_id":"a"}`, "host is required"},
		{"no system_id", `{"host":"h"}`, "system_id is required"},
		{"bad port", `{"host":"h","system_id":"a","port":70000}`, "port 70000"},
		{"long password", `{"host":"h","system_id":"a","password":"hunter2hunter2"}`, "password is longer than 8"},
		{"long system_id", `{"host":"h","system_id":"abcdefghijklmnopq"}`, "system_id is longer"},
		{"bad ton", `{"host":"h","system_id":"a","source_ton":300}`, "source_ton 300"},
		{"bad window", `{"host":"h","system_id":"a","window":-1}`, "window -1"},
		{"bad coding", `{"host":"h","system_id":"a","data_coding":"ascii"}`, "data_coding"},
		{"bad throughput", `{"host":"h","system_id":"a","throughput":-1}`, "throughput"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := k.Check(json.RawMessage(tc.settings))
			if tc.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.errHas)
			require.NotContains(t, err.Error(), "hunter2", "the password never reaches an error")
		})
	}
}

func TestAddress(t *testing.T) {
	one, five := 1, 5
	tests := []struct {
		in       string
		ton, npi *int
		out      string
		t, n     byte
	}{
		{"+15551234567", nil, nil, "15551234567", 1, 1},
		{"15551234567", nil, nil, "15551234567", 1, 1},
		{"Switchbrd", nil, nil, "Switchbrd", 5, 0},
		{"+1 555", nil, nil, "+1 555", 5, 0},
		{"12345", &five, &one, "12345", 5, 1},
	}
	for _, tc := range tests {
		out, ton, npi := address(tc.in, tc.ton, tc.npi)
		require.Equal(t, tc.out, out, tc.in)
		require.Equal(t, tc.t, ton, tc.in)
		require.Equal(t, tc.n, npi, tc.in)
	}
}
