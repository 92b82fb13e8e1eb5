import { describe, expect, it } from 'vitest'
import { liquidValue } from './FieldEditor'

describe('liquidValue', () => {
  it.each([
    ['stored number stays a number', '7', 3, false, 7],
    ['stored number becomes text when the text is Liquid', '{{x}}', 3, false, '{{x}}'],
    ['empty numeric field takes a number', '5', undefined, true, 5],
    ['empty text field keeps text', '5', undefined, false, '5'],
    ['stored string stays a string', '5', '4', true, '5'],
    ['decimals', '2.5', undefined, true, 2.5],
    ['not a number', '5s', undefined, true, '5s'],
  ])('%s', (_n, text, stored, numeric, want) => {
    expect(liquidValue(text, stored, { numeric })).toStrictEqual(want)
  })
})
