package sip

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// loadListenTLS reads the TLS listener's certificate and key. The key's
// bytes never reach a log or an error: only the file names do.
func (s *Server) loadListenTLS() error {
	_, ps, err := net.SplitHostPort(s.cfg.TLSListen)
	if err != nil {
		return fmt.Errorf("sip: tls listen address %q: %w", s.cfg.TLSListen, err)
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("sip: tls listen port %q: need a fixed port", ps)
	}
	if s.cfg.TLSCertFile == "" || s.cfg.TLSKeyFile == "" {
		return fmt.Errorf("sip: a TLS listener needs a certificate and a key file")
	}
	cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("sip: tls certificate %s / key %s: %w", s.cfg.TLSCertFile, s.cfg.TLSKeyFile, err)
	}
	s.tlsPort = p
	s.tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	return nil
}

// listenTLS starts the TLS listener and waits until it is ready.
func (s *Server) listenTLS(lctx context.Context) error {
	ready := make(chan struct{}, 1)
	errc := make(chan error, 1)
	rctx := context.WithValue(lctx, sipgo.ListenReadyCtxKey, sipgo.ListenReadyCtxValue(ready))
	s.lwg.Add(1)
	go func() {
		defer s.lwg.Done()
		errc <- s.srv.ListenAndServeTLS(rctx, "tcp", s.cfg.TLSListen, s.tlsConf)
	}()
	select {
	case <-ready:
		s.log.Info("sip listening over TLS", "addr", s.cfg.TLSListen)
		return nil
	case err := <-errc:
		return fmt.Errorf("sip: listen tls %s: %w", s.cfg.TLSListen, err)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("sip: listen tls %s: not ready after 5s", s.cfg.TLSListen)
	}
}

// dialogUA is the dialog UA for a call that arrived as req: over TLS its
// Contact says transport=tls and its in-dialog requests reuse the
// connection (a BYE must not go out over UDP to a carrier that only
// speaks TLS to us).
func (s *Server) dialogUA(req *gosip.Request) *sipgo.DialogUA {
	if strings.EqualFold(req.Transport(), "TLS") {
		return &s.duaTLS
	}
	return &s.dua
}
