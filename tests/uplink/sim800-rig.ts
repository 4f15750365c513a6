// The uplink through the real SIM800 driver and the SIM800 model (UART at bit level, network with
// outages, telephony, SIM phonebook) to the protocol's server role.
import { makeRig, type RigOptions } from '../modem/rig.ts';
import { Sim800Uplink } from '../../firmware/uplink/sim800-transport.ts';
import { writeCredential } from '../../firmware/uplink/credential-store.ts';
import { Fallback, type FallbackOptions } from '../../firmware/uplink/fallback.ts';
import { seededRandom } from '../protocol/helpers.ts';
import { ServerDouble } from './server-double.ts';
import { CountingVitals, makeStack, memories } from './rig.ts';
import type { UplinkOptions } from '../../firmware/uplink/uplink.ts';
import type { LocationAreaId } from '../../protocol/lai.ts';
import { VirtualUno } from '../../sim/uno.ts';
import type { PersistentMemory } from '../../sim/eeprom.ts';

export const CELL = { mcc: '234', mnc: '15', lac: 0x1a2b, ci: 0x00c3 };
export const CELL_LAI: LocationAreaId = { mcc: 234, mnc: 15, mncDigits: 2, lac: 0x1a2b };

export interface Sim800WorldOptions {
  seed: number;
  rig?: RigOptions;
  uplink?: UplinkOptions;
  fallback?: FallbackOptions;
  /** An existing server (a power cycle of the LPU keeps the server) */
  server?: ServerDouble;
  /** EEPROM and flash files: a VirtualUno on them (provisioned only if the server is new). */
  files?: { eeprom: string; flash: string };
  /** false: the uplink is not told of +CREG registration reports (the back-off alone, as before). */
  watchRegistration?: boolean;
}

export async function sim800World(o: Sim800WorldOptions) {
  const server = o.server ?? new ServerDouble(seededRandom(o.seed), CELL_LAI);
  const rig = await makeRig({ seed: o.seed, endpoint: server, ...o.rig, network: { cell: CELL, ...o.rig?.network } });
  await rig.run(rig.modem.init());
  const uno = o.files ? new VirtualUno({ clock: rig.clock, rng: rig.rng.fork('uno'), eepromPath: o.files.eeprom, flashPath: o.files.flash }) : null;
  const nv = uno ? { eeprom: uno.eeprom() as PersistentMemory, flash: uno.flash() as PersistentMemory } : memories();
  if (!o.server) writeCredential(nv, await server.register());
  const adapter = new Sim800Uplink(rig.modem, { baseUrl: 'http://bsn.example', apn: 'internet' });
  const vitals = new CountingVitals();
  const stack = makeStack({ clock: rig.clock, nv, transport: adapter, cell: adapter, ...(o.watchRegistration === false ? {} : { network: adapter }), random: seededRandom(o.seed + 1), vitals, ...(o.uplink ? { options: o.uplink } : {}) });
  const fallback = new Fallback({ scheduler: rig.clock, modem: adapter, report: (r) => stack.uplink.event(r), epochMs: (t) => stack.uplink.epoch(t), cell: () => stack.session.lastCell }, o.fallback);
  stack.uplink.onContact((ok) => fallback.serverContact(ok));
  return { ...rig, uno, server, nv, adapter, vitals, fallback, ...stack };
}
