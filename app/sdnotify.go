package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"
)

// The packaged unit is Type=notify: systemd counts the service as started
// only when serve says READY=1, so units ordered after it (and `systemctl
// start`, which waits) see an appliance whose /healthz answers, not one
// still opening or migrating its store. With WatchdogSec= set, systemd
// restarts a process that stops pinging. The protocol is one datagram per
// message on the unixgram socket named by $NOTIFY_SOCKET (a path, or an
// abstract name written @name, which Go's net maps to the leading NUL);
// it is small enough that no library is needed.

// sdNotifier sends service state to systemd; the zero value (no
// $NOTIFY_SOCKET: not started by systemd) sends nothing.
type sdNotifier struct {
	socket string
}

// newSDNotifier reads $NOTIFY_SOCKET through getenv.
func newSDNotifier(getenv func(string) string) sdNotifier {
	return sdNotifier{socket: getenv("NOTIFY_SOCKET")}
}

// notify sends state ("READY=1", "STOPPING=1", "WATCHDOG=1", ...); it does
// nothing when systemd is not listening.
func (n sdNotifier) notify(state string) error {
	if n.socket == "" {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.socket, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify %s: %w", n.socket, err)
	}
	return nil
}

// watchdogEvery is how often to ping systemd's watchdog: half of
// $WATCHDOG_USEC as systemd advises, or 0 when no watchdog is set or it is
// meant for another process ($WATCHDOG_PID).
func watchdogEvery(getenv func(string) string) time.Duration {
	usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if pid := getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// watchdog pings every interval until ctx ends, but only while alive says
// the appliance is healthy (the store answers): a wedged store then gets
// the service restarted rather than pinged forever.
func (n sdNotifier) watchdog(ctx context.Context, every time.Duration, alive func(context.Context) error, log *slog.Logger) {
	if n.socket == "" || every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		checkCtx, cancel := context.WithTimeout(ctx, every)
		err := alive(checkCtx)
		cancel()
		if err != nil {
			log.Warn("systemd watchdog not pinged: the store does not answer", "err", err)
			continue
		}
		if err := n.notify("WATCHDOG=1"); err != nil {
			log.Warn("systemd watchdog ping failed", "err", err)
		}
	}
}
