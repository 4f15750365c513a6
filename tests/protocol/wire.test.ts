// Encodings: LAI, message headers and lengths, the two stored records, registration formulas.
// Every decoder answers bad input with the documented typed error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H } from '../../protocol/bytes.ts';
import { decodeLpuCredential, decodeServerRecord, encodeLpuCredential, encodeServerRecord } from '../../protocol/credential.ts';
import { decodeLai, encodeLai, formatLai } from '../../protocol/lai.ts';
import { createMa1 } from '../../protocol/lpu.ts';
import { verifyMa1 } from '../../protocol/server.ts';
import { register } from '../../protocol/registration.ts';
import { ProtocolParameterError } from '../../protocol/result.ts';
import { decodeMa1, decodeMa2, decodeMa3, decodeDataFrame, peekType, MA1_NORMAL_BYTES } from '../../protocol/wire.ts';
import { CELL_A, hex, seededRandom, setup } from './helpers.ts';

const isParamError = (e: unknown) => e instanceof ProtocolParameterError;
const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

test('LAI: fixed 8-byte encoding, canonical, validated both ways', () => {
  assert.is(hex(encodeLai({ mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b })), '0106' + '0001' + '02' + '1a2b' + '00');
  assert.is(hex(encodeLai({ mcc: 310, mnc: 410, mncDigits: 3, lac: 0xfffd })), '0136' + '019a' + '03' + 'fffd' + '00');
  // MNC "01" and "001" are different networks and encode differently.
  assert.is.not(hex(encodeLai({ mcc: 262, mnc: 1, mncDigits: 2, lac: 1 })), hex(encodeLai({ mcc: 262, mnc: 1, mncDigits: 3, lac: 1 })));
  const rt = decodeLai(encodeLai(CELL_A));
  assert.ok(rt.ok);
  assert.equal(rt.ok && rt.value, CELL_A);
  assert.is(formatLai({ mcc: 262, mnc: 1, mncDigits: 3, lac: 0x1a2b }), '262-001-0x1a2b');
  for (const bad of [
    { mcc: 1000, mnc: 1, mncDigits: 2, lac: 1 },
    { mcc: 262, mnc: 100, mncDigits: 2, lac: 1 },
    { mcc: 262, mnc: 1, mncDigits: 4, lac: 1 },
    { mcc: 262, mnc: 1, mncDigits: 2, lac: 0 },
    { mcc: 262, mnc: 1, mncDigits: 2, lac: 0xfffe },
  ]) assert.throws(() => encodeLai(bad as never), isParamError);
  assert.is(code(decodeLai(new Uint8Array(7))), 'bad-length');
  assert.is(code(decodeLai(Uint8Array.of(1, 6, 0, 1, 2, 0x1a, 0x2b, 1))), 'bad-reserved');
  assert.is(code(decodeLai(Uint8Array.of(1, 6, 0, 1, 4, 0x1a, 0x2b, 0))), 'bad-mnc-digits');
  assert.is(code(decodeLai(Uint8Array.of(0x03, 0xe8, 0, 1, 2, 0x1a, 0x2b, 0))), 'bad-mcc');
  assert.is(code(decodeLai(Uint8Array.of(1, 6, 0, 100, 2, 0x1a, 0x2b, 0))), 'bad-mnc');
  assert.is(code(decodeLai(Uint8Array.of(1, 6, 0, 1, 2, 0xff, 0xfe, 0))), 'bad-lac');
});

test('registration follows the formulas: kls = H(idL||R) XOR idS, sid_j = H(idL||r_j||kls)', () => {
  const idL = seededRandom(1)(16);
  const idS = seededRandom(2)(32);
  const reg = register({ idL, idS, random: seededRandom(3), pairCount: 9 });
  const replay = seededRandom(3); // the same draws, in the documented order: R, then (r_j, kem_j) per pair, then trSeq
  const R = replay(32);
  const kls = H(idL, R).map((b, i) => b ^ idS[i]!);
  assert.is(hex(reg.credential.kls), hex(kls));
  for (let j = 0; j < 9; j++) {
    const rj = replay(32);
    assert.is(hex(reg.credential.pairs[j]!.sid), hex(H(idL, rj, kls)));
    assert.is(hex(reg.credential.pairs[j]!.kem), hex(replay(32)));
  }
  assert.is(reg.credential.trSeq, new DataView(replay(4).buffer).getUint32(0));
  assert.is(reg.record.current.trSeq, reg.credential.trSeq);
  assert.throws(() => register({ idL, idS, random: seededRandom(3), pairCount: 7 }), isParamError);
  assert.throws(() => register({ idL: new Uint8Array(15), idS, random: seededRandom(3) }), isParamError);
});

