package sip

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// SIP over TLS to trunks.
//
// URIs: a TLS trunk's requests, our Contact and our Via say "sip:" with
// ";transport=tls" (Via SIP/2.0/TLS), never "sips:". RFC 5630 §3.1.3 keeps
// transport=tls deprecated, yet it is what carriers' TLS trunks document
// and accept: a sips: Contact asks for TLS on every hop up to the far
// phone, which a carrier bridging to the PSTN cannot promise, and several
// refuse such REGISTERs (416, or a binding they never call). sip: over a
// TLS connection protects the hop we control, which is the point here.
//
// Connections: REGISTER opens one TLS connection to the registrar (from an
// ephemeral port, as TCP does); sipgo's pool keeps it, and outbound
// INVITEs, their in-dialog requests and the carrier's inbound INVITEs (the
// registration's flow, RFC 5626's idea without its headers) share it, so
// no TLS listener is needed to take calls. Config.TLSListen adds one for
// peers that open their own connection to us.
//
// Certificates: sipgo has one TLS client configuration per user agent,
// and Go reports no server name for an IP address (no SNI), so the
// standard check cannot pick a trunk's own CA file. Our configuration
// turns the built-in check off and does it in verifyTLS instead: the
// chain must verify against the roots of the trunk the connection is for
// (its CA file, else the system roots) and name that trunk's host. A
// registrar given by IP address is told apart from other IP-addressed TLS
// trunks only by its certificate, so a CA file shared by two such trunks
// vouches for both, and one such trunk with tls_insecure_skip_verify is
// unchecked only when every IP-addressed TLS trunk is; trunks with DNS
// names are matched by name. sipgo keeps one connection per remote
// address, so trunks sharing a registrar address share its connection
// and the check made when it was opened.

// defaultPort is the registrar's port when none is given.
func defaultPort(transport string) int {
	if transport == "tls" {
		return 5061
	}
	return 5060
}

// contactFor is our Contact for requests and answers that travel over
// transport: over TLS it says ;transport=tls and names the TLS listener's
// port when there is one (else the SIP port: the carrier reaches us over
// the registration's connection anyway).
func (s *Server) contactFor(user, transport string) gosip.ContactHeader {
	ct := s.contact(user)
	if strings.EqualFold(transport, "tls") {
		if s.tlsPort != 0 {
			ct.Address.Port = s.tlsPort
		}
		ct.Address.UriParams = gosip.NewParams()
		ct.Address.UriParams.Add("transport", "tls")
	}
	return ct
}

// trunkTLS is a TLS trunk's certificate check, built when the trunk is
// configured.
type trunkTLS struct {
	roots *x509.CertPool // nil: the system roots
	err   error          // the CA file could not be used
}

// loadTrunkTLS reads the trunk's CA file.
func loadTrunkTLS(t Trunk) trunkTLS {
	if t.Transport != "tls" || t.TLSCAFile == "" {
		return trunkTLS{}
	}
	pem, err := os.ReadFile(t.TLSCAFile)
	if err != nil {
		return trunkTLS{err: &tlsCAError{file: t.TLSCAFile, err: err}}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return trunkTLS{err: &tlsCAError{file: t.TLSCAFile, err: errors.New("no PEM certificate in it")}}
	}
	return trunkTLS{roots: pool}
}

// tlsCAError is a trunk's CA file that cannot be used.
type tlsCAError struct {
	file string
	err  error
}

func (e *tlsCAError) Error() string { return fmt.Sprintf("TLS CA file %s: %v", e.file, e.err) }
func (e *tlsCAError) Unwrap() error { return e.err }

// tlsCertError is a trunk's certificate that failed the check.
type tlsCertError struct {
	host string
	err  error
}

func (e *tlsCertError) Error() string {
	return fmt.Sprintf("TLS certificate of %s: %v", e.host, e.err)
}
func (e *tlsCertError) Unwrap() error { return e.err }

