package sip

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/sip/siptest"
)

// writeToneWAV writes secs seconds of a 440 Hz tone, 8 kHz mono 16-bit.
func writeToneWAV(t *testing.T, path string, secs int) {
	t.Helper()
	n := 8000 * secs
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/8000))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDialDeskPhone: baresip registers with our registrar as "desk1"
// (digest), auto-answers, and Dial by its SIP user reaches it through the
// binding's Contact; its tone reaches our RTP socket; our Hangup's BYE ends
// the call on its side too.
func TestDialDeskPhone(t *testing.T) {
	port := noLeaks(t)
	bin := siptest.RequireTool(t, "baresip", "baresip-core")
	ts := dialServer(t)
	*port = ts.port
	ts.SetUsers([]User{{Username: "desk1", Password: "pw1"}})

	dir := t.TempDir()
	writeToneWAV(t, filepath.Join(dir, "in.wav"), 10)
	rtp := siptest.FreeUDPRange(t, 10)
	cfg := strings.Join([]string{
		"poll_method epoll",
		"sip_listen 127.0.0.1:" + strconv.Itoa(freePort(t)),
		"net_interface 127.0.0.1",
		"audio_source aufile," + filepath.Join(dir, "in.wav"),
		"audio_player aubridge,nil",
		"audio_alert aubridge,nil",
		"rtp_ports " + strconv.Itoa(rtp) + "-" + strconv.Itoa(rtp+9),
		"module_path /usr/lib/baresip/modules",
		"module g711.so",
		"module aufile.so",
		"module aubridge.so",
		"module_app account.so",
		"module_app menu.so",
		"",
	}, "\n")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600))
	acct := "<sip:desk1@127.0.0.1:" + strconv.Itoa(ts.port) + ">;auth_pass=pw1;regint=60;answermode=auto\n"
	must(os.WriteFile(filepath.Join(dir, "accounts"), []byte(acct), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-f", dir, "-t", "12")
	logf, err := os.Create(filepath.Join(dir, "baresip.log"))
	must(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	siptest.OwnGroup(cmd)
	must(cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = siptest.KillGroup(cmd, true)
		<-exited
	})
	blog := func() string { b, _ := os.ReadFile(filepath.Join(dir, "baresip.log")); return string(b) }

	deadline := time.Now().Add(5 * time.Second)
	for len(ts.Registrations()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not register; log:\n%s", blog())
		}
		time.Sleep(50 * time.Millisecond)
	}

	sink := newRTPSink(t)
	c, err := ts.Dial(ctx, DialRequest{User: "desk1", CallerID: "100", LocalMedia: sink.addr(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Dial: %v; log:\n%s", err, blog())
	}
	if c.Admission != (Admission{Kind: "endpoint", Name: "desk1"}) || c.Codec != CodecPCMU {
		t.Errorf("call admission %+v codec %+v", c.Admission, c.Codec)
	}
	// We send nothing; baresip's tone must reach us all the same.
	sink.waitPackets(t, c.Codec.PayloadType, 25, 3*time.Second)
	if err := c.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	select {
	case <-c.Context().Done():
	default:
		t.Error("call context not ended after Hangup")
	}
	// baresip saw our BYE: "session closed: Connection reset by peer".
	deadline = time.Now().Add(3 * time.Second)
	for !strings.Contains(blog(), "session closed") {
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not see the BYE; log:\n%s", blog())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(blog(), "Call established: sip:100@127.0.0.1") { // our caller ID reached the phone
		t.Errorf("baresip log lacks our caller ID:\n%s", blog())
	}
	_ = siptest.KillGroup(cmd, false)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
	}
}
