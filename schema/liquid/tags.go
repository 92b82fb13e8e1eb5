package liquid

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/render"
)

// The tag set is ours, not osteele's AddStandardTags: we need our own for
// (the iteration cap), our own capture (the value cap), and we leave out
// include (it would read files from disk) and tablerow (HTML only).
func addTags(cfg *render.Config) {
	cfg.AddTag("assign", assignTag)
	cfg.AddTag("echo", echoTag)
	cfg.AddTag("increment", counterTag(1))
	cfg.AddTag("decrement", counterTag(-1))
	cfg.AddTag("break", loopJumpTag(errBreak))
	cfg.AddTag("continue", loopJumpTag(errContinue))
	cfg.AddTag("cycle", cycleTag)
	cfg.AddBlock("comment") // the parser skips its body
	cfg.AddBlock("raw")     // the parser keeps its body verbatim
	cfg.AddBlock("capture").Compiler(captureBlock)
	cfg.AddBlock("if").Clause("elsif").Clause("else").Compiler(conditionalBlock(true))
	cfg.AddBlock("unless").Clause("elsif").Clause("else").Compiler(conditionalBlock(false))
	cfg.AddBlock("case").Clause("when").Clause("else").Compiler(caseBlock)
	cfg.AddBlock("for").Clause("else").Compiler(forBlock)
}

var (
	errBreak    = errors.New("break outside a for loop")
	errContinue = errors.New("continue outside a for loop")
)

// causeOf digs through osteele's wrappers (they expose Cause, not Unwrap).
func causeOf(err error) error {
	for i := 0; err != nil && i < 64; i++ {
		c, ok := err.(interface{ Cause() error })
		if !ok {
			return err
		}
		next := c.Cause()
		if next == nil || next == err {
			return err
		}
		err = next
	}
	return err
}

func assignTag(args string) (func(io.Writer, render.Context) error, error) {
	stmt, err := expressions.ParseStatement(expressions.AssignStatementSelector, args)
	if err != nil {
		return nil, err
	}
	name, expr := stmt.Assignment.Variable, stmt.Assignment.ValueFn
	return func(_ io.Writer, ctx render.Context) error {
		st := stateOf(ctx)
		if err := st.check(); err != nil {
			return err
		}
		v, err := ctx.Evaluate(expr)
		if err != nil {
			return err
		}
		ctx.Set(name, v)
		return nil
	}, nil
}

func echoTag(args string) (func(io.Writer, render.Context) error, error) {
	expr, err := expressions.Parse(args)
	if err != nil {
		return nil, err
	}
	return func(w io.Writer, ctx render.Context) error {
		v, err := ctx.Evaluate(expr)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, toStr(v))
		return err
	}, nil
}

// counterTag implements increment (step 1: prints 0, 1, 2 …) and decrement
// (step -1: prints -1, -2 …). Counters are their own namespace, as in Shopify.
func counterTag(step int) func(string) (func(io.Writer, render.Context) error, error) {
	return func(args string) (func(io.Writer, render.Context) error, error) {
		name := strings.TrimSpace(args)
		if name == "" {
			return nil, errors.New("increment and decrement need a variable name")
		}
		return func(w io.Writer, ctx render.Context) error {
			st := stateOf(ctx)
			if st.counters == nil {
				st.counters = map[string]int{}
			}
			n := st.counters[name]
			if step < 0 {
				n--
				st.counters[name] = n
			} else {
				st.counters[name] = n + 1
			}
			_, err := io.WriteString(w, fmt.Sprint(n))
			return err
		}, nil
	}
}

func loopJumpTag(sentinel error) func(string) (func(io.Writer, render.Context) error, error) {
	return func(string) (func(io.Writer, render.Context) error, error) {
		return func(_ io.Writer, ctx render.Context) error { return ctx.WrapError(sentinel) }, nil
	}
}

func cycleTag(args string) (func(io.Writer, render.Context) error, error) {
	stmt, err := expressions.ParseStatement(expressions.CycleStatementSelector, args)
	if err != nil {
		return nil, err
	}
	group, vals := stmt.Cycle.Group, stmt.Cycle.Values
	if len(vals) == 0 {
		return nil, errors.New("cycle needs at least one value")
	}
	key := group
	if key == "" {
		key = "\x00" + strings.Join(vals, "\x00")
	}
	// As in Shopify, a cycle's position is kept for the whole render (keyed
	// by its group, or by its values), not per loop.
	return func(w io.Writer, ctx render.Context) error {
		st := stateOf(ctx)
		if st.cycles == nil {
			st.cycles = map[string]int{}
		}
		n := st.cycles[key]
		st.cycles[key] = n + 1
		_, err := io.WriteString(w, vals[n%len(vals)])
		return err
	}, nil
}

func captureBlock(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	name := strings.Trim(strings.TrimSpace(node.Args), `"'`)
	if name == "" {
		return nil, errors.New("capture needs a variable name")
	}
	return func(_ io.Writer, ctx render.Context) error {
		st := stateOf(ctx)
		buf := &boundedBuffer{st: st}
		if err := ctx.RenderChildren(buf); err != nil {
			return err
		}
		ctx.Set(name, string(buf.buf))
		return nil
	}, nil
}

