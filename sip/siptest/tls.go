package siptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TLSFiles are a throwaway CA and a server certificate it signed, as PEM
// files in a test's temporary directory.
type TLSFiles struct {
	CA   string // the CA's certificate
	Cert string // the server's certificate (for 127.0.0.1 and localhost)
	Key  string // the server's private key
}

// TLSCerts makes a fresh CA and a server certificate for 127.0.0.1 and
// "localhost", valid for an hour, written to a new temporary directory.
func TLSCerts(t testing.TB) TLSFiles {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "switchboard test CA"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	must(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	must(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	f := TLSFiles{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server.key")}
	must(t, os.WriteFile(f.CA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))
	must(t, os.WriteFile(f.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(t, os.WriteFile(f.Key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return f
}

//go:embed kamailio_tls.cfg
var kamailioTLSConfig string

// KamailioTLS runs kamailio as a TLS trunk (kamailio_tls.cfg): a digest
// registrar (any user, password "secret") on TLS port tlsPort with the
// certificate in files, which sends INVITEs that arrive over TLS to
// 127.0.0.1:uasPort over UDP and others (on UDP port) to the registered
// contact over its registration's connection. It needs the Debian package
// kamailio-tls-modules.
func KamailioTLS(t testing.TB, files TLSFiles, uasPort int) (port, tlsPort int, logPath string) {
	port, tlsPort, logPath, _ = KamailioTLSRestartable(t, files, uasPort)
	return port, tlsPort, logPath
}

// KamailioTLSRestartable is KamailioTLS with a restart: kamailio stops
// (every connection to it closes, its registrations are lost) and starts
// again on the same ports, appending to the same log.
func KamailioTLSRestartable(t testing.TB, files TLSFiles, uasPort int) (port, tlsPort int, logPath string, restart func()) {
	t.Helper()
	kam := RequireTool(t, "kamailio", "kamailio")
	mpath := kamailioModules(t)
	if _, err := os.Stat(filepath.Join(mpath, "tls.so")); err != nil {
		RequireTool(t, "kamailio-tls-module-not-found", "kamailio-tls-modules")
	}
	port, tlsPort = FreePort(t), FreePort(t)
	dir := t.TempDir()
	tlsCfg := "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n" +
		"certificate = " + files.Cert + "\nprivate_key = " + files.Key + "\n\n" +
		"[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n"
	must(t, os.WriteFile(filepath.Join(dir, "tls.cfg"), []byte(tlsCfg), 0o600))
	cfg := strings.NewReplacer("TLSPORT", strconv.Itoa(tlsPort), "UAS_PORT", strconv.Itoa(uasPort), "TLSCFG", filepath.Join(dir, "tls.cfg"),
		"PORT", strconv.Itoa(port), "MPATH", mpath, "CTLSOCK", filepath.Join(dir, CtlSocket)).Replace(kamailioTLSConfig)
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	must(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	logPath = filepath.Join(dir, "kamailio.log")
	var mu sync.Mutex
	stop := startKamailio(t, kam, dir, cfgPath, logPath, port)
	t.Cleanup(func() { mu.Lock(); defer mu.Unlock(); stop() })
	restart = func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		stop()
		stop = startKamailio(t, kam, dir, cfgPath, logPath, port)
	}
	return port, tlsPort, logPath, restart
}
