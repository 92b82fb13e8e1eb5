import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { History } from './history'

describe('History', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'))
  })
  afterEach(() => vi.useRealTimers())

  it('undoes and redoes in order, and a push clears redo', () => {
    const h = new History('a')
    expect(h.canUndo).toBe(false)
    expect(h.undo()).toBe('a')
    h.push('b')
    h.push('c')
    expect(h.undo()).toBe('b')
    expect(h.undo()).toBe('a')
    expect(h.canUndo).toBe(false)
    expect(h.canRedo).toBe(true)
    expect(h.redo()).toBe('b')
    h.push('d')
    expect(h.canRedo).toBe(false)
    expect(h.redo()).toBe('d')
    expect(h.undo()).toBe('b')
  })

  it('coalesces pushes with the same key within 1 s of each other', () => {
    const h = new History(0)
    h.push(1, 'drag')
    vi.advanceTimersByTime(500)
    h.push(2, 'drag')
    vi.advanceTimersByTime(900)
    h.push(3, 'drag')
    expect(h.undo()).toBe(0)
    expect(h.canUndo).toBe(false)
  })

  it('does not coalesce after 1 s, across keys, without a key, or after an undo', () => {
    const h = new History(0)
    h.push(1, 'a')
    vi.advanceTimersByTime(1000)
    h.push(2, 'a')
    h.push(3, 'b')
    h.push(4)
    h.push(5)
    expect([h.undo(), h.undo(), h.undo(), h.undo(), h.undo()]).toEqual([4, 3, 2, 1, 0])
    const g = new History(0)
    g.push(1)
    g.push(2, 'k')
    g.push(3, 'k')
    expect(g.undo()).toBe(1)
    g.push(4, 'k')
    expect(g.undo()).toBe(1)
  })

  it('keeps at most limit undo steps and ignores pushing the current value', () => {
    const h = new History(0, 3)
    for (let i = 1; i <= 6; i++) h.push(i)
    h.push(6)
    expect([h.undo(), h.undo(), h.undo()]).toEqual([5, 4, 3])
    expect(h.canUndo).toBe(false)
  })

  it('reset forgets everything', () => {
    const h = new History('a')
    h.push('b')
    h.undo()
    h.reset('z')
    expect(h.current).toBe('z')
    expect(h.canUndo || h.canRedo).toBe(false)
  })
})
