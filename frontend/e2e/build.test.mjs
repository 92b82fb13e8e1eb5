// A person builds an IVR from nothing in the editor: a new flow, four
// widgets dragged from the library, connected by dragging handles, filled in
// through the inspector, published, then reloaded — and the stored flow is what they drew.
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

const node = (page, name) => page.locator(`.react-flow__node[data-id="${name}"]`)

async function nodeIds(page) {
  return page.locator('.react-flow__node').evaluateAll(ns => ns.map(n => n.getAttribute('data-id')))
}

// dropWidget drags a library entry onto the canvas at (x, y) of the canvas box
// and returns the name the editor gave the new widget.
async function dropWidget(page, type, x, y) {
  const before = new Set(await nodeIds(page))
  await page.locator(`[data-testid=library-item][data-type="${type}"]`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } })
  await page.waitForFunction(n => document.querySelectorAll('.react-flow__node').length === n, before.size + 1)
  const added = (await nodeIds(page)).filter(id => !before.has(id))
  assert.equal(added.length, 1, `one widget added for ${type}`)
  return added[0]
}

// link drags from a widget's event handle to another widget's input handle.
async function link(page, from, event, to) {
  const src = node(page, from).locator(`.react-flow__handle.source[data-handleid="${event}"]`)
  const dst = node(page, to).locator('.react-flow__handle.target')
  const a = await src.boundingBox()
  const b = await dst.boundingBox()
  assert.ok(a && b, `handles of ${from}.${event} and ${to} are on screen`)
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 })
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 })
  await page.mouse.up()
  await page.locator(`.react-flow__edge[data-id="${from}->${event}"], .react-flow__edge[data-testid="rf__edge-${from}->${event}"]`).first().waitFor()
}

// typeInto replaces the text of an inspector field (CodeMirror or input).
async function typeInto(page, key, text) {
  const field = page.getByTestId(`field-${key}`)
  await field.waitFor()
  const cm = field.locator('.cm-content')
  if (await cm.count()) {
    await cm.click()
    await page.keyboard.press('ControlOrMeta+a')
    await page.keyboard.insertText(text)
  } else {
    await field.locator('input, textarea').first().fill(text)
  }
}

async function select(page, name) {
  await node(page, name).locator('.widget-node-name').click()
  await page.getByTestId('inspector').locator('#widget-name').and(page.locator(`[value="${name}"]`)).waitFor()
}

async function fitView(page) {
  await page.locator('.react-flow__controls-fitview').click()
  await page.waitForTimeout(300)
}

async function storedDefinition(sid) {
  const r = await api(app.url, 'GET', `v2/Flows/${sid}`)
  assert.equal(r.status, 200)
  return r.body.definition
}

