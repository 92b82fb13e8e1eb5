//go:build desktop && linux

package desktop

/*
#cgo pkg-config: gtk+-3.0
#include <gtk/gtk.h>

// Runs on GTK's main loop: ends it once it runs (an idle source that fires
// before gtk_main waits for it).
static gboolean switchboard_quit(gpointer data) {
	if (gtk_main_level() == 0) return G_SOURCE_CONTINUE;
	gtk_main_quit();
	return G_SOURCE_REMOVE;
}

static void switchboard_schedule_quit(void) { g_idle_add(switchboard_quit, NULL); }
*/
import "C"

import "context"

// quitMainLoop ends the window's GTK main loop, from any goroutine:
// g_idle_add is GTK's thread-safe way into its main thread.
func quitMainLoop() { C.switchboard_schedule_quit() }

// onStartup has nothing to do on Linux (quitMainLoop needs no Wails context).
func onStartup(context.Context) {}
