// A CodeMirror 6 editor for Liquid and JSON fields, completing the flow's
// Liquid variables (flow.*, trigger.*, widgets.NAME.*) inside {{ }} or after widgets.
import { useEffect, useRef } from 'react'
import { EditorState } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete'
import { liquid } from '@codemirror/lang-liquid'
import { json } from '@codemirror/lang-json'
import type { Variable } from '../model/completion'

/** Whether the cursor sits where a Liquid variable is expected: inside an open {{ or {% , or after widgets. */
export function inLiquidContext(before: string): boolean {
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('{%'))
  const close = Math.max(before.lastIndexOf('}}'), before.lastIndexOf('%}'))
  if (open >= 0 && open > close) return true
  return /widgets\.[\w.]*$/.test(before)
}

/** Completion options for the word before the cursor; null when none apply. */
export function completeVariables(variables: Variable[], ctx: CompletionContext): CompletionResult | null {
  const word = ctx.matchBefore(/[\w.]*/)
  if (!word) return null
  const line = ctx.state.doc.lineAt(ctx.pos)
  const before = line.text.slice(0, ctx.pos - line.from)
  if (!inLiquidContext(before)) return null
  if (word.from === word.to && !ctx.explicit && !/\{\{\s*$/.test(before)) return null
  return {
    from: word.from,
    options: variables.filter((v) => v.path.startsWith(word.text)).map((v) => ({ label: v.path, detail: v.detail, type: 'variable' })),
    validFor: /^[\w.]*$/,
  }
}

export interface LiquidEditorProps {
  value: string
  language: 'liquid' | 'json'
  variables: Variable[]
  onChange: (text: string) => void
  testId?: string
  label?: string
}

export function LiquidEditor({ value, language, variables, onChange, testId, label }: LiquidEditorProps) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const changeRef = useRef(onChange)
  changeRef.current = onChange
  const varsRef = useRef(variables)
  varsRef.current = variables
  const syncing = useRef(false)

  useEffect(() => {
    if (!host.current) return
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          language === 'json' ? json() : liquid(),
          autocompletion({ override: [(ctx) => completeVariables(varsRef.current, ctx)] }),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of(label ? { 'aria-label': label } : {}),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !syncing.current) changeRef.current(u.state.doc.toString())
          }),
        ],
      }),
    })
    view.current = v
    return () => {
      v.destroy()
      view.current = null
    }
    // The editor is created once per mount; value changes are synced below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language])

  useEffect(() => {
    const v = view.current
    if (!v) return
    const cur = v.state.doc.toString()
    if (cur === value) return
    syncing.current = true
    try {
      v.dispatch({ changes: { from: 0, to: cur.length, insert: value } })
    } finally {
      syncing.current = false
    }
  }, [value])

  return <div className="code-editor" data-testid={testId} ref={host} />
}
