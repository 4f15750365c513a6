// End to end: the sensing application on the virtual Uno (patient model, AD8232, pulse sensor,
// LM35), the uplink over the real SIM800 driver, the UART and the SIM800 model, to the protocol's
// server role. An asystole scenario with the server down: the alarm is queued at once, the LPU
// escalates over SMS and calls, and when the server is back it receives the vitals, the alarm and
// the record of the escalation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { UartLine } from '../../sim/uart.ts';
import { NetworkModel } from '../../sim/sim800/network.ts';
import { TelephonyModel } from '../../sim/sim800/telephony.ts';
import { Sim800Model } from '../../sim/sim800/model.ts';
import { World } from '../../sim/world.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';
import { SensingDevice } from '../../firmware/sensing/device.ts';
import { Sim800Uplink } from '../../firmware/uplink/sim800-transport.ts';
import { writeCredential } from '../../firmware/uplink/credential-store.ts';
import { SeqCounter } from '../../firmware/uplink/seq-counter.ts';
import { FlashQueue } from '../../firmware/uplink/queue.ts';
import { UplinkSession } from '../../firmware/uplink/session.ts';
import { Uplink } from '../../firmware/uplink/uplink.ts';
import { Fallback } from '../../firmware/uplink/fallback.ts';
import { deviceVitals, linkDevice } from '../../firmware/uplink/device-link.ts';
import { runOn } from '../modem/rig.ts';
import { seededRandom } from '../protocol/helpers.ts';
import { ServerDouble } from './server-double.ts';
import { CELL, CELL_LAI } from './sim800-rig.ts';
import { EPOCH0 } from './rig.ts';

test('asystole with the server down: alarm queued, FAMILY/CLINIC/EMERGENCY alerted, all delivered when the server is back', async () => {
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const line = new UartLine(clock, {}, { name: 'uno' }, { name: 'sim800', rxFifoBytes: 1024 });
  await line.b.open(115200);
  const world = new World({ scenario: 'asystole', seed: 4, clock, modemSerial: line.a });
  const server = new ServerDouble(seededRandom(71), CELL_LAI);
  server.up = false;
  const network = new NetworkModel(clock, world.rng.fork('gsm'), { cell: CELL, endpoint: server });
  const telephony = new TelephonyModel(world.rng.fork('phone'), { behaviours: { '+447700900101': { answerProbability: 1, answerDelayMs: 5000 }, '+441632960200': { answerProbability: 1, answerDelayMs: 5000 }, '112': { answerProbability: 1, answerDelayMs: 2000 } } });
  const model = new Sim800Model(line.b, clock, { rng: world.rng.fork('sim800'), network, telephony, bootMs: 2000 });
  model.phonebook.write(1, { number: '+447700900101', type: 145, name: 'FAMILY' });
  model.phonebook.write(2, { number: '+441632960200', type: 145, name: 'CLINIC' });
  model.phonebook.write(3, { number: '112', type: 129, name: 'EMERGENCY' });

  const board = world.uno;
  const nv = { eeprom: board.eeprom(), flash: board.flash() };
  writeCredential(nv, await server.register());
  const modem = new Sim800(board.modemSerial(), board.scheduler, { baud: 115200 });
  await runOn(clock, modem.init());
  const link = new Sim800Uplink(modem, { baseUrl: 'http://bsn.example', apn: 'internet' });
  const toEpoch = (t: number) => EPOCH0 + Math.round(t);
  const device = new SensingDevice(board, { lcd: 'none' });
  const seq = new SeqCounter(nv.eeprom);
  const queue = new FlashQueue(nv.flash, { seqFloor: seq.assigned });
  const random = seededRandom(72);
  const session = new UplinkSession({ transport: link, cell: link, nv, random });
  const uplink = new Uplink({ scheduler: board.scheduler, queue, seq, session, random, vitals: deviceVitals(device, toEpoch) }, { epochMs: toEpoch });
  const fallback = new Fallback({ scheduler: board.scheduler, modem: link, epochMs: toEpoch, report: (r) => uplink.event(r), cell: () => session.lastCell ?? null }, { answerTimeoutMs: 30_000 });
  linkDevice(device, uplink, fallback, toEpoch);
  const t0 = clock.now();
  device.start();
  uplink.start();
  fallback.start();
  await clock.runFor(150_000);
  // the heart stops at 10 s: critical alarm, nothing reached the server, the LPU escalated
  assert.ok(fallback.actions.length >= 6, JSON.stringify(fallback.actions));
  assert.equal(telephony.outbox.map((s) => s.number), ['+447700900101', '+441632960200', '112']);
  assert.ok(telephony.outbox.every((s) => /asystole/.test(s.text)));
  assert.ok(telephony.outbox[0]!.at - t0 >= 60_000 + 10_000, 'not before the condition lasted 60 s');
  assert.equal(telephony.calls.map((c) => c.outcome), ['answered', 'answered', 'answered']);
  server.up = true;
  await clock.runFor(180_000);
  const stored = server.stored();
  stored.forEach((r, i) => assert.is(r.seq, i + 1));
  const alarm = stored.find((r) => r.kind === 'alarm');
  assert.ok(alarm && alarm.kind === 'alarm' && alarm.condition === 'asystole' && alarm.level === 'critical' && alarm.change === 'raised');
  assert.is(stored.filter((r) => r.kind === 'escalation').length, fallback.actions.length);
  // the summaries carried the measured asystole: heart rate 0 and rhythm asystole, never a fault
  assert.ok(stored.some((r) => r.kind === 'rhythm' && r.rhythm === 'asystole'));
  assert.ok(stored.some((r) => r.kind === 'heart-rate' && r.heartRateBpm === 0));
  assert.not.ok(stored.some((r) => r.kind === 'fault' && r.sensor === 'ecg'));
  device.stop?.();
  uplink.stop();
  fallback.stop();
});

test.run();
