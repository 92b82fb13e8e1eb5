package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/events"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/voice"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/tts"
	"github.com/switchboard/switchboard/sip"
)

// startVoice starts the SIP listener, media ports, prompts and recordings,
// routes calls to flows, and returns the dialer that places the flows'
// outbound calls (the caller runs it and wakes it from the runner). baseURL gives the HTTP base for RecordingUrl.
// Trunks and desk phones come from the store (the flags seed it) and
// settings applies later changes to the running server; their state
// changes go to onTrunk and onReg.
func startVoice(ctx context.Context, cfg config.Config, st *store.Store, r *runner.Runner, account, authToken string,
	baseURL func() string, log *slog.Logger, settings *voiceSettings, queues *voice.QueueManager, onTrunk func(sip.TrunkStatus), onReg func(sip.Registration)) (*sip.Server, *voice.RecordingStore, *voice.Dialer, error) {
	host, portStr, err := net.SplitHostPort(cfg.SIPAddr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--sip: %w", err)
	}
	if port, _ := strconv.Atoi(portStr); port == 0 {
		// An ephemeral port must be the same for UDP and TCP.
		p, err := freeSIPPort(host)
		if err != nil {
			return nil, nil, nil, err
		}
		cfg.SIPAddr = net.JoinHostPort(host, strconv.Itoa(p))
	}
	mediaIP := netip.MustParseAddr("127.0.0.1")
	if host != "" && host != "localhost" {
		if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() {
			mediaIP = a
		} else if err == nil {
			mediaIP = a // 0.0.0.0: listen everywhere
		}
	}
	lo, hi, err := cfg.RTPRange()
	if err != nil {
		return nil, nil, nil, err
	}
	var speech *tts.TTS
	cache, err := tts.NewCache(filepath.Join(cfg.DataDir, "prompts"), 256<<20)
	if err != nil {
		return nil, nil, nil, err
	}
	speech, err = tts.New(tts.Options{Cache: cache, Logger: log})
	if errors.Is(err, tts.ErrNoEngine) {
		log.Warn("no text-to-speech engine installed: Say widgets will be silent (apt-get install espeak-ng)")
		speech = nil
	} else if err != nil {
		return nil, nil, nil, err
	}
	recs := &voice.RecordingStore{Dir: filepath.Join(cfg.DataDir, "recordings"), BaseURL: baseURL, Account: account}
	mediaDir := filepath.Join(cfg.DataDir, "media")
	if err := os.MkdirAll(mediaDir, 0o750); err != nil {
		return nil, nil, nil, err
	}
	v := &voice.Service{Store: st, Runner: r, Ports: media.NewPortPool(mediaIP, lo, hi),
		Prompts: &voice.PromptLibrary{TTS: speech, MediaDir: mediaDir}, Recordings: recs, AccountSID: account, AuthToken: authToken, Log: log,
		Queues: queues}

	var allow []netip.Prefix
	for _, c := range cfg.SIPAllow {
		allow = append(allow, netip.MustParsePrefix(c)) // validated by config
	}
	if err := seedVoiceSettings(ctx, cfg, st); err != nil {
		return nil, nil, nil, err
	}
	// Finished SIP transactions keep their messages 8 s instead of sipgo's
	// 32 s (sip/txhold.go: still two retransmissions at the longest
	// spacing), so memory after a burst of calls follows the calls up, not
	// the call rate; and once a load is over, the memory it took goes back
	// to the OS (media/memrelease.go), the store's connection caches with
	// it (store.ReleaseIdleMemory).
	sip.SetFinishedTransactionHold(8 * time.Second)
	go media.ReleaseMemoryAfterLoad(ctx, 30*time.Second, log, st.ReleaseIdleMemory)
	// The load guard refuses new calls while the media path falls behind
	// (media/loadguard.go), before the calls in progress suffer.
	guard := media.NewLoadGuard(log)
	go guard.Run(ctx)
	var srv *sip.Server
	calls := func() int { return srv.ActiveCalls() + srv.OutboundCalls() }
	overloaded := whileCallsUp(guard.Overloaded, calls)
	// The learned admission rate (media/admitrate.go) spreads new calls
	// at what the box has shown it can set up; like the guard it applies
	// only while a call is up.
	admit := rateWhileCallsUp{guard: guard, calls: calls}
	srv, err = sip.NewServer(sip.Config{Listen: cfg.SIPAddr, AdvertiseHost: cfg.SIPAdvertise, Allow: allow, Realm: SIPRealm,
		TLSListen: cfg.SIPTLSAddr(), TLSCertFile: cfg.SIPTLSCert, TLSKeyFile: cfg.SIPTLSKey,
		MaxCalls: cfg.MaxCalls, Overloaded: overloaded, Admit: admit, Router: v, Handler: v.Handle, Logger: log, OnTrunk: onTrunk, OnRegistration: onReg})
	if err != nil {
		return nil, nil, nil, err
	}
	v.SIP = srv // connect-call-to places its outbound legs through it
	// Agents are the desk phones registered with it (set before it starts:
	// registrations only come after).
	queues.Registrations = srv.Registrations
	if err := srv.Start(ctx); err != nil {
		return nil, nil, nil, fmt.Errorf("sip: %w", err)
	}
	settings.sip = srv
	if err := settings.Apply(ctx); err != nil {
		srv.Close()
		return nil, nil, nil, err
	}
	trunks, _ := st.Trunks(ctx)
	engine := "none"
	if speech != nil {
		engine = speech.Engine()
	}
	log.Info("SIP listening", "sip", cfg.SIPAddr, "rtp_ports", cfg.RTPPorts, "trunks", len(trunks), "tts", engine)
	return srv, recs, &voice.Dialer{Service: v, SIP: srv}, nil
}

// queueManager makes the appliance's one queue manager: each queue's
// change goes to the event stream (com.switchboard.voice.queue.updated),
// and *onReg is wrapped so that a desk phone registering or leaving
// updates the queues it answers.
func queueManager(ctx context.Context, st *store.Store, log *slog.Logger, broker *events.Broker, account string, onReg *func(sip.Registration)) *voice.QueueManager {
	q := &voice.QueueManager{Store: st, Log: log, OnChange: func(s voice.QueueState) {
		publishEvent(broker, api.TypeQueueUpdated, "/2010-04-01/Accounts/"+account+"/Queues/"+s.SID, api.QueueEventOf(s))
	}}
	prev := *onReg
	*onReg = func(r sip.Registration) {
		prev(r)
		go q.RegistrationChanged(context.WithoutCancel(ctx), r.User) // off the registrar's path
	}
	return q
}

func freeSIPPort(host string) (int, error) {
	for i := 0; i < 50; i++ {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		pc.Close()
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, errors.New("sip: no free port")
}

// whileCallsUp refuses only while a call is up: the guard protects the
// calls in progress, and with none there is nothing to protect (a box busy
// with something else still takes its first call, whose pacing then feeds
// the guard). calls is read only when the guard says overloaded.
func whileCallsUp(overloaded func() bool, calls func() int) func() bool {
	return func() bool { return overloaded() && calls() > 0 }
}

// rateWhileCallsUp is the guard's learned admission rate, asked only while
// a call is up (as whileCallsUp): with none there is nothing to protect,
// and no token is taken.
type rateWhileCallsUp struct {
	guard *media.LoadGuard
	calls func() int
}

func (r rateWhileCallsUp) TakeCall() bool     { return r.calls() == 0 || r.guard.TakeCall() }
func (r rateWhileCallsUp) AdmitRate() float64 { return r.guard.AdmitRate() }
