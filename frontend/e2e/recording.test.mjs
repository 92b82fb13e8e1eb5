// A voicemail left on a real call plays in the page: sipp calls a flow whose
// first widget records, speaks after the beep and presses #; the execution's
// step shows the recording in an <audio> element that Chromium loads.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startAppliance, openBrowser, signIn, api, artifacts } from './appliance.mjs'
import { freeUdpTcpPort } from './voicepeers.mjs'

const SPEECH = '/usr/share/sip-tester/g711a.pcap'
const missing = existsSync(SPEECH) ? null : `${SPEECH} is missing (sip-tester)`
const voicemail = {
  description: 'voicemail', initial_state: 'Trigger', flags: { allow_concurrent_calls: true },
  states: [
    { name: 'Trigger', type: 'trigger', properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: 'incomingCall', next: 'vm' }] },
    { name: 'vm', type: 'record-voicemail', properties: { offset: { x: 0, y: 220 }, play_beep: 'true', timeout: 2, finish_on_key: '#', max_length: 10 },
      transitions: [{ event: 'recordingComplete' }, { event: 'noAudio' }, { event: 'hangup' }] },
  ],
}

let app, browser, sipp
const dir = mkdtempSync(join(tmpdir(), 'sb-vm-'))

before(async () => {
  if (missing) return
  app = await startAppliance()
  browser = await openBrowser()
})

after(async () => {
  if (sipp && sipp.exitCode === null) sipp.kill('SIGKILL')
  await browser?.ctx.close()
  await app?.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function leaveVoicemail(flowSid) {
  const xml = readFileSync(resolve(import.meta.dirname, '../../app/voice/testdata/sipp/voicemail_pcma.xml'), 'utf8').replaceAll('PCAP', SPEECH)
  const sf = join(dir, 'voicemail_pcma.xml')
  writeFileSync(sf, xml)
  const args = [`127.0.0.1:${app.sipPort}`, '-sf', sf, '-s', flowSid, '-i', '127.0.0.1', '-p', String(await freeUdpTcpPort()),
    '-mi', '127.0.0.1', '-mp', String(await freeUdpTcpPort()), '-m', '1', '-nostdin', '-timeout', '40s', '-timeout_error', '-d', '3500']
  let out = ''
  sipp = spawn(process.env.SIPP || 'sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  sipp.stdout.on('data', (b) => { out += b })
  sipp.stderr.on('data', (b) => { out += b })
  const done = new Promise((ok) => sipp.once('exit', (code) => ok({ code, out })))
  const killer = setTimeout(() => sipp.kill('SIGKILL'), 50_000)
  done.then(() => clearTimeout(killer))
  return done
}

test('a voicemail recorded on a call plays in the execution view', { skip: missing ?? false, timeout: 120_000 }, async () => {
  const { page, problems } = browser
  const made = await api(app.url, 'POST', 'v2/Flows', { FriendlyName: 'Voicemail', Status: 'published', Definition: JSON.stringify(voicemail) })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const sid = made.body.sid
  const result = await leaveVoicemail(sid)
  assert.equal(result.code, 0, `sipp: ${result.out}\n${app.log()}`)

  await signIn(page, app.url)
  await page.goto(`${app.url}#/flows/${sid}`)
  await page.getByTestId('executions-toggle').click()
  const panel = page.getByTestId('executions-panel')
  await panel.getByTestId('execution-row').first().click()
  const step = panel.locator('[data-testid=step-row][data-widget=vm]')
  await step.waitFor({ timeout: 15_000 })
  await step.locator('.step-head').click()
  const audio = step.getByTestId('recording-audio')
  await audio.waitFor()
  // Chromium fetches and decodes it: metadata with a real duration.
  const seconds = await audio.evaluate((a) => new Promise((ok, fail) => {
    const check = () => (a.readyState >= 1 ? ok(a.duration) : null)
    a.addEventListener('loadedmetadata', check)
    a.addEventListener('error', () => fail(new Error(`audio error ${a.error?.code} for ${a.currentSrc}`)))
    a.load()
    setTimeout(() => fail(new Error('no metadata in 10 s')), 10_000)
  }))
  assert.ok(seconds >= 1, `recording of ${seconds} s`)
  const src = await audio.getAttribute('src')
  assert.match(src, /Recordings\/RE[0-9a-f]{32}/)
  assert.ok(!/^https?:/.test(src) || src.startsWith(app.url), 'same origin')
  // The step brought its widget into view without opening the inspector: the canvas keeps its room.
  assert.equal(await page.getByTestId('inspector').count(), 0)
  await page.screenshot({ path: join(artifacts, 'recording.png') })
  assert.deepEqual(problems, [])
})
