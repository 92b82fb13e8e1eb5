import { describe, expect, it } from 'vitest'
import { fieldsFor, readField } from './form'
import { propertySchemas, widgetTypes } from './catalog'

describe('fieldsFor', () => {
  it('lists the gather fields in schema order with kinds, defaults and options', () => {
    const f = fieldsFor('gather-input-on-call')
    const keys = Object.keys(propertySchemas('gather-input-on-call')).filter((k) => k !== 'offset')
    expect(f.map((x) => x.key)).toEqual(keys)
    const by = Object.fromEntries(f.map((x) => [x.key, x]))
    expect(by.say).toMatchObject({ kind: 'multiline', liquid: true, title: 'Text to say' })
    expect(by.voice).toMatchObject({ kind: 'liquid', liquid: true })
    expect(by.timeout).toMatchObject({ kind: 'liquid', default: 5 })
    expect(by.finish_on_key!.kind).toBe('enum')
    expect(by.finish_on_key!.options).toContain('#')
    expect(by.stop_gather).toMatchObject({ kind: 'boolean', default: true, required: false })
  })
  it('marks required fields and resolves list references', () => {
    expect(fieldsFor('split-based-on')).toEqual([
      expect.objectContaining({ key: 'input', required: true, kind: 'liquid' }),
    ])
    const sv = fieldsFor('set-variables').find((x) => x.key === 'variables')
    expect(sv?.kind).toBe('list')
  })
  it('gives every widget type fields with a title and no offset', () => {
    for (const w of widgetTypes()) {
      for (const f of fieldsFor(w.type)) {
        expect(f.key).not.toBe('offset')
        expect(f.title.length).toBeGreaterThan(0)
      }
    }
    expect(fieldsFor('nope')).toEqual([])
  })
})

describe('readField', () => {
  it('reads stored values, null included, and undefined when absent', () => {
    const s = { name: 'a', type: 'say-play', transitions: [], properties: { say: 'x', voice: null } }
    expect(readField(s, 'say')).toBe('x')
    expect(readField(s, 'voice')).toBeNull()
    expect(readField(s, 'loop')).toBeUndefined()
    expect(readField(s, 'toString')).toBeUndefined()
  })
})
