package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/schema"

	"github.com/switchboard/switchboard/app/atomicfile"
)

// Backups, restores and flow exports from the command line. A backup is
// taken from the live store while the appliance runs (SQLite's WAL lets
// this process read beside its writer); a restore needs the appliance
// stopped (the data directory's lock says whether it runs).

func newBackupCmd(cfg *config.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy the store to FILE, consistently, while the appliance runs",
		Long: "Write a consistent copy of the store in --data to FILE (one SQLite file) without\n" +
			"stopping calls or executions. The copy is checked (PRAGMA integrity_check) before\n" +
			"it gets its name; an existing FILE is never overwritten. Recordings are files in\n" +
			"the data directory and are not part of it.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.OpenWith(cmd.Context(), cfg.DataDir, store.Options{NoMigrate: true})
			if err != nil {
				return err
			}
			defer st.Close()
			start := time.Now()
			info, err := st.Backup(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, schema %d, %s, %s (%s)\n", info.Path, byteSize(info.Bytes),
				info.SchemaVersion, plural(info.Flows, "flow"), plural(info.Executions, "execution"), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

func newRestoreCmd(cfg *config.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Put a backup in place as the store (the appliance must be stopped)",
		Long: "Check FILE (SQLite's integrity check, a schema this binary knows) and put it in\n" +
			"place as the store in --data. Refused while an appliance runs on that data\n" +
			"directory. The store it replaces is kept beside it as switchboard.db.replaced-TIME.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			info, kept, err := store.Restore(cmd.Context(), args[0], cfg.DataDir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "restored %s into %s: schema %d, %s, %s\n", args[0], cfg.DataDir, info.SchemaVersion,
				plural(info.Flows, "flow"), plural(info.Executions, "execution"))
			if kept != "" {
				fmt.Fprintf(out, "the store it replaced is kept as %s\n", kept)
			}
			return nil
		},
	}
}

func newFlowExportCmd(cfg *config.Config) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "export --all DIR",
		Short: "Write every flow as Studio JSON, one file per flow, into DIR",
		Long: "Write each flow of the store in --data (its latest revision) into DIR as Studio\n" +
			"flow JSON in canonical form (as `flow fmt` prints it), named NAME-FWSID.json: the\n" +
			"flow's SID keeps the name stable, so a branch can keep its flows in git. A flow\n" +
			"renamed since the last export has its old file removed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !all {
				return errors.New("flow export: give --all (every flow of the store)")
			}
			st, err := store.OpenWith(cmd.Context(), cfg.DataDir, store.Options{NoMigrate: true})
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := exportFlows(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s written to %s\n", plural(n, "flow"), args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "export every flow")
	return cmd
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// exportName is a flow's file name: its friendly name made safe, then its SID.
func exportName(friendly, sid string) string {
	slug := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(friendly), "-"), "-")
	if len(slug) > 60 {
		slug = strings.Trim(slug[:60], "-")
	}
	if slug == "" {
		return sid + ".json"
	}
	return slug + "-" + sid + ".json"
}

func exportFlows(ctx context.Context, st *store.Store, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	n := 0
	page := store.Page{Limit: 200}
	for {
		flows, err := st.Flows(ctx, page)
		if err != nil {
			return n, err
		}
		for _, meta := range flows {
			f, err := st.Flow(ctx, meta.SID)
			if err != nil {
				return n, err
			}
			body := []byte(f.Definition)
			if p, err := schema.Parse(body); err == nil {
				if out, err := p.Format(); err == nil {
					body = out
				}
			}
			name := exportName(f.FriendlyName, f.SID)
			// A rename leaves the old file behind: remove it.
			old, _ := filepath.Glob(filepath.Join(dir, "*"+f.SID+".json"))
			for _, o := range old {
				if filepath.Base(o) != name {
					_ = os.Remove(o)
				}
			}
			// 0600 as before: a flow may hold an HTTP widget's credentials.
			if err := atomicfile.Write(filepath.Join(dir, name), body, 0o600); err != nil {
				return n, err
			}
			n++
		}
		if len(flows) < page.Limit {
			return n, nil
		}
		page.Offset += len(flows)
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// scheduledBackupPrefix names scheduled backups (pruned by count).
const scheduledBackupPrefix = "switchboard-"

// runScheduledBackups backs the store up every cfg.BackupEvery into
// cfg.BackupDir (default: the data directory's backups/), keeping the
// newest cfg.BackupKeep, until ctx ends. A failed backup is logged and
// tried again at the next tick; it never stops the appliance.
func runScheduledBackups(ctx context.Context, st *store.Store, cfg config.Config, log *slog.Logger) {
	if cfg.BackupEvery <= 0 {
		return
	}
	dir := cfg.BackupDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, store.BackupDir)
	}
	keep := cfg.BackupKeep
	if keep <= 0 {
		keep = config.DefaultBackupKeep
	}
	t := time.NewTicker(cfg.BackupEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := os.MkdirAll(dir, 0o750); err != nil {
				log.Error("scheduled backup: backup directory", "dir", dir, "err", err)
				continue
			}
			path := filepath.Join(dir, scheduledBackupPrefix+now.UTC().Format("20060102T150405.000Z")+".db")
			start := time.Now()
			info, err := st.Backup(ctx, path)
			if err != nil {
				log.Error("scheduled backup failed; trying again at the next one", "err", err)
				continue
			}
			removed, err := store.PruneBackups(dir, scheduledBackupPrefix, keep)
			if err != nil {
				log.Warn("scheduled backup: pruning old backups", "err", err)
			}
			log.Info("scheduled backup written", "file", info.Path, "bytes", info.Bytes, "executions", info.Executions,
				"took", time.Since(start).Round(time.Millisecond), "pruned", len(removed))
		}
	}
}
