import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  DEFAULT_NAME_MATCH_THRESHOLDS,
  matchPayeeNames,
  parseNameMatchThresholds,
  type NameMatchReason,
  type NameMatchVerdict,
} from '../../src/name-match/name-matcher.js';

const verdict = (a: string, b: string): NameMatchVerdict => matchPayeeNames(a, b).result;
const reasons = (a: string, b: string): NameMatchReason[] => matchPayeeNames(a, b).reasons;

function assertAll(pairs: Array<[string, string]>, expected: NameMatchVerdict, mustInclude?: NameMatchReason): void {
  for (const [a, b] of pairs) {
    const out = matchPayeeNames(a, b);
    assert.equal(out.result, expected, `${a} | ${b} → ${JSON.stringify(out)}`);
    if (mustInclude) assert.ok(out.reasons.includes(mustInclude), `${a} | ${b} should report ${mustInclude}: ${out.reasons.join(',')}`);
  }
}

test('the five examples from the first issue, as the second round scores them', () => {
  // An explicit relation clause and a listed abbreviation (Mohd) became formatting in round two.
  assert.deepEqual(matchPayeeNames('SHRI RAMESH KUMAR S/O MOHAN LAL', 'Ramesh Kumar'), {
    score: 96, result: 'match', reasons: ['case_or_punctuation', 'honorific_ignored', 'relation_suffix_ignored'], flags: ['relation_clause'],
  });
  assert.deepEqual(matchPayeeNames('M/S GUPTA TRADERS PVT LTD', 'Gupta Traders Private Limited'), {
    score: 95, result: 'match', reasons: ['case_or_punctuation', 'honorific_ignored', 'legal_form_normalized'], flags: ['business_name_expected', 'business_name_registered'],
  });
  assert.deepEqual(matchPayeeNames('Mohd Irfan', 'Mohammed Irfan'), { score: 98, result: 'match', reasons: ['transliteration'], flags: [] });
  assert.deepEqual(matchPayeeNames('K. Lakshmi', 'Lakshmi Krishnan'), {
    score: 84, result: 'close_match', reasons: ['case_or_punctuation', 'token_order', 'initial_expanded'], flags: [],
  });
  assert.deepEqual(matchPayeeNames('SINGH GURPREET', 'Gurpreet Singh'), { score: 96, result: 'match', reasons: ['case_or_punctuation', 'token_order'], flags: [] });
});

test('identical strings are exact at 100; case, spacing and punctuation cost nothing but are reported', () => {
  assert.deepEqual(matchPayeeNames('Ravi Kumar', 'Ravi Kumar'), { score: 100, result: 'match', reasons: ['exact'], flags: [] });
  assert.deepEqual(matchPayeeNames(' Ravi Kumar ', 'Ravi Kumar'), { score: 100, result: 'match', reasons: ['exact'], flags: [] });
  for (const [a, b] of [['Ravi Kumar', 'RAVI KUMAR'], ['Ravi  Kumar', 'Ravi Kumar'], ['Mr Ravi Kumar', 'MR Ravi Kumar'], ["Anita D'Souza", 'ANITA DSOUZA'], ["Mary D'Souza", 'MARY D SOUZA'], ['K.S.Ravi', 'K S RAVI'], ['KS Ravi', 'K. S. Ravi'], ['Rohit.Chatterjee', 'Rohit Chatterjee']] as const) {
    assert.deepEqual(matchPayeeNames(a, b), { score: 100, result: 'match', reasons: ['case_or_punctuation'], flags: [] }, `${a} | ${b}`);
  }
});

