package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/schema"
)

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(ctx context.Context, args []string, assets fs.FS, stdout, stderr io.Writer) int {
	cmd := newRoot(assets)
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(stderr, "switchboard:", err)
		return 2
	}
}

func newRoot(assets fs.FS) *cobra.Command {
	cfg := config.Default()
	root := &cobra.Command{
		Use:           "switchboard",
		Short:         "A local, offline Twilio Studio: flows, SIP calls and SMS in one binary",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	var cfgFile string
	pf.StringVar(&cfgFile, "config", "", "config file (TOML; default: $SWITCHBOARD_CONFIG, else "+config.DefaultFile+" when it exists); the command line and environment override it")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Name() == "check" && cmd.Parent() != nil && cmd.Parent().Name() == "config" {
			return nil // config check reads the file itself
		}
		path, explicit := configPath(cfgFile, os.Getenv)
		if path == "" {
			return nil
		}
		l, err := config.LoadFile(path)
		if err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		return l.Apply(cmd.Flags(), os.Getenv)
	}
	pf.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (SQLite store, recordings)")
	pf.StringVar(&cfg.HTTPAddr, "http", cfg.HTTPAddr, "HTTP listen address (REST API, webhooks, editor)")
	pf.StringVar(&cfg.SIPAddr, "sip", cfg.SIPAddr, "SIP listen address")

	flow := newFlowCmd()
	flow.AddCommand(newFlowExportCmd(&cfg))
	root.AddCommand(flow, newVersionCmd(), newServeCmd(&cfg, assets), newSimulateCmd(), newBackupCmd(&cfg), newRestoreCmd(&cfg), newConfigCmd(assets))
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "switchboard", version())
			return nil
		},
	}
}

func newFlowCmd() *cobra.Command {
	flow := &cobra.Command{Use: "flow", Short: "Work with Studio flow definitions (JSON files)"}
	var quiet, errorsOnly bool
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate flow definitions as Studio's Flow Validate does",
		Long: "Validate each FILE and print every problem as FILE: path: message, then a\n" +
			"summary line: \"3 files: 1 invalid, 2 errors, 5 warnings\". Errors are what\n" +
			"Studio would reject; warnings (lines marked warning:) do not make a file invalid.\n\n" +
			"  -e, --errors-only  print errors, not warnings (the summary still counts them)\n" +
			"  -q, --quiet        print nothing; the exit status says it all\n\n" +
			"Exit 0 when all files are valid, 1 when any is invalid or cannot be read.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			out := cmd.OutOrStdout()
			if quiet {
				out = io.Discard
			}
			var invalid, nerr, nwarn int
			for _, file := range files {
				b, err := os.ReadFile(file)
				if err != nil {
					fmt.Fprintf(out, "%s: #: cannot read: %s\n", schema.OneLine(file), schema.OneLine(fmt.Sprint(errors.Unwrap(err))))
					invalid++
					nerr++
					continue
				}
				r := schema.Validate(b)
				// One problem, one line: messages come escaped; paths keep
				// the exact pointer in the Problem and are escaped here.
				name := schema.OneLine(file)
				for _, p := range r.Errors {
					fmt.Fprintf(out, "%s: %s: %s\n", name, schema.OneLine(p.PropertyPath), p.Message)
				}
				if !errorsOnly {
					for _, p := range r.Warnings {
						fmt.Fprintf(out, "%s: %s: warning: %s\n", name, schema.OneLine(p.PropertyPath), p.Message)
					}
				}
				nerr += len(r.Errors)
				nwarn += len(r.Warnings)
				if !r.Valid() {
					invalid++
				}
			}
			fmt.Fprintf(out, "%s: %d invalid, %s, %s\n", plural(len(files), "file"), invalid, plural(nerr, "error"), plural(nwarn, "warning"))
			if invalid > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	validate.Flags().BoolVarP(&errorsOnly, "errors-only", "e", false, "print errors only, not warnings")
	validate.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing; report through the exit status only")

	format := &cobra.Command{
		Use:   "fmt FILE",
		Short: "Print a flow definition in canonical form",
		Long: "Print FILE in canonical form: two-space indent, keys in Studio's export\n" +
			"order, widget properties sorted. Lossless: unknown keys stay, numbers stay\n" +
			"as written, null stays null; fmt of its own output changes nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			f, err := schema.Parse(b)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", args[0], err)
				return exitError{1}
			}
			out, err := f.Format()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	flow.AddCommand(validate, format, newFlowTestCmd())
	return flow
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
