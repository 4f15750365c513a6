// EcgChannel on the simulator's virtual clock: samples an analog pin and the lead-off pins at the
// configured rate and reports rate, then the lead-off fault when a lead comes off.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EcgChannel } from '../../firmware/ecg/ecg-channel.ts';
import type { AnalogIn } from '../../hal/analog.ts';
import type { DigitalIn } from '../../hal/digital.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { regularRr, syntheticEcg } from './synthetic-ecg.ts';

test('samples at 100 Hz on the scheduler; rate, then lead-off fault, then rate again', async () => {
  const clock = new VirtualClock();
  const fs = 100;
  const ecg = syntheticEcg({ samplingFrequencyHz: 1000, rrMs: regularRr(80, 750, 15), durationMs: 60_000 }).samples;
  let leadOff = false;
  let reads = 0;
  // The analog pin shows the waveform at the current virtual time (ECG at 1 kHz, read at 100 Hz).
  const signal: AnalogIn = {
    bits: 10,
    vref: 5,
    read: () => {
      reads++;
      return leadOff ? 1023 : Math.max(0, Math.min(1023, Math.round(ecg[Math.min(ecg.length - 1, Math.round(clock.now()))]!)));
    },
  };
  const lo: DigitalIn = { read: () => leadOff };
  const loMinus: DigitalIn = { read: () => false };
  let beats = 0;
  const ch = new EcgChannel(clock, { signal, leadOffPlus: lo, leadOffMinus: loMinus }, { samplingFrequencyHz: fs, onBeat: () => beats++ });
  await clock.runUntil(20_000);
  assert.is(reads, 2000);
  const s = ch.status();
  assert.is(s.kind, 'ok');
  if (s.kind === 'ok') assert.ok(Math.abs(s.heartRateBpm - 80) < 3, `${s.heartRateBpm}`);
  assert.ok(beats >= 22 && beats <= 26, `${beats} beats in 20 s at 80/min (2 s learning)`);
  leadOff = true;
  await clock.runUntil(20_020);
  const off = ch.status();
  assert.is(off.kind, 'fault');
  if (off.kind === 'fault') assert.is(off.fault, 'lead-off');
  await clock.runUntil(30_000);
  assert.is(ch.status().kind, 'fault');
  leadOff = false;
  await clock.runUntil(45_000);
  assert.is(ch.status().kind, 'ok');
  ch.stop();
  const r = reads;
  await clock.runUntil(46_000);
  assert.is(reads, r, 'no sampling after stop');
});

test.run();
