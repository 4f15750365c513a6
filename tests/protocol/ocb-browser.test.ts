// protocol/ocb.ts must run in a browser. Bundle it for the browser platform with esbuild (it ships
// with tsx) and run the bundle in a fresh V8 context that has only the ECMAScript built-ins: no
// Buffer, process, require, crypto or any other Node or Web API. The bundle must reproduce an RFC
// 7253 vector there and round-trip a message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createContext, runInContext } from 'node:vm';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../protocol/ocb.ts', import.meta.url));

type EsbuildLike = { build(opts: Record<string, unknown>): Promise<{ outputFiles: Array<{ text: string }> }> };

let esbuild: EsbuildLike | null = null;
try {
  esbuild = (await import('esbuild')) as unknown as EsbuildLike;
} catch {
  console.log('SKIP ocb-browser: esbuild (a dependency of tsx) is not installed');
}

if (esbuild) {
  test('the browser bundle of protocol/ocb.ts works with only ECMAScript built-ins', async () => {
    const out = await esbuild!.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'OCB',
      write: false,
      target: 'es2022',
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    const sandbox = createContext({});
    // Nothing from Node leaked into the context.
    assert.is(runInContext('typeof Buffer + typeof process + typeof require + typeof crypto', sandbox), 'undefinedundefinedundefinedundefined');
    runInContext(code, sandbox);
    const result = runInContext(`(() => {
      const hex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
      const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
      const seq = (n) => Uint8Array.from({ length: n }, (_, i) => i);
      const ocb = OCB.createOcb(hex('000102030405060708090A0B0C0D0E0F'));
      const n = hex('BBAA9988776655443322110D');
      const sealed = ocb.seal(n, seq(40), seq(40));
      const opened = ocb.open(n, sealed, seq(40));
      sealed[3] ^= 1;
      const bad = ocb.open(n, sealed, seq(40));
      let threw = '';
      try { OCB.createOcb(new Uint8Array(15)); } catch (e) { threw = e instanceof OCB.OcbParameterError ? 'OcbParameterError' : String(e); }
      return [toHex(sealed.subarray(0, 3)), toHex(sealed), opened.ok && toHex(opened.plaintext) === toHex(seq(40)), bad.ok, bad.error, threw].join('|');
    })()`, sandbox) as string;
    const [head, sealedHex, roundTrip, badOk, badError, threw] = result.split('|');
    assert.is(head, 'D5CA91');
    // The RFC vector with byte 3 flipped (0x74 -> 0x75) after the open above.
    assert.is(sealedHex, 'D5CA91758410C1751FF8A2F618255B68A0A12E093FF454606E59F9C1D0DDC54B65E8628E568BAD7AED07BA06A4A69483A7035490C5769E60');
    assert.is(roundTrip, 'true');
    assert.is(badOk, 'false');
    assert.is(badError, 'auth-failed');
    assert.is(threw, 'OcbParameterError');
  });
}

test.run();
