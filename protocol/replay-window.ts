// Sliding anti-replay window over 64-bit frame counters (the IPsec/DTLS scheme): the highest
// counter accepted so far plus a 64-entry bitmap of the counters just below it. A counter is
// fresh if it is above the highest, or within the 64 below it and not yet seen.

export const REPLAY_WINDOW_SIZE = 64;
const MASK = (1n << BigInt(REPLAY_WINDOW_SIZE)) - 1n;

export type WindowVerdict = 'fresh' | 'duplicate' | 'too-old';

export class ReplayWindow {
  private highest: bigint | null = null;
  /** Bit i set: counter (highest - i) has been accepted. */
  private bitmap = 0n;

  get highestSeen(): bigint | null {
    return this.highest;
  }

  check(counter: bigint): WindowVerdict {
    if (this.highest === null || counter > this.highest) return 'fresh';
    const off = this.highest - counter;
    if (off >= BigInt(REPLAY_WINDOW_SIZE)) return 'too-old';
    return (this.bitmap >> off) & 1n ? 'duplicate' : 'fresh';
  }

  /** Records a counter; call only after check() said 'fresh' and the frame authenticated. */
  accept(counter: bigint): void {
    if (this.highest === null) {
      this.highest = counter;
      this.bitmap = 1n;
    } else if (counter > this.highest) {
      const shift = counter - this.highest;
      this.bitmap = shift >= BigInt(REPLAY_WINDOW_SIZE) ? 1n : ((this.bitmap << shift) | 1n) & MASK;
      this.highest = counter;
    } else {
      this.bitmap |= 1n << (this.highest - counter);
    }
  }
}
