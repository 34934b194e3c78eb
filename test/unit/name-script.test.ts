import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Sanscript from '@indic-transliteration/sanscript';
import { hasIndicScript, toBankLatin, type IndicScript } from '../../src/name-match/name-script.js';

// Indic-script names → bank spelling (docs/decisions/0031-indic-transliteration.md). Expected values are
// the spellings banks usually register; where a script cannot say which one (Tamil க is k or g), the
// "known limits" test pins what the adapter does so that a change is noticed.

const bank = (s: string): string => toBankLatin(s).text;

function expectAll(pairs: Array<[string, string]>): void {
  for (const [native, expected] of pairs) assert.equal(bank(native), expected, native);
}

const NAMES: Record<IndicScript, Array<[string, string]>> = {
  devanagari: [
    ['राजेश कुमार', 'RAJESH KUMAR'], ['सीता', 'SITA'], ['रमा', 'RAMA'], ['मनोज', 'MANOJ'], ['सुरेश', 'SURESH'], ['श्रीनिवास', 'SRINIVAS'],
    ['लक्ष्मी', 'LAKSHMI'], ['कृष्ण', 'KRISHNA'], ['दास', 'DAS'], ['ज्ञान', 'GYAN'], ['सुनीता', 'SUNITA'], ['प्रदीप', 'PRADEEP'], ['संजय', 'SANJAY'],
    ['ममता', 'MAMTA'], ['शर्मा', 'SHARMA'], ['गुप्ता', 'GUPTA'], ['यादव', 'YADAV'], ['सिंह', 'SINGH'], ['मोहम्मद इरफ़ान', 'MOHAMMAD IRFAN'],
    ['ज़ाकिर', 'ZAKIR'], ['कुलकर्णी', 'KULKARNI'], ['देशपांडे', 'DESHPANDE'], ['सतीश', 'SATISH'], ['ईश्वर', 'ISHWAR'], ['द्विवेदी', 'DWIVEDI'],
    ['श्रद्धा', 'SHRADDHA'], ['राव', 'RAO'], ['छाया', 'CHHAYA'], ['ऋषि', 'RISHI'],
  ],
  gurmukhi: [
    ['ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ', 'GURPREET SINGH'], ['ਹਰਪ੍ਰੀਤ ਕੌਰ', 'HARPREET KAUR'], ['ਮਨਦੀਪ', 'MANDEEP'], ['ਕੁਲਦੀਪ', 'KULDEEP'], ['ਜਸਵਿੰਦਰ', 'JASWINDER'],
    ['ਸੁਖਵਿੰਦਰ', 'SUKHWINDER'], ['ਬਲਵਿੰਦਰ', 'BALWINDER'], ['ਰਾਜਿੰਦਰ', 'RAJINDER'], ['ਪਰਮਜੀਤ', 'PARAMJEET'], ['ਅਮਰਜੀਤ', 'AMARJEET'],
    ['ਗਿੱਲ', 'GILL'], ['ਢਿੱਲੋਂ', 'DHILLON'], ['ਸਿੱਧੂ', 'SIDHU'], ['ਸੰਧੂ', 'SANDHU'], ['ਭੱਟੀ', 'BHATTI'], ['ਸ਼ਰਮਾ', 'SHARMA'], ['ਕੁਲਵੰਤ', 'KULWANT'],
  ],
  gujarati: [
    ['રમેશભાઈ', 'RAMESHBHAI'], ['પટેલ', 'PATEL'], ['શાહ', 'SHAH'], ['દેસાઈ', 'DESAI'], ['હેતલ', 'HETAL'], ['નિલેશ', 'NILESH'],
    ['ભાવનાબેન', 'BHAVNABEN'], ['જિગ્નેશ', 'JIGNESH'], ['કિરણ', 'KIRAN'], ['પ્રવીણ', 'PRAVIN'], ['દિલીપ', 'DILIP'], ['અશ્વિન', 'ASHWIN'],
    ['હસમુખ', 'HASMUKH'], ['ચૌહાણ', 'CHAUHAN'], ['જાડેજા', 'JADEJA'], ['પંડ્યા', 'PANDYA'], ['હિરેનકુમાર', 'HIRENKUMAR'],
  ],
  bengali: [
    ['রবীন্দ্রনাথ', 'RABINDRANATH'], ['অমিত', 'AMIT'], ['দেবাশিস', 'DEBASHIS'], ['বিশ্বজিৎ', 'BISWAJIT'], ['অশোক', 'ASHOK'], ['সঞ্জয়', 'SANJAY'],
    ['পার্থ', 'PARTHA'], ['চট্টোপাধ্যায়', 'CHATTOPADHYAY'], ['বন্দ্যোপাধ্যায়', 'BANDYOPADHYAY'], ['বিশ্বাস', 'BISWAS'], ['গৌতম', 'GAUTAM'],
    ['তাপস', 'TAPAS'], ['প্রদীপ', 'PRADIP'], ['সুমন', 'SUMAN'], ['বিবেক', 'BIBEK'], ['স্বপন', 'SWAPAN'], ['ঘোষ', 'GHOSH'], ['বসু', 'BASU'],
    ['ভট্টাচার্য', 'BHATTACHARYA'], ['যশোদা', 'JASHODA'],
  ],
  oriya: [
    ['ପ୍ରିୟଙ୍କା', 'PRIYANKA'], ['ରମେଶ', 'RAMESH'], ['ମନୋଜ', 'MANOJ'], ['ସନ୍ତୋଷ', 'SANTOSH'], ['ବିଜୟ', 'BIJAY'], ['ଲକ୍ଷ୍ମୀ', 'LAKSHMI'],
    ['ଜଗନ୍ନାଥ ମହାପାତ୍ର', 'JAGANNATH MAHAPATRA'], ['ପଟ୍ଟନାୟକ', 'PATTANAYAK'], ['ସାହୁ', 'SAHU'], ['ବେହେରା', 'BEHERA'], ['ମିଶ୍ର', 'MISHRA'],
    ['ପାଣ୍ଡା', 'PANDA'], ['ସ୍ୱାଇଁ', 'SWAIN'], ['ପ୍ରଧାନ', 'PRADHAN'], ['ଯୋଗେଶ', 'JOGESH'], ['ବିଶ୍ୱନାଥ', 'BISWANATH'],
  ],
  tamil: [
    ['ராமசாமி', 'RAMASAMY'], ['முருகன்', 'MURUGAN'], ['கண்ணன்', 'KANNAN'], ['கார்த்திக்', 'KARTHIK'], ['சரவணன்', 'SARAVANAN'],
    ['செல்வம்', 'SELVAM'], ['அனிதா', 'ANITHA'], ['கவிதா', 'KAVITHA'], ['ஆறுமுகம்', 'ARUMUGAM'], ['முத்து', 'MUTHU'], ['இளங்கோ', 'ILANGO'],
    ['அண்ணாமலை', 'ANNAMALAI'], ['சுந்தரம்', 'SUNDARAM'], ['பொன்னுசாமி', 'PONNUSAMY'], ['மீனாட்சி', 'MEENATCHI'], ['ஸ்ரீனிவாசன்', 'SRINIVASAN'],
    ['தங்கராஜ்', 'THANGARAJ'], ['வெற்றி', 'VETRI'], ['ரமேஷ்', 'RAMESH'], ['விஜய்', 'VIJAY'], ['பிச்சை', 'PICHAI'], ['ஃபாத்திமா', 'FATHIMA'],
  ],
  telugu: [
    ['రమేష్', 'RAMESH'], ['వెంకట రమణ', 'VENKATA RAMANA'], ['శ్రీనివాస రావు', 'SRINIVASA RAO'], ['లక్ష్మి', 'LAKSHMI'], ['రెడ్డి', 'REDDY'],
    ['నాగార్జున', 'NAGARJUNA'], ['సాయి కుమార్', 'SAI KUMAR'], ['రామయ్య', 'RAMAIAH'], ['ప్రసాద్', 'PRASAD'], ['కృష్ణ', 'KRISHNA'],
    ['నాయుడు', 'NAIDU'], ['గీత', 'GEETHA'], ['సునీత', 'SUNITHA'], ['శ్రీదేవి', 'SRIDEVI'], ['మూర్తి', 'MURTHY'], ['ప్రవీణ్', 'PRAVEEN'],
    ['రాఘవేంద్ర', 'RAGHAVENDRA'],
  ],
  kannada: [
    ['ರಮೇಶ್', 'RAMESH'], ['ಮಂಜುನಾಥ', 'MANJUNATHA'], ['ಶ್ರೀನಿವಾಸ', 'SRINIVASA'], ['ಲಕ್ಷ್ಮಿ', 'LAKSHMI'], ['ವೆಂಕಟೇಶ್', 'VENKATESH'],
    ['ಸುರೇಶ್', 'SURESH'], ['ನಾಗರಾಜ್', 'NAGARAJ'], ['ಬಸವರಾಜ್', 'BASAVARAJ'], ['ಪ್ರಕಾಶ್', 'PRAKASH'], ['ಶಿವಕುಮಾರ್', 'SHIVAKUMAR'],
    ['ಗೀತಾ', 'GEETHA'], ['ಸಿದ್ದರಾಮಯ್ಯ', 'SIDDARAMAIAH'], ['ಶೆಟ್ಟಿ', 'SHETTY'], ['ನರಸಿಂಹ', 'NARASIMHA'], ['ಗಿರೀಶ್', 'GIRISH'], ['ರಾವ್', 'RAO'],
  ],
  malayalam: [
    ['രമേശ്', 'RAMESH'], ['അനിൽ കുമാർ', 'ANIL KUMAR'], ['സുരേഷ്', 'SURESH'], ['രാജൻ', 'RAJAN'], ['ഗീത', 'GEETHA'], ['തോമസ്', 'THOMAS'],
    ['ശ്രീകുമാർ', 'SREEKUMAR'], ['ഉണ്ണികൃഷ്ണൻ', 'UNNIKRISHNAN'], ['ലക്ഷ്മി', 'LAKSHMI'], ['മുരളി', 'MURALI'], ['ബിജു', 'BIJU'],
    ['കുട്ടി', 'KUTTY'], ['സന്തോഷ്', 'SANTHOSH'], ['വിനോദ്', 'VINOD'], ['സതീശൻ', 'SATHEESHAN'], ['അഞ്ജു', 'ANJU'], ['കുഞ്ഞുമോൻ', 'KUNJUMON'],
    ['ഇടുക്കി', 'IDUKKI'], ['ഓഗസ്റ്റിൻ', 'OGASTIN'],
  ],
};

