// The Simulator panel against the real headless appliance in Debian's
// Chromium: the demo flow run as a phone by pressing keypad buttons (say
// text, the current widget lit on the canvas, a spoken WAV), hung up, saved
// as a test, and the flow's tests run from the UI and passing; then an edit
// of the draft that the simulator runs at once.
// Screenshot: e2e/artifacts/simulator-mid-call.png.
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

async function openDemo(page) {
  await page.goto(app.url + '#/flows')
  await page.getByRole('link', { name: 'Demo IVR' }).click()
  await page.locator('.react-flow__node[data-id="main_menu"]').waitFor()
}

async function pressKeys(page, keys) {
  for (const k of keys) await page.getByTestId(`sim-key-${k}`).click()
  await page.getByTestId('sim-send-keys').click()
}

test('run the demo flow as a phone, save it as a test, run the tests', async () => {
  const { page, problems } = browser
  await signIn(page, app.url)
  const demo = (await api(app.url, 'GET', 'v2/Flows')).body.flows.find((f) => f.friendly_name === 'Demo IVR')
  await openDemo(page)
  await page.getByTestId('simulator-toggle').click()
  const panel = page.getByTestId('simulator-panel')
  await panel.waitFor()
  await page.getByTestId('sim-channel-voice').click()
  await page.getByTestId('sim-start').click()

  // The menu is said, main_menu waits and is lit on the canvas.
  await page.getByTestId('sim-say').first().waitFor({ timeout: 10_000 })
  assert.match(await page.getByTestId('sim-say').first().textContent(), /Welcome to the branch office/)
  assert.equal(await page.getByTestId('sim-current').textContent(), 'main_menu')
  await page.locator('.react-flow__node.mark-current[data-id="main_menu"]').waitFor()
  await page.locator('.react-flow__node.mark-visited[data-id="Trigger"]').waitFor()

  // A wrong key: sorry, and the menu again.
  await pressKeys(page, ['9'])
  await page.getByText('Sorry, that is not an option.').waitFor()
  await page.locator('.react-flow__node.mark-visited[data-id="not_understood"]').waitFor()
  await page.locator('.react-flow__node.mark-current[data-id="main_menu"]').waitFor()
  // Keys typed but not sent yet, for the picture.
  await page.getByTestId('sim-key-2').click()
  assert.equal(await page.getByTestId('sim-keys-typed').textContent(), '2⌫')
  await page.screenshot({ path: join(artifacts, 'simulator-mid-call.png') })
  await page.getByRole('button', { name: 'Delete the last key' }).click()

  // The spoken menu is a playable WAV.
  const audio = page.getByTestId('sim-audio').first()
  await audio.waitFor()
  const src = await audio.getAttribute('src')
  assert.ok(src && !/^https?:/.test(src), `a relative src: ${src}`)
  const wav = await page.evaluate(async (u) => {
    const r = await fetch(u, { credentials: 'same-origin' })
    const b = new Uint8Array(await r.arrayBuffer())
    return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...b.slice(0, 4)) + String.fromCharCode(...b.slice(8, 12)), size: b.length }
  }, src)
  assert.equal(wav.status, 200)
  assert.equal(wav.type, 'audio/wav')
  assert.equal(wav.head, 'RIFFWAVE')
  assert.ok(wav.size > 8044, `speech, not an empty file: ${wav.size} bytes`)
  assert.ok(await audio.evaluate((a) => a.canPlayType('audio/wav') !== ''), 'the browser plays WAV')

  // 2: leave a message, then hang up while it records.
  await pressKeys(page, ['2'])
  await page.getByText('Please leave your message after the tone', { exact: false }).waitFor()
  assert.equal(await page.getByTestId('sim-current').textContent(), 'record_message')
  await page.getByTestId('sim-hangup').click()
  await page.getByTestId('sim-ended').waitFor()
  assert.match(await page.getByTestId('sim-status').textContent(), /Ended/)
  await page.locator('.react-flow__node.mark-current').waitFor({ state: 'detached' })

  // Save as test: stored with the flow in the flow-test format.
  const name = await page.getByTestId('sim-test-name').inputValue()
  await page.getByTestId('sim-save-test').click()
  await page.getByTestId('sim-saved').waitFor()
  const stored = (await api(app.url, 'GET', `v2/Flows/${demo.sid}/Tests`)).body.tests
  assert.equal(stored.length, 1)
  assert.equal(stored[0].name, name)
  assert.equal(stored[0].test.trigger, 'call')
  assert.deepEqual(stored[0].test.inputs, ['9', '2'])
  assert.deepEqual(stored[0].test.expect.path, ['Trigger', 'main_menu', 'route_choice', 'not_understood', 'main_menu', 'route_choice', 'leave_message', 'record_message'])

  // Run the flow's tests from the UI: it passes, every check green.
  await page.getByTestId('sim-run-tests').click()
  await page.getByTestId('sim-tests-summary').waitFor({ timeout: 20_000 })
  assert.match(await page.getByTestId('sim-tests-summary').textContent(), /^1 passed, 0 failed/)
  assert.equal(await page.getByTestId('sim-test-status').textContent(), 'Passed')
  await page.getByTestId('sim-test-result').getByRole('button').click()
  const checks = page.getByTestId('sim-check')
  assert.ok((await checks.count()) >= 4)
  for (const c of await checks.all()) assert.match(await c.getAttribute('class'), /sim-check-ok/)
  await page.screenshot({ path: join(artifacts, 'simulator-tests.png') })

  // The appliance's executions did not get the rehearsal.
  assert.equal((await api(app.url, 'GET', `v2/Flows/${demo.sid}/Executions`)).body.executions.length, 0)
  assert.deepEqual(problems, [])
})

