// A Twilio Media Streams receiver for app/voice's tests: the real `ws`
// server on 127.0.0.1, an ephemeral port. It prints one JSON line per
// event on stdout: {"listening":port} first, then for each connection its
// non-media messages as they arrive ({"conn","event","msg"}) and, when the
// stream ends, a summary: the event sequence (runs of media collapsed),
// media counts per track, whether sequence numbers, chunks and timestamps
// are in order, the outbound track's RMS, and the dominant frequency of
// the inbound audio (μ-law
// decoded here, independently of the Go code).
//
// Usage: node server.js [normal|stall]
// stall: completes the upgrade, then never reads from the socket again.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const mode = process.argv[2] || 'normal';
process.stdout.on('error', () => process.exit(0)); // the test stopped reading
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

// G.711 μ-law to 16-bit linear.
function ulawToLinear(u) {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  let sample = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -sample : sample;
}

// Goertzel power of pcm at freq Hz.
function power(pcm, freq, rate) {
  const w = (2 * Math.PI * freq) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s0 = pcm[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

// The dominant frequency between 100 and 3900 Hz: a 10 Hz scan, then
// 0.5 Hz steps around the best bin.
function dominant(pcm) {
  if (pcm.length < 800) return 0;
  let best = 0, bestP = -1;
  for (let f = 100; f <= 3900; f += 10) {
    const p = power(pcm, f, 8000);
    if (p > bestP) { bestP = p; best = f; }
  }
  let fine = best;
  for (let f = best - 10; f <= best + 10; f += 0.5) {
    const p = power(pcm, f, 8000);
    if (p > bestP) { bestP = p; fine = f; }
  }
  return fine;
}

let nextConn = 0;
const http = createServer((req, res) => { res.writeHead(426); res.end(); });
const wss = new WebSocketServer({ noServer: true });

http.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const conn = ++nextConn;
    if (mode === 'stall') {
      socket.pause();
      out({ conn, event: 'stalled' });
      return;
    }
    const seq = [];
    const media = { inbound: 0, outbound: 0 };
    const chunk = { inbound: 0, outbound: 0 };
    const lastTs = { inbound: -1, outbound: -1 };
    const pcm = [];
    let outEnergy = 0, outSamples = 0;
    let seqOK = true, chunkOK = true, tsOK = true, payloadOK = true, lastSeq = 0, done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      const rms = pcm.length ? Math.sqrt(pcm.reduce((a, s) => a + s * s, 0) / pcm.length) : 0;
      // The loudest stretch decides the frequency: whole 20 ms frames above
      // a quarter of the peak RMS (the tone, not the silence around it).
      const frames = [];
      for (let i = 0; i + 160 <= pcm.length; i += 160) {
        let e = 0;
        for (let j = i; j < i + 160; j++) e += pcm[j] * pcm[j];
        frames.push([i, Math.sqrt(e / 160)]);
      }
      const peak = frames.reduce((a, f) => Math.max(a, f[1]), 0);
      const loud = [];
      for (const [i, r] of frames) if (r > peak / 4 && loud.length < 24000) loud.push(...pcm.slice(i, i + 160));
      out({ conn, summary: { why, seq, media, seqOK, chunkOK, tsOK, payloadOK, rms: Math.round(rms), outRms: Math.round(outSamples ? Math.sqrt(outEnergy / outSamples) : 0), hz: dominant(loud) } });
    };
    ws.on('message', (data) => {
      let m;
      try { m = JSON.parse(data.toString()); } catch { seq.push('junk'); return; }
      if (m.event !== 'connected') {
        const n = Number(m.sequenceNumber);
        if (n !== lastSeq + 1) seqOK = false;
        lastSeq = n;
      }
      if (m.event === 'media') {
        if (seq[seq.length - 1] !== 'media') seq.push('media');
        const t = m.media.track;
        media[t] = (media[t] || 0) + 1;
        if (Number(m.media.chunk) !== chunk[t] + 1) chunkOK = false;
        chunk[t] = Number(m.media.chunk);
        const ts = Number(m.media.timestamp);
        if (!(ts >= lastTs[t])) tsOK = false;
        lastTs[t] = ts;
        const b = Buffer.from(m.media.payload, 'base64');
        if (b.length !== 160 || m.streamSid === undefined) payloadOK = false;
        if (t === 'inbound') for (const u of b) pcm.push(ulawToLinear(u));
        else for (const u of b) { const v = ulawToLinear(u); outEnergy += v * v; outSamples++; }
        return;
      }
      seq.push(m.event);
      out({ conn, event: m.event, msg: m });
      if (m.event === 'stop') finish('stop');
    });
    ws.on('close', () => finish('close'));
  });
});

http.listen(0, '127.0.0.1', () => out({ listening: http.address().port }));
// The test closes stdin to end us (and kills us if that fails).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
