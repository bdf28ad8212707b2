// Packs forged byte by byte (gitformat-pack(5)): what a hostile server or repository can send.
// Shared by the pack-check unit tests and the pack fuzzing.

/** An object header: type and declared (inflated) size, as a pack spells them. */
export function packObjectHeader(type: number, size: number): Buffer {
  const bytes = [(type << 4) | (size & 15)];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes[bytes.length - 1]! |= 0x80;
    bytes.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

/** A delta's size varint. */
export function deltaVarint(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.push((n & 0x7f) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.from(bytes);
}
