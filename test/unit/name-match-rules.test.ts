// One test per rule added in the second round (docs/name-match/labelling-policy.md): what each rule
// decides, its flag, and the cases on either side of its edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPayeeNames, type NameMatchFlag, type NameMatchReason, type NameMatchVerdict } from '../../src/name-match/name-matcher.js';
import { isTruncationOf } from '../../src/name-match/name-truncation.js';

function expectAll(pairs: ReadonlyArray<readonly [string, string]>, verdict: NameMatchVerdict, opts: { flag?: NameMatchFlag; reason?: NameMatchReason; noFlag?: NameMatchFlag } = {}): void {
  for (const [a, b] of pairs) {
    const out = matchPayeeNames(a, b);
    const what = `${a} | ${b} → ${JSON.stringify(out)}`;
    assert.equal(out.result, verdict, what);
    if (opts.flag) assert.ok(out.flags.includes(opts.flag), `${what} should flag ${opts.flag}`);
    if (opts.noFlag) assert.ok(!out.flags.includes(opts.noFlag), `${what} should not flag ${opts.noFlag}`);
    if (opts.reason) assert.ok(out.reasons.includes(opts.reason), `${what} should give ${opts.reason}`);
  }
}

/** The first `width` characters of the upper-cased name, as a fixed-width field keeps them. */
const cut = (name: string, width: number) => name.toUpperCase().slice(0, width).trimEnd();

test('truncation at 20, 30 and 35 characters, mid-word or on a space, is the same name with a truncated reason', () => {
  const names = [
    'Venkata Satya Narayana Murthy Kakarla', 'Sri Venkateswara Enterprises Private Limited', 'Kanakadurga Venkata Naga Lakshmi Prasanna',
    'Maharashtra State Electricity Distribution Co Ltd', 'Chandrasekhar Subramanian Iyer Ramanathan', 'Mohammed Abdul Rahman Siddiqui Qureshi',
  ];
  for (const width of [20, 30, 35]) {
    for (const name of names) {
      const registered = cut(name, width);
      assert.ok(registered.length >= width - 1, `${name} is long enough to be cut at ${width}`);
      // A 20-character field ending in a space keeps 19 characters: too short to call it a cut.
      if (registered.length < 20) {
        assert.ok(!matchPayeeNames(name, registered).flags.includes('truncated'), registered);
        continue;
      }
      const out = matchPayeeNames(name, registered);
      assert.equal(out.result, 'match', `${name} | ${registered}: ${JSON.stringify(out)}`);
      assert.deepEqual(out.reasons, ['truncated']);
      assert.ok(out.flags.includes('truncated'));
    }
  }
  // Cut inside a legal form, and on a space one short of the width.
  expectAll([
    ['Shree Venkateshwara Textiles Private Limited', 'SHREE VENKATESHWARA TEXTILES PRIVAT'],
    ['Gopalakrishnan Subramaniam Ramaiah Iyer', 'GOPALAKRISHNAN SUBRAMANIAM RAMAIAH'],
  ], 'match', { flag: 'truncated', reason: 'truncated' });
  assert.equal(cut('Gopalakrishnan Subramaniam Ramaiah Iyer', 35), 'GOPALAKRISHNAN SUBRAMANIAM RAMAIAH', 'a 35-character field whose last character was a space');
});

test('what is not truncation: a short name, the payer\'s side cut, other widths, an HUF or trust cut away, a changed letter', () => {
  // Under 20 characters a prefix is a missing surname, not a cut.
  expectAll([['Ramesh Kumar Sharma', 'RAMESH KUMAR']], 'close_match', { noFlag: 'truncated' });
  // The registered name is the longer one: the payer's 20 characters are not the bank's name.
  expectAll([['Kaveri Constructions', 'KAVERI CONSTRUCTIONS & DEVELOPERS']], 'no_match', { noFlag: 'truncated' });
  // Only "HUF" was cut away: a person is not their HUF, even at 20 characters.
  assert.equal(isTruncationOf('Ramesh Kumar Agarwal HUF', 'RAMESH KUMAR AGARWAL'), false);
  expectAll([['Ramesh Kumar Agarwal HUF', 'RAMESH KUMAR AGARWAL']], 'no_match');
  // 33 characters is no known width: a close match at best.
  expectAll([['Satyanarayana Venkata Subrahmanyam', 'SATYANARAYANA VENKATA SUBRAHMANYA']], 'close_match');
  // A cut whose kept part has another name in it.
  expectAll([['Venkata Satya Narayana Murthy Kakarla', 'VENKATA SATYA RAMANA MURTHY KAKA']], 'no_match');
});

