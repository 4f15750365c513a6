// URCs can arrive at any moment. Each URC type is inserted at every position between the lines of
// every reply of every transcript: the operation's result must be identical to the clean run and
// each URC must reach the '*' subscriber exactly once, never leaking into a response.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';
import { ScriptedPort, type Part, type Step } from './scripted-port.ts';
import { TRANSCRIPTS, type Transcript } from './transcripts.ts';
import { runOn } from './rig.ts';

const URCS: Array<{ lines: string[]; callStatus?: boolean }> = [
  { lines: ['RING'] },
  { lines: ['+CLIP: "+447700900555",145,"",0,"",0'] },
  { lines: ['+CMTI: "SM",3'] },
  { lines: ['+CMT: "+447700900555","","24/01/01,12:00:00+00"', 'Are you OK? Reply YES'] },
  { lines: ['+CREG: 1,"1A2B","00C3"'] },
  { lines: ['+CREG: 2'] },
  { lines: ['+CGREG: 1'] },
  { lines: ['NORMAL POWER DOWN'] },
  { lines: ['UNDER-VOLTAGE WARNNING'] },
  { lines: ['RDY'] },
  { lines: ['+CFUN: 1'] },
  { lines: ['+CPIN: READY'] },
  { lines: ['Call Ready'] },
  { lines: ['SMS Ready'] },
  { lines: ['+HTTPACTION: 0,200,0'] },
  { lines: ['+SAPBR 1: DEACT'] },
  { lines: ['CLOSED'] },
  { lines: ['+PDP: DEACT'] },
  { lines: ['+CIPRXGET: 1'] },
  { lines: ['*PSUTTZ: 2024,1,1,12,0,0,"+0",0'] },
  { lines: ['DST: 0'] },
  { lines: ['+CUSD: 0,"Balance 5.00",15'] },
  { lines: ['NO CARRIER'], callStatus: true },
  { lines: ['BUSY'], callStatus: true },
  { lines: ['NO ANSWER'], callStatus: true },
];

async function play(t: Transcript, steps: Step[]) {
  const clock = new VirtualClock();
  const port = new ScriptedPort(clock, steps);
  await port.open(115200);
  const modem = new Sim800(port, clock);
  const urcs: string[] = [];
  modem.at.onUrc('*', (u) => urcs.push(u.data === undefined ? u.line : `${u.line}|${u.data}`));
  const result = await runOn(clock, t.run(modem), 600_000, 1000);
  return { result, urcs, port };
}

/** Reply positions where a URC may appear: not after a "> " prompt, not between +HTTPREAD: n and its data. */
function positions(reply: Part[]): number[] {
  const out: number[] = [];
  for (let i = 0; i <= reply.length; i++) {
    const prev = reply[i - 1];
    if (prev && 'prompt' in prev) continue;
    if (prev && 'line' in prev && (prev.line.startsWith('+HTTPREAD:') || prev.line.startsWith('+CIPRXGET: 2,'))) continue;
    // nor in front of the echo of our SMS text (the module is in text entry)
    const next = reply[i];
    if (i === 0 && next && 'raw' in next) continue;
    out.push(i);
  }
  return out;
}

let cases = 0;
for (const t of TRANSCRIPTS) {
  test(`URCs interleaved everywhere in: ${t.name}`, async () => {
    const base = await play(t, t.steps);
    assert.ok(base.port.done);
    assert.equal(base.result, t.expected);
    for (const urc of URCS) {
      if (t.call && urc.callStatus) continue;
      const key = urc.lines.length === 2 ? `${urc.lines[0]}|${urc.lines[1]}` : urc.lines[0]!;
      for (let s = 0; s < t.steps.length; s++) {
        for (const pos of positions(t.steps[s]!.reply)) {
          const steps = t.steps.map((st, i) => {
            if (i !== s) return st;
            const reply = [...st.reply];
            reply.splice(pos, 0, ...urc.lines.map((line) => ({ line })));
            return { ...st, reply };
          });
          const where = `${t.name}: ${key} in step ${s} at ${pos}`;
          const r = await play(t, steps);
          cases++;
          assert.equal(r.port.failures, [], where);
          assert.ok(r.port.done, where);
          assert.equal(r.result, t.expected, where);
          const count = (list: string[]) => list.filter((l) => l === key).length;
          assert.is(count(r.urcs), count(base.urcs) + 1, where);
          assert.is(r.urcs.length, base.urcs.length + 1, where);
        }
      }
    }
  });
}

test('enough combinations were tried', () => {
  assert.ok(cases > 1000, `${cases}`);
  console.log(`${cases} URC insertions checked`);
});

test.run();
