import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { autoLayout, initialView, needsLayout, nodeSize, openZoom } from './layout'
import { ivrFlow } from '../../e2e/bigflow.mjs'
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

describe('initialView', () => {
  it('fits a flow that can be read whole', () => {
    expect(initialView(flow([[0, 0], [0, 300], [0, 600]]), 1000, 800)).toEqual({ fit: true })
  })
  it('opens a flow that would fit only below a readable zoom at its start', () => {
    // 2,000 wide on 1,000 pixels: fitted it would be zoom 0.46, too small to read the widgets' events
    const v = initialView(flow([[0, 0], [0, 300], [1760, 600]]), 1000, 800)
    if (v.fit) throw new Error('expected a viewport')
    expect(v.zoom).toBeGreaterThanOrEqual(openZoom)
  })
  it('opens a flow too large to read whole at its start, legible', () => {
    const def = flow([[0, 0], [0, 300], [0, 600]])
    // a far widget makes the whole flow unreadable at any fit
    def.states.push({ name: 'far', type: 'say-play', transitions: [], properties: { offset: { x: 20000, y: 20000 } } })
    const v = initialView(def, 1000, 800)
    if (v.fit) throw new Error('expected a viewport')
    expect(v.zoom).toBeGreaterThanOrEqual(openZoom)
    expect(v.zoom).toBeLessThanOrEqual(1)
    // the Trigger's box (0,0)-(240,180) is on screen, the far widget is not
    expect(v.x + 0 * v.zoom).toBeGreaterThanOrEqual(0)
    expect(v.x + 240 * v.zoom).toBeLessThanOrEqual(1000)
    expect(v.y).toBe(40)
    expect(v.x + 20000 * v.zoom).toBeGreaterThan(1000)
  })
  it('shows the start of the generated 1,000-widget IVR', () => {
    const v = initialView(ivrFlow(1000), 1070, 680)
    expect(v.fit).toBe(false)
  })
})