test('salutations and honorifics are ignored, leading ones only', () => {
  assertAll([
    ['Mr. Anil Khurana', 'ANIL KHURANA'], ['Smt. Sunita Devi', 'SUNITA DEVI'], ['Kumari Pooja Yadav', 'POOJA YADAV'], ['Dr (Mrs) Asha Menon', 'ASHA MENON'],
    ['Sri Venkatesh Rao', 'VENKATESH RAO'], ['Thiru. Murugan Selvam', 'MURUGAN SELVAM'], ['M/s Suresh Kumar', 'SURESH KUMAR'], ['Col. Ajay Singh Rathore', 'AJAY SINGH RATHORE'],
  ], 'match', 'honorific_ignored');
  assert.equal(matchPayeeNames('Mrs Lakshmi Iyer', 'LAKSHMI IYER').score, 98);
  // "Shri" and "Sri" are one salutation, so nothing was ignored on one side only.
  assert.ok(!reasons('Shri Mahesh Joshi', 'SRI MAHESH JOSHI').includes('honorific_ignored'));
  // Not a salutation when it is not in front: Kumari is part of "Mamta Kumari".
  assert.equal(verdict('Mamta Kumari', 'MAMTA'), 'close_match');
});

test('token order is ignored for a match', () => {
  assertAll([['Sharma Priya', 'PRIYA SHARMA'], ['Kumar, Ravi', 'RAVI KUMAR'], ['Srinivasa Rao Kota', 'KOTA SRINIVASA RAO'], ['K S Ravi', 'RAVI K S'], ['Senthil Kumar R', 'R SENTHIL KUMAR']], 'match', 'token_order');
});

test('business legal forms and connectors are normalised', () => {
  assertAll([
    ['Sharma & Sons', 'SHARMA AND SONS'], ['Infosys Limited', 'INFOSYS LTD'], ['Krishna Textiles (P) Ltd', 'KRISHNA TEXTILES PVT LTD'], ['Neelkanth Logistics Private Limited', 'NEELKANTH LOGISTICS P LTD'],
    ['Om Sai Ram Ent.', 'OM SAI RAM ENTERPRISES'], ['Ganesh Mfg Co', 'GANESH MANUFACTURING COMPANY'], ['Agarwal Bros', 'AGARWAL BROTHERS'], ['Techno Ventures Limited Liability Partnership', 'TECHNO VENTURES LLP'],
    ['Kiran Infotech (OPC) Private Limited', 'KIRAN INFOTECH OPC PVT LTD'], ['The Karur Vysya Traders', 'KARUR VYSYA TRADERS'], ['Apex Pharma Inc', 'APEX PHARMA INCORPORATED'],
  ], 'match', 'legal_form_normalized');
  // A legal form present on one side only, or an LLP against a company, is the same trade name but maybe not the same entity.
  assertAll([['Gupta Traders', 'GUPTA TRADERS PVT LTD'], ['Annapurna Caterers LLP', 'ANNAPURNA CATERERS PVT LTD']], 'close_match');
  // Pvt Ltd against Ltd is one company written two ways.
  assert.equal(verdict('Sunrise Infra Pvt Ltd', 'SUNRISE INFRA LTD'), 'match');
  // Salutation-like words are part of a business name, so they are compared, not dropped; their spellings are one word.
  assert.deepEqual(reasons('Shree Balaji Enterprises', 'SRI BALAJI ENTERPRISES'), ['case_or_punctuation', 'transliteration']);
  assert.equal(verdict('Shree Balaji Enterprises', 'SRI BALAJI ENTERPRISES'), 'match');
});

test('initials stand for names, South-Indian initials-first forms included', () => {
  assertAll([
    ['K. Lakshmi', 'KUMAR LAKSHMI'], ['R. Senthil Kumar', 'SENTHIL KUMAR RAMASAMY'], ['R K Sharma', 'RAJESH KUMAR SHARMA'], ['V S N Murthy', 'VENKATA SATYA NARAYANA MURTHY'],
    ['Ravi K S', 'KRISHNAPPA SHIVANNA RAVI'], ['R Kumar', 'RAMESH KUMAR'], ['Senthilkumar Ramasamy', 'SENTHIL KUMAR R'],
  ], 'close_match', 'initial_expanded');
  // An initial that contradicts the other side's name is another person.
  assertAll([['S. Kumar', 'RAVI KUMAR'], ['R. Priya', 'PRIYA SELVARAJ'], ['R K Sharma', 'R S SHARMA'], ['A. Suresh', 'B SURESH']], 'no_match');
});

