import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { edgeId, handlesOf, toGraph } from './graph'
import { parseDefinition, type FlowDefinition, type State } from './studio'
import { corpusFiles } from './testcorpus'

const split: State = {
  name: 'split_1',
  type: 'split-based-on',
  transitions: [
    { next: 'a', event: 'noMatch' },
    { next: 'b', event: 'match', conditions: [{ friendly_name: 'If value equal_to 1', arguments: [null], type: 'equal_to', value: '1' }] },
    { event: 'match', conditions: [{ friendly_name: '', arguments: ['x'], type: 'equal_to', value: '2' }] },
    { next: 'a', event: 'match', conditions: [] },
  ],
  properties: { input: '{{x}}', offset: { x: 5, y: 6 } },
}

describe('handlesOf', () => {
  it('gives each match transition its own handle after the fixed events', () => {
    expect(handlesOf(split)).toEqual([
      { id: 'noMatch', event: 'noMatch', label: 'noMatch', transitionIndex: 0 },
      { id: 'match:0', event: 'match', label: 'If value equal_to 1', transitionIndex: 1 },
      { id: 'match:1', event: 'match', label: 'match 2', transitionIndex: 2 },
      { id: 'match:2', event: 'match', label: 'match 3', transitionIndex: 3 },
    ])
  })
  it('lists fixed events without a transition object, and unknown events the state has', () => {
    const s: State = { name: 'g', type: 'gather-input-on-call', transitions: [{ event: 'timeout', next: 'x' }, { event: 'weird' }], properties: {} }
    expect(handlesOf(s).map((h) => [h.id, h.transitionIndex])).toEqual([
      ['keypress', null],
      ['speech', null],
      ['timeout', 0],
      ['weird', 1],
    ])
  })
})

describe('toGraph', () => {
  it('makes edges only for nexts that exist', () => {
    const def: FlowDefinition = {
      description: '',
      initial_state: 'Trigger',
      states: [
        { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'split_1' }, { event: 'incomingMessage', next: 'gone' }], properties: {} },
        split,
        { name: 'a', type: 'say-play', transitions: [{ event: 'audioComplete', next: '' }], properties: {} },
        { name: 'b', type: 'say-play', transitions: [], properties: {} },
      ],
    }
    const g = toGraph(def)
    expect(g.nodes.map((n) => n.id)).toEqual(['Trigger', 'split_1', 'a', 'b'])
    expect(g.nodes[0]!.data.isTrigger).toBe(true)
    expect(g.nodes[1]!.position).toEqual({ x: 5, y: 6 })
    expect(g.nodes[0]!.position).toEqual({ x: 0, y: 0 })
    expect(g.edges.map((e) => [e.id, e.source, e.sourceHandle, e.target])).toEqual([
      [edgeId('Trigger', 'incomingCall'), 'Trigger', 'incomingCall', 'split_1'],
      [edgeId('split_1', 'noMatch'), 'split_1', 'noMatch', 'a'],
      [edgeId('split_1', 'match:0'), 'split_1', 'match:0', 'b'],
      [edgeId('split_1', 'match:2'), 'split_1', 'match:2', 'a'],
    ])
  })

  it('maps every corpus flow: one node per state, one edge per transition whose next exists', () => {
    const files = corpusFiles()
    if (files.length === 0) console.warn('corpus absent: skipped')
    for (const f of files) {
      const def = parseDefinition(readFileSync(f, 'utf8'))
      const g = toGraph(def)
      const names = new Set(def.states.map((s) => s.name))
      expect(g.nodes.map((n) => n.id), f).toEqual(def.states.map((s) => s.name))
      let want = 0
      for (const s of def.states) for (const t of s.transitions) if (t.next && names.has(t.next)) want++
      expect(g.edges.length, f).toBe(want)
      expect(new Set(g.edges.map((e) => e.id)).size, f).toBe(g.edges.length)
      for (const n of g.nodes) {
        const ids = n.data.handles.map((h) => h.id)
        expect(new Set(ids).size, f).toBe(ids.length)
      }
      for (const e of g.edges) expect(names.has(e.target)).toBe(true)
    }
  })
})
