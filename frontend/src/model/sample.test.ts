import { describe, expect, it } from 'vitest'
import { hasLiquid, parseContext, sampleContext } from './sample'
import type { FlowDefinition } from './studio'

const def: FlowDefinition = {
  description: 't',
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', properties: {}, transitions: [{ event: 'incomingCall', next: 'menu' }, { event: 'incomingMessage' }] },
    { name: 'menu', type: 'gather-input-on-call', properties: {}, transitions: [{ event: 'keypress', next: 'vars' }] },
    {
      name: 'vars',
      type: 'set-variables',
      properties: { variables: [{ key: 'dept', value: 'sales' }, { key: 'echo', value: '{{widgets.menu.Digits}}' }] },
      transitions: [{ event: 'next', next: 'api' }],
    },
    { name: 'api', type: 'make-http-request', properties: {}, transitions: [] },
  ],
}

describe('sampleContext', () => {
  const ctx = sampleContext(def) as Record<string, any>
  it('nests values as the engine does', () => {
    expect(ctx.trigger.call.From).toBe('+15550100')
    expect(ctx.widgets.menu.Digits).toBe('1')
    expect(ctx.widgets.api.status_code).toBe(200)
    expect(ctx.widgets.api.parsed).toEqual({ ok: true })
    expect(ctx.flow.sid).toMatch(/^FN0{32}$/)
    expect(ctx.contact.channel.address).toBe('+15550100')
  })
  it('only wired trigger events give trigger variables', () => {
    expect(ctx.trigger.message).toBeUndefined()
  })
  it('a flow with no trigger event wired yet gets every kind', () => {
    const bare = { ...def, states: def.states.map((s) => (s.type === 'trigger' ? { ...s, transitions: [{ event: 'incomingCall' }] } : s)) }
    const c = sampleContext(bare) as Record<string, any>
    expect(c.trigger.call.From).toBe('+15550100')
    expect(c.trigger.message.Body).toBe('Hello')
  })
  it('set-variables literals are used, Liquid values get an example', () => {
    expect(ctx.flow.variables.dept).toBe('sales')
    expect(ctx.flow.variables.echo).toBe('(echo)')
    expect(ctx.widgets.vars.dept).toBe('sales')
  })
  it('gives each call its own copies', () => {
    const a = sampleContext(def) as Record<string, any>
    a.widgets.api.parsed.ok = false
    expect((sampleContext(def) as Record<string, any>).widgets.api.parsed.ok).toBe(true)
  })
})

describe('parseContext', () => {
  it.each([
    ['{"flow":{}}', true],
    ['[1]', false],
    ['null', false],
    ['{nope', false],
    ['"x"', false],
  ])('%s', (text, ok) => {
    const r = parseContext(text)
    expect('context' in r).toBe(ok)
    if (!ok) expect((r as { error: string }).error).not.toBe('')
  })
})

describe('hasLiquid', () => {
  it.each([
    ['plain', false],
    ['{{x}}', true],
    ['{% if %}', true],
    ['{ x }', false],
  ])('%s', (t, want) => expect(hasLiquid(t)).toBe(want))
})