test('build a flow from scratch by dragging and connecting, fill the inspector, publish, reload and see it unchanged', async () => {
  const { page, problems } = browser
  await signIn(page, app.url)

  // A new flow starts as Studio's: one Trigger.
  await page.getByTestId('new-flow').click()
  await page.getByTestId('flow-name').fill('Branch office IVR')
  await page.getByTestId('dialog-submit').click()
  await page.getByTestId('canvas').waitFor()
  await node(page, 'Trigger').waitFor()
  const sid = (await page.evaluate(() => location.hash)).split('/').pop()
  assert.match(sid, /^FW[0-9a-f]{32}$/)

  // Zoom out so the widgets land apart, then drop four of them from the library.
  for (let i = 0; i < 4; i++) await page.locator('.react-flow__controls-zoomout').click()
  await page.waitForTimeout(300)
  // Each lands below the last, as a person lays out a call path top to bottom.
  const canvas = await page.getByTestId('canvas').boundingBox()
  const trigger = await node(page, 'Trigger').boundingBox()
  const x = trigger.x - canvas.x + trigger.width / 2
  const row = trigger.height + 40
  const top = trigger.y - canvas.y
  const gather = await dropWidget(page, 'gather-input-on-call', x, top + row)
  const split = await dropWidget(page, 'split-based-on', x, top + 2 * row)
  const other = await dropWidget(page, 'say-play', x - trigger.width * 0.7, top + 3 * row)
  const sales = await dropWidget(page, 'say-play', x + trigger.width * 0.7, top + 3 * row)
  assert.equal(new Set([gather, split, sales, other]).size, 4, 'each widget got its own name')
  await fitView(page)

  // Fill the inspector of each.
  await select(page, gather)
  await typeInto(page, 'say', 'Press 1 for sales, or any other key for the operator.')
  await select(page, split)
  await typeInto(page, 'input', `{{widgets.${gather}.Digits}}`)
  await page.getByTestId('add-match').click()
  const cond = page.getByTestId('condition-match:0-0')
  await cond.getByLabel('Name').fill('Sales')
  await cond.getByLabel('Value').fill('1')
  // The preview renders Liquid with the executions' renderer against sample values.
  await page.getByTestId('field-input').getByTestId('liquid-preview').locator('output').getByText('1', { exact: true }).waitFor()
  await select(page, sales)
  await typeInto(page, 'say', 'Connecting {{trigger.call.From}} to sales.')
  await page.getByTestId('field-say').getByTestId('liquid-preview').getByText('Connecting +15550100 to sales.').waitFor()
  await select(page, other)
  await typeInto(page, 'say', 'Please hold for the operator.')
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } })
  await fitView(page)

  // Connect: call → gather → (keypress) split → Sales / no match.
  await link(page, 'Trigger', 'incomingCall', gather)
  await link(page, gather, 'keypress', split)
  await link(page, split, 'match:0', sales)
  await link(page, split, 'noMatch', other)
  await page.screenshot({ path: join(artifacts, 'build-from-scratch.png') })

  // Autosave has stored exactly that.
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 15000 })
  const def = await storedDefinition(sid)
  const byName = Object.fromEntries(def.states.map(s => [s.name, s]))
  const next = (name, event) => byName[name].transitions.find(t => t.event === event)?.next
  assert.deepEqual(def.states.map(s => s.type).sort(), ['gather-input-on-call', 'say-play', 'say-play', 'split-based-on', 'trigger'])
  assert.equal(next('Trigger', 'incomingCall'), gather)
  assert.equal(next(gather, 'keypress'), split)
  assert.equal(next(split, 'noMatch'), other)
  const match = byName[split].transitions.filter(t => t.event === 'match')
  assert.equal(match.length, 1)
  assert.equal(match[0].next, sales)
  assert.deepEqual(match[0].conditions.map(c => [c.friendly_name, c.type, c.value, c.arguments]),
    [['Sales', 'equal_to', '1', [`{{widgets.${gather}.Digits}}`]]])
  assert.equal(byName[gather].properties.say, 'Press 1 for sales, or any other key for the operator.')
  assert.equal(byName[split].properties.input, `{{widgets.${gather}.Digits}}`)
  assert.equal(byName[sales].properties.say, 'Connecting {{trigger.call.From}} to sales.')
  assert.equal(byName[other].properties.say, 'Please hold for the operator.')
  for (const s of def.states) assert.ok(Number.isFinite(s.properties.offset?.x) && Number.isFinite(s.properties.offset?.y), `${s.name} has an offset`)
  const flow = (await api(app.url, 'GET', `v2/Flows/${sid}`)).body
  assert.deepEqual(flow.errors ?? [], [], 'the flow validates')

  // Publish it with a commit message.
  await page.getByTestId('publish-open').click()
  const dialog = page.getByTestId('publish-dialog')
  await dialog.getByTestId('commit-message').fill('First version of the branch IVR')
  await dialog.getByTestId('publish-submit').click()
  await dialog.waitFor({ state: 'detached' })
  await page.getByTestId('notice').getByText(/Published revision #\d+/).waitFor()
  const published = (await api(app.url, 'GET', `v2/Flows/${sid}`)).body
  assert.equal(published.status, 'published')
  assert.equal(published.commit_message, 'First version of the branch IVR')
  assert.deepEqual(published.definition, def, 'publishing changed nothing in the definition')

  // Reload: the same widgets, edges and fields come back.
  await page.reload()
  await page.getByTestId('canvas').waitFor()
  await node(page, other).waitFor()
  assert.deepEqual((await nodeIds(page)).sort(), def.states.map(s => s.name).sort())
  assert.equal(await page.locator('.react-flow__edge').count(), 4)
  await select(page, split)
  assert.equal(await page.getByTestId('field-input').locator('.cm-content').innerText(), `{{widgets.${gather}.Digits}}`)
  assert.equal(await page.getByTestId('condition-match:0-0').getByLabel('Value').inputValue(), '1')
  assert.deepEqual(await storedDefinition(sid), def, 'opening the flow changed nothing')

  // A transition is removed by clicking its edge and pressing Delete; Ctrl+Z brings it back.
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } })
  const mid = await page.evaluate((id) => {
    const path = document.querySelector(`.react-flow__edge[data-id="${id}"] path.react-flow__edge-path, [data-testid="rf__edge-${id}"] path.react-flow__edge-path`)
    const p = path.getPointAtLength(path.getTotalLength() / 2)
    const m = path.getScreenCTM()
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f }
  }, `${split}->noMatch`)
  await page.mouse.click(mid.x, mid.y)
  await page.locator(`.react-flow__edge.selected`).first().waitFor()
  await page.keyboard.press('Delete')
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 3)
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 15000 })
  await page.waitForTimeout(1200)
  let after = await storedDefinition(sid)
  assert.equal(after.states.find(s => s.name === split).transitions.find(t => t.event === 'noMatch').next, undefined)
  assert.equal(after.states.find(s => s.name === split).transitions.filter(t => t.event === 'match')[0].next, sales, 'only that transition went')
  await page.keyboard.press('ControlOrMeta+z')
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 4)
  await page.waitForTimeout(1200)
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor({ timeout: 15000 })
  after = await storedDefinition(sid)
  assert.equal(after.states.find(s => s.name === split).transitions.find(t => t.event === 'noMatch').next, other)
  assert.deepEqual(problems, [])
})
