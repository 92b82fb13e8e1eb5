//go:build desktop

package desktop

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
)

// Built reports whether this binary has the desktop window.
const Built = true

// GTK must run on one thread for the process's life: the main goroutine
// stays on the main thread (Open is called from it).
func init() { runtime.LockOSThread() }

// Open shows the window and returns when it is closed or ctx ends (then it
// closes it). Call it from the main goroutine: GTK runs on the thread that
// opened it. Every request of the page goes to o.Handler (Wails' AssetServer
// with no Assets of its own: the handler serves the editor's files too).
func Open(ctx context.Context, o Options) (err error) {
	if err := openCtx(ctx, o); err != nil {
		return err
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// GTK panics when it cannot open the display (DISPLAY names a server
	// that is not there): that is an error, not a crash.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("desktop window: %v", p)
		}
	}()
	stop := context.AfterFunc(ctx, quitMainLoop)
	defer stop()
	err = wails.Run(&options.App{
		Title:              Title,
		Width:              Width,
		Height:             Height,
		MinWidth:           MinWidth,
		MinHeight:          MinHeight,
		BackgroundColour:   &options.RGBA{R: 0xf6, G: 0xf7, B: 0xf9, A: 0xff}, // the editor's --bg
		AssetServer:        &assetserver.Options{Handler: Logged(o.Handler, log)},
		Logger:             wailsLog{log},
		LogLevel:           logger.WARNING,
		LogLevelProduction: logger.WARNING,
		Linux: &linux.Options{
			ProgramName: "switchboard",
			// Software rendering: an editor needs no GPU, and some
			// drivers leave WebKitGTK's window blank (wailsapp/wails#2977).
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
	})
	if err != nil {
		return fmt.Errorf("desktop window: %w", err)
	}
	return nil
}

// wailsLog writes Wails' own messages to the appliance's log.
type wailsLog struct{ log *slog.Logger }

func (l wailsLog) Print(m string)   { l.log.Info(m, "component", "wails") }
func (l wailsLog) Trace(m string)   { l.log.Debug(m, "component", "wails") }
func (l wailsLog) Debug(m string)   { l.log.Debug(m, "component", "wails") }
func (l wailsLog) Info(m string)    { l.log.Info(m, "component", "wails") }
func (l wailsLog) Warning(m string) { l.log.Warn(m, "component", "wails") }
func (l wailsLog) Error(m string)   { l.log.Error(m, "component", "wails") }
func (l wailsLog) Fatal(m string)   { l.log.Error(m, "component", "wails") }