test('names in Indic scripts are compared through transliteration, with a transliteration reason and a script_converted flag', () => {
  expectAll([
    ['राजेश कुमार', 'RAJESH KUMAR'], ['RAMESH PATEL', 'રમેશ પટેલ'], ['ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ', 'GURPREET SINGH'], ['রবীন্দ্রনাথ ঠাকুর', 'RABINDRANATH THAKUR'],
    ['ପ୍ରିୟଙ୍କା ମହାନ୍ତି', 'PRIYANKA MOHANTY'], ['ரமேஷ் குமார்', 'RAMESH KUMAR'], ['రమేష్ రెడ్డి', 'RAMESH REDDY'], ['ರಮೇಶ್ ಗೌಡ', 'RAMESH GOWDA'], ['രമേശ് നായർ', 'RAMESH NAIR'],
  ], 'match', { flag: 'script_converted', reason: 'transliteration' });
  // A different name stays different, in any script; vowel signs are part of the name.
  expectAll([['रमेश कुमार', 'SURESH KUMAR'], ['सीता देवी', 'सती देवी'], ['ரமேஷ்', 'SURESH']], 'no_match');
  // Native on both sides and identical: exact.
  assert.deepEqual(matchPayeeNames('सीता देवी', 'सीता देवी').reasons, ['exact']);
  // Latin on both sides: nothing converted.
  assert.ok(!matchPayeeNames('Ramesh Kumar', 'RAMESH KUMAR').flags.includes('script_converted'));
});

test('a given name written as one word or two is a match when the letters are the same', () => {
  expectAll([['Lakshmi Narayan', 'LAKSHMINARAYAN'], ['JAYAPRAKASH NARAYAN', 'Jaya Prakash Narayan'], ['Rajinder Pal Singh', 'RAJINDERPAL SINGH'], ['Sai Krishna', 'SAIKRISHNA']], 'match', { reason: 'joined_tokens' });
  // A join that also changes the spelling, or adds -kumar, is for a person to look at.
  expectAll([['Laxmi Narayan', 'LAKSHMINARAYAN'], ['Hiren Patel', 'HIRENKUMAR PATEL']], 'close_match');
});

test('salutations, titles and listed abbreviations are formatting', () => {
  expectAll([
    ['CA Rakesh Kumar Jain', 'RAKESH KUMAR JAIN'], ['Adv. Meena Iyer', 'MEENA IYER'], ['Capt Ajay Rawat', 'AJAY RAWAT'], ['Prof. Anil Gupta', 'ANIL GUPTA'],
    ['Tapan Kumar Ghosh, Dr.', 'TAPAN KUMAR GHOSH'], ['Col (Retd) Balbir Singh', 'BALBIR SINGH'], ['Mohd Irfan', 'MOHAMMED IRFAN'], ['Md. Salim Khan', 'MUHAMMAD SALIM KHAN'],
    ['Sk Rafiqul Islam', 'SHAIKH RAFIQUL ISLAM'], ['Shree Ganesh Traders', 'SRI GANESH TRADERS'],
  ], 'match');
  expectAll([['Late Ramesh Chandra', 'RAMESH CHANDRA']], 'match', { flag: 'deceased_marker' });
  // "C A Priya" is two initials, not a title; Sri before Devi is the name Sridevi.
  expectAll([['C A Priya', 'PRIYA']], 'close_match');
  expectAll([['Sri Devi Reddy', 'DEVI REDDY']], 'no_match');
  // Shri in front of a business on one side only: the same business, perhaps.
  expectAll([['Shree Ganesh Traders', 'GANESH TRADERS']], 'close_match');
});

