// Test users of a flow: phone numbers in E.164 (a "+", the country code,
// then the number; 15 digits at most), as Studio's TestUser resource holds.

/** The number in E.164 form (spaces, dashes, dots and brackets dropped), or an error that says what is wrong. */
export function parseE164(text: string): { number: string } | { error: string } {
  const t = text.trim()
  if (t === '') return { error: 'Enter a phone number.' }
  const compact = t.replace(/[\s\-().]/g, '')
  if (!compact.startsWith('+')) return { error: `"${t}" must start with + and the country code, as in +15551234567 (E.164).` }
  const digits = compact.slice(1)
  if (!/^\d+$/.test(digits)) return { error: `"${t}" may hold only digits after the +.` }
  if (digits.startsWith('0')) return { error: `"${t}": the country code cannot start with 0.` }
  if (digits.length < 7 || digits.length > 15) return { error: `"${t}" has ${digits.length} digits; an E.164 number has 7 to 15 after the +.` }
  return { number: '+' + digits }
}

/** The list with `number` added (kept once, in the order given). */
export function addTestUser(list: readonly string[], number: string): string[] {
  return list.includes(number) ? [...list] : [...list, number]
}
