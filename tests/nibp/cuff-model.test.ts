// The simulated NIBP hardware against its physics and data sheets, driven directly (no firmware).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { ArterialSource } from '../../sim/nibp/arterial-source.ts';
import { CuffRig } from '../../sim/nibp/cuff-rig.ts';
import { ADULT_CUFF, CUFF_PUMP, CUFF_VALVE, CuffPneumatics } from '../../sim/nibp/cuff.ts';
import { BrachialArtery, TYPICAL_ARTERY } from '../../sim/nibp/brachial-artery.ts';
import { Mpx5050, IDEAL_MPX5050, KPA_PER_MMHG } from '../../sim/nibp/mpx5050.ts';
import { quantise } from '../../sim/nibp/adc.ts';
import { NORMAL } from './harness.ts';

function rig(leak = 0, seed = 1) {
  const clock = new VirtualClock();
  const rng = new Rng(seed);
  const patient = new ArterialSource(NORMAL, rng.fork('p'));
  return { clock, patient, rig: new CuffRig({ clock, patient, rng, cuffLeakMmHgPerS: leak }) };
}

async function until(clock: VirtualClock, cond: () => boolean, limitMs: number): Promise<number> {
  const t0 = clock.now();
  while (!cond() && clock.now() - t0 < limitMs) await clock.runFor(10);
  return clock.now() - t0;
}

test('adult cuff: 200-400 mL of air to 200 mmHg, compliance falling with pressure', () => {
  const c = new CuffPneumatics(ADULT_CUFF, CUFF_PUMP, CUFF_VALVE, new BrachialArtery(TYPICAL_ARTERY), 90);
  const ml = c.heldMl(200);
  assert.ok(ml >= 200 && ml <= 400, `${ml.toFixed(0)} mL`);
  assert.ok(c.complianceMlPerMmHg(10) > 2 * c.complianceMlPerMmHg(150));
});

test('pump inflates 0 -> 180 mmHg in 5-10 s; valve dumps 260 -> 15 mmHg within 10 s (IEC 80601-2-30)', async () => {
  const { clock, rig: r } = rig();
  r.valve.setDuty(1);
  r.pump.write(true);
  const tInflate = await until(clock, () => r.pressureMmHg() >= 180, 30_000);
  assert.ok(tInflate >= 5000 && tInflate <= 10_000, `${tInflate} ms`);
  await until(clock, () => r.pressureMmHg() >= 260, 30_000);
  r.pump.write(false);
  r.valve.setDuty(0);
  const tDump = await until(clock, () => r.pressureMmHg() <= 15, 30_000);
  assert.ok(tDump < 10_000, `${tDump} ms`);
});

test('proportional valve: deflation rate grows as duty falls and is 2-4 mmHg/s within the PWM range', async () => {
  const { clock, rig: r } = rig();
  r.valve.setDuty(1);
  r.pump.write(true);
  await until(clock, () => r.pressureMmHg() >= 170, 30_000);
  r.pump.write(false);
  const rates: number[] = [];
  for (const duty of [0.85, 0.78, 0.74, 0.7, 0.66]) {
    r.valve.setDuty(duty);
    const p0 = r.pressureMmHg();
    await clock.runFor(2000);
    rates.push((p0 - r.pressureMmHg()) / 2);
  }
  assert.ok(Math.abs(rates[0]!) < 0.3, `closed: ${rates[0]}`);
  for (let i = 1; i < rates.length; i++) assert.ok(rates[i]! > rates[i - 1]!, rates.join(', '));
  assert.ok(rates.some((x) => x >= 2 && x <= 4), rates.join(', '));
  // 8-bit PWM: the duty is quantised.
  r.valve.setDuty(0.5);
  assert.is(r.valve.duty, 128 / 255);
});

test('a large leak keeps the pressure from rising', async () => {
  const { clock, rig: r } = rig(500);
  r.valve.setDuty(1);
  r.pump.write(true);
  await clock.runFor(15_000);
  assert.ok(r.pressureMmHg() < 30, `${r.pressureMmHg().toFixed(1)} mmHg`);
});

