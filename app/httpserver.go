package app

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// httpLimits bound what one client can hold of the HTTP server: time to send
// a request (headers, then the whole body), time to take the response, time
// a keep-alive connection may sit idle, header size, and connections open at
// once.
type httpLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // the event stream extends its own (app/api)
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	MaxConns          int // 0: from the file limit (maxConnsFor)
}

// serveHTTPLimits are the limits serve uses (tests shorten them).
var serveHTTPLimits = httpLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      2 * time.Minute,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// newHTTPServer is the appliance's HTTP server with lim applied.
func newHTTPServer(h http.Handler, lim httpLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
	}
}

// limitListener accepts at most max connections at once: Accept waits
// while max are open, so the rest wait in the kernel's backlog rather than
// costing the process a goroutine and buffers each.
func limitListener(l net.Listener, max int) net.Listener {
	return &limitedListener{Listener: l, slots: make(chan struct{}, max), done: make(chan struct{})}
}

type limitedListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{}
	once  sync.Once
}

func (l *limitedListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitedListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
