import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import {
  addMatch, addWidget, connect, copyWidgets, disconnect, moveWidgets, pasteWidgets, removeMatch, removeWidgets,
  renameWidget, setConditions, setFlowField, setProperty,
} from './ops'
import { DefinitionError, formatDefinition, parseDefinition, type FlowDefinition } from './studio'
import { corpusFiles } from './testcorpus'

function sample(): FlowDefinition {
  return parseDefinition(JSON.stringify({
    description: 'd',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ next: 'gather_1', event: 'incomingCall' }, { event: 'incomingMessage' }], properties: { offset: { x: 0, y: 0 } } },
      { name: 'gather_1', type: 'gather-input-on-call', transitions: [{ next: 'split_1', event: 'keypress' }, { event: 'speech' }, { next: 'gather_1', event: 'timeout' }], properties: { say: 'hi', offset: { x: 0, y: 200 }, zz: null } },
      { name: 'split_1', type: 'split-based-on', transitions: [{ next: 'say', event: 'noMatch' }, { next: 'say', event: 'match', conditions: [{ friendly_name: 'one', arguments: ['{{widgets.gather_1.Digits}}'], type: 'equal_to', value: '1' }] }], properties: { input: '{{widgets.gather_1.Digits}}', offset: { x: 0, y: 400 } } },
      { name: 'say', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'You said {{widgets.gather_1.Digits}}, not {{widgets.gather_10.Digits}} nor {{ mywidgets.gather_1.x }}', offset: { x: 0, y: 600 } } },
    ],
    initial_state: 'Trigger',
    flags: { allow_concurrent_calls: true },
  }))
}

function frozen(def: FlowDefinition): string {
  return JSON.stringify(def)
}

describe('moveWidgets', () => {
  it('sets a rounded offset in place, without touching the input or other states', () => {
    const def = sample()
    const before = frozen(def)
    const out = moveWidgets(def, { gather_1: { x: 10.6, y: -3.2 } })
    expect(frozen(def)).toBe(before)
    expect(out.states[1]!.properties).toEqual({ say: 'hi', offset: { x: 11, y: -3 }, zz: null })
    expect(Object.keys(out.states[1]!.properties)).toEqual(['say', 'offset', 'zz'])
    expect(out.states[0]).toBe(def.states[0])
    expect(moveWidgets(def, { gather_1: { x: 0, y: 200 } })).toBe(def)
  })

  it('is lossless on every corpus flow: only the moved widget offset changes', () => {
    const files = corpusFiles()
    if (files.length === 0) console.warn('corpus absent: skipped')
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      const def = parseDefinition(text)
      const i = Math.floor(def.states.length / 2)
      const name = def.states[i]!.name
      const out = moveWidgets(def, { [name]: { x: 12345, y: -678 } })
      const want = JSON.parse(text) as FlowDefinition
      expect(out.states[i]!.properties.offset, f).toMatchObject({ x: 12345, y: -678 })
      // everything else deep-equals the original
      const got = structuredClone(out)
      got.states[i]!.properties.offset = want.states[i]!.properties.offset
      expect(got, f).toEqual(want)
      // untouched states keep their exact text (key order included), and so does the rest
      out.states.forEach((s, j) => {
        if (j !== i) expect(JSON.stringify(s), f).toBe(JSON.stringify(want.states[j]))
      })
      const keys = Object.keys(out.states[i]!.properties)
      expect(keys, f).toEqual(Object.keys(want.states[i]!.properties).concat('offset' in want.states[i]!.properties ? [] : ['offset']))
      expect(JSON.stringify({ ...out, states: [] })).toBe(JSON.stringify({ ...want, states: [] }))
      expect(formatDefinition(moveWidgets(def, {}))).toBe(formatDefinition(def))
    }
  })
})