const SCRIPTS = Object.keys(NAMES) as IndicScript[];

for (const script of SCRIPTS) {
  test(`${script}: common names come out in their usual bank spelling`, () => {
    assert.ok(NAMES[script].length >= 8);
    for (const [native, expected] of NAMES[script]) {
      assert.deepEqual(toBankLatin(native), { text: expected, scripts: [script] }, native);
    }
  });
}

test('the examples from the brief', () => {
  const pairs: Array<[string, string]> = [
    ['राजेश कुमार', 'RAJESH KUMAR'], ['ರಮೇಶ್', 'RAMESH'], ['রবীন্দ্রনাথ', 'RABINDRANATH'], ['ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ', 'GURPREET SINGH'],
    ['ପ୍ରିୟଙ୍କା', 'PRIYANKA'], ['રમેશભાઈ', 'RAMESHBHAI'], ['రమేష్', 'RAMESH'], ['രമേശ്', 'RAMESH'], ['ராமசாமி', 'RAMASAMY'], ['सीता', 'SITA'],
    ['रमा', 'RAMA'], ['मनोज', 'MANOJ'], ['सुरेश', 'SURESH'], ['श्रीनिवास', 'SRINIVAS'], ['लक्ष्मी', 'LAKSHMI'], ['कृष्ण', 'KRISHNA'], ['दास', 'DAS'], ['ज्ञान', 'GYAN'],
  ];
  expectAll(pairs);
});

