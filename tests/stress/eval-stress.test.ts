// `bsn-care eval-stress`: the labelled-set accuracy, the sensor chain, the boundary table, the CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { command, evaluateChain, evaluateFeatureSet, boundaryTable, traceScenario } from '../../cli/commands/eval-stress.ts';
import { UsageError } from '../../cli/command.ts';

test('labelled feature set: accuracy >= 90 %, no exercise sample reads high, confusion sums to n', () => {
  const r = evaluateFeatureSet(1200, 7);
  assert.is(r.n, 1200);
  assert.ok(r.accuracy >= 0.9, `accuracy ${r.accuracy}`);
  // Not trivially perfect: the states overlap in the population.
  assert.ok(r.accuracy < 0.995, `accuracy ${r.accuracy} suspiciously perfect`);
  assert.is(r.byState.exercise.predicted.high, 0);
  assert.is(r.byState.rest.predicted.high, 0, 'rest never reads high');
  assert.is(r.byState['acute-stress'].predicted.low, 0, 'stress never reads low');
  let sum = 0;
  for (const l of ['low', 'normal', 'high'] as const) for (const p of ['low', 'normal', 'high'] as const) sum += r.confusion[l][p];
  assert.is(sum, 1200);
  assert.is(r.byState.walking.n + r.byState.exercise.n, r.confusion.normal.low + r.confusion.normal.normal + r.confusion.normal.high);
  assert.equal(evaluateFeatureSet(200, 7), evaluateFeatureSet(200, 7), 'deterministic');
  assert.not.equal(evaluateFeatureSet(200, 7).confusion, evaluateFeatureSet(200, 8).confusion);
});

test('sensor chain: 2 subjects per scenario, every reading a level, >= 90 % correct', async () => {
  const r = await evaluateChain(2, 3);
  assert.is(r.faults, 0);
  assert.is(r.n, 24);
  assert.ok(r.accuracy >= 0.9, JSON.stringify(r.confusion));
  assert.is(r.byState.exercise.predicted.high, 0);
});

test('boundary table: the level flips at each published boundary, continuous and monotonic', () => {
  const rows = boundaryTable();
  assert.is(rows.length, 6);
  for (const b of rows) {
    assert.is.not(b.levelBelow, b.levelAbove, `${b.input} ${b.boundary}`);
    assert.ok(b.levelChangesAt !== null && Math.abs(b.levelChangesAt - b.boundary) < 0.01, `${b.input}: flips at ${b.levelChangesAt} not ${b.boundary}`);
    assert.ok(b.monotonic);
    assert.ok(b.maxStep < 0.2, `${b.input}: step ${b.maxStep}`);
    assert.ok(Math.abs(b.scoreBelow - b.scoreAbove) < 12, `${b.input}: no jump across the boundary`);
  }
  const steps = rows.filter((b) => b.input === 'stepsPerMin').map((b) => [b.below, b.above]);
  assert.equal(steps, [[91, 92], [129, 130]]);
});

test('--trace: the exercise scenario shows the LCD line, never "Stress high"; unknown scenario is a usage error', async () => {
  const lines = await traceScenario('exercise', 4, 8, 30);
  assert.is(lines.length, 2 + 16);
  assert.ok(lines.some((l) => l.includes('Stress normal')) && lines.some((l) => l.includes('Stress low')));
  assert.not.ok(lines.some((l) => l.includes('Stress high')), lines.join('\n'));
  await traceScenario('nope', 1, 1, 30).then(
    () => assert.unreachable('accepted'),
    (e: unknown) => assert.ok(e instanceof UsageError),
  );
});

test('CLI: --json prints the evaluation; bad arguments are usage errors', async () => {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    chunks.push(s);
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await command.run(['--samples', '100', '--chain', '0', '--seed', '4', '--json']);
  } finally {
    process.stdout.write = write;
  }
  assert.is(code, 0);
  const j = JSON.parse(chunks.join('')) as { seed: number; featureSet: { n: number; accuracy: number }; chain: null; boundaries: unknown[] };
  assert.is(j.seed, 4);
  assert.is(j.featureSet.n, 100);
  assert.is(j.chain, null);
  assert.is(j.boundaries.length, 6);
  for (const bad of [['--samples', '0'], ['--seed', 'x'], ['--chain', '-1'], ['--bogus']]) {
    await command.run(bad).then(
      () => assert.unreachable(`${bad.join(' ')} accepted`),
      (e: unknown) => assert.ok(e instanceof UsageError, `${bad.join(' ')}: ${String(e)}`),
    );
  }
});

test.run();
