// Writes a realistic payee CSV of N rows straight to disk: the rows are never held in memory.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { lookupIfsc } from '../../src/bank-data/ifsc-directory.js';

export interface GeneratedCsv {
  file: string;
  rows: number;
  bytes: number;
  ms: number;
  mix: { bank: number; vpa: number; malformed: number; duplicates: number; quotedNames: number };
}

const FIRST = ['Ramesh', 'Priya', 'Anita', 'Mohammed', 'Gurpreet', 'Lakshmi', 'John', 'Sunita', 'Arjun', 'Fatima', 'Vikram', 'Deepa', 'Suresh', 'Kavita', 'Rahul', 'Neha', 'Amit', 'Pooja', 'Sanjay', 'Meena', 'Rajesh', 'Anjali', 'Karthik', 'Divya', 'Imran', 'Harpreet', 'Venkat', 'Shalini', 'Manoj', 'Ritu'];
const LAST = ['Kumar', 'Nair', 'Sharma', 'Irfan', 'Singh', 'Krishnan', "D'Souza", 'Devi', 'Reddy', 'Shaikh', 'Patel', 'Iyer', 'Gupta', 'Menon', 'Verma', 'Rao', 'Joshi', 'Banerjee', 'Pillai', 'Khan', 'Mehta', 'Chatterjee', 'Das', 'Naidu', 'Agarwal'];
const PSPS = ['okaxis', 'okhdfcbank', 'oksbi', 'okicici', 'ybl', 'paytm', 'ibl', 'axl'];
// Sandbox magic suffixes (invalid / hang / blocked / nre / closed / flaky): a benchmark must not hit them.
const MAGIC_SUFFIX = /(0000|1111|2222|3333|4444|5555)$/;

const IFSC_CANDIDATES = [
  'HDFC0000001', 'SBIN0000001', 'ICIC0000001', 'UTIB0000001', 'PUNB0000100', 'CNRB0000002', 'UBIN0531006', 'KKBK0000958',
  'IDIB000A001', 'INDB0000001', 'YESB0000001', 'BKID0000001', 'MAHB0000001', 'CBIN0280001', 'IDFB0010201', 'FDRL0001001',
  'KARB0000001', 'SIBL0000001', 'RATN0000001', 'HDFC0000240', 'SBIN0001234', 'ICIC0000104',
];

/** IFSCs that the offline directory knows, so generated rows pass the pre-checks. */
export function benchIfscs(): string[] {
  const ifscs = IFSC_CANDIDATES.filter((i) => lookupIfsc(i));
  if (ifscs.length < 10) throw new Error(`only ${ifscs.length} of the benchmark's IFSCs are in the directory`);
  return ifscs;
}

/** Header in a different order and case from the documented one, as customers' spreadsheets are. */
const HEADER = 'Name,Account_Number,IFSC,type,RAIL,vpa,Reference_Id';

/** mulberry32: small, fast and seeded, so two runs with the same seed write the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const field = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

interface Payee { account: string; ifsc: string; vpa: string; name: string; type: string; rail: string }

export async function generateCsv(file: string, rows: number, ifscs: readonly string[], seed = 20261121): Promise<GeneratedCsv> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const digits = (n: number): string => {
    let s = String(1 + Math.floor(rnd() * 9));
    while (s.length < n) s += String(Math.floor(rnd() * 10));
    return s;
  };
  const mix = { bank: 0, vpa: 0, malformed: 0, duplicates: 0, quotedNames: 0 };
  const recent: Payee[] = [];

  const name = (): string => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const r = rnd();
    if (r < 0.04) return '';
    if (r < 0.1) {
      mix.quotedNames++;
      return `${last}, ${first}`;
    }
    if (r < 0.15) return `${first} ${pick(FIRST).charAt(0)}. ${last}`;
    if (r < 0.2) return `${first} ${last}`.toUpperCase();
    return `${first} ${last}`;
  };

  const account = (): string => {
    let acct = digits(10 + Math.floor(rnd() * 7));
    if (MAGIC_SUFFIX.test(acct)) acct = acct.slice(0, -1) + String((Number(acct.slice(-1)) + 6) % 10);
    const r = rnd();
    if (r < 0.15) return acct.replace(/(\d{4})(?=\d)/g, '$1 ');
    if (r < 0.3) return acct.replace(/(\d{4})(?=\d)/g, '$1-');
    return acct;
  };

  const bankPayee = (): Payee => ({
    account: account(),
    ifsc: rnd() < 0.1 ? pick(ifscs).toLowerCase() : pick(ifscs),
    vpa: '',
    name: name(),
    type: rnd() < 0.6 ? 'bank_account' : '',
    rail: ((r) => (r < 0.5 ? 'IMPS' : r < 0.7 ? 'NEFT' : ''))(rnd()),
  });

  const vpaPayee = (): Payee => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const handle = rnd() < 0.8 ? `${first}.${last.replace(/'/g, '')}${Math.floor(rnd() * 100)}`.toLowerCase() : digits(10);
    // Usually the payee the customer typed is the person behind the handle; sometimes not.
    const payee = rnd() < 0.7 ? `${first} ${last}` : name();
    return { account: '', ifsc: '', vpa: `${handle}@${pick(PSPS)}`, name: payee, type: rnd() < 0.6 ? 'vpa' : '', rail: rnd() < 0.5 ? 'UPI' : '' };
  };

  const line = (p: Payee, ref: string): string => [field(p.name), p.account, p.ifsc, p.type, p.rail, p.vpa, ref].join(',');

  const malformed = (ref: string): string => {
    const p = bankPayee();
    switch (Math.floor(rnd() * 6)) {
      case 0: return line({ ...p, ifsc: 'HDFC000001' }, ref); // 10 characters
      case 1: return line({ ...p, ifsc: 'SBIN0123456' }, ref); // well-formed, not in the directory
      case 2: return line({ ...p, account: '12345' }, ref);
      case 3: return line({ ...vpaPayee(), vpa: 'ramesh.kumar.okaxis' }, ref);
      case 4: return line(p, ref).split(',').slice(0, 5).join(','); // too few columns
      default: return `${line(p, ref)},unexpected`; // too many columns
    }
  };

  const started = performance.now();
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let chunk = `${HEADER}\n`;
  for (let i = 1; i <= rows; i++) {
    const ref = rnd() < 0.9 ? `INV-2026-${String(i).padStart(7, '0')}` : '';
    const r = rnd();
    if (r < 0.03) {
      mix.malformed++;
      chunk += `${malformed(ref)}\n`;
    } else if (r < 0.06 && recent.length > 0) {
      mix.duplicates++;
      chunk += `${line(pick(recent), ref)}\n`;
    } else {
      const p = r < 0.16 ? vpaPayee() : bankPayee();
      if (p.vpa) mix.vpa++;
      else mix.bank++;
      if (recent.length < 1000) recent.push(p);
      else recent[Math.floor(rnd() * recent.length)] = p;
      chunk += `${line(p, ref)}\n`;
    }
    if (chunk.length >= 1 << 20 || i === rows) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (rows === 0) {
    bytes += Buffer.byteLength(chunk);
    out.write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return { file, rows, bytes, ms: performance.now() - started, mix };
}
