package app

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/flowtest"
	"github.com/switchboard/switchboard/schema"
)

func newFlowTestCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test FLOW.json [TESTS.json...]",
		Short: "Run flow tests (format: schema/flowtest.json) against a flow",
		Long: "Run the tests in TESTS.json files (default: FLOW.test.json beside the flow)\n" +
			"against FLOW.json with the real engine, a scratch store and HTTP mocks.\n" +
			"Exit 0 when every test passes, 1 otherwise.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			def, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if _, err := schema.Parse(def); err != nil {
				fmt.Fprintf(out, "%s: %v\n", args[0], err)
				return exitError{1}
			}
			files := args[1:]
			if len(files) == 0 {
				files = []string{strings.TrimSuffix(args[0], ".json") + ".test.json"}
			}
			passed, failed := 0, 0
			for _, file := range files {
				tf, err := flowtest.ReadFile(file)
				if err != nil {
					fmt.Fprintln(out, err)
					failed++
					continue
				}
				for _, t := range tf.Tests {
					o, err := flowtest.Run(cmd.Context(), def, t)
					if err != nil {
						o.Failures = append(o.Failures, err.Error())
					}
					if o.Passed() {
						passed++
						fmt.Fprintf(out, "PASS %s: %s\n", file, t.Name)
						if verbose {
							fmt.Fprint(out, indent(o.Transcript))
						}
						continue
					}
					failed++
					fmt.Fprintf(out, "FAIL %s: %s\n", file, t.Name)
					for _, f := range o.Failures {
						fmt.Fprintf(out, "    %s\n", f)
					}
					fmt.Fprint(out, indent(o.Transcript))
				}
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print the transcript of passing tests too")
	return cmd
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    | " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    | ") + "\n"
}
