import { describe, expect, it } from 'vitest'
import { addTestUser, parseE164 } from './testUsers'

describe('parseE164', () => {
  it.each([
    ['+15551234567', '+15551234567'],
    [' +44 20 7946-0958 ', '+442079460958'],
    ['+1 (555) 123.4567', '+15551234567'],
  ])('%j → %s', (t, want) => expect(parseE164(t)).toEqual({ number: want }))

  it.each([
    ['', /Enter a phone number/],
    ['5551234567', /must start with \+ and the country code/],
    ['+1555abc4567', /only digits/],
    ['+0551234567', /cannot start with 0/],
    ['+1234', /has 4 digits/],
    ['+1234567890123456', /has 16 digits/],
  ])('%j is refused', (t, msg) => {
    const r = parseE164(t)
    expect('error' in r && r.error).toMatch(msg)
  })
})

describe('addTestUser', () => {
  it('adds once', () => {
    expect(addTestUser(['+15551234567'], '+15551234567')).toEqual(['+15551234567'])
    expect(addTestUser(['+15551234567'], '+15557654321')).toEqual(['+15551234567', '+15557654321'])
  })
})
