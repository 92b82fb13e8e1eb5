import { describe, expect, it } from 'vitest'
import { locate, nearestPointer, normalPointer, pointerTokens, problemsByWidget, type Problem } from './problems'
import type { FlowDefinition } from './studio'

const def: FlowDefinition = {
  description: '',
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 's' }], properties: {} },
    { name: 's', type: 'split-based-on', transitions: [{ event: 'match', conditions: [] }, { event: 'noMatch' }, { event: 'match', conditions: [] }], properties: { input: '' } },
  ],
}
const p = (property_path: string, level: Problem['level'] = 'error'): Problem => ({ message: 'm', property_path, level })

describe('locate', () => {
  it.each([
    ['#/states/1/properties/input', { widget: 's', field: 'input' }],
    ['#/states/1/transitions/2/conditions/0/value', { widget: 's', handle: 'match:1' }],
    ['#/states/1/transitions/1/next', { widget: 's', handle: 'noMatch' }],
    ['/states/0/name', { widget: 'Trigger' }],
    ['#/states/1/properties/a~1b~0c', { widget: 's', field: 'a/b~c' }],
    ['#/states/9/properties/x', {}],
    ['#/initial_state', {}],
    ['#', {}],
  ])('%s', (path, want) => {
    const l = locate(def, p(path))
    expect({ widget: l.widget, field: l.field, handle: l.handle }).toEqual({ widget: undefined, field: undefined, handle: undefined, ...want })
    expect(l.property_path).toBe(path)
    expect(l.level).toBe('error')
  })
  it('splits pointers', () => expect(pointerTokens('#/states/%7Ex')).toEqual(['states', '~x']))
})

describe('problemsByWidget', () => {
  it('groups by widget, flow-level problems under ""', () => {
    const m = problemsByWidget(def, [p('#/states/1/properties/input'), p('#/initial_state', 'warning'), p('#/states/1/transitions/0/conditions')])
    expect([...m.keys()]).toEqual(['s', ''])
    expect(m.get('s')!.map((l) => l.field ?? l.handle)).toEqual(['input', 'match:0'])
    expect(m.get('')![0]!.level).toBe('warning')
  })
})

describe('nearestPointer', () => {
  const shown = ['/states/1/name', '/states/1/properties/input', '/states/1/transitions/2/conditions/0/value', '/states/1/transitions/2', '/description']
  it.each([
    ['#/states/1/properties/input', '/states/1/properties/input'],
    ['#/states/1/transitions/2/conditions/0/value', '/states/1/transitions/2/conditions/0/value'],
    ['#/states/1/transitions/2/conditions/0/type', '/states/1/transitions/2'],
    ['#/states/1/properties/input/0', '/states/1/properties/input'],
    ['#/description', '/description'],
    ['#/states/12/properties/input', null],
    ['#/initial_state', null],
  ])('%s → %s', (path, want) => expect(nearestPointer(path, shown)).toBe(want))

  it('does not take a sibling with a common prefix of letters', () => {
    expect(nearestPointer('#/states/1/properties/inputs', ['/states/1/properties/input'])).toBeNull()
    expect(nearestPointer('#/states/10/name', ['/states/1/name'])).toBeNull()
  })

  it('normalPointer writes one form for "#/…", "/…" and escapes', () => {
    expect(normalPointer('#/states/1/properties/a~1b')).toBe('/states/1/properties/a~1b')
    expect(normalPointer('/states/1')).toBe('/states/1')
    expect(normalPointer('#%2Fstates%2F2')).toBe('/states/2')
    expect(normalPointer('')).toBe('')
  })
})
