// Word lists for the payee-name matcher. Everything is upper-case ASCII, compared after
// diacritics and punctuation are stripped. Lists are data, not logic: extend them freely, but
// keep a spelling variant out of KNOWN_DISTINCT_NAMES (two entries there are never typos of each other).

const words = (s: string): string[] => s.trim().split(/\s+/);

/** Salutations dropped from the front of a person's name (never from a business name). */
export const HONORIFICS: ReadonlySet<string> = new Set(words(`
  MR MRS MS MISS MST MX MASTER SHRI SRI SHREE SREE SH SHRIMAN SHRIMATI SMT SRIMATI SRIMATHI SUSHRI KUMARI KUM KM
  DR PROF LATE CAPT COL MAJ LT GEN BRIG ADV ER REV FR THIRU THIRUMATHI TMT SELVI SELVAN JANAB HAJI SARDAR SARDARNI
  DOCTOR PROFESSOR CAPTAIN ADVOCATE ENGR CA SHRIMATHI SREEMATHI SHREEMATI SRIMATHI HAJEE ALHAJ MAJOR RETD RETIRED
`));

/** Titles also written after the name ("Tapan Kumar Ghosh, Dr."). */
export const TRAILING_TITLES: ReadonlySet<string> = new Set(words('DR PROF ADV CA RETD RETIRED'));

/** Salutations that also begin given names (Sri + Devi = Sridevi, Thiru + Murugan): kept when the two make a name. */
export const NAME_FORMING_HONORIFICS: ReadonlySet<string> = new Set(words('SRI SREE SHRI SHREE THIRU'));
/** Of those, the ones that begin South Indian given names more often than they are a salutation. */
export const NAME_STARTING_HONORIFICS: ReadonlySet<string> = new Set(words('SRI SREE'));

/** A title that is also a pair of initials (CA / C A): dropped only in front of at least two more words. */
export const AMBIGUOUS_TITLES: ReadonlySet<string> = new Set(words('CA'));

/** Titles that are also given names (Major Singh, Captain Singh): dropped only before a distinctive name. */
export const NAME_TITLES: ReadonlySet<string> = new Set(words('MAJOR CAPTAIN CAPT'));

/** Respectful words written after a given name (Nilesh Bhai, Bhavna Ben, Rao Saheb): dropped like a salutation. */
export const NAME_HONORIFIC_SUFFIXES: ReadonlySet<string> = new Set(words('BHAI BEN BAHEN BEHN GARU SAHEB SAHAB JI'));

/** Honorifics that mean the same thing, so "Shri" vs "Sri" is not reported as a difference. */
export const HONORIFIC_CANON: ReadonlyMap<string, string> = new Map([
  ['SRI', 'SHRI'], ['SHREE', 'SHRI'], ['SREE', 'SHRI'], ['SH', 'SHRI'], ['SHRIMAN', 'SHRI'],
  ['SMT', 'SHRIMATI'], ['SRIMATI', 'SHRIMATI'], ['SRIMATHI', 'SHRIMATI'], ['KUM', 'KUMARI'], ['KM', 'KUMARI'],
  ['TMT', 'THIRUMATHI'], ['MESSRS', 'M/S'], ['SHRIMATHI', 'SHRIMATI'], ['SREEMATHI', 'SHRIMATI'], ['SHREEMATI', 'SHRIMATI'],
  ['DOCTOR', 'DR'], ['PROFESSOR', 'PROF'], ['CAPTAIN', 'CAPT'], ['ADVOCATE', 'ADV'], ['ENGR', 'ER'], ['HAJEE', 'HAJI'], ['ALHAJ', 'HAJI'],
  ['BAHEN', 'BEN'], ['BEHN', 'BEN'], ['SAHAB', 'SAHEB'],
]);

/** Spellings of a business legal form or stock descriptor, mapped to one canonical word. */
const LEGAL_SPELLINGS: ReadonlyArray<[string, string]> = [
  ['PRIVATE', 'PVT'], ['PVT', 'PVT'], ['LIMITED', 'LTD'], ['LTD', 'LTD'], ['COMPANY', 'CO'], ['CO', 'CO'],
  ['CORPORATION', 'CORP'], ['CORPN', 'CORP'], ['CORP', 'CORP'], ['INCORPORATED', 'INC'], ['INC', 'INC'],
  ['LLP', 'LLP'], ['LIMITEDLIABILITYPARTNERSHIP', 'LLP'], ['OPC', 'OPC'], ['ONEPERSONCOMPANY', 'OPC'], ['INTERNATIONAL', 'INTL'], ['INTL', 'INTL'], ['MANUFACTURING', 'MFG'], ['MFG', 'MFG'],
  ['BROTHERS', 'BROS'], ['BROS', 'BROS'], ['ASSOC', 'ASSOCIATES'], ['ASSOCS', 'ASSOCIATES'], ['ASSOCIATES', 'ASSOCIATES'],
  ['ENT', 'ENTERPRISES'], ['ENTP', 'ENTERPRISES'], ['ENTERPRISE', 'ENTERPRISES'], ['ENTERPRISES', 'ENTERPRISES'],
  ['INDS', 'INDUSTRIES'], ['INDUSTRY', 'INDUSTRIES'], ['INDUSTRIES', 'INDUSTRIES'],
  ['TRADER', 'TRADERS'], ['TRADING', 'TRADERS'], ['TRADINGS', 'TRADERS'],
];

