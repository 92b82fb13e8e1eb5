package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/api"
	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/demo"
	"github.com/switchboard/switchboard/app/desktop"
	"github.com/switchboard/switchboard/app/events"
	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/sid"
	_ "github.com/switchboard/switchboard/app/sms/httpgw" // the gateway kinds register themselves
	_ "github.com/switchboard/switchboard/app/sms/modem"
	"github.com/switchboard/switchboard/app/sms/queue"
	_ "github.com/switchboard/switchboard/app/sms/smpp"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/twiliosig"
	"github.com/switchboard/switchboard/engine"
	_ "github.com/switchboard/switchboard/engine/widgets" // registers every widget
	"github.com/switchboard/switchboard/schema"
)

func newServeCmd(cfg *config.Config, assets fs.FS) *cobra.Command {
	var headless bool
	logLevel := cmp.Or(os.Getenv("SWITCHBOARD_LOG_LEVEL"), "info")
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the appliance: store, REST API and editor over HTTP",
		Args:  cobra.NoArgs,
		Long: "Run the appliance: store, REST API, webhooks, SIP and the flow editor over HTTP.\n\n" +
			"A binary built with `make desktop` also opens the editor in a desktop window when a\n" +
			"display is there (DISPLAY or WAYLAND_DISPLAY set) and --headless is not given; the\n" +
			"window is signed in by the process, and closing it stops the appliance. The HTTP\n" +
			"listener serves all the same (webhooks, the REST API for scripts).",
		RunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: use debug, info, warn or error", logLevel)
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			var open openWindow
			if !headless && desktop.Available(os.Getenv) {
				open = func(ctx context.Context, h http.Handler) error {
					return desktop.Open(ctx, desktop.Options{Handler: h, Log: log})
				}
			}
			return serve(cmd.Context(), *cfg, assets, log, nil, open)
		},
	}
	cmd.Flags().BoolVar(&headless, "headless", false,
		"serve over HTTP only, never the desktop window (only the desktop build has one)")
	cmd.Flags().StringVar(&logLevel, "log-level", logLevel,
		"debug, info, warn or error (default: $SWITCHBOARD_LOG_LEVEL, else info)")
	cmd.Flags().IntVar(&cfg.RetentionDays, "retention-days", cfg.RetentionDays,
		"days ended executions and their steps are kept (0 keeps them forever)")
	cmd.Flags().StringVar(&cfg.RetentionBasis, "retention-basis", cfg.RetentionBasis,
		"what --retention-days counts from: started (Studio's rule today) or ended")
	cmd.Flags().StringArrayVar(&cfg.EventSinks, "event-sink", cfg.EventSinks,
		"URL that receives execution and step events as CloudEvents batches (repeatable)")
	cmd.Flags().StringArrayVar(&cfg.SIPAllow, "sip-allow", nil, "network (CIDR) whose calls are taken without a trunk or registration; repeatable (default: loopback only)")
	cmd.Flags().StringVar(&cfg.SIPAdvertise, "sip-advertise", "", "address to advertise in SIP and SDP (behind NAT)")
	cmd.Flags().StringVar(&cfg.SIPTLSListen, "sip-tls-listen", "",
		"SIP over TLS listener for trunks or PBXs that connect to us, host:port or port (loopback when no host; off by default; TLS trunks do not need it)")
	cmd.Flags().StringVar(&cfg.SIPTLSCert, "sip-tls-cert", "", "PEM certificate (chain) of the --sip-tls-listen listener")
	cmd.Flags().StringVar(&cfg.SIPTLSKey, "sip-tls-key", "", "PEM private key of the --sip-tls-listen listener")
	cmd.Flags().StringVar(&cfg.RTPPorts, "rtp-ports", cfg.RTPPorts, "even port range for call media, min-max")
	cmd.Flags().DurationVar(&cfg.BackupEvery, "backup-every", cfg.BackupEvery,
		"how often the running appliance backs its store up (0: never)")
	cmd.Flags().IntVar(&cfg.BackupKeep, "backup-keep", cfg.BackupKeep, "how many scheduled backups are kept")
	cmd.Flags().StringVar(&cfg.BackupDir, "backup-dir", "", "where scheduled backups go (default: DATA/backups)")
	cmd.Flags().IntVar(&cfg.MaxCalls, "max-calls", cfg.MaxCalls, "concurrent calls before new ones get 503 (0: no cap)")
	cmd.Flags().StringArrayVar(&cfg.Trunks, "trunk", splitEnv("SWITCHBOARD_TRUNKS"),
		"SIP trunk to register with, sip://user:password@registrar:5060?name=NAME (repeatable; default: $SWITCHBOARD_TRUNKS, space-separated — prefer it: flags show in ps)")
	cmd.Flags().StringArrayVar(&cfg.SIPUsers, "sip-user", splitEnv("SWITCHBOARD_SIP_USERS"),
		"user:password a phone may REGISTER with, its calls then taken (repeatable; default: $SWITCHBOARD_SIP_USERS, space-separated)")
	cmd.Flags().StringVar(&cfg.PublicURL, "public-url", "",
		"base URL webhook callers use to reach the appliance (for X-Twilio-Signature behind a proxy), e.g. https://ivr.example.com")
	cmd.Flags().StringVar(&cfg.AccountSID, "account-sid", os.Getenv("SWITCHBOARD_ACCOUNT_SID"),
		"account SID for the API (default: $SWITCHBOARD_ACCOUNT_SID, else generated and kept in the data directory)")
	cmd.Flags().StringVar(&cfg.AuthToken, "auth-token", os.Getenv("SWITCHBOARD_AUTH_TOKEN"),
		"auth token for the API (default: $SWITCHBOARD_AUTH_TOKEN; prefer the variable: flags show in ps)")
	return cmd
}