test('-bhai, -ben, ji and the like after a given name are respect, not name', () => {
  expectAll([['Nilesh Patel', 'NILESHBHAI PATEL'], ['Bhavna Ben Shah', 'BHAVNABEN SHAH'], ['Mahesh Ji Sharma', 'MAHESH SHARMA'], ['Rameshbhai Patel', 'RAMESH BHAI PATEL']], 'match', { reason: 'honorific_ignored' });
  // Ramji and Balaji are names of their own; -kumar and -bai are part of a name.
  expectAll([['Ram Ji Lal', 'RAMJI LAL']], 'match');
  expectAll([['Hiren Shah', 'HIRENKUMAR SHAH'], ['Sita Pawar', 'SITABAI PAWAR']], 'close_match');
  // A suffix on another given name is another person.
  expectAll([['Nilesh Patel', 'MUKESHBHAI PATEL'], ['Hussainbhai Kapadia', 'HASANBHAI KAPADIA']], 'no_match');
});

test('relation clauses: the holder is the person before the clause', () => {
  expectAll([
    ['Sunita Devi', 'SUNITA DEVI W/O RAJESH KUMAR'], ['Manoj Kumar', 'MANOJ KUMAR SON OF SURESH PRASAD'], ['Ravi Teja', 'RAVI TEJA S.O. SRINIVAS'],
    ['Gurdeep Singh', 'GURDEEP SINGH SO HARBANS SINGH'], ['Ramesh Kumar S/O Mohan Lal', 'RAMESH KUMAR'],
  ], 'match', { flag: 'relation_clause', reason: 'relation_suffix_ignored' });
  // The payee is the father, or the two name different fathers.
  expectAll([['Suresh Kumar', 'RAMESH KUMAR S/O SURESH KUMAR'], ['Mohan Lal', 'RAMESH KUMAR S/O MOHAN LAL']], 'no_match');
  expectAll([['Ramesh Kumar S/O Mohan Lal', 'RAMESH KUMAR S/O HARI PRASAD']], 'no_match', { reason: 'different_relative', flag: 'relation_clause' });
  expectAll([['Ramesh Kumar S/O Mohan Lal', 'RAMESH KUMAR S/O MOHANLAL']], 'match');
});

test('entities: HUF, trust and company are not the person; a proprietor is linked to the firm', () => {
  expectAll([
    ['Ramesh Kumar Agarwal', 'RAMESH KUMAR AGARWAL HUF'], ['Mahesh Chand Bansal', 'MAHESH CHAND BANSAL H.U.F.'], ['Sharma Family Trust', 'SHARMA FOUNDATION'],
    ['Neha Kapoor', 'NEHA KAPOOR LLP'], ['Sanjeev Malhotra', 'SANJEEV MALHOTRA PVT LTD'], ['Kamla Devi', 'KAMLA DEVI CHARITABLE TRUST'],
  ], 'no_match');
  assert.ok(matchPayeeNames('Anil Kumar', 'ANIL KUMAR HUF').flags.includes('business_name_registered'));
  expectAll([['Balaji Traders', 'BALAJI TRADERS PROP RAMESH KUMAR'], ['Balaji Traders', 'RAMESH KUMAR PROPRIETOR BALAJI TRADERS']], 'match', { flag: 'proprietor_linked' });
  expectAll([['Ramesh Kumar', 'BALAJI TRADERS PROP. RAMESH KUMAR'], ['Nasreen Shaikh', 'NASREEN SHAIKH PROP. NOOR TAILORS']], 'close_match', { flag: 'proprietor_linked' });
  expectAll([['Suresh Kumar', 'BALAJI TRADERS PROP RAMESH KUMAR']], 'no_match');
  expectAll([['Annapurna Caterers LLP', 'ANNAPURNA CATERERS PVT LTD']], 'close_match', { flag: 'legal_form_differs', reason: 'legal_form_differs' });
  expectAll([['Sunrise Infra Pvt Ltd', 'SUNRISE INFRA LTD'], ['Orient Fabtech Pvt. Ltd.', 'ORIENT FABTECH PRIVATE LIMITED']], 'match');
  // A person against their own trade name, no legal form: the same person trading, perhaps.
  expectAll([['Ramesh Kumar Sharma', 'RAMESH KUMAR SHARMA TRADERS'], ['Biju Mathew', 'BIJU MATHEW RUBBER TRADERS']], 'close_match', { flag: 'business_name_registered' });
  expectAll([['Ravi Kumar', 'M/S RAVI KUMAR & SONS'], ['Mohan Lal', 'MOHAN LAL SAINI FURNITURE WORKS']], 'no_match');
});