/** Canonical legal forms: absent on one side costs little, and never makes two holders different people. */
export const LEGAL_FORMS: ReadonlySet<string> = new Set(words('PVT LTD CO CORP INC LLP OPC'));

/** Words that make a name a business (or another non-person entity such as an HUF or a trust). */
export const BUSINESS_WORDS: ReadonlySet<string> = new Set(words(`
  PVT LTD CO CORP INC LLP OPC HUF INTL MFG BROS ASSOCIATES ENTERPRISES INDUSTRIES TRADERS TRADING SONS AGENCIES AGENCY
  STORES STORE SOLUTIONS TECHNOLOGIES TECHNOLOGY SERVICES SYSTEMS INFOTECH SOFTWARE FOODS TEXTILES MILLS MOTORS
  AUTOMOBILES JEWELLERS JEWELERS PHARMA PHARMACEUTICALS MEDICALS MEDICAL HOSPITAL HOSPITALS CLINIC CONSTRUCTIONS
  CONSTRUCTION BUILDERS DEVELOPERS EXPORTS IMPORTS LOGISTICS TRANSPORT TRANSPORTS CARRIERS ELECTRICALS ELECTRONICS
  HARDWARE STEEL STEELS CEMENT CHEMICALS PLASTICS PACKAGING PRINTERS PUBLICATIONS TRUST FOUNDATION SOCIETY SAMITI
  ASSOCIATION SCHOOL COLLEGE BANK FINANCE FINANCIAL FINSERV CAPITAL INVESTMENTS HOLDINGS VENTURES HOTELS HOTEL
  RESTAURANT CATERERS TRAVELS TOURS DAIRY FARMS AGRO AGRI GARMENTS FASHIONS CREATIONS DESIGNS STUDIO MART BAZAAR
  EMPORIUM CENTRE CENTER GROUP INFRA INFRASTRUCTURE PROJECTS ENGINEERING ENGINEERS WORKS DISTRIBUTORS SUPPLIERS
  SUPPLY SWEETS BAKERY KIRANA TRADELINKS OVERSEAS CONSULTANTS CONSULTANCY MARKETING FABRICS POWER ENERGY CHARITABLE
  PRODUCTS CONTRACTORS EXPORTERS IMPORTERS TRANSPORTERS MANUFACTURERS PROCESSORS TAILORS BOUTIQUE COLLECTIONS
  FURNITURE FURNISHERS OPTICALS OPTICIANS PHOTOSTAT XEROX DECORATORS TENT CABLES NETWORKS TELECOM REALTY ESTATES
  POLYMERS AUTO SPARES PARTS DRUGS DRUG CHEMISTS PHARMACY LABORATORIES LABS DIAGNOSTICS SURGICALS SCIENTIFIC
  SANSTHAN PRATISHTHAN SANGH SABHA SAMAJ MISSION ACADEMY INSTITUTE VIDYALAYA
  SEEDS FERTILIZERS FERTILISERS NURSERY PAPERS PRESS OILS RICE FLOUR SPICES METALS TILES MARBLES GRANITES CERAMICS
  GLASS TIMBER PLYWOOD PAINTS SANITARY HANDLOOM HANDICRAFTS SAREES APPARELS FOOTWEAR SHOES LEATHER RUBBER JUTE
  COTTON YARN GARAGE WORKSHOP TYRES BATTERIES MOBILES COMPUTERS MARKET MEMORIAL EDUCATIONAL
  SANSTHA NYAS SMARAK WELFARE SAHAKARI PARISHAD KENDRA DEPOT BHANDAR SALES IMPEX MEDICOS PETROLEUM PARTNERS
  PRINTING DAIRIES CATERING AUTOS PACKAGERS FABRICATION FABRICATORS SON
`));

/**
 * Spellings of a business legal form or descriptor, mapped to one canonical word. A descriptor's
 * singular and plural are one word (Export / Exports, Agency / Agencies): a grammatical variant, not
 * another business (the MCA's name-availability rules read them the same way).
 */
