// Validation and publishing against the real headless appliance in Debian's
// Chromium: edit the demo flow, publish with a commit message, find that
// revision in the Revisions panel, see the next edit in its diff (list and
// canvas outline), revert to it, and jump from a problem to its field.
// Screenshots: e2e/artifacts/publish-dialog.png, revisions-diff.png, problem-field.png, test-users.png.
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

const stateOf = (def, name) => def.states.find((s) => s.name === name)

async function saved(page) {
  await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 10_000 })
}

async function appendToSay(page, widget, text) {
  const editor = page.locator('[data-testid="field-say"] .cm-content')
  // On a loaded machine the first click can land before the canvas takes
  // clicks (it then selects nothing): click again rather than wait 30 s.
  for (let i = 0; ; i++) {
    await page.locator(`.react-flow__node[data-id="${widget}"]`).click()
    try {
      await editor.waitFor({ timeout: 10_000 })
      break
    } catch (e) {
      if (i === 2) throw e
    }
  }
  await editor.click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(text)
  // Leave the field so the canvas keys work again.
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } })
}

test('edit, publish with a commit message, see the revision and its diff, revert, jump to a problem', async () => {
  const { page, problems } = browser
  await signIn(page, app.url)
  const demo = (await api(app.url, 'GET', 'v2/Flows')).body.flows.find((f) => f.friendly_name === 'Demo IVR')
  const original = (await api(app.url, 'GET', `v2/Flows/${demo.sid}`)).body.definition
  await page.getByRole('link', { name: 'Demo IVR' }).click()
  await page.locator('.react-flow__node[data-id="opening_hours"]').waitFor()

  // 1. An edit is autosaved as a draft.
  await appendToSay(page, 'opening_hours', ' See you soon.')
  await saved(page)
  let flow = (await api(app.url, 'GET', `v2/Flows/${demo.sid}`)).body
  assert.equal(flow.status, 'draft')
  assert.match(stateOf(flow.definition, 'opening_hours').properties.say, /Goodbye\. See you soon\.$/)
  const status = page.getByTestId('flow-status')
  if ((await api(app.url, 'GET', `v2/Flows/${demo.sid}/Revisions/LatestPublished`)).status === 200) {
    await page.getByText('Published, with unpublished changes').waitFor()
  } else {
    assert.equal(await status.textContent(), 'Draft')
  }

  // 2. Publish with a commit message.
  await page.getByTestId('publish-open').click()
  const dialog = page.getByTestId('publish-dialog')
  await dialog.getByTestId('publish-count').waitFor()
  assert.match(await dialog.getByTestId('publish-count').textContent(), /no errors/)
  await dialog.getByTestId('commit-message').fill('Opening hours say goodbye warmly')
  await page.screenshot({ path: join(artifacts, 'publish-dialog.png') })
  await dialog.getByTestId('publish-submit').click()
  await dialog.waitFor({ state: 'detached' })
  await page.getByTestId('notice').getByText(/Published revision #\d+/).waitFor()
  assert.equal(await status.textContent(), 'Published')
  flow = (await api(app.url, 'GET', `v2/Flows/${demo.sid}`)).body
  assert.equal(flow.status, 'published')
  assert.equal(flow.commit_message, 'Opening hours say goodbye warmly')
  const publishedRev = flow.revision

  // 3. The revision with that message is in the Revisions panel.
  await page.getByTestId('revisions-toggle').click()
  const row = page.locator(`[data-testid="revision-row"][data-revision="${publishedRev}"]`)
  await row.waitFor()
  assert.match(await row.textContent(), /Published.*Opening hours say goodbye warmly/)

  // 4. Another edit: the diff against the published revision lists it and the canvas outlines it.
  await appendToSay(page, 'no_choice', ' Bye.')
  await saved(page)
  await page.getByText('Published, with unpublished changes').waitFor()
  await row.click()
  const diff = page.getByTestId('revision-diff')
  await diff.getByTestId('diff-changed').waitFor()
  assert.match(await diff.getByTestId('diff-changed').textContent(), /Changed \(1\)\s*no_choice\s*say/)
  assert.equal(await diff.getByTestId('diff-added').count(), 0)
  assert.equal(await page.locator('.react-flow__node.mark-changed').count(), 1)
  assert.equal(await page.locator('.react-flow__node.mark-changed').getAttribute('data-id'), 'no_choice')
  await page.screenshot({ path: join(artifacts, 'revisions-diff.png') })

  // 5. Revert to the published revision: asked first, then saved as a new draft equal to it.
  await diff.getByTestId('revert').click()
  const confirm = page.getByTestId('confirm-dialog')
  assert.match(await confirm.textContent(), /Undo \(Ctrl\+Z\) brings it back/)
  await confirm.getByTestId('confirm').click()
  await confirm.waitFor({ state: 'detached' })
  await page.getByTestId('notice').getByText(`revision #${publishedRev}`).waitFor()
  await saved(page)
  await page.locator('.react-flow__node.mark-changed').first().waitFor({ state: 'detached' }).catch(() => undefined)
  flow = (await api(app.url, 'GET', `v2/Flows/${demo.sid}`)).body
  const pub = (await api(app.url, 'GET', `v2/Flows/${demo.sid}/Revisions/${publishedRev}`)).body
  assert.ok(flow.revision > publishedRev, 'the revert is a new revision')
  assert.deepEqual(flow.definition, pub.definition)
  assert.equal(stateOf(flow.definition, 'no_choice').properties.say, stateOf(original, 'no_choice').properties.say)
  assert.equal(await status.textContent(), 'Published')
  await page.getByTestId('revisions-toggle').click()

  // 6. A problem in the list jumps to its field: a condition whose value is not a number.
  await page.locator('.react-flow__node[data-id="route_choice"]').click()
  const cond = page.getByTestId('condition-match:0-0')
  await cond.locator('select[aria-label="Comparison"]').selectOption('greater_than')
  await cond.locator('input[aria-label="Value"]').fill('one')
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } })
  await page.getByTestId('inspector').waitFor({ state: 'detached' })
  await saved(page)
  await page.getByTestId('problems-toggle').click()
  const item = page.getByTestId('problem-item').filter({ hasText: 'not a number' })
  await item.waitFor()
  await item.click()
  await page.getByTestId('inspector').waitFor()
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Value')
  const focused = await page.evaluate(() => ({
    pointer: document.activeElement.getAttribute('data-pointer'),
    value: document.activeElement.value,
    widget: document.querySelector('.react-flow__node.selected')?.getAttribute('data-id'),
  }))
  assert.equal(focused.value, 'one')
  assert.match(focused.pointer, /^\/states\/\d+\/transitions\/\d+\/conditions\/0\/value$/)
  assert.equal(focused.widget, 'route_choice')
  // The widget is centered in what is left of the canvas beside the panels.
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="canvas"]').getBoundingClientRect()
    const n = document.querySelector('.react-flow__node[data-id="route_choice"]').getBoundingClientRect()
    const [cx, nx] = [c.left + c.width / 2, n.left + n.width / 2]
    return Math.abs(cx - nx) < 20 && n.top > c.top && n.bottom < c.bottom
  }, null, { timeout: 5000 })
  await page.screenshot({ path: join(artifacts, 'problem-field.png') })
  assert.deepEqual(problems, [])
})

test('test users: a number not in E.164 is refused with a message, a good one is stored', async () => {
  const { page, problems } = browser
  const demo = (await api(app.url, 'GET', 'v2/Flows')).body.flows.find((f) => f.friendly_name === 'Demo IVR')
  await page.getByTestId('test-users-open').click()
  const dialog = page.getByTestId('test-users-dialog')
  await dialog.waitFor()
  await dialog.getByTestId('test-user-number').fill('555-1234')
  await dialog.getByTestId('test-user-add').click()
  await dialog.getByTestId('test-user-error').getByText(/must start with \+ and the country code/).waitFor()
  await dialog.getByTestId('test-user-number').fill('+1 555 123 4567')
  await dialog.getByTestId('test-user-add').click()
  await dialog.getByTestId('test-user').getByText('+15551234567').waitFor()
  await page.screenshot({ path: join(artifacts, 'test-users.png') })
  assert.deepEqual((await api(app.url, 'GET', `v2/Flows/${demo.sid}/TestUsers`)).body.test_users, ['+15551234567'])
  await dialog.getByRole('button', { name: 'Done' }).click()
  assert.deepEqual(problems, [])
})