// conditionalBlock implements if (polarity true) and unless (false), with
// elsif and else clauses.
func conditionalBlock(polarity bool) render.BlockCompiler {
	return func(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
		type branch struct {
			test expressions.Expression // nil: else
			body *render.BlockNode
		}
		first, err := expressions.Parse(node.Args)
		if err != nil {
			return nil, err
		}
		if !polarity {
			first = expressions.Not(first)
		}
		branches := []branch{{first, &node}}
		sawElse := false
		for _, c := range node.Clauses {
			if sawElse {
				return nil, fmt.Errorf("%s has a clause after else", node.Name)
			}
			switch c.Name {
			case "else":
				sawElse = true
				branches = append(branches, branch{nil, c})
			case "elsif":
				t, err := expressions.Parse(c.Args)
				if err != nil {
					return nil, err
				}
				branches = append(branches, branch{t, c})
			}
		}
		return func(w io.Writer, ctx render.Context) error {
			if err := stateOf(ctx).check(); err != nil {
				return err
			}
			for _, b := range branches {
				if b.test != nil {
					v, err := ctx.Evaluate(b.test)
					if err != nil {
						return err
					}
					if !truthy(v) {
						continue
					}
				}
				return ctx.RenderBlock(w, b.body)
			}
			return nil
		}, nil
	}
}

func caseBlock(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	subject, err := expressions.Parse(node.Args)
	if err != nil {
		return nil, err
	}
	type when struct {
		exprs []expressions.Expression // nil: else
		body  *render.BlockNode
	}
	var whens []when
	for _, c := range node.Clauses {
		if c.Name == "else" {
			whens = append(whens, when{nil, c})
			continue
		}
		stmt, err := expressions.ParseStatement(expressions.WhenStatementSelector, c.Args)
		if err != nil {
			return nil, err
		}
		whens = append(whens, when{stmt.When.Exprs, c})
	}
	return func(w io.Writer, ctx render.Context) error {
		if err := stateOf(ctx).check(); err != nil {
			return err
		}
		v, err := ctx.Evaluate(subject)
		if err != nil {
			return err
		}
		for _, c := range whens {
			if c.exprs == nil {
				return ctx.RenderBlock(w, c.body)
			}
			for _, e := range c.exprs {
				x, err := ctx.Evaluate(e)
				if err != nil {
					return err
				}
				if equal(v, x) {
					return ctx.RenderBlock(w, c.body)
				}
			}
		}
		return nil
	}, nil
}

// loopFrame is one running for loop (for forloop.parentloop).
type loopFrame struct {
	forloop object
}

// forBlock is the for tag with Studio's cap: a loop whose collection (after
// offset and limit) has more than Limits.MaxLoop items fails the render
// before its first iteration; it is not silently cut short. The cap is per
// loop, as in Studio; nested loops each get MaxLoop, and the render timeout
// bounds the product.
func forBlock(node render.BlockNode) (func(io.Writer, render.Context) error, error) {
	stmt, err := expressions.ParseStatement(expressions.LoopStatementSelector, node.Args)
	if err != nil {
		return nil, err
	}
	loop := stmt.Loop
	if loop.Cols != nil {
		return nil, errors.New("cols is only allowed on tablerow")
	}
	var elseBody *render.BlockNode
	for _, c := range node.Clauses {
		if elseBody != nil {
			return nil, errors.New("for accepts at most one else clause")
		}
		elseBody = c
	}
	source := node.Source
	line := node.SourceLoc.LineNo
	return func(w io.Writer, ctx render.Context) error {
		st := stateOf(ctx)
		if err := st.check(); err != nil {
			return err
		}
		coll, err := ctx.Evaluate(loop.Expr)
		if err != nil {
			return err
		}
		items := iterSeq(coll)
		n := items.Len()
		start, end := 0, n
		if loop.Offset != nil {
			v, err := ctx.Evaluate(loop.Offset)
			if err != nil {
				return err
			}
			start = min(max(toInt(v), 0), n)
		}
		if loop.Limit != nil {
			v, err := ctx.Evaluate(loop.Limit)
			if err != nil {
				return err
			}
			end = min(start+max(toInt(v), 0), n)
		}
		count := end - start
		if count <= 0 {
			if elseBody != nil {
				return ctx.RenderBlock(w, elseBody)
			}
			return nil
		}
		if st.lim.MaxLoop >= 0 && count > st.lim.MaxLoop {
			e := newError(KindLoopTooLong,
				"line %d: %s would run %d iterations; Studio allows at most %d iterations per loop",
				line, source, count, st.lim.MaxLoop)
			e.Line = line
			return st.fail(e)
		}
		var parent any
		if len(st.loops) > 0 {
			parent = st.loops[len(st.loops)-1].forloop
		}
		frame := &loopFrame{}
		st.loops = append(st.loops, frame)
		savedVar, savedLoop := ctx.Get(loop.Variable), ctx.Get("forloop")
		defer func() {
			st.loops = st.loops[:len(st.loops)-1]
			ctx.Set(loop.Variable, savedVar)
			ctx.Set("forloop", savedLoop)
		}()
		for i := 0; i < count; i++ {
			if err := st.check(); err != nil {
				return err
			}
			idx := start + i
			if loop.Reversed {
				idx = end - 1 - i
			}
			frame.forloop = object{
				"first": i == 0, "last": i == count-1,
				"index": i + 1, "index0": i,
				"rindex": count - i, "rindex0": count - i - 1,
				"length": count, "parentloop": parent,
			}
			ctx.Set(loop.Variable, items.Index(idx))
			ctx.Set("forloop", frame.forloop)
			if err := ctx.RenderChildren(w); err != nil {
				switch causeOf(err) {
				case errBreak:
					return nil
				case errContinue:
					continue
				}
				return err
			}
		}
		return nil
	}, nil
}
