// Test helper: the real Studio flows in /work/shared/flows/corpus (absent in a
// clean clone: tests that use them then check nothing and say so).
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const corpusDir = new URL('../../../../shared/flows/corpus/', import.meta.url)

export function corpusFiles(): string[] {
  if (!existsSync(corpusDir)) return []
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => fileURLToPath(new URL(f, corpusDir)))
}
