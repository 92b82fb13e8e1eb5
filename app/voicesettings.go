package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/events"
	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/sip"
)

// SIPRealm is the digest realm of our registrar. It is fixed (not the
// advertised address) because desk-phone passwords are kept only as HA1,
// which is bound to the realm.
const SIPRealm = "switchboard"

// Voice event types on the event stream (GET /v2/Events/Stream): ours, not
// Studio's, for the settings page's live badges.
const (
	TypeTrunkUpdated        = "com.switchboard.voice.trunk.updated"
	TypeRegistrationUpdated = "com.switchboard.voice.registration.updated"
)

// voiceSettings applies the trunks and desk-phone credentials in the store
// to the running SIP server (api.VoiceSettings).
type voiceSettings struct {
	st  *store.Store
	log *slog.Logger

	mu  sync.Mutex // one Apply at a time: the last one wins whole
	sip *sip.Server
}

// Apply reads the settings and hands them to the SIP server; it does not
// wait for any registrar.
func (v *voiceSettings) Apply(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.sip == nil {
		return nil
	}
	rows, err := v.st.Trunks(ctx)
	if err != nil {
		return fmt.Errorf("voice settings: %w", err)
	}
	trunks := make([]sip.Trunk, 0, len(rows))
	for _, t := range rows {
		trunks = append(trunks, sip.Trunk{Key: t.SID, Name: t.FriendlyName, Registrar: t.Registrar, Username: t.Username,
			Password: t.Password, Domain: t.Domain, Expires: time.Duration(t.Expires) * time.Second, Transport: t.Transport,
			TLSCAFile: t.TLSCAFile, TLSInsecureSkipVerify: t.TLSInsecureSkipVerify,
			SRTP: t.SRTP})
	}
	creds, err := v.st.Credentials(ctx, "")
	if err != nil {
		return fmt.Errorf("voice settings: %w", err)
	}
	users := make([]sip.User, 0, len(creds))
	for _, c := range creds {
		if c.Realm != v.sip.Realm() {
			v.log.Warn("desk phone credential made for another realm: set its password again", "username", c.Username, "realm", c.Realm)
			continue
		}
		users = append(users, sip.User{Username: c.Username, HA1: c.HA1})
	}
	v.sip.SetTrunks(trunks)
	v.sip.SetUsers(users)
	return nil
}

// Realm is the realm desk-phone HA1s are made for.
func (v *voiceSettings) Realm() string { return SIPRealm }

// Registrations lists the desk phones registered now.
func (v *voiceSettings) Registrations() []sip.Registration {
	if v.sip == nil {
		return nil
	}
	return v.sip.Registrations()
}

// seedVoiceSettings writes the --trunk and --sip-user flags into the store.
// A flag trunk overwrites the stored trunk of its name at every start (an
// edit made in the editor lasts until the next start with the flag); a
// --sip-user sets that user's password in the same way. Idempotent.
func seedVoiceSettings(ctx context.Context, cfg config.Config, st *store.Store) error {
	for _, spec := range cfg.Trunks {
		t, err := config.ParseTrunk(spec)
		if err != nil {
			return err
		}
		exp := int(t.Expires / time.Second)
		if exp == 0 {
			exp = 3600
		}
		if _, err := st.SeedTrunk(ctx, sid.New("TK"), store.Trunk{FriendlyName: t.Name, Registrar: t.Registrar, Username: t.Username,
			Password: t.Password, Domain: t.Domain, Expires: exp, Transport: "udp"}); err != nil {
			return fmt.Errorf("seed trunk %s: %w", t.Name, err)
		}
	}
	if len(cfg.SIPUsers) == 0 {
		return nil
	}
	list, err := st.FlagCredentialList(ctx, sid.New("CL"), "--sip-user")
	if err != nil {
		return fmt.Errorf("seed desk phones: %w", err)
	}
	for _, u := range cfg.SIPUsers {
		name, pass, _ := strings.Cut(u, ":")
		ha1 := sip.HA1(name, SIPRealm, pass)
		cur, err := st.CredentialByUsername(ctx, name)
		switch {
		case err == nil && cur.HA1 == ha1 && cur.Realm == SIPRealm:
		case err == nil:
			_, err = st.SetCredentialHA1(ctx, cur.ListSID, cur.SID, ha1, SIPRealm)
		default:
			_, err = st.CreateCredential(ctx, store.Credential{SID: sid.New("CR"), ListSID: list.SID, Username: name, HA1: ha1, Realm: SIPRealm})
		}
		if err != nil {
			return fmt.Errorf("seed desk phone %s: %w", name, err)
		}
	}
	return nil
}

// voiceEvents turns trunk and registration changes into events on the
// stream. Neither carries a password.
// publishEvent sends one of our events to the editors listening.
func publishEvent(broker *events.Broker, typ, source string, data any) {
	if !broker.Listening() {
		return
	}
	id := sid.New("EV")
	b, err := json.Marshal(events.Event{SpecVersion: events.SpecVersion, ID: id, Source: source, Type: typ,
		Time: time.Now().UTC().Format(time.RFC3339Nano), DataContentType: "application/json", Data: data})
	if err != nil {
		return
	}
	broker.Publish([]events.Message{{ID: id, JSON: b}})
}

func voiceEvents(broker *events.Broker) (func(sip.TrunkStatus), func(sip.Registration)) {
	publish := func(typ, source string, data any) { publishEvent(broker, typ, source, data) }
	stamp := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	onTrunk := func(st sip.TrunkStatus) {
		var lastErr *string
		if st.LastError != "" {
			lastErr = &st.LastError
		}
		publish(TypeTrunkUpdated, "/v2/Voice/Trunks/"+st.Key, map[string]any{
			"sid": st.Key, "friendly_name": st.Name, "status": st.State, "last_error": lastErr,
			"next_refresh": stamp(st.NextAttempt), "expires": int(st.Expires / time.Second), "date_updated": stamp(st.LastChange),
		})
	}
	onReg := func(r sip.Registration) {
		publish(TypeRegistrationUpdated, "/v2/Voice/Registrations/"+r.User, map[string]any{
			"username": r.User, "contact": r.Contact, "source": r.Source.String(), "registered": !r.Expires.IsZero(),
			"expires": stamp(r.Expires),
		})
	}
	return onTrunk, onReg
}
