// Real Studio flows (../shared/flows/corpus) through the editor, in Chromium
// against the real headless appliance: imported through the import dialog,
// each shows one node per widget and one edge per linked transition; and a
// round trip — move one widget with the mouse, let autosave store it — changes
// nothing in the stored definition but that widget's offset. Skipped, saying
// so, when ../shared is absent. Screenshots go to e2e/artifacts/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts, ACCOUNT_SID, AUTH_TOKEN } from './appliance.mjs'

const corpusDir = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'flows', 'corpus')
const skip = existsSync(corpusDir) ? false : `${corpusDir} is absent`

function read(file) {
  const text = readFileSync(join(corpusDir, file), 'utf8')
  const v = JSON.parse(text)
  return { file, text, def: 'states' in v ? v : v.definition }
}

/** The three shapes: a voice IVR with a split, a messaging survey, and the flow with the most widgets. */
function picks() {
  const largest = readdirSync(corpusDir)
    .filter((f) => f.endsWith('.json'))
    .map(read)
    .sort((a, b) => b.def.states.length - a.def.states.length)[0]
  return [
    { label: 'voice IVR with a split', ...read('jesperfj__twilio-ivr-studio__flows__ivr.json') },
    { label: 'messaging survey', ...read('lggm33__Twilio-Survey-Flow__JSON-Flow.json') },
    { label: `largest (${largest.def.states.length} widgets)`, ...largest },
  ]
}

/** Edges the canvas must draw: transitions whose next names a widget of the flow. */
function linked(def) {
  const names = new Set(def.states.map((s) => s.name))
  return def.states.flatMap((s) => s.transitions.filter((t) => t.next && names.has(t.next))).length
}

// The stored definition exactly as the API returns it (text, then parsed: key order kept).
async function storedDefinition(url, sid) {
  const r = await fetch(`${url}v2/Flows/${sid}`, {
    headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') },
  })
  assert.equal(r.status, 200)
  return JSON.parse(await r.text()).definition
}

let app, browser

before(async () => {
  if (skip) return
  app = await startAppliance()
  browser = await openBrowser()
  await signIn(browser.page, app.url)
})

after(async () => {
  await browser?.ctx.close()
  await app?.stop()
})

test('three corpus flows imported through the dialog show one node per widget and one edge per linked transition', { skip }, async () => {
  const { page, problems } = browser
  for (const [i, f] of picks().entries()) {
    await page.goto(app.url + '#/flows')
    await page.getByTestId('import-flow').click()
    const dialog = page.getByTestId('import-dialog')
    await dialog.waitFor()
    await dialog.getByTestId('import-text').fill(f.text)
    await dialog.getByTestId('import-name').fill(`Corpus ${i + 1}: ${f.label}`)
    await dialog.getByTestId('import-submit').click()
    // the import opens the new flow
    await page.getByTestId('flow-title').filter({ hasText: `Corpus ${i + 1}` }).waitFor()
    const nodes = page.locator('.react-flow__node')
    await nodes.nth(f.def.states.length - 1).waitFor()
    await page.locator('.react-flow__edge').nth(linked(f.def) - 1).waitFor({ state: 'attached' })
    await page.waitForTimeout(300)
    assert.equal(await nodes.count(), f.def.states.length, `${f.file}: one node per widget`)
    assert.equal(await page.locator('.react-flow__edge').count(), linked(f.def), `${f.file}: one edge per linked transition`)
    for (const s of f.def.states) assert.equal(await page.locator(`.react-flow__node[data-id="${s.name}"]`).count(), 1, `${f.file}: ${s.name}`)
    await page.screenshot({ path: join(artifacts, `corpus-${i + 1}.png`) })
    // zoomed to fit: below a readable zoom each widget shows its name, large
    await page.locator('.react-flow__controls-fitview').click()
    await page.waitForTimeout(400)
    await page.screenshot({ path: join(artifacts, `corpus-${i + 1}-fit.png`) })
  }
  assert.deepEqual(problems, [])
})

test('moving one widget of a corpus flow with the mouse changes only its offset in the stored definition', { skip }, async () => {
  const { page, problems } = browser
  const f = read('jesperfj__twilio-ivr-studio__flows__ivr.json')
  const created = await api(app.url, 'POST', 'v2/Flows', { FriendlyName: 'Round trip', Status: 'draft', Definition: f.text })
  assert.equal(created.status, 201)
  const sid = created.body.sid
  const original = await storedDefinition(app.url, sid)
  assert.equal(JSON.stringify(original), JSON.stringify(JSON.parse(f.text)), 'the API keeps the definition as sent, key order too')

  await page.goto(app.url + '#/flows')
  await page.locator(`[data-flow-sid="${sid}"] a.flow-name`).click()
  const moved = f.def.states[1].name
  const node = page.locator(`.react-flow__node[data-id="${moved}"]`)
  await node.waitFor()
  await page.waitForTimeout(300) // fit view done
  const box = await node.boundingBox()
  const x = box.x + 40
  const y = box.y + 10 // the name, not a handle
  await page.mouse.move(x, y)
  await page.mouse.down()
  for (let i = 1; i <= 10; i++) await page.mouse.move(x + 12 * i, y + 6 * i)
  await page.mouse.up()
  const state = page.getByTestId('save-state')
  await state.filter({ hasText: 'Saving' }).waitFor()
  await state.filter({ hasText: /^Saved$/ }).waitFor({ timeout: 10000 })
  await page.screenshot({ path: join(artifacts, 'corpus-round-trip.png') })

  const stored = await storedDefinition(app.url, sid)
  const i = original.states.findIndex((s) => s.name === moved)
  const before = original.states[i].properties.offset
  const after = stored.states[i].properties.offset
  assert.ok(after.x > before.x && after.y > before.y, `${moved} moved right and down: ${JSON.stringify(before)} → ${JSON.stringify(after)}`)
  // everything else exactly as it was, key order included
  const expected = structuredClone(original)
  expected.states[i].properties.offset = after
  assert.equal(JSON.stringify(stored, null, 1), JSON.stringify(expected, null, 1))
  assert.deepEqual(Object.keys(after), Object.keys(before), 'the offset keeps its key order')
  assert.deepEqual(problems, [])
})
