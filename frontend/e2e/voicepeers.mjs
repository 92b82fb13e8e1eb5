// Real SIP peers for browser tests, on free loopback ports: kamailio as a
// registrar and record-routing proxy (a "provider" our trunks register with;
// every user's password is the one given; an INVITE to a registered user goes
// to its contact) and baresip as a desk phone registering with the
// appliance. Each runs in its own process group, killed on stop (and when
// this process exits); every wait is bounded. Tests skip when a peer is
// not installed (voice.md §4.2, §4.4; sip/siptest does the same in Go).
import { spawn, execFile } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const running = new Set()
process.on('exit', () => { for (const p of running) try { process.kill(-p.pid, 'SIGKILL') } catch { /* gone */ } })

function onPath(name) {
  return (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin']).some((d) => existsSync(join(d, name)))
}

/** Why the voice peers cannot run here, or null. */
export function peersMissing() {
  for (const tool of ['kamailio', 'kamcmd', 'baresip']) if (!onPath(tool)) return `${tool} is not installed`
  return kamailioModules() ? null : 'kamailio modules are not installed'
}

function kamailioModules() {
  return ['/usr/lib/x86_64-linux-gnu/kamailio/modules', '/usr/lib/aarch64-linux-gnu/kamailio/modules', '/usr/lib/kamailio/modules']
    .find((p) => existsSync(join(p, 'tm.so')))
}

/** A loopback port free for both UDP and TCP. */
export async function freeUdpTcpPort() {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise((ok, fail) => {
      const s = createSocket('udp4')
      s.once('error', fail)
      s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)) })
    })
    const free = await new Promise((ok) => {
      const t = createServer()
      t.once('error', () => ok(false))
      t.listen(port, '127.0.0.1', () => t.close(() => ok(true)))
    })
    if (free) return port
  }
  throw new Error('no free loopback port')
}

function start(cmd, args, dir) {
  const child = spawn(cmd, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (b) => { log += b })
  child.stderr.on('data', (b) => { log += b })
  running.add(child)
  const stop = async () => {
    running.delete(child)
    if (child.exitCode !== null || child.signalCode !== null) return
    try { process.kill(-child.pid, 'SIGTERM') } catch { return }
    const done = new Promise((r) => child.once('exit', r))
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch { /* gone */ } }, 3000)
    await done
    clearTimeout(t)
  }
  return { child, log: () => log, stop }
}

/** One OPTIONS to 127.0.0.1:port; true on 200 within 300 ms. */
function optionsOK(port) {
  return new Promise((ok) => {
    const s = createSocket('udp4')
    const done = (v) => { clearTimeout(t); s.close(); ok(v) }
    const t = setTimeout(() => done(false), 300)
    s.on('message', (m) => done(m.toString().startsWith('SIP/2.0 200')))
    s.bind(0, '127.0.0.1', () => {
      const lp = s.address().port
      const id = Math.floor(Math.random() * 1e9)
      const msg = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${id}\r\n` +
        `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p${id}\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
        `Call-ID: probe-${id}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
      s.send(msg, port, '127.0.0.1')
    })
  })
}

// The Go tests' kamailio configuration (sip/siptest/kamailio.cfg), one file for both.
const kamailioCfg = (port, mpath, ctl, password) =>
  readFileSync(resolve(import.meta.dirname, '../../sip/siptest/kamailio.cfg'), 'utf8')
    .replaceAll('PORT', String(port)).replaceAll('MPATH', mpath).replaceAll('CTLSOCK', ctl).replaceAll('PASSWORD', password)

/**
 * Starts kamailio as a registrar on a free loopback port; every user's
 * password is `password` (letters and digits). Returns { port, aors(), stop() };
 * aors() lists the users registered now (kamcmd ul.dump).
 */
export async function startKamailio(password) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-kam-'))
  const port = await freeUdpTcpPort()
  const ctl = join(dir, 'kamailio.ctl')
  writeFileSync(join(dir, 'kamailio.cfg'), kamailioCfg(port, kamailioModules(), ctl, password))
  const p = start('kamailio', ['-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'kam.pid'), '-w', dir, '-Y', dir, '-E', '-DD'], dir)
  const deadline = Date.now() + 10_000
  while (!(await optionsOK(port))) {
    if (p.child.exitCode !== null || Date.now() > deadline) {
      await p.stop()
      throw new Error(`kamailio did not start:\n${p.log()}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    log: p.log,
    aors: () =>
      new Promise((ok, fail) =>
        execFile('kamcmd', ['-s', `unix:${ctl}`, 'ul.dump'], { timeout: 5000 }, (err, out) => {
          if (err) fail(err)
          else ok(out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AoR: ')).map((l) => l.slice(5)))
        }),
      ),
    async stop() {
      await p.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Starts baresip registering `user` (password `password`) with the SIP
 * server at 127.0.0.1:sipPort every 60 s. Returns { log(), stop() }.
 */
export async function startBaresip(user, password, sipPort) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-baresip-'))
  const port = await freeUdpTcpPort()
  writeFileSync(join(dir, 'config'), [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${port}`,
    'net_interface 127.0.0.1',
    'audio_player aubridge,nil',
    'audio_source aubridge,nil',
    'audio_alert aubridge,nil',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aubridge.so',
    'module_app account.so',
    '',
  ].join('\n'))
  writeFileSync(join(dir, 'accounts'), `<sip:${user}@127.0.0.1:${sipPort}>;auth_pass=${password};regint=60\n`)
  const p = start('baresip', ['-f', dir, '-v'], dir)
  return {
    log: p.log,
    async stop() {
      await p.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