test('the simulator runs the draft on the canvas, and the saved test then fails with the reason', async () => {
  const { page, problems } = browser
  await openDemo(page)
  // Change the menu's words on the canvas.
  await page.locator('.react-flow__node[data-id="main_menu"]').click()
  const editor = page.locator('[data-testid="field-say"] .cm-content')
  await editor.waitFor()
  await editor.click()
  await page.keyboard.press('Control+Home')
  await page.keyboard.type('Draft words. ')
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } })

  await page.getByTestId('simulator-toggle').click()
  await page.getByTestId('sim-start').click()
  await page.getByTestId('sim-say').first().waitFor({ timeout: 10_000 })
  assert.match(await page.getByTestId('sim-say').first().textContent(), /Draft words\. Welcome to the branch office/)
  await page.getByTestId('sim-hangup').click()
  await page.getByTestId('sim-ended').waitFor()

  // The test saved before checks the old words: run against the draft, it fails and says why.
  await page.getByTestId('sim-run-tests').click()
  await page.getByTestId('sim-tests-summary').waitFor({ timeout: 20_000 })
  assert.match(await page.getByTestId('sim-tests-summary').textContent(), /^0 passed, 1 failed/)
  const bad = page.locator('[data-testid="sim-check"].sim-check-bad')
  await bad.first().waitFor()
  assert.match(await bad.first().textContent(), /says.*Draft words/s)

  // The same flow as a chat: the first message, the flow's answer.
  await page.getByTestId('sim-channel-messaging').click()
  await page.getByTestId('sim-first-message').fill('When are you open?')
  await page.getByTestId('sim-start').click()
  await page.getByTestId('sim-message').waitFor({ timeout: 10_000 })
  assert.match(await page.getByTestId('sim-message').textContent(), /open Monday to Friday, 9:00 to 17:00/)
  assert.match(await page.getByTestId('sim-input').first().textContent(), /When are you open\?/)
  await page.locator('.react-flow__node.mark-visited[data-id="auto_reply"]').waitFor()
  await page.screenshot({ path: join(artifacts, 'simulator-chat.png') })
  assert.deepEqual(problems, [])
})
