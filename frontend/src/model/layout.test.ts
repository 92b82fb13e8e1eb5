import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { autoLayout, needsLayout, nodeSize } from './layout'
import { diffDefinitions } from './diff'
import { offsetOf, parseDefinition, type FlowDefinition } from './studio'
import { corpusFiles } from './testcorpus'

function flow(offsets: (null | [number, number])[]): FlowDefinition {
  return {
    description: '',
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ next: 'a', event: 'incomingCall' }], properties: {} },
      { name: 'a', type: 'say-play', transitions: [{ next: 'b', event: 'audioComplete' }], properties: {} },
      { name: 'b', type: 'gather-input-on-call', transitions: [{ next: 'a', event: 'keypress' }, { event: 'timeout', next: 'Trigger' }], properties: {} },
    ].map((s, i) => {
      const o = offsets[i]
      return o ? { ...s, properties: { offset: { x: o[0], y: o[1] } } } : s
    }),
  }
}

describe('needsLayout', () => {
  it('is true when an offset is missing', () => expect(needsLayout(flow([[0, 0], null, [0, 1000]]))).toBe(true))
  it('is true when boxes overlap, using 60 + 24 per handle of height', () => {
    // the Trigger has 5 handles: 60 + 120 = 180 high
    expect(nodeSize(flow([]).states[0]!).height).toBe(180)
    expect(needsLayout(flow([[0, 0], [0, 179], [0, 1000]]))).toBe(true)
    expect(needsLayout(flow([[0, 0], [239, 100], [0, 1000]]))).toBe(true)
  })
  it('is false when every box is apart', () => {
    expect(needsLayout(flow([[0, 0], [0, 180], [240, 0]]))).toBe(false)
  })
})

describe('autoLayout', () => {
  it('puts the Trigger on top, layers downward, and leaves no overlap', () => {
    const out = autoLayout(flow([null, null, null]))
    const y = out.states.map((s) => offsetOf(s)!.y)
    expect(y[0]).toBeLessThan(y[1]!)
    expect(y[1]).toBeLessThan(y[2]!)
    expect(needsLayout(out)).toBe(false)
    for (const s of out.states) expect(Number.isInteger(offsetOf(s)!.x)).toBe(true)
  })
  it('changes nothing but offsets on every corpus flow', () => {
    for (const f of corpusFiles()) {
      const def = parseDefinition(readFileSync(f, 'utf8'))
      const out = autoLayout(def)
      expect(needsLayout(out), f).toBe(false)
      const d = diffDefinitions(def, out)
      expect(d.changed.length + d.added.length + d.removed.length + d.transitions.length + d.flow.length, f).toBe(0)
      const trig = out.states.find((s) => s.type === 'trigger')
      if (trig) expect(offsetOf(trig)!.y, f).toBe(Math.min(...out.states.map((s) => offsetOf(s)!.y)))
    }
  })
})