// splitEnv reads a space-separated list from the environment.
func splitEnv(name string) []string { return strings.Fields(os.Getenv(name)) }

// openWindow shows the desktop window over h (every request of its page
// goes to h) until the window is closed or ctx ends (desktop.Open).
type openWindow func(ctx context.Context, h http.Handler) error

// serve opens the store, seeds the demo flow into an empty one and serves
// HTTP until ctx ends. ready, when set, receives the bound HTTP address.
// window, when set, opens the desktop window over the same handler, signed
// in by the process (api.ThroughWindow); closing it stops serve as ctx's end
// does. A window that cannot open leaves serve running headless.
func serve(ctx context.Context, cfg config.Config, assets fs.FS, log *slog.Logger, ready chan<- string, window openWindow) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if assets != nil {
		if sub, err := fs.Sub(assets, "frontend/dist"); err == nil {
			assets = sub
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// One appliance per data directory; restore checks the same lock.
	unlock, err := store.LockDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := store.OpenWith(ctx, cfg.DataDir, store.Options{Version: version(), BackupBeforeMigrate: true})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := seedDemo(ctx, st, log); err != nil {
		return err
	}
	creds, created, err := auth.LoadOrCreate(cfg.DataDir, auth.Credentials{AccountSID: cfg.AccountSID, AuthToken: cfg.AuthToken})
	if err != nil {
		return err
	}
	if created {
		log.Info("API credentials generated; the auth token is in the credentials file",
			"account_sid", creds.AccountSID, "file", filepath.Join(cfg.DataDir, auth.FileName))
	}
	// The runner's sweeper fires wait timeouts (also those that fell due
	// while the appliance was down), ends executions at the end of their
	// 30-day lifetime and purges ended ones after the retention period.
	limits := engine.DefaultLimits()
	limits.MessageResult = messageResultWait // the SMS queue tells send-message its result
	r := runner.New(st, log, engine.WithSIDs(sid.New), engine.WithLimits(limits))
	defer r.Close()
	r.SetRetention(time.Duration(cfg.RetentionDays) * 24 * time.Hour)
	if cfg.RetentionBasis != "" {
		basis, err := store.ParseRetentionBasis(cfg.RetentionBasis)
		if err != nil { // cfg.Validate accepted it: cannot happen
			return err
		}
		r.SetRetentionBasis(basis)
	}

	// Studio's execution and step events: rows for the sinks in each
	// sprint's transaction, delivered by the dispatcher; live to the editor
	// through the broker (GET /v2/Events/Stream).
	broker := events.NewBroker(log)
	disp := events.NewDispatcher(st, cfg.EventSinks, log)
	disp.Retention = time.Duration(cfg.RetentionDays) * 24 * time.Hour
	hook := &events.Hook{Builder: events.Builder{AccountSID: creds.AccountSID}, Sinks: cfg.EventSinks, Broker: broker, Log: log}
	if len(cfg.EventSinks) > 0 {
		hook.Wake = disp.Wake
	}
	r.SetEvents(hook)
	dispCtx, stopDisp := context.WithCancel(ctx)
	dispatched := make(chan struct{})
	go func() { defer close(dispatched); disp.Run(dispCtx) }()
	defer func() { stopDisp(); <-dispatched }()
	// The sweeper starts once the runner is fully configured (events hook
	// included): it resumes executions from its own goroutine.
	sweepCtx, stopSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() { defer close(swept); r.Run(sweepCtx, time.Second) }()
	defer func() { stopSweep(); <-swept }()
	backupCtx, stopBackups := context.WithCancel(ctx)
	backedUp := make(chan struct{})
	go func() { defer close(backedUp); runScheduledBackups(backupCtx, st, cfg, log) }()
	defer func() { stopBackups(); <-backedUp }()

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http listen: %w", err)
	}
	addr := ln.Addr().String()
	if !config.Loopback(addr) {
		log.Warn("HTTP listens beyond loopback, as configured", "addr", addr)
	}
	baseURL := strings.TrimSuffix(cfg.PublicURL, "/")
	if baseURL == "" {
		baseURL = "http://" + addr
	}
	// The SMS queue runs the gateways stored in the settings and carries
	// messages between them and the flows.
	smsQueue := queue.New(st, queue.Options{Log: log, Flows: smsFlows{st: st, r: r}, Publish: gatewayEvents(broker),
		AccountSID: creds.AccountSID, InboundBase: func() string { return baseURL }, Sign: func(u string, form map[string][]string) string {
			return twiliosig.Sign(creds.AuthToken, u, form)
		}})
	r.OnMessages(smsQueue.Wake)
	smsCtx, stopSMS := context.WithCancel(ctx)
	smsDone := make(chan struct{})
	go func() { defer close(smsDone); _ = smsQueue.Run(smsCtx) }()
	defer func() { stopSMS(); <-smsDone }()

	settings := &voiceSettings{st: st, log: log}
	onTrunk, onReg := voiceEvents(broker)
	queues := queueManager(ctx, st, log, broker, creds.AccountSID, &onReg)
	sipSrv, recs, dialer, err := startVoice(ctx, cfg, st, r, creds.AccountSID, creds.AuthToken, func() string { return baseURL }, log, settings, queues, onTrunk, onReg)
	if err != nil {
		ln.Close()
		return err
	}
	// The dialer places the calls flows queue (make-outgoing-call); it
	// returns once the calls it carries ended, which closing the SIP server
	// makes happen.
	r.OnCalls(dialer.Wake)
	dialCtx, stopDial := context.WithCancel(ctx)
	dialDone := make(chan struct{})
	go func() {
		defer close(dialDone)
		if err := dialer.Run(dialCtx); err != nil {
			log.Error("outbound call dialer stopped", "err", err)
		}
	}()
	defer func() { stopDial(); sipSrv.Close(); <-dialDone }()
	// Slow and idle clients are cut off (httpLimits), connections are capped
	// below the file limit, and a source that keeps failing Basic
	// credentials is refused for a while (auth.Throttle).
	lim := serveHTTPLimits
	if lim.MaxConns <= 0 {
		lim.MaxConns = maxConnsFor()
	}
	ln = limitListener(ln, lim.MaxConns)
	handler := (&api.Server{Store: st, Runner: r, Auth: &auth.Authenticator{Creds: creds, Keys: st, Throttle: &auth.Throttle{}},
		Version: version(), Assets: assets, Log: log, Events: broker, PublicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		Voice: sipSrv, VoiceSettings: settings, Recordings: recs, Messaging: smsQueue, Queues: queues}).Handler()
	srv := newHTTPServer(handler, lim)
	// Open event streams end when the server shuts down.
	srv.RegisterOnShutdown(broker.Close)
	log.Info("switchboard serving", "version", version(), "http", "http://"+addr, "data", cfg.DataDir,
		"retention_days", cfg.RetentionDays, "retention_basis", cfg.RetentionBasis, "event_sinks", len(cfg.EventSinks))
	// Where to go and how to sign in (the account SID, never the token).
	signInHint := func() {
		log.Info("flow editor: open http://"+addr+"/ and sign in with the account SID and its auth token",
			"account_sid", creds.AccountSID, "token_file", filepath.Join(cfg.DataDir, auth.FileName))
	}
	if window == nil {
		signInHint()
	}
	if ready != nil {
		ready <- addr
	}

	// running ends with ctx, when the window closes, or when HTTP fails.
	running, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln); stop() }()
	// The store is open and every listener bound: /healthz answers from
	// here on, so systemd may count the service as started (sdnotify.go).
	sd := newSDNotifier(os.Getenv)
	if err := sd.notify("READY=1\nSTATUS=serving on http://" + addr); err != nil {
		log.Warn("could not tell systemd the service is ready", "err", err)
	}
	watchdogDone := make(chan struct{})
	go func() { defer close(watchdogDone); sd.watchdog(running, watchdogEvery(os.Getenv), st.Ping, log) }()
	defer func() { <-watchdogDone }()
	if window != nil {
		log.Info("desktop window opening: the editor, signed in as the account; closing it stops Switchboard",
			"account_sid", creds.AccountSID, "http", "http://"+addr)
		if err := window(running, api.ThroughWindow(handler)); err != nil {
			log.Error("the desktop window did not open; serving headless", "err", err)
			signInHint()
		} else {
			if ctx.Err() == nil {
				log.Info("desktop window closed: stopping")
			}
			stop()
		}
	}
	<-running.Done()
	if err := sd.notify("STOPPING=1"); err != nil {
		log.Warn("could not tell systemd the service is stopping", "err", err)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	default:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("switchboard stopped")
	return nil
}