export const LEGAL_CANON: ReadonlyMap<string, string> = new Map([
  ...[...BUSINESS_WORDS].flatMap((w): Array<[string, string]> => {
    if (w.endsWith('IES')) return [[`${w.slice(0, -3)}Y`, w]];
    // Not the singulars that are Parsi and Gujarati surnames (Tailor, Contractor, Engineer).
    if (w.endsWith('S') && !w.endsWith('SS') && !['SONS', 'BROS', 'OVERSEAS', 'WORKS', 'ASSOCIATES', 'TAILORS', 'CONTRACTORS', 'ENGINEERS'].includes(w)) return [[w.slice(0, -1), w]];
    return [];
  }),
  ...LEGAL_SPELLINGS,
]);

/** Words that make a name a separate entity, never a person's own trade name: a person is not their HUF or trust. */
export const ENTITY_WORDS: ReadonlySet<string> = new Set(words(`
  HUF TRUST FOUNDATION SOCIETY SAMITI ASSOCIATION CHARITABLE SCHOOL COLLEGE BANK HOSPITAL HOSPITALS SANGH
  SANSTHAN PRATISHTHAN SABHA SAMAJ MISSION ACADEMY INSTITUTE VIDYALAYA MEMORIAL EDUCATIONAL
  SANSTHA NYAS SMARAK WELFARE SAHAKARI PARISHAD
`));

/** Business words that name more people than the one in the name (Sharma & Sons, Agarwal Bros, & Associates). */
export const DESCRIPTOR_EXCLUDED: ReadonlySet<string> = new Set(words('SONS SON BROS ASSOCIATES GROUP HOLDINGS PARTNERS'));

/** Connector words dropped everywhere; a difference in them is a legal-form spelling, not a name difference. */
export const CONNECTORS: ReadonlySet<string> = new Set(words('AND THE OF'));

/** Words linking a sole proprietorship to its owner ("ABC TRADERS PROP RAMESH KUMAR"). */
export const PROPRIETOR_WORDS: ReadonlySet<string> = new Set(words('PROP PROPR PROPRIETOR PROPRIETRIX PROPRIETRESS PROPRIETORSHIP'));

/**
 * Tokens shared by huge numbers of unrelated people. They count half as much, and sharing only
 * these never makes two names the same holder.
 */
export const WEAK_TOKENS: ReadonlySet<string> = new Set(words(`
  KUMAR KUMARI DEVI SINGH KAUR BAI BEN BHAI LAL RAM MUHAMMAD BEGUM KHATOON KHATUN BIBI ABDUL SYED SHEIKH RAO CHAND
  PRASAD NATH DAS RANI BABU KHAN SRI VENKATA LATA BALA BANO
`));

/**
 * Common tokens that sit in the surname slot (Mohan Kumar, Sunita Devi, Gurpreet Singh): moving them
 * does not swap two given names.
 */
export const SURNAME_SLOT_TOKENS: ReadonlySet<string> = new Set(words('KUMAR KUMARI DEVI SINGH KAUR BAI BEN BHAI BEGUM KHATOON KHATUN BIBI BANO RANI LAL'));

/**
 * Given names somewhere, but in Indian names far more often the surname (Rahul Roy, Amit Anand): where
 * they stand swaps no given names. Kerala's patronymic names (Thomas, Joseph) are not among them.
 */
export const USUALLY_SURNAMES: ReadonlySet<string> = new Set(words('ROY PAL ANAND RANA NANDA PANDIT BHAGAT MADAN PRABHU KAUSHIK SINHA'));

/** Common first parts of a name (Mohammed Arif, Syed Anwar, Venkata Ramana): where they stand swaps no given names. */
export const NAME_PREFIX_TOKENS: ReadonlySet<string> = new Set(words('MUHAMMAD ABDUL SYED SHEIKH SRI VENKATA SAI'));

/** Pairs of different names that share a phonetic key, alphabetical, one space between. */
export const SAME_KEY_DISTINCT: ReadonlySet<string> = new Set(['DAS DASH', 'GAURI GHORI', 'GHORI GOURI', 'GHORI GOWRI']);

/** Canonical entries of TOKEN_VARIANTS whose spellings are abbreviations or forms of one word, not two names: a match. */
export const CURATED_CANON: ReadonlySet<string> = new Set(words('MUHAMMAD SHEIKH SHRI'));

