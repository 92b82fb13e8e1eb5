import { describe, expect, it } from 'vitest'
import { bars, minuteLabel } from './chart'

describe('bars', () => {
  it('scales to the largest value', () => {
    const s = bars([0, 2, 4], ['a', 'b', 'c'], 30, 40)
    expect(s.max).toBe(4)
    expect(s.total).toBe(6)
    expect(s.bars.map((b) => b.height)).toEqual([0, 20, 40])
    expect(s.bars.map((b) => b.x)).toEqual([0, 10, 20])
    expect(s.bars[1]!.width).toBe(9)
    expect(s.bars[2]!.label).toBe('c')
  })
  it('an idle hour is flat, not NaN', () => {
    const s = bars(Array(60).fill(0), [], 120, 40)
    expect(s.max).toBe(1)
    expect(s.bars.every((b) => b.height === 0 && Number.isFinite(b.x))).toBe(true)
  })
  it('a small value among large ones stays visible', () => {
    expect(bars([1, 1000], [], 20, 40).bars[0]!.height).toBe(1)
  })
  it('no values', () => {
    expect(bars([], [], 100, 40).bars).toEqual([])
  })
})

describe('minuteLabel', () => {
  it('formats hours and minutes', () => {
    expect(minuteLabel('2026-12-03T09:05:00Z')).toMatch(/^\d\d:05$/)
    expect(minuteLabel('nope')).toBe('nope')
  })
})
