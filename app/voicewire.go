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
	"strings"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/voice"
	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/tts"
	"github.com/switchboard/switchboard/sip"
)

// startVoice starts the SIP listener, media ports, prompts and recordings,
// and routes calls to flows. baseURL gives the HTTP base for RecordingUrl.
func startVoice(ctx context.Context, cfg config.Config, st *store.Store, r *runner.Runner, account string,
	baseURL func() string, log *slog.Logger) (*sip.Server, *voice.RecordingStore, error) {
	host, portStr, err := net.SplitHostPort(cfg.SIPAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("--sip: %w", err)
	}
	if port, _ := strconv.Atoi(portStr); port == 0 {
		// An ephemeral port must be the same for UDP and TCP.
		p, err := freeSIPPort(host)
		if err != nil {
			return nil, nil, err
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
		return nil, nil, err
	}
	var speech *tts.TTS
	cache, err := tts.NewCache(filepath.Join(cfg.DataDir, "prompts"), 256<<20)
	if err != nil {
		return nil, nil, err
	}
	speech, err = tts.New(tts.Options{Cache: cache, Logger: log})
	if errors.Is(err, tts.ErrNoEngine) {
		log.Warn("no text-to-speech engine installed: Say widgets will be silent (apt-get install espeak-ng)")
		speech = nil
	} else if err != nil {
		return nil, nil, err
	}
	recs := &voice.RecordingStore{Dir: filepath.Join(cfg.DataDir, "recordings"), BaseURL: baseURL, Account: account}
	mediaDir := filepath.Join(cfg.DataDir, "media")
	if err := os.MkdirAll(mediaDir, 0o750); err != nil {
		return nil, nil, err
	}
	v := &voice.Service{Store: st, Runner: r, Ports: media.NewPortPool(mediaIP, lo, hi),
		Prompts: &voice.PromptLibrary{TTS: speech, MediaDir: mediaDir}, Recordings: recs, AccountSID: account, Log: log}

	var allow []netip.Prefix
	for _, c := range cfg.SIPAllow {
		allow = append(allow, netip.MustParsePrefix(c)) // validated by config
	}
	var trunks []sip.Trunk
	for _, spec := range cfg.Trunks {
		t, _ := config.ParseTrunk(spec) // validated by config
		trunks = append(trunks, sip.Trunk{Name: t.Name, Registrar: t.Registrar, Username: t.Username, Password: t.Password,
			Domain: t.Domain, Expires: t.Expires})
	}
	var users []sip.User
	for _, u := range cfg.SIPUsers {
		name, pass, _ := strings.Cut(u, ":") // validated by config
		users = append(users, sip.User{Username: name, Password: pass})
	}
	srv, err := sip.NewServer(sip.Config{Listen: cfg.SIPAddr, AdvertiseHost: cfg.SIPAdvertise, Allow: allow, Trunks: trunks, Users: users,
		MaxCalls: cfg.MaxCalls, Router: v, Handler: v.Handle, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, nil, fmt.Errorf("sip: %w", err)
	}
	engine := "none"
	if speech != nil {
		engine = speech.Engine()
	}
	log.Info("SIP listening", "sip", cfg.SIPAddr, "rtp_ports", cfg.RTPPorts, "trunks", len(trunks), "tts", engine)
	return srv, recs, nil
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