test('a missing or extra middle name is a close match; a bank name cut at a known width is a match', () => {
  assertAll([['Ramesh Sharma', 'RAMESH KUMAR SHARMA'], ['John Mathew', 'JOHN P MATHEW'], ['Gurpreet Singh', 'GURPREET'], ['Sachin Ramesh Kulkarni', 'SACHIN KULKARNI']], 'close_match');
  assert.deepEqual(reasons('Ramesh Sharma', 'RAMESH KUMAR SHARMA'), ['case_or_punctuation', 'extra_token']);
  assert.deepEqual(reasons('Ramesh Kumar Sharma', 'RAMESH SHARMA'), ['case_or_punctuation', 'missing_token']);
  assertAll([
    ['Shree Venkateshwara Textiles Private Limited', 'SHREE VENKATESHWARA TEXTILES PRIVAT'], ['Maharashtra State Electricity Distribution Co Ltd', 'MAHARASHTRA STATE ELECTRICITY DISTR'],
    ['Venkata Satyanarayana Murthy Chowdary', 'VENKATA SATYANARAYANA MURTHY CHOWDA'],
  ], 'match', 'truncated');
  // Cut at a length that is no known width: a close match, still said to be cut.
  assertAll([['Venkata Satyanarayana Murthy Chowdary', 'VENKATA SATYANARAYANA MURTHY CHOW']], 'close_match', 'truncated');
  // Short names are never read as truncated: "Ram" does not stand for "Ramesh".
  assert.equal(verdict('Mohan Ramesh', 'MOHAN RAM'), 'no_match');
});

test('a relation suffix and everything after it is ignored, but only the holder counts', () => {
  assertAll([
    ['Sunita Devi', 'SUNITA DEVI W/O RAJESH KUMAR'], ['Manoj Kumar', 'MANOJ KUMAR SON OF SURESH PRASAD'], ['Ravi Teja', 'RAVI TEJA S.O. SRINIVAS'],
    ['Gurdeep Singh', 'GURDEEP SINGH SO HARBANS SINGH'], ['Rahul Sharma', 'RAHUL SHARMA C/O VIJAY SHARMA'], ['Sanjay Kumar', 'SANJAY KUMAR S O RAM LAL'],
  ], 'match', 'relation_suffix_ignored');
  assert.equal(verdict('Ramesh Kumar S/O Mohan Lal', 'RAMESH KUMAR S/O MOHAN LAL'), 'match');
  // The payee is the father named in the suffix, not the account holder.
  assertAll([['Suresh Kumar', 'RAMESH KUMAR S/O SURESH KUMAR'], ['Mohan Lal', 'RAMESH KUMAR S/O MOHAN LAL'], ['Seema Sharma', 'RAVI SHARMA C/O SEEMA SHARMA']], 'no_match');
});

test('common transliteration variants are close matches; listed abbreviations and -bhai/-ben are matches', () => {
  assertAll([['Md. Salim', 'MOHAMMAD SALIM'], ['Sk Rafiqul Islam', 'SHEIKH RAFIQUL ISLAM'], ['Mohd Farooq', 'MOHAMMED FAROOQ']], 'match', 'transliteration');
  assertAll([
    ['Laxmi Devi', 'LAKSHMI DEVI'], ['Preeti Sharma', 'PRITI SHARMA'], ['Pooja Verma', 'PUJA VERMA'], ['Sunitha Reddy', 'SUNITA REDDY'],
    ['Gourav Saxena', 'GAURAV SAKSENA'], ['Saleem Sheikh', 'SALIM SHAIKH'], ['Anthony Fernandes', 'ANTONY FERNANDEZ'], ['Mathew Joseph', 'MATTHEW JOSEPH'],
    ['Gurpreet Singh', 'GURPRIT SINGH'], ['Wasim Qureshi', 'VASIM QURESHI'], ['Feroz Alam', 'PHEROZ ALAM'], ['Zubair Ahmed', 'JUBAIR AHMED'],
    ['Surinder Singh', 'SURENDRA SINGH'], ['Mohd Farooq', 'MOHD FAROOQUE'],
  ], 'close_match', 'transliteration');
  assertAll([['Rameshbhai Patel', 'RAMESH PATEL'], ['Hetal Shah', 'HETALBEN SHAH']], 'match', 'honorific_ignored');
});