// tlsReady reports a TLS trunk whose CA file cannot be used, before any
// connection is tried.
func (t *trunkRunner) tlsReady() error {
	return t.tls.err
}

// clientTLSConfig is the user agent's TLS client configuration: the
// standard check is replaced by verifyTLS (see the top of this file).
func (s *Server) clientTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Not insecure: VerifyConnection checks every chain and name,
		// with the roots of the trunk the connection is for.
		InsecureSkipVerify: true, //nolint:gosec // verified in verifyTLS
		VerifyConnection:   s.verifyTLS,
	}
}

// tlsHosts are the hosts a trunk's TLS connections go to.
func (t Trunk) tlsHosts() []string {
	var out []string
	for _, hp := range []string{t.Registrar, t.Proxy} {
		if hp == "" {
			continue
		}
		host, _, err := net.SplitHostPort(hp)
		if err != nil {
			host = hp
		}
		out = append(out, strings.Trim(host, "[]"))
	}
	return out
}

// verifyTLS checks the certificate of a TLS connection we opened. The
// server name is empty when we dialled an IP address (Go sends no SNI
// then); the IP-addressed TLS trunks are the candidates.
func (s *Server) verifyTLS(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	name := cs.ServerName
	var firstErr error
	tried, skip := 0, 0
	for _, r := range s.trunkList() {
		if r.cfg.Transport != "tls" {
			continue
		}
		for _, host := range r.cfg.tlsHosts() {
			_, ipErr := netip.ParseAddr(host)
			if name == "" && ipErr != nil || name != "" && !strings.EqualFold(name, host) {
				continue
			}
			tried++
			if r.cfg.TLSInsecureSkipVerify {
				skip++
				continue
			}
			if r.tls.err != nil {
				firstErr = cmpOr(firstErr, error(r.tls.err))
				continue
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: r.tls.roots, Intermediates: inter, DNSName: host})
			if err == nil {
				return nil
			}
			firstErr = cmpOr(firstErr, error(&tlsCertError{host: host, err: err}))
		}
	}
	switch {
	case tried > 0 && skip == tried:
		s.log.Warn("sip tls: certificate NOT checked (tls_insecure_skip_verify is on): anyone on the path can read and change these calls",
			"server_name", name, "subject", cs.PeerCertificates[0].Subject.String())
		return nil
	case tried > 0:
		// A trunk that skips the check vouches for no other trunk's
		// connection: with checking on for any candidate, the check rules.
		return firstErr
	case name == "":
		return errors.New("TLS to an IP address that is no TLS trunk's: its certificate cannot be checked")
	}
	if _, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Intermediates: inter, DNSName: name}); err != nil {
		return &tlsCertError{host: name, err: err}
	}
	return nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// tlsProblem says what to do about a certificate that failed, for the
// trunk's status; "" when err is no certificate problem.
func tlsProblem(err error, t Trunk) string {
	var ca *tlsCAError
	if errors.As(err, &ca) {
		return fmt.Sprintf("the trunk's CA file %s cannot be used (%v): fix the file or clear the field to use the system roots", ca.file, ca.err)
	}
	var ce *tlsCertError
	if !errors.As(err, &ce) {
		if strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:") {
			return fmt.Sprintf("TLS with %s failed: %s", t.Registrar, err)
		}
		return ""
	}
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(ce.err, &ua):
		fix := "set the trunk's CA file"
		if t.TLSCAFile != "" {
			fix = "the trunk's CA file " + t.TLSCAFile + " does not sign it"
		}
		return fmt.Sprintf("%s's TLS certificate is signed by an unknown authority: %s", ce.host, fix)
	case errors.As(ce.err, &hn):
		return fmt.Sprintf("%s's TLS certificate is for another name (%v): check the registrar's host name", ce.host, hn.Error())
	case errors.As(ce.err, &inv):
		return fmt.Sprintf("%s's TLS certificate is not valid (%v)", ce.host, inv.Error())
	}
	return fmt.Sprintf("%s's TLS certificate failed the check: %v", ce.host, ce.err)
}
