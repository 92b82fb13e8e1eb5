//go:build desktop && !linux

package desktop

import (
	"context"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Only the Linux window is built and tested (make desktop); elsewhere the
// window is ended through Wails' runtime once it has started.
var started struct {
	sync.Mutex
	ctx  context.Context
	quit bool
}

func onStartup(ctx context.Context) {
	started.Lock()
	defer started.Unlock()
	started.ctx = ctx
	if started.quit {
		runtime.Quit(ctx)
	}
}

func quitMainLoop() {
	started.Lock()
	defer started.Unlock()
	started.quit = true
	if started.ctx != nil {
		runtime.Quit(started.ctx)
	}
}