/** Whole-token spelling variants that phonetic rules cannot reach, mapped to one canonical spelling. */
export const TOKEN_VARIANTS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    MUHAMMAD: 'MOHD MD MOHAMMED MOHAMMAD MOHAMED MOHAMAD MUHAMMED MUHAMAD MAHAMMAD MOHAMMADH MOHAMMEDH MOHMMAD MOHAMMD',
    SHEIKH: 'SK SHK SHAIKH SHEK SHAIK SHEKH SHEIK SHAIKHH',
    SYED: 'SAYYED SAYED SAIYED SAIYAD SYYED SAYYAD SAYYID SYED',
    SHRI: 'SRI SHREE SREE',
    LAKSHMI: 'LAXMI LAKSMI LUXMI LAKSHMY',
    CHOUDHARY: 'CHAUDHARY CHAUDHARI CHOUDHARI CHAUDHRY CHOUDHURY CHOWDHURY CHOWDHARY CHAUDHURI CHOWDARY CHOWDHRY',
    BEGUM: 'BEGAM',
    RAHMAN: 'REHMAN RAHEMAN REHAMAN',
    GOEL: 'GOYAL',
    DSOUZA: 'DESOUZA DSOUSA DESOUSA',
    HUSSAIN: 'HUSAIN HOSSAIN HUSSEIN HOSAIN HUSEIN',
    TIWARI: 'TEWARI TIWARY TEWARY',
    AGARWAL: 'AGRAWAL AGGARWAL AGARWALA AGRAWALA',
    SRIVASTAVA: 'SHRIVASTAVA SRIVASTAV SHRIVASTAV SRIVASTVA',
    VARGHESE: 'VARGIS VERGHESE VARGHEES VARGESE',
    BANO: 'BANU',
  }).flatMap(([canon, variants]) => words(variants).map((v): [string, string] => [v, canon])),
);

/**
 * Common given names and surnames that are different names even when one edit apart
 * (Ramesh/Rajesh, Kavita/Savita, Kamal/Kamala, Patel/Patil). Two distinct entries are never typos of each other.
 */
export const KNOWN_DISTINCT_NAMES: readonly string[] = words(`
  RAMESH SURESH MAHESH RAJESH RAKESH MUKESH NARESH DINESH GANESH UMESH YOGESH HITESH NILESH JIGNESH PARESH KAMLESH
  RITESH NITESH MITESH BHAVESH DEVESH LOKESH RUPESH BRIJESH SANJAY AJAY VIJAY ABHAY AKSHAY UDAY VINAY ANIL SUNIL
  SUSHIL KAPIL NIKHIL AKHIL MOHAN SOHAN ROHAN KIRAN KARAN ARUN VARUN TARUN KARUN ARJUN AMIT SUMIT ROHIT MOHIT NITIN
  NITISH SATISH HARISH GIRISH MANISH MANISHA RAJIV SANJIV ASHOK ALOK VIKAS VILAS AKASH PRAKASH VIKRAM KAMAL KAMALA
  VIMAL VIMALA NIRMAL NIRMALA SUSHILA PREM PREMA SHYAM SHYAMA DEEPAK DEEPA DEEPIKA KAVITA SAVITA SARITA SUNITA ANITA
  NAMITA LALIT LALITA MAMTA SEEMA HEMA REKHA LEKHA NEHA SNEHA PRIYA PRIYANKA POOJA RITA GITA SITA NITA RANI RAVI
  RAJU RAMU RAJAN RAJANI RANJAN RANJANA SACHIN SACHIT PRAMOD PRAMILA VINOD MANOJ SAROJ MANJU ANJU ARPITA ARPAN HETAL
  HEMAL KUNAL KOMAL SONAL MEENA REENA TEENA VEENA LEENA KUMAR KUMARI SURAJ SURAJIT IRFAN IMRAN ARIF ASIF AMIR AMIN
  RAFI RAFIQ SALIM SALMAN SALMA ASLAM AKRAM NASIR NASIRA SAJID SAJIDA ZAHID ZAHIDA JAVED RASHID RASHIDA HAMID HAMIDA
  FARID FARIDA SHAHID SHAHIDA WAHID WAHIDA SHABANA SHAHANA HARPREET MANPREET JASPREET GURPREET KULDEEP GURDEEP
  HARDEEP MANDEEP SANDEEP JAGDEEP BALDEV BALBIR BALWANT JASWANT HARJIT MANJIT GURJIT RANJIT LAKSHMI LAKSHMAN SENTHIL
  ANAND ARVIND HARI HARINI HARSH GOPAL GOPI MURALI RAGHU RAGHAV MADHU MADHAV KESHAV JOHN JOSEPH MARY ANNIE RAHUL
  RAJAT BHARAT SHARAD SHARDA VIVEK KIRTI KRITI NALIN NAVIN SUMAN SUMANA SUMITA AMITA MOHINI ROHINI NARENDRA SURENDRA
  RAJENDRA MAHENDRA DEVENDRA JITENDRA UPENDRA VIRENDRA DHARMENDRA GAJENDRA PATEL PATIL GUPTA GUPTE MEHTA MEHRA MENON
  MEMON KHAN KHANNA THAKUR THAKKAR MITRA MISHRA YADAV JADHAV SETH SETHI SINHA RATHOD RATHORE SHARMA BHATIA
`);
