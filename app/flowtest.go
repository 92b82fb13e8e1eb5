package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/app/flowtest"
	"github.com/switchboard/switchboard/schema"
)

func newFlowTestCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test [FLOW.json] TESTS.json...",
		Short: "Run flow tests (format: schema/flowtest.json) against a flow",
		Long: "Run the tests in TESTS.json files with the real engine, a scratch store and\n" +
			"HTTP mocks.\n\n" +
			"  flow test FLOW.json               runs FLOW.test.json beside the flow\n" +
			"  flow test FLOW.json TESTS.json... runs those tests against FLOW.json\n" +
			"  flow test TESTS.json...           each test file names its flow in its \"flow\"\n" +
			"                                    field (a path relative to the test file);\n" +
			"                                    without one, X.test.json tests X.json beside it\n\n" +
			"Exit 0 when every test passes, 1 otherwise.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			first, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			flowFile, files := "", args
			if !isFlowTestFile(first) {
				flowFile, files = args[0], args[1:]
				if len(files) == 0 {
					files = []string{strings.TrimSuffix(args[0], ".json") + ".test.json"}
				}
			}
			flows := map[string][]byte{}
			passed, failed := 0, 0
			for _, file := range files {
				tf, err := flowtest.ReadFile(file)
				if err != nil {
					fmt.Fprintln(out, err)
					failed++
					continue
				}
				def, err := flowFor(flows, flowFile, file, tf)
				if err != nil {
					fmt.Fprintln(out, err)
					failed += len(tf.Tests)
					continue
				}
				p, f := runFlowTests(cmd, out, def, file, tf, verbose)
				passed, failed = passed+p, failed+f
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

// isFlowTestFile reports whether b is a flow-test file rather than a flow
// definition: an object with "tests" and no "states".
func isFlowTestFile(b []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return false
	}
	_, tests := top["tests"]
	_, states := top["states"]
	return tests && !states
}

// flowFor reads and parses the flow a test file runs against: flowFile when
// given, else the file's "flow" field (relative to the test file), else
// X.json beside X.test.json. Definitions are cached in flows.
func flowFor(flows map[string][]byte, flowFile, testFile string, tf *flowtest.File) ([]byte, error) {
	name, path := flowFile, flowFile
	if path == "" {
		switch {
		case tf.Flow != "":
			name, path = tf.Flow, tf.Flow
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(testFile), path)
			}
		case strings.HasSuffix(testFile, ".test.json"):
			path = strings.TrimSuffix(testFile, ".test.json") + ".json"
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("%s: no flow to test: the file has no \"flow\" field (the flow's path, relative to the test file) and there is no %s beside it; add one, or run: switchboard flow test FLOW.json %s",
					testFile, filepath.Base(path), testFile)
			}
			name = path
		default:
			return nil, fmt.Errorf("%s: no flow to test: the file has no \"flow\" field (the flow's path, relative to the test file); add one, or run: switchboard flow test FLOW.json %s",
				testFile, testFile)
		}
	}
	if def, ok := flows[path]; ok {
		return def, nil
	}
	def, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("cannot read %s: %w", path, pe.Err)
		}
		return nil, fmt.Errorf("%s: flow %q: %w", testFile, name, err)
	}
	if _, err := schema.Parse(def); err != nil {
		return nil, fmt.Errorf("%s: flow %q: %w", testFile, name, err)
	}
	flows[path] = def
	return def, nil
}

// runFlowTests runs a test file's tests and prints PASS and FAIL lines.
func runFlowTests(cmd *cobra.Command, out io.Writer, def []byte, file string, tf *flowtest.File, verbose bool) (passed, failed int) {
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
	return passed, failed
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    | " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    | ") + "\n"
}
