// The stress add-on in the running device, end to end in the simulator: the sensing device on a
// virtual Uno with the LCD on the I2C backpack and the stress sensors (MPU-6050, ADS1115 with the
// GSR and the skin LM35) on the same bus; the device's LCD rotation shows the stress screen; the
// uplink's summaries carry stress reports; those are uploaded through the protocol to a real
// server with its escalation engine. Exercise never reads as 'high'; an acute stressor reads
// 'high' on the LCD and on the server, and opens no escalation. Without the add-on the device
// shows no stress screen and reports nothing (absent, not 'low').
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SensingDevice } from '../../firmware/sensing/device.ts';
import { snapshotSource } from '../../firmware/uplink/vitals-summary.ts';
import type { QueuedReading } from '../../firmware/uplink/queue.ts';
import type { Reading } from '../../protocol/readings.ts';
import { openDatabase } from '../../server/db.ts';
import { createDeviceWorld } from '../../sim/device-world.ts';
import { Rng } from '../../sim/rng.ts';
import { StressRig } from '../../sim/stress/rig.ts';
import { HttpLpu, registerLpu, startServer } from '../server/helpers.ts';

const T0 = 1_700_000_000_000;

interface Run { stressLines: Set<string>; uploads: QueuedReading[]; screens: number; device: SensingDevice }

async function runDevice(activity: string | null, seed: number, minutes: number): Promise<Run> {
  const dw = createDeviceWorld({ scenario: 'normal', seed, lcd: 'backpack' });
  if (activity) new StressRig(dw.bus, { scenario: activity, rng: new Rng(seed).fork('stress') });
  const device = new SensingDevice(dw.world.uno, { lcd: { kind: 'backpack' }, ...(activity ? { stress: {} } : {}) });
  const source = snapshotSource(() => device.snapshot(), (ms) => T0 + ms);
  const run: Run = { stressLines: new Set(), uploads: [], screens: 0, device };
  device.start();
  dw.world.clock.every(5000, () => { for (const r of source.summary(T0 + dw.world.clock.now())) if (r.kind === 'stress') run.uploads.push(r); });
  dw.world.clock.every(500, () => {
    const [l1, l2] = dw.lcd!.lines();
    if (l1!.startsWith('Stress')) {
      run.screens++;
      run.stressLines.add(`${l1!.trim()} | ${l2!.trim()}`);
    }
  });
  await dw.world.runUntil(minutes * 60_000);
  device.stop();
  return run;
}

const levels = (r: Run) => [...new Set([...r.stressLines].map((l) => /^Stress (low|normal|high)/.exec(l)?.[1]).filter((x) => x))];

test('exercise: the stress screen shows normal (never high); reports are uploaded on change or every 5 min', async () => {
  for (const seed of [1, 2]) {
    const r = await runDevice('exercise', seed, 12);
    assert.ok(r.screens > 20, `stress screen shown ${r.screens} times`);
    assert.not.ok(levels(r).includes('high'), [...r.stressLines].join('\n'));
    assert.ok(levels(r).includes('normal'), [...r.stressLines].join('\n'));
    assert.ok([...r.stressLines].some((l) => /Steps 1[3-9]\d\/min/.test(l)), 'jogging cadence on the LCD');
    assert.ok(r.uploads.length >= 2 && r.uploads.length <= 12, `${r.uploads.length} stress reports in 12 min`);
    assert.not.ok(r.uploads.some((u) => u.kind === 'stress' && u.level === 'high'));
    // The LCD's stress never entered the alarms: no alarm at any time.
    assert.equal(r.device.snapshot().alarms.filter((a) => a.condition !== 'hypertension'), []);
  }
});

test('acute stress: high on the LCD and uploaded to the server, which opens no escalation', async () => {
  const r = await runDevice('acute-stress', 3, 10);
  assert.ok(levels(r).includes('high'), [...r.stressLines].join('\n'));
  const high = r.uploads.filter((u) => u.kind === 'stress' && u.level === 'high');
  assert.ok(high.length >= 1, JSON.stringify(r.uploads));
  // Before the stressor (2 min of rest) nothing high was reported.
  assert.not.ok(r.uploads.some((u) => u.kind === 'stress' && u.level === 'high' && u.measuredAt < T0 + 120_000));

  const db = await openDatabase({});
  const h = await startServer(db);
  try {
    const reg = await registerLpu(h.base);
    const lpu = new HttpLpu(h.base, reg.credential, 6);
    await lpu.handshake();
    const batch = r.uploads.map((u, i) => ({ ...u, seq: i + 1 }) as Reading);
    assert.is((await lpu.send(batch)).ackedSeq, batch.length);
    h.clock.advance(60 * 60_000);
    const stored = await db.query(`SELECT value FROM readings WHERE kind = 'stress' ORDER BY seq`);
    assert.is(stored.length, batch.length);
    assert.ok(stored.some((s) => (JSON.parse(String(s.value)) as { level: string }).level === 'high'));
    assert.is((await db.query('SELECT * FROM escalations')).length, 0);
    assert.is((await db.query('SELECT * FROM events')).length, 0);
    assert.is(h.telephony.log.length, 0);
  } finally {
    await h.close();
    await db.close();
  }
});

test('without the add-on: no stress screen, no stress report, snapshot stress absent', async () => {
  const r = await runDevice(null, 4, 3);
  assert.is(r.screens, 0);
  assert.is(r.uploads.length, 0);
  assert.is(r.device.snapshot().stress, undefined);
  assert.is(r.device.stress, undefined);
});

test('a stress sensor off the bus is a fault on the LCD, never a level', async () => {
  const dw = createDeviceWorld({ scenario: 'normal', seed: 5, lcd: 'backpack' });
  // Only the accelerometer is missing: the rig is not attached, only the LCD answers on the bus.
  const device = new SensingDevice(dw.world.uno, { lcd: { kind: 'backpack' }, stress: {} });
  device.start();
  const seen = new Set<string>();
  dw.world.clock.every(500, () => { const l = dw.lcd!.lines()[0]!; if (l.startsWith('Stress')) seen.add(l.trim()); });
  await dw.world.runUntil(120_000);
  device.stop();
  assert.ok(seen.size >= 1);
  for (const l of seen) assert.ok(/^Stress: /.test(l), l);
  assert.is(device.snapshot().stress?.kind, 'fault');
});

test.run();
