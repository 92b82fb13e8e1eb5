import { describe, expect, it } from 'vitest'
import { defaultDefinition, exportFileName, exportText, importText, rawMember, reindent, relativeTime } from './format'
import { parseRoute } from './route'

describe('relativeTime', () => {
  const now = Date.parse('2026-12-03T12:00:00Z')
  const cases: [string | null, string][] = [
    [null, '—'],
    ['not a date', '—'],
    ['2026-12-03T11:59:50Z', 'just now'],
    ['2026-12-03T11:55:00Z', '5 min ago'],
    ['2026-12-03T09:00:00Z', '3 h ago'],
    ['2026-12-02T10:00:00Z', 'yesterday'],
    ['2026-11-28T12:00:00Z', '5 days ago'],
  ]
  for (const [iso, want] of cases) {
    it(String(iso), () => expect(relativeTime(iso, now)).toBe(want))
  }
})

describe('defaultDefinition', () => {
  it('is a Trigger with its five events, nothing wired', () => {
    const d = defaultDefinition() as { initial_state: string; states: { name: string; type: string; transitions: { event: string; next?: string }[] }[] }
    expect(d.initial_state).toBe('Trigger')
    expect(d.states).toHaveLength(1)
    expect(d.states[0]?.type).toBe('trigger')
    expect(d.states[0]?.transitions.map((t) => t.event)).toEqual([
      'incomingMessage',
      'incomingCall',
      'incomingConversationMessage',
      'incomingRequest',
      'incomingParent',
    ])
    expect(d.states[0]?.transitions.every((t) => t.next === undefined)).toBe(true)
  })
})

describe('import and export', () => {
  it('sends a Studio export as it is', () => {
    const t = '{"description":"x","states":[],"initial_state":"Trigger"}'
    expect(importText(t)).toEqual({ definition: t, name: null })
  })
  it('unwraps a Flow resource', () => {
    const t = JSON.stringify({ sid: 'FW1', friendly_name: 'Main', definition: { states: [] } })
    expect(importText(t)).toEqual({ definition: '{"states":[]}', name: 'Main' })
  })
  it('sends non-JSON to the validator unchanged', () => {
    expect(importText('{oops')).toEqual({ definition: '{oops', name: null })
  })
  it('exports with a 2-space indent and keeps key order', () => {
    expect(exportText({ b: 1, a: [null] })).toBe('{\n  "b": 1,\n  "a": [\n    null\n  ]\n}\n')
  })
  it('makes a safe file name', () => {
    expect(exportFileName('../Main IVR <x>')).toBe('Main_IVR_x.json')
    expect(exportFileName('///')).toBe('flow.json')
  })
})

describe('parseRoute', () => {
  it('reads #/flows/FW…', () => {
    expect(parseRoute('#/flows/FWabc123')).toEqual({ page: 'flow', sid: 'FWabc123' })
    expect(parseRoute('#/flows/FWabc123/executions/FNdef456')).toEqual({ page: 'flow', sid: 'FWabc123', execution: 'FNdef456' })
    expect(parseRoute('#/flows/FWabc123/executions/')).toEqual({ page: 'flows' })
    expect(parseRoute('#/settings')).toEqual({ page: 'settings' })
    expect(parseRoute('#/dashboard/')).toEqual({ page: 'dashboard' })
    expect(parseRoute('#/settingsx')).toEqual({ page: 'flows' })
    expect(parseRoute('#/flows')).toEqual({ page: 'flows' })
    expect(parseRoute('#/flows/<img>')).toEqual({ page: 'flows' })
    expect(parseRoute('')).toEqual({ page: 'flows' })
  })
})

describe('rawMember and reindent', () => {
  const flow = '{"sid":"FW1","friendly_name":"a \\"}\\" b","definition":{"description":"x","states":[{"n":1.0,"big":12345678901234567890,"e":{},"l":[]}],"flags":null},"status":"draft"}'
  it('finds the definition exactly as sent', () => {
    expect(rawMember(flow, 'definition')).toBe('{"description":"x","states":[{"n":1.0,"big":12345678901234567890,"e":{},"l":[]}],"flags":null}')
    expect(rawMember(flow, 'status')).toBe('"draft"')
    expect(rawMember(flow, 'missing')).toBeNull()
    expect(rawMember('[1]', 'x')).toBeNull()
  })
  it('re-indents like JSON.stringify(…, null, 2) but keeps literals', () => {
    const def = rawMember(flow, 'definition')!
    const want = JSON.stringify(JSON.parse(def), null, 2).replace('"n": 1', '"n": 1.0').replace('12345678901234567000', '12345678901234567890') + '\n'
    expect(reindent(def)).toBe(want)
    const plain = '{"a":"x, y: {z}","b":[1,2,{"c":[]}]}'
    expect(reindent(plain)).toBe(JSON.stringify(JSON.parse(plain), null, 2) + '\n')
  })
})