describe('addWidget and removeWidgets', () => {
  it('adds a widget with a fresh name', () => {
    const { def, name } = addWidget(sample(), 'gather-input-on-call', { x: 1, y: 2 })
    expect(name).toBe('gather_2')
    expect(def.states.at(-1)!.name).toBe('gather_2')
    expect(def.states.at(-1)!.properties.offset).toEqual({ x: 1, y: 2 })
  })
  it('never removes the Trigger and clears nexts into removed widgets', () => {
    const def = sample()
    const out = removeWidgets(def, ['Trigger', 'split_1', 'gather_1'])
    expect(out.states.map((s) => s.name)).toEqual(['Trigger', 'say'])
    expect(out.states[0]!.transitions).toEqual([{ event: 'incomingCall' }, { event: 'incomingMessage' }])
    expect(def.states).toHaveLength(4)
    expect(removeWidgets(def, ['Trigger'])).toBe(def)
  })
})

describe('renameWidget', () => {
  it('rewrites nexts, initial_state and Liquid references, only whole names', () => {
    const out = renameWidget(sample(), 'gather_1', 'menu')
    expect(out.states[1]!.name).toBe('menu')
    expect(out.states[0]!.transitions[0]!.next).toBe('menu')
    expect(out.states[1]!.transitions[2]!.next).toBe('menu')
    expect(out.states[2]!.properties.input).toBe('{{widgets.menu.Digits}}')
    expect(out.states[2]!.transitions[1]!.conditions![0]!.arguments).toEqual(['{{widgets.menu.Digits}}'])
    expect(out.states[3]!.properties.say).toBe('You said {{widgets.menu.Digits}}, not {{widgets.gather_10.Digits}} nor {{ mywidgets.gather_1.x }}')
    expect(Object.keys(out.states[1]!)).toEqual(['name', 'type', 'transitions', 'properties'])
    const t = renameWidget(sample(), 'Trigger', 'Start')
    expect(t.initial_state).toBe('Start')
  })
  it.each([['say', /already exists/], ['1abc', /not a valid/], ['a b', /not a valid/], ['a.b', /not a valid/], ['', /not a valid/]])(
    'refuses %j', (to, msg) => expect(() => renameWidget(sample(), 'gather_1', to)).toThrow(msg),
  )
  it('refuses an unknown widget', () => expect(() => renameWidget(sample(), 'nope', 'x')).toThrow(/no widget/))
})

describe('connect and disconnect', () => {
  it('sets next on an existing transition and keeps its keys', () => {
    const out = connect(sample(), 'gather_1', 'speech', 'say')
    expect(out.states[1]!.transitions[1]).toEqual({ event: 'speech', next: 'say' })
  })
  it('creates the transition object when missing', () => {
    const out = connect(sample(), 'say', 'audioComplete', 'gather_1')
    expect(out.states[3]!.transitions).toEqual([{ event: 'audioComplete', next: 'gather_1' }])
    const def = sample()
    def.states[3]!.transitions = []
    expect(connect(def, 'say', 'audioComplete', 'gather_1').states[3]!.transitions).toEqual([{ next: 'gather_1', event: 'audioComplete' }])
  })
  it('refuses unknown handles and targets', () => {
    expect(() => connect(sample(), 'say', 'nope', 'gather_1')).toThrow(/no handle/)
    expect(() => connect(sample(), 'say', 'audioComplete', 'nope')).toThrow(/no widget/)
  })
  it('disconnect removes next and keeps the transition', () => {
    const out = disconnect(sample(), 'split_1', 'match:0')
    expect(out.states[2]!.transitions[1]).toEqual({ event: 'match', conditions: sample().states[2]!.transitions[1]!.conditions })
    expect(out.states[2]!.transitions).toHaveLength(2)
  })
})

