import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { corpusFiles } from './testcorpus'
import { DefinitionError, definitionText, formatDefinition, offsetOf, parseDefinition, type State } from './studio'

describe('parseDefinition', () => {
  it('keeps unknown keys, nulls and key order', () => {
    const text = '{"states":[{"name":"Trigger","type":"trigger","transitions":[{"next":"a","event":"incomingCall","zz":1}],"properties":{"offset":{"x":1,"y":2},"extra":null}}],"initial_state":"Trigger","description":"d","custom":{"k":[1]}}'
    const def = parseDefinition(text)
    expect(JSON.stringify(def)).toBe(text)
    expect(def.custom).toEqual({ k: [1] })
  })

  it.each([
    ['{"states": [', /line 1, column 13/],
    ['{\n  "states": [],\n  x\n}', /line 3, column 3/],
    ['[]', /JSON object/],
    ['{"initial_state":"T"}', /no "states" array/],
    ['{"states":[{"name":"a","type":"say-play","transitions":[]}]}', /states\[0\] \("a"\) has no "properties"/],
    ['{"states":[{"name":"a","type":"say-play","properties":{},"transitions":[{"next":"b"}]}]}', /transitions\[0\] has no "event"/],
    ['{"states":[{"type":"say-play","properties":{},"transitions":[]}]}', /states\[0\] has no "name"/],
  ])('rejects %j', (text, msg) => {
    expect(() => parseDefinition(text)).toThrow(DefinitionError)
    expect(() => parseDefinition(text)).toThrow(msg)
  })
})

describe('formatDefinition', () => {
  it('writes Studio export key order with 2-space indent, keeping inner order and unknown keys', () => {
    const def = parseDefinition(
      '{"flags":{"allow_concurrent_calls":true},"initial_state":"Trigger","x":1,"states":[{"properties":{"b":1,"a":2},"transitions":[{"next":"n","event":"e"}],"type":"trigger","name":"Trigger","u":0}],"description":"d"}',
    )
    const out = formatDefinition(def)
    expect(Object.keys(JSON.parse(out))).toEqual(['description', 'states', 'initial_state', 'flags', 'x'])
    const s = JSON.parse(out).states[0]
    expect(Object.keys(s)).toEqual(['name', 'type', 'transitions', 'properties', 'u'])
    expect(Object.keys(s.properties)).toEqual(['b', 'a'])
    expect(Object.keys(s.transitions[0])).toEqual(['next', 'event'])
    expect(out.split('\n')[1]).toBe('  "description": "d",')
    // the input is not changed
    expect(Object.keys(def)[0]).toBe('flags')
  })

  it('reproduces every corpus flow exported by Studio', () => {
    let checked = 0
    for (const f of corpusFiles()) {
      const text = readFileSync(f, 'utf8')
      const def = parseDefinition(text)
      expect(JSON.parse(formatDefinition(def))).toEqual(JSON.parse(text))
      // flows exported by Studio are already in export order: only whitespace may differ
      const raw = JSON.parse(text)
      const studioOrder = Object.keys(raw).join() === 'description,states,initial_state,flags' &&
        raw.states.every((s: object) => Object.keys(s).join() === 'name,type,transitions,properties')
      if (studioOrder) expect(JSON.stringify(JSON.parse(formatDefinition(def))), f).toBe(JSON.stringify(JSON.parse(text)))
      checked++
    }
    if (checked === 0) console.warn('corpus absent: skipped')
    else expect(checked).toBeGreaterThan(10)
  })
})

describe('offsetOf', () => {
  const st = (properties: Record<string, unknown>): State => ({ name: 'a', type: 'say-play', transitions: [], properties })
  it('reads two numbers', () => expect(offsetOf(st({ offset: { x: 3, y: -4 } }))).toEqual({ x: 3, y: -4 }))
  it('refuses missing or non-numeric offsets', () => {
    expect(offsetOf(st({}))).toBeUndefined()
    expect(offsetOf(st({ offset: { x: '3', y: 4 } }))).toBeUndefined()
    expect(offsetOf(st({ offset: null }))).toBeUndefined()
    expect(offsetOf(st({ offset: { x: 1 } }))).toBeUndefined()
  })
})

describe('parseDefinition on mangled input', () => {
  it('throws only DefinitionError, whatever the bytes (deterministic fuzz)', () => {
    const seedText = JSON.stringify({
      description: 'd',
      states: [{ name: 'Trigger', type: 'trigger', transitions: [{ next: 'a', event: 'incomingCall' }], properties: { offset: { x: 1, y: 2 } } }],
      initial_state: 'Trigger',
      flags: { allow_concurrent_calls: true },
    })
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const alphabet = '{}[]":,0123456789 \n\\aenlrstu-.eE'
    for (let i = 0; i < 3000; i++) {
      const chars = [...seedText]
      for (let k = 1 + rand(4); k > 0; k--) {
        const at = rand(chars.length)
        const op = rand(3)
        if (op === 0) chars.splice(at, 1)
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!)
        else chars[at] = alphabet[rand(alphabet.length)]!
      }
      const text = chars.join('')
      try {
        const def = parseDefinition(text)
        formatDefinition(def)
        for (const s of def.states) offsetOf(s)
      } catch (e) {
        if (!(e instanceof DefinitionError)) throw new Error(`${String(e)} on ${text}`)
      }
    }
  })
})

describe('definitionText', () => {
  it('keeps every key where it was (an import survives a save unreordered)', () => {
    const text = '{"states":[{"properties":{"offset":{"y":1,"x":2}},"transitions":[],"type":"say-play","name":"a"}],"initial_state":"a","description":"d"}'
    const def = parseDefinition(text)
    expect(definitionText(def)).toBe(JSON.stringify(JSON.parse(text), null, 2))
    expect(formatDefinition(def)).not.toBe(definitionText(def))
  })
})
