package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/config"
)

// configPath is the config file to read: --config, else
// $SWITCHBOARD_CONFIG, else the packaged default. explicit says the user
// named it (then a missing file is an error; the default may be absent).
func configPath(flag string, getenv func(string) string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if p := getenv("SWITCHBOARD_CONFIG"); p != "" {
		return p, true
	}
	return config.DefaultFile, false
}

func newConfigCmd(assets fs.FS) *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Work with the config file"}
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a config file: keys, types and values, with line numbers",
		Long: "Read FILE (default: --config, $SWITCHBOARD_CONFIG, else " + config.DefaultFile + ") as\n" +
			"`serve` would and report every problem as FILE:LINE[:COL]: message: unknown keys\n" +
			"(with the closest known one), values of the wrong type, values `serve` would refuse,\n" +
			"secret files that cannot be read. Exit 0 when the file is usable, 1 when not.\n\n" +
			"Keys are the flags' names with - written _ (--max-calls is max_calls); secrets may\n" +
			"come from files: auth_token_file, trunk_file, sip_user_file (one entry per line).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			flag, _ := cmd.Flags().GetString("config")
			path, _ := configPath(flag, os.Getenv)
			if len(args) == 1 {
				path = args[0]
			}
			l, err := config.LoadFile(path)
			if err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), err)
				return exitError{1}
			}
			// Apply it to a fresh serve command, as `serve` would, with
			// no command line and no environment, then validate.
			cfg := config.Default()
			serve := newServeCmd(&cfg, assets)
			root := &cobra.Command{Use: "switchboard"}
			pf := root.PersistentFlags()
			pf.StringVar(&cfg.DataDir, "data", cfg.DataDir, "")
			pf.StringVar(&cfg.HTTPAddr, "http", cfg.HTTPAddr, "")
			pf.StringVar(&cfg.SIPAddr, "sip", cfg.SIPAddr, "")
			root.AddCommand(serve)
			serve.InheritedFlags() // merge the persistent flags into serve's set
			noEnv := func(string) string { return "" }
			if err := l.Apply(serve.Flags(), noEnv); err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), err)
				return exitError{1}
			}
			if err := cfg.Validate(); err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), l.Locate(err))
				return exitError{1}
			}
			if ll, _ := serve.Flags().GetString("log-level"); ll != "" {
				if err := checkLogLevel(ll); err != nil {
					fmt.Fprintln(cmd.OutOrStdout(), l.Locate(err))
					return exitError{1}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", path)
			return nil
		},
	}
	c.AddCommand(check)
	return c
}

var errLogLevel = errors.New("use debug, info, warn or error")

func checkLogLevel(s string) error {
	switch s {
	case "debug", "info", "warn", "error", "DEBUG", "INFO", "WARN", "ERROR":
		return nil
	}
	return fmt.Errorf("--log-level %q: %w", s, errLogLevel)
}