test('small typos are tolerated on long tokens only', () => {
  assertAll([['Chandrakant Jadhav', 'CHANDRAKANT JADAHV'], ['Ramesh Kumar Sharma', 'RAMESH KUMAR SHRAMA'], ['Prakash Verma', 'PRAKESH VERMA']], 'close_match', 'typo');
  // Both spellings listed as one name's variants: a close match as a spelling, not a typo.
  assertAll([['Subramanian Iyer', 'SUBRAMANIAM IYER'], ['Jagadish Kumar', 'JAGDISH KUMAR']], 'close_match');
  // Distance 2 only from nine letters up.
  assert.equal(verdict('Sudip Bhattacharya', 'SUDIP BHATTACHARJEE'), 'close_match');
  // Four letters is too short to call a difference a typo.
  assert.equal(verdict('Ritu Sharma', 'RITA SHARMA'), 'no_match');
});

test('a typo never turns one real first name into another', () => {
  assertAll([
    ['Ramesh Kumar', 'RAJESH KUMAR'], ['Suresh Kumar', 'NARESH KUMAR'], ['Anil Sharma', 'SUNIL SHARMA'], ['Mohan Lal', 'SOHAN LAL'], ['Kavita Singh', 'SAVITA SINGH'],
    ['Sarita Devi', 'SAVITA DEVI'], ['Vikas Jain', 'VILAS JAIN'], ['Kiran Patel', 'KARAN PATEL'], ['Rahul Patel', 'RAHUL PATIL'], ['Sunil Gupta', 'SUNIL GUPTE'],
    // Feminine and derived forms built by a final letter.
    ['Kamal Sharma', 'KAMALA SHARMA'], ['Ankit Jain', 'ANKITA JAIN'], ['Vaibhav Joshi', 'VAIBHAVI JOSHI'], ['Sneha Kulkarni', 'SNEHAL KULKARNI'], ['Deepak Verma', 'DEEPA VERMA'], ['Aditya Verma', 'ADITI VERMA'],
  ], 'no_match');
  // …while a Kannada/Telugu ending on the same name stays a close match.
  assertAll([['Ramesha K', 'RAMESH K'], ['Manjunath Gowda', 'MANJUNATHA GOWDA'], ['Nagaraju Bandi', 'NAGARAJ BANDI'], ['Bikash Baruah', 'BIKASH BARUA']], 'close_match');
});

test('joined or split tokens: a match with the same letters, a close match with a spelling change or -kumar', () => {
  assertAll([['Abdul Rahman Sheikh', 'ABDULRAHMAN SHEIKH'], ['Venkata Ramana', 'VENKATARAMANA'], ['Lakshmi Narayanan', 'LAKSHMINARAYANAN']], 'match', 'joined_tokens');
  assertAll([['Noorjahan Begum', 'NUR JAHAN BEGUM'], ['Abdulrehman Qureshi', 'ABDUL RAHMAN QURESHI'], ['Hiren Patel', 'HIRENKUMAR PATEL']], 'close_match', 'joined_tokens');
  assertAll([['Jignesh Bhai Desai', 'JIGNESHBHAI DESAI']], 'match');
});

test('a different first name with the same surname is no_match whatever the score', () => {
  assert.deepEqual(matchPayeeNames('Ramesh Kumar', 'Suresh Kumar'), { score: 33, result: 'no_match', reasons: ['missing_token', 'extra_token', 'different_first_name'], flags: [] });
  assert.ok(reasons('Priya Sharma', 'NEHA SHARMA').includes('different_first_name'));
  assert.ok(reasons('Priya Sharma', 'PRIYA VERMA').includes('different_surname'));
  assert.ok(reasons('Ramesh Chandra Gupta', 'RAMESH PRASAD GUPTA').includes('different_first_name'));
  // Even the most lenient tenant cannot turn it into a match.
  assert.equal(matchPayeeNames('Anil Kumar Sharma', 'SUNIL KUMAR SHARMA', { match: 0, closeMatch: 0 }).result, 'no_match');
});

