// The AT engine against a chaotic modem: random mixes of correct answers, garbage, URCs, damaged
// lines, UART errors and silence. Every command must settle (value or typed error) within its
// timeout budget, one at a time, and the engine must stay usable afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { AtEngine } from '../../firmware/modem/at-engine.ts';
import { AT } from '../../firmware/modem/commands.ts';
import { ModemError, ModemLineError, ModemTimeout } from '../../firmware/modem/errors.ts';
import type { SerialLineError, SerialPort } from '../../hal/serial.ts';
import { runOn } from './rig.ts';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

class ChaosPort implements SerialPort {
  isOpen = true;
  inFlight = 0;
  maxInFlight = 0;
  private data = new Set<(b: Uint8Array) => void>();
  private errs = new Set<(e: SerialLineError) => void>();
  constructor(private clock: VirtualClock, private rng: Rng) {}
  async open() {}
  async close() {}
  onData(l: (b: Uint8Array) => void) { this.data.add(l); return () => void this.data.delete(l); }
  onError(l: (e: SerialLineError) => void) { this.errs.add(l); return () => void this.errs.delete(l); }
  private emit(b: Uint8Array, at: number) {
    this.clock.after(at, () => { for (const l of this.data) l(b); });
  }
  write(bytes: Uint8Array) {
    const text = String.fromCharCode(...bytes);
    if (!text.endsWith('\r')) return; // payloads, ESC
    const r = this.rng;
    let t = r.uniform(1, 30);
    const n = r.int(0, 4);
    for (let i = 0; i < n; i++) {
      const k = r.int(0, 5);
      const chunk = k === 0 ? r.bytes(r.int(1, 40)) : k === 1 ? enc('\r\nRING\r\n') : k === 2 ? enc(`\r\n+CSQ: ${r.int(0, 31)},0\r\n`) : k === 3 ? enc('x'.repeat(r.int(500, 700)) + '\r\n') : k === 4 ? enc('\r\n+CREG: 1,"00AA","0BCD"\r\n') : enc('\r\n+CME ERROR: 3\r\n');
      this.emit(chunk, t);
      t += r.uniform(0, 20);
    }
    if (r.chance(0.1)) this.clock.after(t, () => { for (const l of this.errs) l({ kind: 'framing', at: this.clock.now() }); });
    const answer: Record<string, string> = { 'AT+CSQ\r': '\r\n+CSQ: 20,0\r\n', 'AT+CREG?\r': '\r\n+CREG: 2,1,"00AA","0BCD"\r\n', 'AT+CPIN?\r': '\r\n+CPIN: READY\r\n' };
    if (r.chance(0.75)) this.emit(enc(r.chance(0.8) ? `${answer[text] ?? ''}\r\nOK\r\n` : '\r\nERROR\r\n'), t + 1);
  }
}

test('2000 commands against a chaotic modem all settle within budget with typed outcomes', async () => {
  const clock = new VirtualClock();
  const rng = new Rng(99);
  const port = new ChaosPort(clock, rng.fork('port'));
  const engine = new AtEngine(port, clock);
  let urcs = 0;
  engine.onUrc('*', () => urcs++);
  const cmds = [AT.csq, AT.cregQuery, AT.at, AT.cpinQuery, AT.httpTerm];
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < 2000; i++) {
    const cmd = cmds[rng.int(0, cmds.length - 1)]!;
    const t0 = clock.now();
    let kind: string;
    try {
      await runOn(clock, engine.run(cmd), 60_000, 500);
      kind = 'ok';
    } catch (e) {
      assert.ok(e instanceof ModemTimeout || e instanceof ModemError || e instanceof ModemLineError, String(e));
      kind = (e as Error).name;
    }
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    const budget = (cmd.timeoutMs + 200 + 50) * (cmd.retries + 1) + 500;
    assert.ok(clock.now() - t0 <= budget, `${cmd.name} took ${clock.now() - t0} ms > ${budget}`);
  }
  const s = engine.stats;
  console.log(`chaos: ${JSON.stringify(outcomes)}; urcs ${urcs}; stats ${JSON.stringify(s)}`);
  assert.ok(outcomes.ok! > 600, JSON.stringify(outcomes));
  assert.ok((outcomes.ModemTimeout ?? 0) > 0 && (outcomes.ModemError ?? 0) > 0);
  assert.ok(s.lineOverflows > 0 && s.damagedResponses > 0 && s.retries > 0, JSON.stringify(s));
  assert.ok(engine.digester.buffered <= 512 + 2048);
});

test.run();
