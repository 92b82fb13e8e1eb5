import { describe, expect, it } from 'vitest'
import { EditorState } from '@codemirror/state'
import { CompletionContext } from '@codemirror/autocomplete'
import { completeVariables, inLiquidContext } from './LiquidEditor'

const vars = [
  { path: 'flow.data', detail: 'flow' },
  { path: 'trigger.call.From', detail: 'caller' },
  { path: 'widgets.gather_1.Digits', detail: 'digits' },
]

function labels(text: string, explicit = false): string[] | null {
  const state = EditorState.create({ doc: text })
  const r = completeVariables(vars, new CompletionContext(state, text.length, explicit))
  return r ? r.options.map((o) => o.label) : null
}

describe('Liquid completion', () => {
  it('knows where a variable is expected', () => {
    expect(inLiquidContext('Hello {{ ')).toBe(true)
    expect(inLiquidContext('Hello {{ x }} ')).toBe(false)
    expect(inLiquidContext('see widgets.ga')).toBe(true)
    expect(inLiquidContext('plain text')).toBe(false)
  })
  it('offers the flow variables inside {{ }} and after widgets.', () => {
    expect(labels('Hi {{ ')).toEqual(vars.map((v) => v.path))
    expect(labels('Hi {{ tri')).toEqual(['trigger.call.From'])
    expect(labels('x widgets.g')).toEqual(['widgets.gather_1.Digits'])
    expect(labels('Hi tri')).toBeNull()
    expect(labels('Hi {{ x }} fl', true)).toBeNull()
  })
})