test('schwa: Hindi drops the final and the V C _ C V inherent vowel, keeps it after most clusters', () => {
  expectAll([
    ['राम', 'RAM'], ['कमल', 'KAMAL'], ['रामकुमार', 'RAMKUMAR'], ['कमला', 'KAMLA'], ['रामचंद्र', 'RAMCHANDRA'], ['जयप्रकाश', 'JAYPRAKASH'],
    ['अमरनाथ', 'AMARNATH'], ['मोहन', 'MOHAN'], ['श्यामसुंदर', 'SHYAMSUNDAR'], ['सत्यनारायण', 'SATYANARAYAN'],
    // Kept after a cluster (Chandra, Aditya, Gupta, Krishna); dropped after a nasal + stop, a geminate or r + consonant.
    ['चंद्र', 'CHANDRA'], ['आदित्य', 'ADITYA'], ['आनंद', 'ANAND'], ['प्रशांत', 'PRASHANT'], ['पार्थ', 'PARTH'], ['जगन्नाथ', 'JAGANNATH'],
    // Never before a geminate (Mohammad), nor after a syllable closed by anusvara (Sanjay).
    ['मोहम्मद', 'MOHAMMAD'], ['संजय', 'SANJAY'],
    // Gujarati and Punjabi follow the same rules.
    ['ભાવનાબેન', 'BHAVNABEN'], ['ਪਰਮਜੀਤ', 'PARAMJEET'],
  ]);
});

