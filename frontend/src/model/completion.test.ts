import { describe, expect, it } from 'vitest'
import { variablesFor } from './completion'
import type { FlowDefinition } from './studio'

const def: FlowDefinition = {
  description: '',
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'gather_1' }, { event: 'incomingMessage' }], properties: {} },
    { name: 'gather_1', type: 'gather-input-on-call', transitions: [], properties: {} },
    { name: 'vars', type: 'set-variables', transitions: [], properties: { variables: [{ key: 'lang', value: 'en' }, { value: 'x' }] } },
    { name: 'http', type: 'make-http-request', transitions: [], properties: {} },
  ],
}

describe('variablesFor', () => {
  const paths = variablesFor(def).map((v) => v.path)
  it('has flow variables, including those Set Variables writes', () => {
    expect(paths).toContain('flow.sid')
    expect(paths).toContain('flow.variables.lang')
    expect(paths).toContain('widgets.vars.lang')
  })
  it('has trigger variables only for wired events', () => {
    expect(paths).toContain('trigger.call.From')
    expect(paths.some((p) => p.startsWith('trigger.message.'))).toBe(false)
  })
  it('has widget variables by type', () => {
    expect(variablesFor(def).find((v) => v.path === 'widgets.gather_1.Digits')?.detail).toBe('digits the caller pressed')
    expect(paths).toContain('widgets.http.parsed')
    expect(paths.some((p) => p.startsWith('widgets.Trigger'))).toBe(false)
    expect(new Set(paths).size).toBe(paths.length)
  })
})
