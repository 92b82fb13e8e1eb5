import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { diffDefinitions, diffIsEmpty, diffKinds, jsonEqual } from './diff'
import { addMatch, connect, disconnect, moveWidgets, removeWidgets, renameWidget, setFlowField, setProperty } from './ops'
import { parseDefinition, type FlowDefinition } from './studio'
import { corpusFiles } from './testcorpus'

const base: FlowDefinition = {
  description: 'd',
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', transitions: [{ next: 'a', event: 'incomingCall' }], properties: { offset: { x: 0, y: 0 } } },
    { name: 'a', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'hi', offset: { x: 0, y: 100 } } },
    { name: 's', type: 'split-based-on', transitions: [{ event: 'noMatch' }], properties: { input: 'x', offset: { x: 0, y: 200 } } },
  ],
}

describe('diffDefinitions', () => {
  it('finds nothing between equal definitions, whatever the key order', () => {
    const b = structuredClone(base)
    b.states[1] = { properties: { offset: { y: 100, x: 0 }, say: 'hi' }, transitions: [{ event: 'audioComplete' }], type: 'say-play', name: 'a' }
    expect(diffDefinitions(base, b)).toEqual({ added: [], removed: [], changed: [], moved: [], transitions: [], flow: [] })
  })

  it('tells moved from changed, added from removed, and re-linked handles', () => {
    let b = moveWidgets(base, { a: { x: 5, y: 5 }, s: { x: 9, y: 9 } })
    b = setProperty(b, 's', 'input', 'y')
    b = connect(b, 'a', 'audioComplete', 's')
    b = disconnect(b, 'Trigger', 'incomingCall')
    b = addMatch(b, 's')
    b = setFlowField(b, 'description', 'new')
    b = removeWidgets(renameWidget(b, 'Trigger', 'Start'), [])
    const d = diffDefinitions(base, b)
    expect(d.added).toEqual(['Start'])
    expect(d.removed).toEqual(['Trigger'])
    expect(d.moved).toEqual([])
    expect(d.changed).toEqual([{ name: 'a', fields: ['transitions'] }, { name: 's', fields: ['transitions', 'input'] }])
    expect(d.transitions).toEqual([{ name: 'a', event: 'audioComplete', to: 's' }])
    expect(d.flow).toEqual(['description', 'initial_state'])
    const m = diffDefinitions(base, moveWidgets(base, { a: { x: 1, y: 1 } }))
    expect(m.moved).toEqual(['a'])
    expect(m.changed).toEqual([])
    const t = diffDefinitions(base, disconnect(base, 'Trigger', 'incomingCall'))
    expect(t.transitions).toEqual([{ name: 'Trigger', event: 'incomingCall', from: 'a' }])
  })

  it('reports a corpus flow against itself as unchanged, and one move as one move', () => {
    for (const f of corpusFiles()) {
      const text = readFileSync(f, 'utf8')
      const def = parseDefinition(text)
      const d = diffDefinitions(def, parseDefinition(text))
      expect(d.added.length + d.removed.length + d.changed.length + d.moved.length + d.transitions.length + d.flow.length, f).toBe(0)
      const name = def.states.at(-1)!.name
      expect(diffDefinitions(def, moveWidgets(def, { [name]: { x: -99999, y: 3 } })).moved, f).toEqual([name])
    }
  })
})

describe('jsonEqual', () => {
  it.each([
    [{ a: [1, { b: null }] }, { a: [1, { b: null }] }, true],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: null }, {}, false],
    [{ a: 1 }, [1], false],
    ['1', 1, false],
  ])('%j vs %j', (a, b, want) => expect(jsonEqual(a, b)).toBe(want))
})

describe('diffKinds', () => {
  it('marks each widget of the newer definition added, changed or moved; removed and untouched ones are absent', () => {
    let b = moveWidgets(base, { a: { x: 5, y: 5 } })
    b = setProperty(b, 's', 'input', 'y')
    b = removeWidgets(b, ['a'])
    b = moveWidgets(b, { Trigger: { x: 1, y: 1 } })
    const d = diffDefinitions(base, b)
    expect([...diffKinds(d)].sort()).toEqual([['Trigger', 'changed'], ['s', 'changed']])
    const m = diffDefinitions(base, moveWidgets(base, { a: { x: 5, y: 5 } }))
    expect([...diffKinds(m)]).toEqual([['a', 'moved']])
    expect(diffIsEmpty(m)).toBe(false)
    expect(diffIsEmpty(diffDefinitions(base, structuredClone(base)))).toBe(true)
  })
})