test('MPX5050 transfer function and the 10-bit ADC', () => {
  const s = new Mpx5050(IDEAL_MPX5050, new Rng(1));
  assert.ok(Math.abs(s.outputV(0) - 0.2) < 1e-9);
  assert.ok(Math.abs(s.outputV(50 / KPA_PER_MMHG) - 4.7) < 1e-9);
  assert.ok(Math.abs(s.outputV(100) - s.outputV(0) - 1.2) < 0.001, '12 mV/mmHg');
  assert.is(s.outputV(450), 4.9, 'saturates');
  s.fault = 'open';
  assert.is(s.outputV(100), 0);
  assert.is(quantise(0), 0);
  assert.is(quantise(2.5), 512);
  assert.is(quantise(5), 1023);
  assert.is(quantise(-1), 0);
  assert.is(quantise(4.999), 1023);
});

test('oscillations in the cuff peak near MAP; characteristic ratios are physiological', async () => {
  // Hold the cuff at fixed pressures (valve shut, small top-ups) and measure peak-to-peak.
  const { clock, patient, rig: r } = rig(0, 3);
  r.valve.setDuty(1);
  const amps = new Map<number, number>();
  r.pump.write(true);
  await until(clock, () => r.pressureMmHg() >= 160, 30_000);
  r.pump.write(false);
  for (let target = 155; target >= 50; target -= 5) {
    r.valve.setDuty(0.6);
    await until(clock, () => r.pressureMmHg() <= target, 20_000);
    r.valve.setDuty(1);
    await clock.runFor(1000);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 300; i++) {
      await clock.runFor(10);
      const p = r.pressureMmHg();
      lo = Math.min(lo, p);
      hi = Math.max(hi, p);
    }
    amps.set(target, hi - lo);
  }
  const max = Math.max(...amps.values());
  const at = [...amps].find(([, a]) => a === max)![0];
  const map = patient.truth(0).meanArterialMmHg;
  assert.ok(Math.abs(at - map) <= 10, `max at ${at}, MAP ${map.toFixed(1)}`);
  assert.ok(max >= 1 && max <= 5, `max ${max.toFixed(2)} mmHg p-p`);
  const atS = amps.get(120)! / max;
  const atD = amps.get(80)! / max;
  assert.ok(atS >= 0.35 && atS <= 0.75, `ratio at SBP ${atS.toFixed(2)}`);
  assert.ok(atD >= 0.55 && atD <= 0.9, `ratio at DBP ${atD.toFixed(2)}`);
  assert.ok(amps.get(155)! < 0.2 * max, 'small well above systolic');
});

test('the arterial source: exact nominal values, continuous waveform, MAP between DBP and SBP', () => {
  const src = new ArterialSource({ systolicMmHg: 130, diastolicMmHg: 85, heartRateBpm: 75, respiratorySwingMmHg: 0, beatNoiseMmHg: 0, hrvFraction: 0 }, new Rng(2));
  let lo = Infinity;
  let hi = -Infinity;
  let prev = src.arterialPressureMmHg(0);
  let maxJump = 0;
  for (let t = 1; t < 10_000; t++) {
    const p = src.arterialPressureMmHg(t);
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
    maxJump = Math.max(maxJump, Math.abs(p - prev));
    prev = p;
  }
  assert.ok(Math.abs(hi - 130) < 0.5 && Math.abs(lo - 85) < 0.5, `${lo.toFixed(1)}-${hi.toFixed(1)}`);
  assert.ok(maxJump < 1.5, `jump ${maxJump.toFixed(2)} mmHg/ms`);
  const map = src.truth(0).meanArterialMmHg;
  assert.ok(map > 85 + 0.3 * 45 && map < 85 + 0.5 * 45, `MAP ${map.toFixed(1)}`);
  assert.is(src.beatTimesMs().length, Math.ceil(10_000 / 800));
});

test.run();
