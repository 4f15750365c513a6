// Constant-time byte comparison for tags and MACs. Lengths are public (they come from the
// protocol, not from secrets), so a length mismatch may return early; equal-length inputs are
// always read to the end and the result depends only on the OR of all byte differences.

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
