import { describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fixedEvents, flowSchema, newState, widgetType, widgetTypes } from './catalog'
import type { FlowDefinition } from './studio'

const schemaDir = fileURLToPath(new URL('../../../schema/widgets/', import.meta.url))

describe('catalog', () => {
  it('has one type per schema file, through the @schema alias', () => {
    const files = readdirSync(schemaDir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''))
    expect(widgetTypes().map((w) => w.type).sort()).toEqual(files.sort())
    expect(files.length).toBeGreaterThan(25)
    expect(flowSchema.title).toBe('Studio flow definition')
  })

  it('reads title, channels, events in Studio order, offline and retired', () => {
    const g = widgetType('gather-input-on-call')!
    expect(g.title).toBe('Gather Input On Call')
    expect(g.channels).toEqual(['voice'])
    expect(g.events).toEqual(['keypress', 'speech', 'timeout'])
    expect(g.offline).toBe(true)
    expect(g.retired).toBe(false)
    expect(g.dynamicMatch).toBe(false)
    expect(widgetType('capture-payments')!.offline).toBe(false)
    expect(widgetType('understand')!.retired).toBe(true)
    const split = widgetType('split-based-on')!
    expect(split.dynamicMatch).toBe(true)
    expect(fixedEvents('split-based-on')).toEqual(['noMatch'])
    expect(widgetType('nope')).toBeUndefined()
  })

  it('sorts the Trigger first, then by channel group and title', () => {
    const ws = widgetTypes()
    expect(ws[0]!.type).toBe('trigger')
    const voice = ws.filter((w) => w.channels[0] === 'voice').map((w) => w.title)
    expect(voice).toEqual([...voice].sort((a, b) => a.localeCompare(b)))
    const firstVoice = ws.findIndex((w) => w.channels[0] === 'voice')
    const lastAny = ws.map((w) => w.channels[0]).lastIndexOf('any')
    expect(lastAny).toBeLessThan(firstVoice)
  })
})

describe('newState', () => {
  const def: FlowDefinition = {
    description: '',
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [], properties: {} },
      { name: 'gather_1', type: 'gather-input-on-call', transitions: [], properties: {} },
    ],
  }
  it('picks a free name, sets defaults, fixed transitions and a rounded offset', () => {
    const s = newState(def, 'gather-input-on-call', { x: 10.4, y: 20.6 })
    expect(s.name).toBe('gather_2')
    expect(s.properties.timeout).toBe(5)
    expect(s.properties.finish_on_key).toBe('#')
    expect(s.properties.offset).toEqual({ x: 10, y: 21 })
    expect(s.transitions).toEqual([{ event: 'keypress' }, { event: 'speech' }, { event: 'timeout' }])
  })
  it('gives a split only its noMatch transition and honours a given name', () => {
    const s = newState(def, 'split-based-on', { x: 0, y: 0 }, 'route')
    expect(s.name).toBe('route')
    expect(s.transitions).toEqual([{ event: 'noMatch' }])
    expect(newState(def, 'say-play', { x: 0, y: 0 }).name).toBe('say_play_1')
  })
})
