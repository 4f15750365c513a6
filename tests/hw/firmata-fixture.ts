// Shared by the emulated-Uno tests: the real StandardFirmata hex (fetched once, cached outside the
// repository, checksum verified on every load), or a SKIP line when it cannot be had.
import { loadStandardFirmataHex } from '../../sim/avr/firmata-hex.ts';

export async function firmataHexOrSkip(what: string): Promise<string | null> {
  const hex = await loadStandardFirmataHex();
  if (!hex.ok) {
    console.log(`SKIP ${what}: StandardFirmata hex unavailable (${hex.reason}): ${hex.message}`);
    return null;
  }
  return hex.text;
}