test('schwa: Bengali and Odia drop only the final one and keep it after any cluster; Dravidian scripts keep it', () => {
  // The same word in different scripts: Hindi Kamla / Bengali Kamala, Hindi Parth / Bengali Partha.
  assert.equal(bank('कमला'), 'KAMLA');
  assert.equal(bank('কমলা'), 'KAMALA');
  assert.equal(bank('पार्थ'), 'PARTH');
  assert.equal(bank('পার্থ'), 'PARTHA');
  assert.equal(bank('ପ୍ରଶାନ୍ତ'), 'PRASHANTA');
  assert.equal(bank('ପଟ୍ଟନାୟକ'), 'PATTANAYAK');
  // Dravidian scripts write a dead consonant with a virama, so a written final a is spoken.
  assert.equal(bank('मंजुनाथ'), 'MANJUNATH');
  assert.equal(bank('ಮಂಜುನಾಥ'), 'MANJUNATHA');
  assert.equal(bank('ರಮೇಶ'), 'RAMESHA');
  assert.equal(bank('ರಮೇಶ್'), 'RAMESH');
  assert.equal(bank('వెంకటరమణ'), 'VENKATARAMANA');
});

test('Tamil stops take their sound from position: initial, doubled, after a nasal, between vowels', () => {
  expectAll([
    ['குமார்', 'KUMAR'], ['முருகன்', 'MURUGAN'], ['தங்கம்', 'THANGAM'], ['பாண்டியன்', 'PANDIYAN'], ['முத்து', 'MUTHU'],
    ['அப்பு', 'APPU'], ['வடிவேல்', 'VADIVEL'], ['ராமசாமி', 'RAMASAMY'], ['அஞ்சலி', 'ANJALI'], ['கீதா', 'KEETHA'],
  ]);
});

