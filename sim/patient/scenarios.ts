// Named patient scenarios, kept as data and validated on load. Each is a set of keyframes (vital
// values at moments, interpolated linearly between them), a rhythm timeline, heart-rate
// variability settings and device conditions (faults that are not physiology).
import type { DeviceConditions, Rhythm } from '../physiology.ts';

export interface Keyframe {
  atS: number;
  heartRateBpm: number;
  systolicMmHg: number;
  diastolicMmHg: number;
  coreTempC: number;
}

export interface RhythmChange {
  atS: number;
  rhythm: Rhythm;
}

/** RR-interval variability after McSharry et al. 2003: a bimodal spectrum (Mayer waves + RSA). */
export interface HrvSettings {
  lfHz: number;
  hfHz: number;
  lfSdHz: number;
  hfSdHz: number;
  /** Ratio of LF to HF power. */
  lfHfRatio: number;
  /**
   * Standard deviation of the heart rate, /min (the paper's hrstd): the RR standard deviation is
   * about 60000 * hrSdBpm / HR^2 ms, so the same setting varies fast rates less in time.
   */
  hrSdBpm: number;
  /** Respiratory rate, Hz (baseline wander and the HF peak follow it). */
  respiratoryHz: number;
}

export interface Scenario {
  name: string;
  summary: string;
  keyframes: Keyframe[];
  rhythm: RhythmChange[];
  hrv: HrvSettings;
  device: DeviceConditions;
}