test('a person against a business is no_match', () => {
  assertAll([
    ['Ramesh Kumar', 'Ramesh Traders Pvt Ltd'], ['Anil Kumar', 'ANIL KUMAR HUF'], ['Gupta Traders', 'RAMESH GUPTA'],
    ['Ravi Kumar', 'M/S RAVI KUMAR & SONS'], ['Ashok Kumar', 'ASHOK KUMAR AND CO'],
  ], 'no_match', 'person_vs_business');
  // A person's full name plus trade words only, no legal form: perhaps their own proprietorship.
  assert.equal(verdict('Priya Sharma', 'PRIYA SHARMA ENTERPRISES'), 'close_match');
  // Only a legal form added to an otherwise unlisted trade name is the same entity.
  assert.equal(verdict('Maruti Components India Limited', 'MARUTI COMPONENTS INDIA'), 'close_match');
});

test('sharing only one token among several, or only common tokens, is no_match', () => {
  assert.deepEqual(reasons('Ramesh Kumar Gupta', 'Anil Kumar Verma'), ['missing_token', 'extra_token', 'different_first_name', 'different_surname', 'few_tokens_shared']);
  // Sai Enterprises / Sai Traders: another business word, another business.
  assertAll([['Kumar', 'RAVI KUMAR'], ['Rajesh Kumar Singh', 'KUMAR SINGH']], 'no_match', 'few_tokens_shared');
  assertAll([['Sunita Devi', 'GEETA DEVI'], ['Harpreet Kaur', 'JASPREET KAUR'], ['Shabana Begum', 'NASREEN BEGUM'], ['Mohammed Salim', 'MOHAMMED ASLAM'], ['Gurpreet Singh', 'GURPREET KAUR']], 'no_match');
  assertAll([['Gupta Traders Pvt Ltd', 'GUPTA ENTERPRISES PVT LTD'], ['Sai Enterprises', 'SAI TRADERS']], 'no_match', 'different_business_word');
  assert.deepEqual(matchPayeeNames('Ramesh Kumar', 'PRIYA SHARMA'), { score: 0, result: 'no_match', reasons: ['no_common_token'], flags: [] });
});

test('scores are integers from 0 to 100 and fall as differences pile up', () => {
  const chain = [
    matchPayeeNames('Ravi Kumar Sharma', 'Ravi Kumar Sharma'),
    matchPayeeNames('Ravi Kumar Sharma', 'RAVI KUMAR SHARMA'),
    matchPayeeNames('Mr Ravi Kumar Sharma', 'RAVI KUMAR SHARMA'),
    matchPayeeNames('Mr Sharma Ravi Kumar', 'RAVI KUMAR SHARMA'),
    matchPayeeNames('Mr Sharma Ravi', 'RAVI KUMAR SHARMA'),
    matchPayeeNames('Mr Sharma R', 'RAVI KUMAR SHARMA'),
    matchPayeeNames('Mr Sharma R', 'RAVI KUMAR SHARMA S/O MOHAN LAL'),
  ].map((o) => o.score);
  for (const s of chain) assert.ok(Number.isInteger(s) && s >= 0 && s <= 100);
  for (let i = 1; i < chain.length; i++) assert.ok(chain[i]! <= chain[i - 1]!, `not monotone: ${chain.join(' ≥ ')}`);
  assert.equal(chain[0], 100);
});

test('thresholds: a stricter tenant turns a borderline match into close_match', () => {
  const strict = { match: 98, closeMatch: 85 };
  assert.equal(matchPayeeNames('SINGH GURPREET', 'Gurpreet Singh').result, 'match');
  assert.equal(matchPayeeNames('SINGH GURPREET', 'Gurpreet Singh', strict).result, 'close_match');
  assert.equal(matchPayeeNames('K. Lakshmi', 'Lakshmi Krishnan', strict).result, 'no_match');
  assert.equal(matchPayeeNames('Ravi Kumar', 'RAVI KUMAR', strict).result, 'match');
  assert.deepEqual(DEFAULT_NAME_MATCH_THRESHOLDS, { match: 90, closeMatch: 65 });
});