test('another business word is another business; a grammatical form of the same word is not', () => {
  expectAll([
    ['Shiv Enterprises', 'SHIV EXPORTS'], ['Anand Ltd', 'ANAND FINANCE LTD'], ['Krishna Enterprises', 'KRISHNA AUTO ENTERPRISES'], ['Bikaner Sweets', 'BIKANER SWEETS & NAMKEEN'],
  ], 'no_match', { reason: 'different_business_word' });
  expectAll([
    ['Balaji Trader', 'BALAJI TRADERS'], ['Balaji Trading', 'BALAJI TRADERS'], ['Om Agencies', 'OM AGENCY'], ['Rajasthan Transport', 'RAJASTHAN TRANSPORTERS'],
    ['Sharma Engineers', 'SHARMA ENGINEERING'], ['Kisan Agro Product', 'KISAN AGRO PRODUCTS'],
  ], 'match');
});

test('two common names a letter or two apart are different people; a misspelling of one name is not', () => {
  expectAll([
    ['Rahul Rawat', 'RAHUL RAWAL'], ['Anusha Reddy', 'ANUSHKA REDDY'], ['Ramesh Kumar', 'RAJESH KUMAR'], ['Kavita Singh', 'SAVITA SINGH'],
    ['Anita Bhardwaj', 'ANKITA BHARDWAJ'], ['Raman Kumar Bhatia', 'RAJAN KUMAR BHATIA'],
  ], 'no_match');
  expectAll([['Prakash Verma', 'PRAKESH VERMA'], ['Srinivasan Iyer', 'SRINIVSAN IYER'], ['Chandrakant Jadhav', 'CHANDRAKANT JADAHV']], 'close_match', { reason: 'typo' });
  // Two spellings of one name, both listed, are a variant, not two people (the lexicon's variant groups).
  expectAll([['Subramanian Iyer', 'SUBRAMANIAM IYER']], 'close_match');
});

test('a lone given name is a close match at best; a lone surname or a middle name is no match', () => {
  expectAll([['Ramesh', 'RAMESH KUMAR SHARMA'], ['Ashwini', 'PATIL ASHWINI RAMESH'], ['Venkatesh', 'K VENKATESH'], ['PRIYANKA CHOPRA', 'Priyanka']], 'close_match', { flag: 'first_name_only' });
  expectAll([['Sharma', 'RAMESH KUMAR SHARMA'], ['Patil', 'PATIL ASHWINI RAMESH']], 'no_match', { flag: 'surname_only' });
  expectAll([['Ramesh', 'PATIL ASHWINI RAMESH'], ['Kumar', 'RAVI KUMAR'], ['Suresh', 'RAMESH KUMAR SHARMA']], 'no_match', { noFlag: 'first_name_only' });
});

test('two given names in swapped order are father and son; a given name and a surname swapped are not', () => {
  expectAll([['Thomas Joseph', 'JOSEPH THOMAS'], ['Mathew George', 'GEORGE MATHEW'], ['Senthil Murugan', 'MURUGAN SENTHIL'], ['Ali Hassan', 'HASSAN ALI']], 'no_match', { flag: 'reversed_given_names', reason: 'given_names_reversed' });
  expectAll([['Sharma Ramesh', 'RAMESH SHARMA'], ['Patil Ashwini', 'ASHWINI PATIL'], ['Nair Anil', 'ANIL NAIR'], ['SINGH GURPREET', 'Gurpreet Singh'], ['Kumar Mohan', 'MOHAN KUMAR']], 'match', { reason: 'token_order' });
});

test('flags come in their documented order and only when they apply', () => {
  assert.deepEqual(matchPayeeNames('Ravi Kumar', 'RAVI KUMAR').flags, []);
  assert.deepEqual(matchPayeeNames('Balaji Traders', 'BALAJI TRADERS PROP RAMESH KUMAR').flags, ['business_name_expected', 'business_name_registered', 'proprietor_linked']);
});