/** A scenario as written: hrv and device settings may be partial (defaults fill them). */
export interface ScenarioInput {
  name: string;
  summary: string;
  keyframes: Keyframe[];
  rhythm?: RhythmChange[];
  hrv?: Partial<HrvSettings>;
  device?: Partial<DeviceConditions>;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** McSharry et al. 2003 defaults (LF 0.1 Hz, HF 0.25 Hz, spread 0.01 Hz, LF/HF 0.5). */
export const DEFAULT_HRV: HrvSettings = {
  lfHz: 0.1,
  hfHz: 0.25,
  lfSdHz: 0.01,
  hfSdHz: 0.01,
  lfHfRatio: 0.5,
  hrSdBpm: 3,
  respiratoryHz: 0.25,
};

export const DEFAULT_DEVICE: DeviceConditions = {
  leadOff: [],
  cuffLeakMmHgPerS: 0,
  motionBurstsPerHour: 0,
  mainsHz: 50,
};

const kf = (atS: number, heartRateBpm: number, systolicMmHg: number, diastolicMmHg: number, coreTempC = 37.0): Keyframe => ({
  atS,
  heartRateBpm,
  systolicMmHg,
  diastolicMmHg,
  coreTempC,
});

export const SCENARIO_DATA: readonly ScenarioInput[] = [
  {
    name: 'normal',
    summary: 'resting adult in sinus rhythm, 72/min, 118/76 mmHg, 37.0 °C',
    keyframes: [kf(0, 72, 118, 76)],
  },
  {
    name: 'hypertensive-crisis',
    summary: 'blood pressure climbs from 118/76 through 125 and 135 systolic plateaus to 190/120 over 15 min',
    keyframes: [
      kf(0, 72, 118, 76),
      kf(60, 72, 118, 76),
      kf(120, 74, 125, 82),
      kf(300, 74, 125, 82),
      kf(360, 78, 135, 88),
      kf(480, 78, 135, 88),
      kf(900, 96, 190, 120),
      kf(3600, 96, 190, 120),
    ],
  },
  {
    name: 'bradycardia',
    summary: 'sinus bradycardia at 42/min',
    keyframes: [kf(0, 42, 112, 70)],
    rhythm: [{ atS: 0, rhythm: 'bradycardia' }],
  },
  {
    name: 'tachycardia',
    summary: 'sinus tachycardia at 135/min',
    keyframes: [kf(0, 135, 128, 84)],
    rhythm: [{ atS: 0, rhythm: 'tachycardia' }],
    hrv: { hrSdBpm: 2 },
  },
  {
    name: 'atrial-fibrillation',
    summary: 'atrial fibrillation, irregularly irregular ventricular rate around 110/min, no P waves',
    keyframes: [kf(0, 110, 124, 80)],
    rhythm: [{ atS: 0, rhythm: 'atrial-fibrillation' }],
  },
  {
    name: 'fever',
    summary: 'core temperature rises from 37.0 to 39.5 °C over 30 min, heart rate follows (+10/min per °C)',
    keyframes: [kf(0, 72, 118, 76, 37.0), kf(1800, 97, 122, 74, 39.5), kf(7200, 97, 122, 74, 39.5)],
  },
  {
    name: 'asystole',
    summary: 'sinus rhythm at 72/min, asystole from 10 s on',
    keyframes: [kf(0, 72, 118, 76)],
    rhythm: [
      { atS: 0, rhythm: 'sinus' },
      { atS: 10, rhythm: 'asystole' },
    ],
  },
  {
    name: 'lead-off',
    summary: 'normal patient; ECG electrodes detached 20-35 s and 60-62 s',
    keyframes: [kf(0, 72, 118, 76)],
    device: { leadOff: [[20_000, 35_000], [60_000, 62_000]] },
  },
  {
    name: 'cuff-leak',
    summary: 'normal patient; the blood-pressure cuff leaks 6 mmHg/s at 100 mmHg',
    keyframes: [kf(0, 72, 118, 76)],
    device: { cuffLeakMmHgPerS: 6 },
  },
  {
    name: 'motion',
    summary: 'normal patient walking about: 40 motion-artefact bursts per hour on the ECG, 60 Hz mains',
    keyframes: [kf(0, 78, 122, 78)],
    device: { motionBurstsPerHour: 40, mainsHz: 60 },
  },
];

/** Names of the parameterised scenarios (see heartRateScenario, temperatureScenario). */
const PARAMETERISED = /^(heart-rate|temperature)=(\d+(?:\.\d+)?)(?:@(\d+(?:\.\d+)?))?$/;

const RHYTHMS: readonly Rhythm[] = ['sinus', 'bradycardia', 'tachycardia', 'atrial-fibrillation', 'asystole'];

function check(ok: boolean, name: string, what: string): void {
  if (!ok) throw new ScenarioError(`scenario ${JSON.stringify(name)}: ${what}`);
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Validates a scenario written as data and fills defaults; throws ScenarioError on bad data. */
export function validateScenario(input: ScenarioInput): Scenario {
  const name = typeof input?.name === 'string' ? input.name : '?';
  check(/^[a-z0-9-]+$/.test(name) || PARAMETERISED.test(name), name, 'name must be lower-case words joined by hyphens');
  check(Array.isArray(input.keyframes) && input.keyframes.length > 0, name, 'needs at least one keyframe');
  check(input.keyframes[0]!.atS === 0, name, 'the first keyframe must be at 0 s');
  let last = -1;
  for (const k of input.keyframes) {
    check(finite(k.atS) && k.atS > last, name, `keyframe times must increase (at ${k.atS})`);
    last = k.atS;
    check(finite(k.heartRateBpm) && k.heartRateBpm >= 20 && k.heartRateBpm <= 250, name, `heart rate ${k.heartRateBpm}/min at ${k.atS} s outside 20..250`);
    check(finite(k.systolicMmHg) && finite(k.diastolicMmHg), name, `pressures must be numbers at ${k.atS} s`);
    check(k.diastolicMmHg >= 20 && k.systolicMmHg <= 300 && k.systolicMmHg > k.diastolicMmHg + 5, name, `pressure ${k.systolicMmHg}/${k.diastolicMmHg} at ${k.atS} s is not plausible`);
    check(finite(k.coreTempC) && k.coreTempC >= 25 && k.coreTempC <= 44, name, `core temperature ${k.coreTempC} °C at ${k.atS} s outside 25..44`);
  }
  const rhythm = input.rhythm ?? [{ atS: 0, rhythm: 'sinus' as const }];
  check(rhythm.length > 0 && rhythm[0]!.atS === 0, name, 'the rhythm timeline must start at 0 s');
  last = -1;
  for (const r of rhythm) {
    check(finite(r.atS) && r.atS > last, name, 'rhythm change times must increase');
    check(RHYTHMS.includes(r.rhythm), name, `unknown rhythm ${JSON.stringify(r.rhythm)}`);
    last = r.atS;
  }
  const hrv: HrvSettings = { ...DEFAULT_HRV, ...input.hrv };
  for (const [k, v] of Object.entries(hrv)) check(finite(v) && v >= 0, name, `hrv.${k} must be a non-negative number`);
  check(hrv.lfHz > 0 && hrv.hfHz > hrv.lfHz && hrv.hfHz < 0.5, name, 'hrv needs 0 < lfHz < hfHz < 0.5');
  check(hrv.hrSdBpm <= 20, name, 'hrv.hrSdBpm must be at most 20');
  const device: DeviceConditions = { ...DEFAULT_DEVICE, ...input.device };
  for (const iv of device.leadOff) check(finite(iv[0]) && finite(iv[1]) && iv[1] > iv[0] && iv[0] >= 0, name, 'lead-off intervals must be [from, to) with to > from >= 0');
  check(finite(device.cuffLeakMmHgPerS) && device.cuffLeakMmHgPerS >= 0, name, 'cuffLeakMmHgPerS must be >= 0');
  check(finite(device.motionBurstsPerHour) && device.motionBurstsPerHour >= 0, name, 'motionBurstsPerHour must be >= 0');
  check(device.mainsHz === 50 || device.mainsHz === 60, name, 'mainsHz must be 50 or 60');
  return {
    name,
    summary: String(input.summary ?? ''),
    keyframes: input.keyframes.map((k) => ({ ...k })),
    rhythm: rhythm.map((r) => ({ ...r })),
    hrv,
    device: { ...device, leadOff: device.leadOff.map((iv) => [iv[0], iv[1]] as const) },
  };
}

const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(SCENARIO_DATA.map((s) => [s.name, validateScenario(s)]));

export function scenarioNames(): string[] {
  return [...SCENARIOS.keys()];
}

export function getScenario(name: string): Scenario {
  const s = SCENARIOS.get(name) ?? parameterised(name);
  if (!s) throw new ScenarioError(`unknown scenario ${JSON.stringify(name)}; known: ${scenarioNames().join(', ')}, ${PARAMETERISED_FORMS.join(', ')}`);
  return s;
}

// ---- Parameterised scenarios: one vital held at a chosen value, so each row of the server's
// action tables can be driven into exactly. Named `heart-rate=45` or `temperature=38.5`, with an
// optional onset `@S` (seconds; before it the patient is normal): `heart-rate=35@20`.

/** The forms getScenario understands besides the named scenarios. */
export const PARAMETERISED_FORMS = ['heart-rate=BPM[@ONSET_S]', 'temperature=C[@ONSET_S]'] as const;

export interface OnsetOptions {
  /** Seconds of a normal patient before the change (heart rate default 20 s, temperature 0). */
  onsetS?: number;
  /** Seconds over which the value moves from normal to the target (default 5 s). */
  rampS?: number;
}

const NORMAL = { heartRateBpm: 72, systolicMmHg: 118, diastolicMmHg: 76, coreTempC: 37.0 } as const;
const fmt = (x: number) => String(Math.round(x * 100) / 100);

/** Keyframes: normal until onset, then a linear ramp to `target` (a step at 0 s when onset is 0). */
function onsetKeyframes(target: Partial<Keyframe>, onsetS: number, rampS: number): Keyframe[] {
  const normal: Keyframe = { atS: 0, ...NORMAL };
  const held: Keyframe = { ...normal, ...target };
  if (onsetS <= 0) return [{ ...held, atS: 0 }];
  return [normal, { ...normal, atS: onsetS }, { ...held, atS: onsetS + Math.max(0.1, rampS) }];
}

/**
 * Sinus rhythm held at `heartRateBpm` from the onset (labelled bradycardia below 60/min and
 * tachycardia above 100/min); pressure and temperature normal.
 */
export function heartRateScenario(heartRateBpm: number, o: OnsetOptions = {}): Scenario {
  const onsetS = o.onsetS ?? 20;
  const name = `heart-rate=${fmt(heartRateBpm)}${o.onsetS !== undefined ? `@${fmt(onsetS)}` : ''}`;
  const label: Rhythm = heartRateBpm < 60 ? 'bradycardia' : heartRateBpm > 100 ? 'tachycardia' : 'sinus';
  return validateScenario({
    name,
    summary: `${onsetS > 0 ? `normal for ${fmt(onsetS)} s, then ` : ''}sinus ${label === 'sinus' ? 'rhythm' : label} at ${fmt(heartRateBpm)}/min`,
    keyframes: onsetKeyframes({ heartRateBpm }, onsetS, o.rampS ?? 5),
    rhythm: onsetS > 0 && label !== 'sinus' ? [{ atS: 0, rhythm: 'sinus' }, { atS: onsetS, rhythm: label }] : [{ atS: 0, rhythm: label }],
    // The variability is set in /min, so at a slow rate the same setting varies the RR interval
    // far more (about 60000 * sd / HR^2 ms): a slow escape rhythm is regular, so it scales down.
    hrv: { hrSdBpm: Math.min(DEFAULT_HRV.hrSdBpm, (DEFAULT_HRV.hrSdBpm * heartRateBpm) / NORMAL.heartRateBpm) },
  });
}

/** Core temperature held at `tempC` from the onset (default: from the start); other vitals normal. */
export function temperatureScenario(tempC: number, o: OnsetOptions = {}): Scenario {
  const onsetS = o.onsetS ?? 0;
  const name = `temperature=${fmt(tempC)}${o.onsetS !== undefined ? `@${fmt(onsetS)}` : ''}`;
  return validateScenario({
    name,
    summary: `${onsetS > 0 ? `normal for ${fmt(onsetS)} s, then ` : ''}core temperature ${fmt(tempC)} °C`,
    keyframes: onsetKeyframes({ coreTempC: tempC }, onsetS, o.rampS ?? 5),
  });
}

/** `heart-rate=45`, `temperature=38.5@60` → the scenario; null if the name is not of that form. */
function parameterised(name: string): Scenario | null {
  const m = PARAMETERISED.exec(name);
  if (!m) return null;
  const value = Number(m[2]);
  const o: OnsetOptions = m[3] !== undefined ? { onsetS: Number(m[3]) } : {};
  return m[1] === 'heart-rate' ? heartRateScenario(value, o) : temperatureScenario(value, o);
}

/** Fixed vital values (e.g. one subject of an NIBP evaluation). */
export interface FixedVitals {
  heartRateBpm: number;
  systolicMmHg: number;
  diastolicMmHg: number;
  coreTempC?: number;
  rhythm?: Rhythm;
  device?: Partial<DeviceConditions>;
  hrv?: Partial<HrvSettings>;
}

/** A constant scenario from explicit values; validated like the named ones. */
export function scenarioFromValues(v: FixedVitals, name = 'custom'): Scenario {
  return validateScenario({
    name,
    summary: `fixed ${v.heartRateBpm}/min, ${v.systolicMmHg}/${v.diastolicMmHg} mmHg`,
    keyframes: [kf(0, v.heartRateBpm, v.systolicMmHg, v.diastolicMmHg, v.coreTempC ?? 37.0)],
    rhythm: [{ atS: 0, rhythm: v.rhythm ?? 'sinus' }],
    ...(v.hrv ? { hrv: v.hrv } : {}),
    ...(v.device ? { device: v.device } : {}),
  });
}
