// protocol/ must run in a browser. Bundle protocol/index.ts for the browser platform with esbuild
// (a dependency of tsx) and run a whole session in a fresh V8 context that has only the ECMAScript
// built-ins (no Buffer, process, require, crypto, TextEncoder): registration, MA1, verification
// against MemoryServerStore, MA2, MA3, a sealed data frame each way. Randomness is injected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createContext, runInContext } from 'node:vm';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../protocol/index.ts', import.meta.url));

type EsbuildLike = { build(opts: Record<string, unknown>): Promise<{ outputFiles: Array<{ text: string }> }> };

let esbuild: EsbuildLike | null = null;
try {
  esbuild = (await import('esbuild')) as unknown as EsbuildLike;
} catch {
  console.log('SKIP protocol browser bundle: esbuild (a dependency of tsx) is not installed');
}

if (esbuild) {
  test('the browser bundle of protocol/ runs a full session with only ECMAScript built-ins', async () => {
    const out = await esbuild!.build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'P', write: false, target: 'es2022', logLevel: 'silent' });
    const sandbox = createContext({});
    assert.is(runInContext('typeof Buffer + typeof process + typeof require + typeof crypto + typeof TextEncoder', sandbox), 'undefined'.repeat(5));
    runInContext(out.outputFiles[0]!.text, sandbox);
    const result = await runInContext(`(async () => {
      let x = 12345;
      const random = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; } return b; };
      const cell = { mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b };
      const reg = P.register({ idL: random(16), idS: random(32), random });
      const store = new P.MemoryServerStore();
      await store.insert(reg.record);
      const lpu = new P.LpuClient(reg.credential, { random });
      const out = [];
      for (let i = 0; i < 3; i++) {
        const b = lpu.begin(cell);
        const v = await P.verifyMa1(store, b.value.ma1, cell, random);
        if (!v.ok) return 'verify ' + v.error.code;
        const a = lpu.accept(v.value.ma2);
        if (!a.ok) return 'accept ' + a.error.code;
        const c = await P.confirmMa3(store, v.value.session, a.value.ma3);
        if (!c.ok || !c.value.promoted) return 'confirm';
        const up = a.value.channel.seal(Uint8Array.of(1, 2, 3));
        const o = v.value.session.channel.open(up.value);
        if (!o.ok || o.value.plaintext.join() !== '1,2,3') return 'data';
        const rec = P.decodeServerRecord(store.recordBytes(reg.record.idL));
        out.push(rec.value.current.trSeq === lpu.credential.trSeq);
      }
      let threw = false;
      try { P.defaultRandom(4); } catch (e) { threw = e instanceof P.ProtocolParameterError; }
      out.push(threw);
      return out.join();
    })()`, sandbox);
    assert.is(result, 'true,true,true,true');
  });
}

test.run();