test('vowel signs are never lost: सीता ≠ सती, राम ≠ रमा, in every script', () => {
  assert.equal(bank('सीता'), 'SITA');
  assert.equal(bank('सती'), 'SATI');
  assert.equal(bank('राम'), 'RAM');
  assert.equal(bank('रमा'), 'RAMA');
  // The same letters by their offset in each block (the nine share the ISCII layout).
  for (const [i, script] of ['devanagari', 'bengali', 'gurmukhi', 'gujarati', 'oriya', 'tamil', 'telugu', 'kannada', 'malayalam'].entries()) {
    const c = (...offsets: number[]): string => String.fromCodePoint(...offsets.map((o) => 0x900 + i * 0x80 + o));
    const [RA, MA, SA, TA, AA, II, VIRAMA] = [0x30, 0x2e, 0x38, 0x24, 0x3e, 0x40, 0x4d];
    const ram = bank(c(RA, AA, MA, VIRAMA));
    const rama = bank(c(RA, MA, AA));
    const sita = bank(c(SA, II, TA, AA));
    const sati = bank(c(SA, TA, II));
    assert.notEqual(ram, rama, script);
    assert.notEqual(sita, sati, script);
    assert.match(ram, /^RAM$/, script);
    assert.match(rama, /^RAMA$/, script);
    assert.match(sita, /^S(I|EE)THA?$|^SITA$/, `${script}: ${sita}`);
  }
  // Every Devanagari vowel sign is heard.
  const signs = ['का', 'कि', 'कु', 'के', 'कै', 'को', 'कौ', 'कृ'].map(bank);
  assert.deepEqual(signs, ['KA', 'KI', 'KU', 'KE', 'KAI', 'KO', 'KAU', 'KRI']);
});

test('mixed Latin and Indic text: only the Indic runs change', () => {
  assert.deepEqual(toBankLatin('Mr. राजेश Kumar'), { text: 'Mr. RAJESH Kumar', scripts: ['devanagari'] });
  assert.deepEqual(toBankLatin('RAMESHभाई'), { text: 'RAMESHBHAI', scripts: ['devanagari'] });
  assert.deepEqual(toBankLatin('Shri ராமசாமி & Sons'), { text: 'Shri RAMASAMY & Sons', scripts: ['tamil'] });
  // Several scripts, repeated: listed once each, sorted.
  assert.deepEqual(toBankLatin('ರಮೇಶ್ राम ರಮೇಶ್ ਸਿੰਘ'), { text: 'RAMESH RAM RAMESH SINGH', scripts: ['devanagari', 'gurmukhi', 'kannada'] });
  // Two scripts inside one word are split by block.
  assert.deepEqual(toBankLatin('रामதமிழ்'), { text: 'RAMTHAMIZH', scripts: ['devanagari', 'tamil'] });
});

test('punctuation, spacing and digits are kept; a danda becomes a full stop', () => {
  assert.equal(bank('राजेश, कुमार (S/O मोहन)'), 'RAJESH, KUMAR (S/O MOHAN)');
  assert.equal(bank('  राम-लाल  '), '  RAM-LAL  ');
  assert.equal(bank("डी'सूज़ा"), "DI'SUZA");
  assert.equal(bank('रमेश।'), 'RAMESH.');
  assert.equal(bank('१२३ राम'), '123 RAM');
  assert.equal(bank('श्रीमती सीता देवी'), 'SHRIMATI SITA DEVI');
});

test('Latin-only input is returned unchanged, without touching sanscript', () => {
  const calls = countSanscriptCalls(() => {
    for (const s of ['', 'Ramesh Kumar', 'M/S GUPTA TRADERS PVT LTD', "Anita D'Souza", 'José Müller', '  spaced  ']) {
      const out = toBankLatin(s);
      assert.equal(out.text, s);
      assert.deepEqual(out.scripts, []);
      assert.equal(hasIndicScript(s), false);
    }
  });
  assert.equal(calls, 0);
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
    fc.pre(!/[\u0900-\u0D7F]/.test(s));
    assert.deepEqual(toBankLatin(s), { text: s, scripts: [] });
  }), { numRuns: 2000 });
});

test('hasIndicScript sees any of the nine blocks and nothing else', () => {
  for (const script of SCRIPTS) assert.equal(hasIndicScript(`x ${NAMES[script][0]![0]}`), true, script);
  assert.equal(hasIndicScript('\u08FF\u0D80 Sinhala සුනිල් Thai สมชาย'), false);
});

