export type SniffResult = { ok: true } | { ok: false; message: string };

const SAMPLE_BYTES = 64 * 1024;

// Checked before the NUL / UTF-8 checks so the client hears what the file is, not just that it
// is not text.
const SIGNATURES: ReadonlyArray<{ magic: readonly number[]; message: string }> = [
  { magic: [0xff, 0xfe], message: 'The file is UTF-16 encoded; save the file as UTF-8 (CSV UTF-8).' },
  { magic: [0xfe, 0xff], message: 'The file is UTF-16 encoded; save the file as UTF-8 (CSV UTF-8).' },
  { magic: [0x50, 0x4b, 0x03, 0x04], message: 'This looks like an Excel .xlsx file; export it as CSV.' },
  { magic: [0x50, 0x4b, 0x05, 0x06], message: 'This looks like an Excel .xlsx file; export it as CSV.' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], message: 'This looks like an Excel .xls file; export it as CSV.' },
  { magic: [0x25, 0x50, 0x44, 0x46], message: 'This looks like a PDF file, not a CSV.' },
  { magic: [0x47, 0x49, 0x46, 0x38], message: 'This looks like a GIF image, not a CSV.' },
  { magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], message: 'This looks like a PNG image, not a CSV.' },
  { magic: [0xff, 0xd8, 0xff], message: 'This looks like a JPEG image, not a CSV.' },
  { magic: [0x1f, 0x8b], message: 'This looks like a gzip-compressed file: send it with Content-Encoding: gzip, or upload the CSV itself.' },
];

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

// The sample is a prefix of the upload, so it may end part-way through a multi-byte character;
// drop that incomplete tail instead of calling the file invalid.
function withoutCutCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const i = bytes.length - back;
    const byte = bytes[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    if (byte >= 0xf5 || (byte >= 0xc0 && byte < 0xc2)) return bytes; // never valid: let the decoder reject it
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.subarray(0, i) : bytes;
  }
  return bytes;
}

export function sniffCsvStart(firstBytes: Buffer): SniffResult {
  if (firstBytes.length === 0) return { ok: false, message: 'The file is empty.' };
  const sample = firstBytes.subarray(0, SAMPLE_BYTES);

  const signature = SIGNATURES.find((s) => startsWith(sample, s.magic));
  if (signature) return { ok: false, message: signature.message };

  if (sample.includes(0)) {
    return { ok: false, message: 'The file contains NUL bytes, so it is binary (or UTF-16 without a BOM), not a UTF-8 CSV.' };
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(withoutCutCharacter(sample));
  } catch {
    return { ok: false, message: 'The file is not valid UTF-8 text (perhaps saved as ANSI / Windows-1252); save it as CSV UTF-8.' };
  }
  return { ok: true };
}