test('stored records: round trip, and typed errors for corruption, truncation, magic, version', async () => {
  const s = await setup(601, 12);
  const cred = encodeLpuCredential(s.credential);
  assert.is(cred.length, 4 + 1 + 16 + 32 + 4 + 1 + 12 * 64 + 8);
  const c = decodeLpuCredential(cred);
  assert.ok(c.ok && hex(encodeLpuCredential(c.value)) === hex(cred));
  const recBytes = s.store.recordBytes(s.idL)!;
  const r = decodeServerRecord(recBytes);
  assert.ok(r.ok && hex(encodeServerRecord(r.value)) === hex(recBytes));
  for (const [bytes, dec] of [[cred, decodeLpuCredential], [recBytes, decodeServerRecord]] as const) {
    const flipped = new Uint8Array(bytes);
    flipped[40]! ^= 1;
    assert.is(code(dec(flipped)), 'bad-checksum');
    assert.is(code(dec(bytes.slice(0, 20))), 'truncated');
    const magic = new Uint8Array(bytes);
    magic[0] = 0;
    assert.is(code(dec(magic)), 'bad-magic');
    const ver = new Uint8Array(bytes);
    ver[4] = 2;
    assert.is(code(dec(ver)), 'bad-version');
    assert.is(code(dec(bytes.slice(0, bytes.length - 1))), 'bad-checksum');
  }
  // The credential's key field means nothing to the other decoder.
  assert.is(code(decodeServerRecord(cred)), 'bad-magic');
});

test('message decoders check header and exact length', async () => {
  const s = await setup(602);
  const m = createMa1(s.credential, CELL_A, seededRandom(1));
  if (!m.ok) return assert.unreachable();
  const ma1 = m.value.ma1;
  assert.ok(decodeMa1(ma1).ok);
  assert.is(code(decodeMa1(ma1.slice(0, MA1_NORMAL_BYTES - 1))), 'truncated');
  assert.is(code(decodeMa1(Uint8Array.of(...ma1, 0))), 'bad-length');
  assert.is(code(decodeMa1(new Uint8Array(0))), 'truncated');
  assert.is(code(decodeMa1(Uint8Array.of(0x42, 0x43, 2, 1))), 'bad-version');
  assert.is(code(decodeMa1(Uint8Array.of(0x42, 0x44, 1, 1))), 'bad-magic');
  assert.is(code(decodeMa1(Uint8Array.of(0x42, 0x43, 1, 0x7f))), 'bad-type');
  assert.is(code(decodeMa2(ma1)), 'bad-type');
  assert.is(code(decodeMa3(ma1)), 'bad-type');
  assert.is(code(decodeDataFrame(ma1)), 'bad-type');
  assert.ok(peekType(ma1).ok);
  // A data frame whose length field disagrees with its size.
  const df = new Uint8Array(22 + 16);
  df.set([0x42, 0x43, 1, 0x10]);
  assert.ok(decodeDataFrame(df).ok);
  df[21] = 1;
  assert.is(code(decodeDataFrame(df)), 'truncated');
  assert.is(code(decodeDataFrame(Uint8Array.of(...df.slice(0, 21), 0, ...df.slice(22), 9))), 'bad-length');
});

test('decoded fields never alias the input, even a Node Buffer', async () => {
  const s = await setup(603);
  const bytes = Buffer.from(encodeLpuCredential(s.credential));
  const c = decodeLpuCredential(bytes);
  if (!c.ok) return assert.unreachable();
  const kls = hex(c.value.kls);
  bytes.fill(0);
  assert.is(hex(c.value.kls), kls);
  assert.is(Object.getPrototypeOf(c.value.kls), Uint8Array.prototype);
  const m = createMa1(s.credential, CELL_A, seededRandom(1));
  if (!m.ok) return assert.unreachable();
  const buf = Buffer.from(m.value.ma1);
  const d = decodeMa1(buf);
  if (!d.ok) return assert.unreachable();
  const aid = hex(d.value.aidL);
  buf.fill(0xff);
  assert.is(hex(d.value.aidL), aid);
});

test('an invalid LAI from the modem or the network is a typed error, not a throw', async () => {
  const s = await setup(604);
  const bad = { mcc: 262, mnc: 1, mncDigits: 2 as const, lac: 0 };
  const m = createMa1(s.credential, bad, seededRandom(1));
  assert.is(code(m), 'bad-lai');
  const good = createMa1(s.credential, CELL_A, seededRandom(1));
  if (!good.ok) return assert.unreachable();
  const snap = hex(s.store.recordBytes(s.idL)!);
  const v = await verifyMa1(s.store, good.value.ma1, bad, s.random);
  assert.is(code(v), 'bad-observed-lai');
  assert.is(hex(s.store.recordBytes(s.idL)!), snap);
});

test.run();