test('any text: Indic runs become ASCII letters and digits, everything else stays where it was', () => {
  const indic = fc.integer({ min: 0x900, max: 0xd7f }).map((cp) => String.fromCodePoint(cp));
  const other = fc.constantFrom(' ', 'a', 'Z', '.', ',', '-', '(', ')', '/', '&', '\u200d');
  fc.assert(fc.property(fc.array(fc.oneof(indic, indic, other), { maxLength: 30 }), (parts) => {
    const s = parts.join('');
    const { text, scripts } = toBankLatin(s);
    const pieces = s.split(/[\u0900-\u0D7F][\u0900-\u0D7F\u200C\u200D]*/);
    const shape = new RegExp(`^${pieces.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[A-Z0-9.]*')}$`);
    assert.match(text, shape);
    const expected = new Set<string>();
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0x900 && cp <= 0xd7f && cp !== 0x964 && cp !== 0x965) expected.add(SCRIPTS_IN_BLOCK_ORDER[(cp - 0x900) >> 7]!);
    }
    assert.deepEqual(scripts, [...expected].sort());
  }), { numRuns: 1000 });
});

test('known limits (docs/decisions/0031): Tamil initial k/g, t/d and Bengali final vowels', () => {
  // Tamil writes k and g (and t and d, p and b) with one letter; a word-initial stop is read voiceless.
  assert.equal(bank('கணேசன்'), 'KANESAN'); // bank: GANESAN
  assert.equal(bank('துர்கா'), 'THURGA'); // bank: DURGA
  assert.equal(bank('செந்தில்'), 'SENDIL'); // bank: SENTHIL (ந்த is nd in Sundaram, Govindan)
  // Bengali keeps the final vowel of some names; the adapter drops it after one consonant.
  assert.equal(bank('সুব্রত'), 'SUBRAT'); // bank: SUBRATA
  assert.equal(bank('সরকার'), 'SARAKAR'); // bank: SARKAR (Bengali medial schwa is kept by rule)
});

test('memoised per word: a repeated word calls sanscript once, and 10,000 memoised names are fast', () => {
  const fresh = 'ਕਰਮਜੀਤ ਧਾਲੀਵਾਲ';
  assert.equal(countSanscriptCalls(() => assert.equal(bank(fresh), 'KARAMJEET DHALIWAL')), 2);
  assert.equal(countSanscriptCalls(() => assert.equal(bank(fresh), 'KARAMJEET DHALIWAL')), 0);

  const names = SCRIPTS.flatMap((s) => NAMES[s].map(([native]) => native));
  for (const n of names) toBankLatin(n);
  let out = 0;
  const started = performance.now();
  const calls = countSanscriptCalls(() => {
    for (let i = 0; i < 10_000; i++) out += toBankLatin(names[i % names.length]!).text.length;
  });
  const ms = performance.now() - started;
  assert.equal(calls, 0, 'every word was memoised');
  assert.ok(out > 0);
  // Measured at about 5 ms on a 2-core machine; the bound only catches a lost memo or a pathological slowdown.
  assert.ok(ms < 2000, `10,000 memoised names took ${ms.toFixed(1)} ms`);
});

const SCRIPTS_IN_BLOCK_ORDER: readonly IndicScript[] = ['devanagari', 'bengali', 'gurmukhi', 'gujarati', 'oriya', 'tamil', 'telugu', 'kannada', 'malayalam'];

type SanscriptApi = { t(data: string, from: string, to: string): string };
const sanscriptApi = ((Sanscript as unknown as { default?: SanscriptApi }).default ?? Sanscript) as SanscriptApi;

/** How many times sanscript's t() ran during f. */
function countSanscriptCalls(f: () => void): number {
  const original = sanscriptApi.t;
  let calls = 0;
  sanscriptApi.t = (data, from, to) => {
    calls++;
    return original.call(sanscriptApi, data, from, to);
  };
  try {
    f();
  } finally {
    sanscriptApi.t = original;
  }
  return calls;
}

test('a letter before a full stop is an initial: the first letter, or the English letter it names', () => {
  assert.equal(toBankLatin('க. பழனிசாமி').text, 'K. PAZHANISAMY');
  assert.equal(toBankLatin('के. एस. रमेश').text, 'K. S. RAMESH');
  assert.equal(toBankLatin('आर. के. शर्मा').text, 'R. K. SHARMA');
  // A whole word before a full stop is still a word.
  assert.equal(toBankLatin('ரமேஷ்.').text, 'RAMESH.');
});