// seedDemo stores the demo flow, published, when the store has no flow.
func seedDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	n, err := st.CountFlows(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	def := demo.Definition()
	r := schema.Validate(def)
	f, err := st.CreateFlow(ctx, store.NewFlow{
		SID:           sid.New(sid.Flow),
		FriendlyName:  demo.Name,
		Status:        store.StatusPublished,
		Definition:    json.RawMessage(def),
		CommitMessage: "demo flow",
		Valid:         r.Valid(),
		Errors:        problems(r.Errors),
		Warnings:      problems(r.Warnings),
	})
	if err != nil {
		return fmt.Errorf("seed demo flow: %w", err)
	}
	// Extension 1000 rings the demo flow, so a softphone (or sipp -s 1000)
	// can call it at once.
	if _, err := st.CreateNumber(ctx, store.Number{SID: sid.New("PN"), PhoneNumber: demo.Extension,
		FriendlyName: "demo extension", VoiceFlowSID: f.SID, SMSFlowSID: f.SID}); err != nil {
		return fmt.Errorf("seed demo number: %w", err)
	}
	log.Info("demo flow created", "flow_sid", f.SID, "name", f.FriendlyName, "extension", demo.Extension)
	return nil
}

func problems(ps []schema.Problem) []store.Problem {
	out := make([]store.Problem, len(ps))
	for i, p := range ps {
		out[i] = store.Problem(p)
	}
	return out
}
