// Fixtures for the cloud-link tests: a real server (fastify on loopback, PGlite in memory, the
// escalation engine on a manual clock), an LPU uploading sealed batches over HTTP, readings taken
// from a running simulated patient (sim/patient), and Debian's chromium through playwright-core.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { openDatabase, int, type Database } from '../../server/db.ts';
import type { CallOutcome } from '../../server/escalation.ts';
import type { Reading } from '../../protocol/readings.ts';
import { encodeEcgStrip } from '../../protocol/readings.ts';
import { createPatient, type Patient } from '../../sim/patient/patient.ts';
import { HttpLpu, OPERATOR_TOKEN, post, registerLpu, startServer, type Harness } from '../server/helpers.ts';

export const CHROMIUM = process.env.BSN_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(CHROMIUM);

export interface World {
  readonly db: Database;
  readonly h: Harness;
  readonly lpu: HttpLpu;
  readonly patientId: number;
  readonly patient: Patient;
  /** Next reading sequence number. */
  seq: number;
  close(): Promise<void>;
}

/** A server on `db` (default: PGlite in memory; pass a Backend's database for PostgreSQL). */
export async function startWorld(script: Record<string, CallOutcome[]> = {}, given?: Database & { drop(): Promise<void> }): Promise<World> {
  const db = given ?? await openDatabase({});
  const h = await startServer(db, { script });
  const { credential } = await registerLpu(h.base);
  const patientId = int((await db.query('SELECT id FROM lpus ORDER BY id DESC LIMIT 1'))[0]!.id);
  const lpu = new HttpLpu(h.base, credential);
  await lpu.handshake();
  const patient = createPatient('normal', 11, { ecgFsHz: 250 });
  return { db, h, lpu, patientId, patient, seq: 1, close: async () => { await h.close(); await (given ? given.drop() : db.close()); } };
}

export async function issue(w: World, role: string, ttlHours?: number): Promise<{ id: number; token: string; path: string }> {
  const r = await post(w.h.base, '/v1/links', JSON.stringify({ patientId: w.patientId, role, ...(ttlHours ? { ttlHours } : {}) }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
  if (r.status !== 201) throw new Error(`issue: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as unknown as { id: number; token: string; path: string };
}

export async function getJson(w: World, path: string): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const r = await fetch(w.h.base + path);
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // HTML answers
  }
  return { status: r.status, json, text };
}

/**
 * Reads the simulated patient at simulation time tMs (ms from its start) the way the device
 * reports: heart rate, temperature, blood pressure, rhythm; stamped with the server clock.
 */
export function vitalsAt(w: World, tMs: number, override: Partial<{ systolicMmHg: number }> = {}): Reading[] {
  const t = w.patient.truth(tMs);
  const at = w.h.clock.now();
  const out: Reading[] = [
    { kind: 'heart-rate', seq: w.seq++, measuredAt: at, heartRateBpm: Math.round(t.heartRateBpm * 10) / 10 },
    { kind: 'temperature', seq: w.seq++, measuredAt: at, tempC: Math.round(t.coreTempC * 100) / 100 },
    { kind: 'blood-pressure', seq: w.seq++, measuredAt: at, systolicMmHg: override.systolicMmHg ?? Math.round(t.systolicMmHg), diastolicMmHg: Math.round(t.diastolicMmHg) },
    { kind: 'rhythm', seq: w.seq++, measuredAt: at, rhythm: 'sinus' },
  ];
  return out;
}

/**
 * A 10 s ECG strip (125 Hz) of the simulated patient's lead II, uploaded the way the LPU would:
 * encoded, sealed in the session's data channel and posted to /v1/data.
 */
export async function uploadEcg(w: World, endMs: number): Promise<number[]> {
  const rateHz = 125;
  const samples: number[] = [];
  for (let i = 0; i < rateHz * 10; i++) samples.push(Math.round(w.patient.ecgMv(endMs - 10_000 + (i * 1000) / rateHz) * 1000));
  const sealed = w.lpu.session!.channel.seal(encodeEcgStrip({ startAt: w.h.clock.now() - 10_000, rateHz, samplesUv: samples }));
  if (!sealed.ok) throw new Error(sealed.error.code);
  const r = await w.lpu.sendFrame(sealed.value);
  if (r.status !== 200) throw new Error(`ecg upload: ${r.status} ${JSON.stringify(r.json)}`);
  return samples;
}

export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 360, height: 740 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
