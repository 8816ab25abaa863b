import { createHmac } from 'node:crypto';

/** Decodes RFC 4648 base32, as authenticator apps read a TOTP secret. */
function base32Decode(input: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = input.replace(/=+$/, '').replace(/\s+/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (SHA-1, 6 digits, 30-second steps) for the step `offset` steps from now. */
export function totp(secretBase32: string, offset = 0, nowMs = Date.now()): string {
  const step = Math.floor(nowMs / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offsetNibble = digest[digest.length - 1] & 0x0f;
  const binary = digest.readUInt32BE(offsetNibble) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}
