import { describe, expect, it } from 'vitest'
import { addressProblem, countSegments, fromChoices, gatewayBadge, mergeGatewayEvent, signalBars, splitAddresses, unsettled } from './messaging'

describe('countSegments', () => {
  it.each([
    ['', 'GSM-7', 0, 1, 160],
    ['a'.repeat(160), 'GSM-7', 160, 1, 160],
    ['a'.repeat(161), 'GSM-7', 161, 2, 153],
    ['a'.repeat(306), 'GSM-7', 306, 2, 153],
    ['a'.repeat(307), 'GSM-7', 307, 3, 153],
    ['€'.repeat(80), 'GSM-7', 160, 1, 160],
    ['é'.repeat(160), 'GSM-7', 160, 1, 160],
    ['ж'.repeat(70), 'UCS-2', 70, 1, 70],
    ['ж'.repeat(71), 'UCS-2', 71, 2, 67],
    ['a'.repeat(150) + 'ж', 'UCS-2', 151, 3, 67],
    ['😀'.repeat(35), 'UCS-2', 70, 1, 70],
  ])('%#: %s', (body, encoding, units, parts, perPart) => {
    const s = countSegments(body)
    expect(s).toMatchObject({ encoding, units, parts, perPart })
    expect(s.left).toBe(parts * perPart - units)
  })
})

describe('addresses', () => {
  it('accepts E.164, sender ids and *; says what is wrong otherwise', () => {
    expect(addressProblem('+15551234567')).toBe('')
    expect(addressProblem('*')).toBe('')
    expect(addressProblem('ACME')).toBe('')
    expect(addressProblem('+0123')).toMatch(/not an E.164 number/)
    expect(addressProblem('+1555123456789012')).toMatch(/up to 15 digits/)
    expect(addressProblem('a b')).toMatch(/sender id or \*/)
  })
  it('splits typed text without repeats', () => {
    expect(splitAddresses('+1555, +1666 +1555;*', ['*'])).toEqual(['+1555', '+1666'])
  })
  it('offers owned numbers as From, never *', () => {
    expect(fromChoices([{ addresses: ['+1', '*'], enabled: true }, { addresses: ['+2', '+1'], enabled: false }])).toEqual(['+1', '+2'])
  })
})

describe('gateway health', () => {
  it('labels each state; a disabled gateway says so whatever its health', () => {
    expect(gatewayBadge({ enabled: true, health: { state: 'ready' } })).toEqual({ kind: 'ok', label: 'Ready' })
    expect(gatewayBadge({ enabled: true, health: { state: 'connecting' } }).label).toBe('Connecting…')
    expect(gatewayBadge({ enabled: true, health: { state: 'blocked' } })).toEqual({ kind: 'failed', label: 'Blocked — needs you' })
    expect(gatewayBadge({ enabled: true, health: { state: 'failed' } }).kind).toBe('failed')
    expect(gatewayBadge({ enabled: false, health: { state: 'ready' } }).label).toBe('Disabled')
  })
  it('turns dBm into bars', () => {
    expect([-51, -75, -85, -100, -113].map(signalBars)).toEqual([4, 3, 2, 1, 0])
  })
  it('re-reads while a gateway connects or fails; merges live events', () => {
    expect(unsettled([{ enabled: true, health: { state: 'ready' } }])).toBe(false)
    expect(unsettled([{ enabled: true, health: { state: 'connecting' } }])).toBe(true)
    expect(unsettled([{ enabled: false, health: { state: 'failed' } }])).toBe(false)
    const list = [{ sid: 'SG1', health: { state: 'connecting' as const } }, { sid: 'SG2', health: null }]
    const next = mergeGatewayEvent(list, { sid: 'SG1', health: { state: 'ready' } })
    expect(next[0]!.health).toEqual({ state: 'ready' })
    expect(next[1]).toBe(list[1])
    expect(mergeGatewayEvent(list, { sid: 'SG1' })).toBe(list)
  })
})