describe('properties and matches', () => {
  it('setProperty sets in place and deletes on undefined', () => {
    const a = setProperty(sample(), 'gather_1', 'say', 'bye')
    expect(Object.keys(a.states[1]!.properties)).toEqual(['say', 'offset', 'zz'])
    expect(a.states[1]!.properties.say).toBe('bye')
    const b = setProperty(sample(), 'gather_1', 'say', undefined)
    expect(Object.keys(b.states[1]!.properties)).toEqual(['offset', 'zz'])
    expect(() => setProperty(sample(), 'nope', 'a', 1)).toThrow(/no widget/)
  })
  it('addMatch, setConditions and removeMatch work on match handles', () => {
    let def = addMatch(sample(), 'split_1')
    expect(def.states[2]!.transitions[2]).toEqual({ event: 'match', conditions: [{ friendly_name: '', arguments: ['{{widgets.gather_1.Digits}}'], type: 'equal_to', value: '' }] })
    const c = [{ friendly_name: 'two', arguments: ['x'], type: 'equal_to', value: '2' }]
    def = setConditions(def, 'split_1', 'match:1', c)
    expect(def.states[2]!.transitions[2]!.conditions).toEqual(c)
    def = removeMatch(def, 'split_1', 'match:0')
    expect(def.states[2]!.transitions.map((t) => t.conditions?.[0]?.friendly_name ?? t.event)).toEqual(['noMatch', 'two'])
    expect(() => removeMatch(def, 'split_1', 'noMatch')).toThrow(/not a match/)
    expect(() => removeMatch(def, 'split_1', 'match:5')).toThrow(/no handle/)
  })
  it('setFlowField sets description and flags', () => {
    expect(setFlowField(sample(), 'description', 'x').description).toBe('x')
    expect(setFlowField(sample(), 'flags', { allow_concurrent_calls: false }).flags).toEqual({ allow_concurrent_calls: false })
    expect('flags' in setFlowField(sample(), 'flags', undefined)).toBe(false)
  })
})

describe('copy and paste', () => {
  it('renames on collision, keeps links among pasted widgets, drops links outside', () => {
    const def = sample()
    const clip = copyWidgets(def, ['gather_1', 'split_1'])
    const { def: out, names } = pasteWidgets(def, clip, { x: 500, y: 500 })
    expect(names).toEqual(['gather_2', 'split_2'])
    const g = out.states[4]!
    const s = out.states[5]!
    expect(g.transitions.map((t) => t.next)).toEqual(['split_2', undefined, 'gather_2'])
    expect(s.transitions.map((t) => t.next)).toEqual([undefined, undefined])
    expect(s.properties.input).toBe('{{widgets.gather_2.Digits}}')
    expect(g.properties.offset).toEqual({ x: 500, y: 500 })
    expect(s.properties.offset).toEqual({ x: 500, y: 700 })
    expect(out.states.slice(0, 4)).toEqual(def.states)
  })
  it('keeps names that are free, skips triggers and refuses junk', () => {
    const other = pasteWidgets({ description: '', initial_state: 'Trigger', states: [] }, copyWidgets(sample(), ['Trigger', 'say']))
    expect(other.names).toEqual(['say'])
    expect(other.def.states[0]!.properties.offset).toEqual({ x: 40, y: 640 })
    expect(() => pasteWidgets(sample(), 'hello')).toThrow(/clipboard/)
    expect(() => pasteWidgets(sample(), '[{"a":1}]')).toThrow(/clipboard/)
    expect(() => pasteWidgets(sample(), '[{"name":"x","type":"say-play","transitions":[null],"properties":{}}]')).toThrow(DefinitionError)
    expect(() => pasteWidgets(sample(), '[{"name":"x","type":"say-play","transitions":[{"event":"e","next":3}],"properties":{}}]')).toThrow(DefinitionError)
  })
})

describe('pasteWidgets on mangled clipboard text', () => {
  it('throws only DefinitionError, and a paste that succeeds links only to pasted widgets (deterministic fuzz)', () => {
    const def = sample()
    const clip = copyWidgets(def, ['gather_1', 'split_1', 'say'])
    let seed = 777
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const alphabet = '{}[]":,0123456789 nul\\'
    for (let i = 0; i < 2000; i++) {
      const chars = [...clip]
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(chars.length)
        if (rand(2) === 0) chars.splice(at, 1)
        else chars[at] = alphabet[rand(alphabet.length)]!
      }
      try {
        const { def: out, names } = pasteWidgets(def, chars.join(''))
        const pasted = new Set(names)
        for (const s of out.states.slice(def.states.length))
          for (const t of s.transitions) if (t.next !== undefined) expect(pasted.has(t.next)).toBe(true)
        expect(new Set(out.states.map((s) => s.name)).size).toBe(out.states.length)
      } catch (e) {
        if (!(e instanceof DefinitionError)) throw e
      }
    }
  })
})
