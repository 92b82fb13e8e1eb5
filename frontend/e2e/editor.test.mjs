// Browser tests of the editor against the real headless appliance, in
// Debian's Chromium. Screenshots go to e2e/artifacts/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts } from './appliance.mjs'

let app, browser

before(async () => {
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  await browser?.ctx.close()
  await app?.stop()
})

test('sign in, see the demo flow, and hostile names stay text', async () => {
  const { page, problems } = browser
  // A flow whose name is markup: it must show as text and run nothing.
  const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
  const def = JSON.stringify({ description: 'x', initial_state: 'Trigger', flags: { allow_concurrent_calls: true },
    states: [{ name: 'Trigger', type: 'trigger', properties: { offset: { x: 0, y: 0 } },
      transitions: [{ event: 'incomingMessage' }, { event: 'incomingCall' }, { event: 'incomingConversationMessage' }, { event: 'incomingRequest' }, { event: 'incomingParent' }] }] })
  const created = await api(app.url, 'POST', 'v2/Flows', { FriendlyName: hostile, Status: 'draft', Definition: def })
  assert.equal(created.status, 201, JSON.stringify(created.body))

  // The sign-in page, not the browser's Basic prompt.
  await signIn(page, app.url)
  const rows = page.getByTestId('flow-row')
  await rows.nth(1).waitFor()
  assert.equal(await rows.count(), 2)
  assert.ok(await page.getByText('Demo IVR').isVisible())
  assert.ok(await page.getByText(hostile).isVisible(), 'the hostile name is shown as text')
  assert.equal(await page.locator('img[src=x]').count(), 0, 'no element was made from the name')
  await page.screenshot({ path: join(artifacts, 'flows-list.png') })

  // Opening the demo flow shows its page.
  await page.getByRole('link', { name: 'Demo IVR' }).click()
  await page.getByTestId('canvas').waitFor()
  // One node per widget and one edge per transition that leads somewhere.
  const flows = (await api(app.url, 'GET', 'v2/Flows')).body.flows
  const demo = flows.find(f => f.friendly_name === 'Demo IVR')
  const states = (await api(app.url, 'GET', `v2/Flows/${demo.sid}`)).body.definition.states
  const names = new Set(states.map(s => s.name))
  const links = states.flatMap(s => s.transitions.filter(t => t.next && names.has(t.next))).length
  await page.locator('.react-flow__node').nth(states.length - 1).waitFor()
  assert.equal(await page.locator('.react-flow__node').count(), states.length)
  assert.equal(await page.locator('.react-flow__edge').count(), links)
  await page.screenshot({ path: join(artifacts, 'flow-page.png') })
  // A newcomer finds the gestures: the ? key (or the Shortcuts button) lists them.
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } })
  await page.keyboard.press('?')
  await page.getByTestId('shortcuts-dialog').getByText('Undo / redo').waitFor()
  await page.keyboard.press('Escape')
  await page.getByTestId('shortcuts-dialog').waitFor({ state: 'detached' })
  assert.deepEqual(problems, [])
})

test('an import that is not a flow shows the validator, and creates nothing', async () => {
  const { page, problems } = browser
  await page.goto(app.url + '#/flows')
  await page.getByTestId('flows-list').waitFor()
  const before = (await api(app.url, 'GET', 'v2/Flows')).body.flows.length
  await page.getByTestId('import-flow').click()
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  await dialog.locator('textarea').fill('{"states": "not a list"}')
  await dialog.getByRole('button', { name: /import/i }).last().click()
  await dialog.getByText(/states|invalid|error/i).first().waitFor()
  await page.screenshot({ path: join(artifacts, 'import-invalid.png') })
  const after = (await api(app.url, 'GET', 'v2/Flows')).body.flows.length
  assert.equal(after, before)
  assert.deepEqual(problems, [])
})