test('parseNameMatchThresholds accepts 0 ≤ closeMatch ≤ match ≤ 100 and throws otherwise', () => {
  assert.deepEqual(parseNameMatchThresholds({ match: 98, closeMatch: 85 }), { match: 98, closeMatch: 85 });
  assert.deepEqual(parseNameMatchThresholds({ match: 0, closeMatch: 0 }), { match: 0, closeMatch: 0 });
  assert.deepEqual(parseNameMatchThresholds({ match: 100, closeMatch: 100, extra: 1 }), { match: 100, closeMatch: 100 });
  for (const bad of [null, undefined, 'x', 90, {}, { match: 90 }, { match: 70, closeMatch: 90 }, { match: 101, closeMatch: 70 }, { match: 90, closeMatch: -1 },
    { match: 90.5, closeMatch: 70 }, { match: Number.NaN, closeMatch: 70 }, { match: '90', closeMatch: '70' }]) {
    assert.throws(() => parseNameMatchThresholds(bad), `should reject ${JSON.stringify(bad)}`);
  }
});

test('pure: same input, same output, in any order; no I/O imported', () => {
  const pairs: Array<[string, string]> = [['SHRI RAMESH KUMAR S/O MOHAN LAL', 'Ramesh Kumar'], ['Subramanian Iyer', 'SUBRAMANIAM IYER'], ['Kumar', 'RAVI KUMAR'], ['Abdul Rahman', 'ABDULRAHMAN']];
  const first = pairs.map(([a, b]) => matchPayeeNames(a, b));
  const second = [...pairs].reverse().map(([a, b]) => matchPayeeNames(a, b)).reverse();
  assert.deepEqual(second, first);
  assert.notEqual(first[0]!.reasons, matchPayeeNames(...pairs[0]!).reasons, 'each call returns a fresh reasons array');
  // Only sibling modules, and the transliteration tables (pure data and functions) in name-script.
  for (const file of readdirSync(new URL('../../src/name-match/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'name-match-route.ts')) {
    const source = readFileSync(new URL(`../../src/name-match/${file}`, import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import[^;]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
    const allowed = (s: string) => s.startsWith('./') || (file === 'name-script.ts' && s === '@indic-transliteration/sanscript');
    assert.ok(imports.every(allowed), `${file} imports ${imports.join(', ')}`);
  }
});

test('blank names never match', () => {
  assert.deepEqual(matchPayeeNames('', 'Ravi Kumar'), { score: 0, result: 'no_match', reasons: ['no_common_token'], flags: [] });
  assert.deepEqual(matchPayeeNames('  ', '  '), { score: 0, result: 'no_match', reasons: ['no_common_token'], flags: [] });
  assert.deepEqual(matchPayeeNames('...', 'Ravi'), { score: 0, result: 'no_match', reasons: ['no_common_token'], flags: [] });
});

test('Indic vowel signs are part of the name: only Latin diacritics are folded', () => {
  // Stripping every combining mark once made राम (Ram) and रमा (Rama) the same letters: a false match.
  const pairs: Array<[string, string]> = [['राम कुमार', 'रमा कुमार'], ['सीता देवी', 'सती देवी'], ['ரமேஷ் குமார்', 'ரமா குமார்']];
  for (const [a, b] of pairs) {
    assert.notEqual(matchPayeeNames(a, b).result, 'match', `${a} | ${b}`);
  }
  assert.equal(matchPayeeNames('राम कुमार', 'राम  कुमार').result, 'match');
  assert.equal(matchPayeeNames('José Dsouza', 'JOSE DSOUZA').result, 'match');
  assert.equal(matchPayeeNames('Rámesh Kumar', 'RAMESH KUMAR').result, 'match');
});
