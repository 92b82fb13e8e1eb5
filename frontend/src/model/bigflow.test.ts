import { describe, expect, it } from 'vitest'
import { ivrFlow } from '../../e2e/bigflow.mjs'
import { toGraph } from './graph'
import { needsLayout } from './layout'

// The benchmark's generated IVR (e2e/bigflow.mjs) must be what it claims:
// exactly n widgets, every next names a widget, and positions the editor keeps.
describe('ivrFlow', () => {
  for (const n of [7, 12, 1000]) {
    it(`has ${n} widgets, all linked, none overlapping`, () => {
      const def = ivrFlow(n)
      expect(def.states).toHaveLength(n)
      const names = new Set(def.states.map((s) => s.name))
      expect(names.size).toBe(n)
      const nexts = def.states.flatMap((s) => s.transitions.map((t) => t.next).filter((x): x is string => !!x))
      for (const next of nexts) expect(names.has(next)).toBe(true)
      expect(toGraph(def).edges).toHaveLength(nexts.length)
      expect(needsLayout(def)).toBe(false)
      // every widget but the Trigger is reached by some transition
      expect(new Set(nexts).size).toBe(n - 1)
    })
  }
})
