"""FROZEN copy of the rules-2 packs (do not edit): the previous version, scored beside the current
packs by ``python -m warehouse evaluate --rules``.

Rule packs as data: each guideline rule, the clause it cites, its detector and its examples.

Patterns are RE2 (DuckDB's regex dialect: no look-around) and are code constants that the
engine embeds in SQL as string literals. A detector is one of:

- ``regex``: flags when ``pattern`` matches, every pattern in ``requires`` also matches, and
  ``unless`` (if any) does not; the evidence is the span ``pattern`` matched.
- ``nhs_number``: 10-digit candidates (``pattern``, plain or 3-3-4 with spaces/dashes) that pass
  the NHS Modulus 11 check (see :mod:`warehouse.rules.engine`); the evidence is the candidate.

``examples`` are posts the rule must flag, ``counter_examples`` hard negatives it must not; the
tests run both. Clause excerpts are copied verbatim from the published guidance
(``shared/realdata/guidelines/guideline_clauses.csv``) as reference data.
"""
from __future__ import annotations

from dataclasses import dataclass

ENGINE_VERSION = "rules-2"

SEVERITIES = ("low", "medium", "high")
APPLIES_TO = ("staff", "all")  # staff = posts by professional and organisation accounts
STAFF_ROLES = ("professional", "organisation")
FAMILIES = ("confidentiality", "clinical_advice", "boundaries", "incivility", "offensive", "copyright")
DETECTOR_KINDS = ("regex", "nhs_number")


@dataclass(frozen=True)
class Clause:
    body: str
    document: str
    url: str
    excerpt: str
    clause_id: str


@dataclass(frozen=True)
class Detector:
    kind: str
    pattern: str
    requires: tuple[str, ...] = ()
    unless: str | None = None


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    family: str
    severity: str
    applies_to: str
    clause: Clause
    explanation: str
    detector: Detector
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]


# --- clauses (verbatim short excerpts) ----------------------------------------------------------
_HCPC_URL = ("https://www.hcpc-uk.co.uk/standards/meeting-our-standards/communication-and-using-social-media/"
             "guidance-on-use-of-social-media/")
_SCOR_LEGAL_URL = ("https://www.sor.org/learning/document-library/somerad-guidance-radiography-workforce-professional-"
                   "use-social-media/legal-requirements-and-codes")
_RCGP_URL = "https://docslib.org/doc/1851948/in-partnership-with"
_NHSP_URL = "https://www.nhsponline.nhs.uk/articles/Knowledge/What-s-NHSP-s-guidance-of-social-media-use"

HCPC_TIP_1 = Clause("HCPC", "Guidance on the use of social media", _HCPC_URL,
                    "Do not post confidential or service user identifiable information.", "HCPC-TIP-1")
HCPC_TIP_2 = Clause("HCPC", "Guidance on the use of social media", _HCPC_URL,
                    "Maintain appropriate professional boundaries if you communicate with colleagues, service users "
                    "or carers.", "HCPC-TIP-2")
HCPC_TIP_3 = Clause("HCPC", "Guidance on the use of social media", _HCPC_URL,
                    "Do not post inappropriate or offensive material.", "HCPC-TIP-3")
SCOR_CONF_1 = Clause("Society and College of Radiographers", "SoMeRad guidance - Legal requirements and codes",
                     _SCOR_LEGAL_URL, "For SoMe, this means never uploading service user data or images.", "SCOR-CONF-1")
SCOR_CONF_2 = Clause("Society and College of Radiographers", "SoMeRad guidance - Legal requirements and codes",
                     _SCOR_LEGAL_URL, "Care should be taken about uploading photographs of a department where patients "
                     "or their data might be displayed.", "SCOR-CONF-2")
SCOR_SCOPE = Clause("Society and College of Radiographers", "SoMeRad guidance - Legal requirements and codes",
                    _SCOR_LEGAL_URL, "ensuring that you do not give advice to service-users or other professionals "
                    "which is outsid[e ...]", "SCOR-SCOPE")
RCGP_3 = Clause("RCGP", "Social Media Highway Code", _RCGP_URL,
                "Engage with the public but be cautious of giving personal advice", "RCGP-3")
RCGP_7 = Clause("RCGP", "Social Media Highway Code", _RCGP_URL,
                "Treat others with consideration, politeness and respect", "RCGP-7")
SCOR_TU_1 = Clause("Society of Radiographers (trade union guidance)", "Social Media Guidance (reps)",
                   "https://www.sor.org/employment-advice-and-support/trade-union-representation/social-media-guidance",
                   "Where networks are used to share ideas or to ask advice, it is important that personal details of "
                   "members or third parties are not published.", "SCOR-TU-1")
NHSE_EMP_1 = Clause("NHS Employers", "New to the NHS? Your guide to using social media in the NHS (as summarised "
                    "by HPMA / Croner)", "http://hpma.org.uk/node/2135",
                    "if you wouldn\u2019t say it aloud in the canteen, don\u2019t post it online.", "NHSE-EMP-1")
NHSP_1 = Clause("NHS Professionals (staff bank)", "What's NHSP's guidance for social media use?", _NHSP_URL,
                "Post pictures/comments/personal details/clinical details which identify any individual without their "
                "prior consent.", "NHSP-1")
NHSP_2 = Clause("NHS Professionals (staff bank)", "What's NHSP's guidance for social media use?", _NHSP_URL,
                "Pursue personal relationships with patients or service users", "NHSP-2")
# Copyright: SCoR's group guidance on disrepute, copyright and offensive comments (DESIGN.md; the
# SCOR-TU-1 page) has no verbatim excerpt on copyright in the clause file; NHSP-1 (pictures without
# prior consent) is the nearest verbatim clause, and the rule's explanation names copyright.

# --- shared pattern pieces ----------------------------------------------------------------------
# A 10-digit candidate, plain or 3-3-4 with spaces/dashes, with an optional international/trunk
# prefix captured so that the engine can drop phone numbers ("+44 161 496 0000").
NHS_CANDIDATE = r"(?:\+\d{1,3}[ -]?|\(0\)[ -]?)?\b\d{3}[ -]?\d{3}[ -]?\d{4}\b"
_NAME = r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z](?:'[A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:[- ][A-Z][a-z]+)?"
_PLACE = r"(?i:\b(?:bay|bed|ward|cubicle|side ?room|resus|majors|room)\s*\d+[a-z]?\b)"
_AGE = r"(?i:\b\d{1,3}\s?(?:yo|y/o|y\.o\.|(?:years?|weeks?|months?)[- ]old|yr[- ]old|yrs? old)\b)"
_DIAGNOSIS = (r"(?i:\b(?:fractured?|broken|cancer|carcinoma|tumou?r|metastas[ie]s|mets|dementia|overdose|stroke|"
              r"dnacpr|dnr|pneumothorax|sepsis|miscarriage|ectopic|lymphoma|leukaemia|hiv|psychosis)\b)")
_CONSENT = (r"(?i)\b(?:with|given|gave|giving|gives|had|got|obtained|have)\b[^.!?]{0,40}\b(?:permission|consent)\b|"
            r"\bconsented\b|\b(?:permission|consent)\b[^.!?]{0,30}\b(?:given|obtained|gained|granted)\b|"
            r"\b(?:asked|wanted|happy for|agreed for|said) (?:us|me|we|i) (?:to |could )?share\b")
# the person's own clinical event: "her 5th scan", "in for a biopsy"
_OWN_EVENT = (r"(?i:\b(?:her|his|their|in for(?: an?)?)\s+(?:\w+\s+)?(?:scans?|x-?rays?|mammograms?|biopsy|biopsies|"
              r"ct|mri|ultrasound|recall|results?)\b)")
_DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
_TODAY = r"(?i)\b(?:today|tonight|this (?:morning|afternoon|evening)|last night|just now|on (?:my|the) shift|earlier)\b"
_IMAGE_NOUN = r"(?:photo|pic|picture|image|screenshot|screen ?grab|snap|shot|video)s?"
_SCAN = r"(?:scans?|x-?rays?|radiographs?|films?|ct|mri|ultrasound|mammograms?|pacs|ris|worklists?|whiteboards?|the board)"
_COLLEAGUE = (r"(?:managers?|bosses|boss|colleagues?|consultants?|registrars?|radiologists?|radiographers?|reg|sonographers?|"
              r"porters?|nurses?|doctors?|docs|trust|department|dept|management|team lead|patients?|pts?|band ?\d|"
              r"supervisors?|superintendents?|matrons?|chief exec(?:utive)?|ceo|execs|board|it (?:department|team)|"
              r"students?|receptionists?|admin team|mammographers?)")
_INSULT_WORDS = r"(?:idiots?|morons?|pricks?|muppets?|clowns?|dicks?|tossers?|knobs?|twats?|imbeciles?|plonkers?|cretins?)"
_INSULT = (r"(?:idiots?|morons?|useless|incompetent|clueless|lazy|pathetic|a joke|a disgrace|clowns?|imbeciles?|"
           r"stupid|thick|brain ?dead|a waste of space|a nightmare|scum|vile|pricks?|dicks?)")
_SLURS = (r"retard(?:ed|s)?|spaz(?:zy|zes)?|tranny|trannies|faggots?|fags|poofs?|pakis?|chinky|chinks|gypos?|pikeys?|"
          r"mongs?|wogs?|dykes?|nonces?|shemales?")
_GROUPS = (r"(?:women|men|muslims|jews|christians|hindus|sikhs|immigrants|foreigners|migrants|gays|lesbians|trans people|"
           r"old people|pensioners|disabled people|black people|asians|poles|romanians)")

# individual clinical advice: alternatives joined into one pattern
_FINDING = (r"(?:lump|mass|scan|results?|mammogram|x-?ray|shadow|cyst|mole|nodule|symptoms?|pain|swelling|report|"
            r"images?|fracture|calcifications?|spot|area|biopsy)")
_DRUGS = (r"(?:ibuprofen|paracetamol|co-?codamol|codeine|naproxen|metformin|warfarin|apixaban|rivaroxaban|aspirin|"
          r"tamoxifen|letrozole|anastrozole|steroids|antibiotics)")
_ADVICE = "|".join((
    r"(?i)\byour (?:lump|mass|scan|results?|mammogram|x-?ray|shadow|cyst|mole|nodule|"
    r"symptoms?|pain|swelling|report|images?|fracture|calcifications?)\s+(?:sounds?|looks?|seems?|"
    r"is|are|will be|should be)\s+(?:\w+\s+)?(?:benign|fine|normal|nothing|harmless|ok|okay|"
    r"cancer|cancerous|malignant|serious|clear|like a|likely)\b|\b(?:it|that|this)\s+"
    r"(?:sounds|looks)\s+(?:like\s+)?(?:a |an )?(?:benign|cyst|fibroadenoma|harmless|nothing|"
    r"sprain|fracture)\b|\bdon'?t worry,?\s+(?:it'?s|it is|that'?s|that is)\s+(?:probably|"
    r"just|only|nothing|almost certainly|definitely)\b|\byou (?:should|need to|can)\s+(?:stop|"
    r"take|double|increase|reduce|skip)\s+(?:your\s+)?\w+\s+(?:\d+\s?mg|tablets?|"
    r"medication|meds)\b|\b(?:that'?s|it'?s|it is|that is)\s+(?:just|only|probably|almost certainly|"
    r"definitely)\s+(?:a |an )?(?:cyst|fibroadenoma|sprain|bruise|nothing|benign|normal|harmless)"
    r"\b|\bsounds like nothing\b|\byou (?:definitely |probably |almost certainly |certainly )?"
    r"(?:don'?t|do not|won'?t) have (?:cancer|a tumou?r|a fracture|anything serious)\b|\b(?:i'?d|"
    r"i would|you can|you could)\s+(?:just\s+)?(?:skip|ignore|cancel|not bother with)\s+(?:the|"
    r"your)\s+(?:recall|appointment|scan|biopsy|screening|follow[- ]up)\b|\bwouldn'?t bother "
    r"(?:going back|with the (?:recall|appointment|scan|biopsy))\b",
    # "your scan looked fine", "the shadow on your lung is probably just scarring"
    r"(?i)\byour " + _FINDING + r"\s+(?:looked|seemed|was|were)\s+(?:\w+\s+)?(?:benign|fine|normal|clear|ok|okay)\b",
    r"(?i)\b" + _FINDING + r"\s+(?:on|in)\s+your\s+\w+\s+(?:is|are|sounds?|looks?)\s+(?:\w+\s+){0,2}?(?:benign|fine|"
    r"normal|nothing|harmless|just|probably|likely)\b",
    # symptoms the person described: "calcifications like you describe are ...", "sounds like you've cracked a rib"
    r"(?i)\b(?:like|as|what) you(?:'ve| have)? describ(?:e|ed)\b[^.!?]{0,40}\b(?:benign|fine|nothing|normal|harmless|"
    r"cyst|sprain|fracture|cancer)\b|\bfrom your description\b",
    r"(?i)\bsounds like (?:you'?ve|you have)\s+(?:\w+\s+)?(?:cracked|broken|fractured|pulled|torn|sprained)\b",
    # "it's very unlikely to be cancer", "it's definitely not cancer"
    r"(?i)\b(?:it'?s|it is|that'?s|that is|yours is)\s+(?:very |highly |really |most )?(?:unlikely|not likely) to be\b",
    r"(?i)\b(?:it'?s|it is|that'?s|that is)\s+(?:definitely|almost certainly|probably|certainly|most likely)\s+not\s+"
    r"(?:cancer|cancerous|malignant|serious|anything serious|a fracture|broken)\b",
    # "that's a fibroadenoma"
    r"(?i)\b(?:that'?s|it'?s|it is|that is)\s+(?:a |an )(?:cyst|fibroadenoma|lipoma|sprain|pulled muscle|cracked rib)\b",
    # medication and attendance instructions
    r"(?i)\b(?:take|stop|double|increase|reduce|skip)\s+(?:your\s+)?(?:\d+\s?mg\s+(?:of\s+)?)?" + _DRUGS + r"\b",
    r"(?i)\b(?:you\s+)?(?:don'?t|do not) need to (?:go to|attend|come to|come in for|bother with|have)\s+(?:the|your)\s+"
    r"(?:recall|appointment|scan|biopsy|follow[- ]up|x-?ray)\b",
))


RULES: tuple[Rule, ...] = (
    # --- confidentiality --------------------------------------------------------------------------
    Rule("CONF-NHS-NUMBER", "NHS number in a post", "confidentiality", "high", "all", HCPC_TIP_1,
         "The post contains a 10-digit number that passes the NHS number checksum (Modulus 11). An NHS number "
         "identifies a patient and must never be posted publicly, by staff or by the patient.",
         Detector("nhs_number", NHS_CANDIDATE),
         examples=("Patient NHS no 401 023 2137 needs rebooking for CT", "nhs number 943-476-5919 pls chase",
                   "Ref 4010232137 for the lady in bay 2"),
         counter_examples=("Call the booking team on 0161 234 5678", "Call us on +44 161 496 0000",
                           "Ref 4010232138 attached",  # checksum fails
                           "Tel 1111111111", "Test patient 999 123 4568",
                           "Tweet id 12345678901234 went viral")),
    Rule("CONF-HOSPITAL-NUMBER", "Hospital number / MRN in a post", "confidentiality", "high", "staff", HCPC_TIP_1,
         "The post quotes a hospital (medical record) number. Like an NHS number it identifies a patient.",
         Detector("regex", r"(?i)\b(?:mrn|hospital (?:number|no\.?|num)|hosp\.? ?no\.?|patient (?:id|number|no\.?)|"
                           r"unit (?:number|no\.?)|k ?number|rtx)\s*[:#.]?\s*[a-z]{0,3}\d[\da-z]{4,}\b"),
         examples=("Can someone find MRN: RX1234567 on PACS", "hosp no 12345678 still waiting for a report",
                   "patient ID: K0123456 booked twice"),
         counter_examples=("Ring the hospital number on your appointment letter",
                           "Your hospital number is on the top of your letter")),
    Rule("CONF-NAME-DETAIL", "Named patient with clinical or location detail", "confidentiality", "high", "staff",
         NHSP_1,
         "A titled name appears next to a bed/bay/ward, an age or a diagnosis: together these can identify the "
         "patient and disclose clinical details without consent.",
         Detector("regex", _NAME + r"[^.!?\n]{0,60}(?:" + _PLACE + r"|" + _AGE + r"|" + _DIAGNOSIS + r"|" + _OWN_EVENT
                  + r")|(?:"
                  + _PLACE + r"|" + _AGE + r"|" + _DIAGNOSIS + r")[^.!?\n]{0,60}" + _NAME),
         examples=("Mrs Smith in bay 4 has been waiting 6 hours for her CT", "Mr Jones, 82 years old, query fractured NOF",
                   "Bed 12 is Mr Patel, the one with the stroke",
                   "Mrs Jones from Crewe back again for her 5th scan this month",
                   "Mrs O'Neill back again for her 5th scan", "Mr McDonald in bay 3 with a broken wrist"),
         counter_examples=("Bay 4 has our new scanner!", "Congratulations to Mrs Patel, superintendent radiographer, "
                           "on 30 years in CT", "Mrs Smith from the breast unit is running the marathon",
                           "Mr Ahmed, our new superintendent, has his first day in MRI")),
    Rule("CONF-DOB", "Date of birth or age with a date", "confidentiality", "high", "staff", SCOR_TU_1,
         "A date of birth (or an age with a date) in a post is a personal detail of a third party that "
         "identifies the patient.",
         Detector("regex", r"(?i)\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\s*(?:is|was|of)?\s*[:\-]?\s*" + _DATE
                  + r"|" + _AGE + r"[^.!?\n]{0,40}\b" + _DATE),
         examples=("Lady DOB 12/03/1950 on the list twice", "date of birth: 01.02.1988, please check the request",
                   "his DOB is 05/06/1944 so he's not on the screening list",
                   "89 year old seen on 14/05/24 with a fall"),
         counter_examples=("Please bring your date of birth and NHS number to your appointment",
                           "Women aged 50 to 71 are invited every 3 years", "Clinic on 14/05/24 is cancelled")),
    Rule("CONF-PATIENT-ANECDOTE", "Patient anecdote with age and time", "confidentiality", "medium", "staff",
         HCPC_TIP_1,
         "A story about a patient seen today with their age: together with the author's workplace this can "
         "identify the patient.",
         Detector("regex", _AGE, requires=(r"(?i)\b(?:patient|pt|lady|gentleman|gent|man|woman|boy|girl|baby|chap|"
                                           r"grandad|granny|nan)\b", _TODAY)),
         examples=("Lovely 92 year old lady in for her hip x-ray today, told me all about the war",
                   "Had a 4yo boy this morning who swallowed a coin"),
         counter_examples=("Women aged 50 to 71 are invited every 3 years", "Happy 90th birthday to my nan today",
                           "Scanning a 20 year old phantom today for QA")),
    Rule("CONF-IMAGE", "Image or screenshot of scans or patient systems", "confidentiality", "high", "staff",
         SCOR_CONF_1,
         "The post shares (or says it shares) an image of a patient's scan, or a screenshot/photo of PACS, RIS, a "
         "worklist or a whiteboard, which can display patient data. Consented images are not flagged.",
         Detector("regex", r"(?i)\b" + _IMAGE_NOUN + r"\s+(?:of|from)\s+(?:[\w']+\s+){0,4}?" + _SCAN + r"\b|\b"
                  + _SCAN + r"\s+" + _IMAGE_NOUN + r"\b|\b(?:look at|check out|have a look at|look what)\s+(?:this|"
                  r"these|today's|tonight's)\s+(?:\w+\s+){0,2}?" + _SCAN + r"\b",
                  unless=_CONSENT),
         examples=("Screenshot of our PACS worklist, what a night", "Look at this x-ray from today, crazy fracture",
                   "Photo of the department whiteboard after a busy shift"),
         counter_examples=("Shared with the patient's permission: look at this x-ray from today",
                           "Picture of our new scanner arriving!", "Our new PACS goes live on Monday")),
    # --- clinical advice ------------------------------------------------------------------------------
    Rule("ADVICE-INDIVIDUAL", "Individual clinical advice or reassurance", "clinical_advice", "medium", "staff",
         RCGP_3,
         "A staff reply gives an individual an opinion on their own symptoms, scan or results, or tells them not "
         "to worry. Individual advice belongs in a consultation; signpost instead (GP, NHS 111, the unit).",
         # "If you take metformin ..., tell us" is a standard instruction to everyone, not advice
         Detector("regex", _ADVICE, unless=r"(?i)\bif you(?:'re| are)? (?:take|taking|on|use|using)\b"),
         examples=("@jo_b your lump sounds benign, don't worry", "Don't worry, it's probably just a cyst x",
                   "It sounds like a fibroadenoma to me", "you should stop your metformin tablets for 2 days",
                   "from what you've described that's just a cyst, I wouldn't bother going back",
                   "sounds like nothing to me, I'd skip the recall tbh", "you definitely don't have cancer, stop worrying x"),
         counter_examples=("If you find a lump, please contact your GP", "Your results will be sent to your GP "
                           "within 2 weeks", "Most breast lumps are not cancer, but always get them checked",
                           "Please don't skip your recall appointment", "It's just a routine appointment, nothing to "
                           "prepare", "Keep taking your usual medicines. If you take metformin and are having "
                           "contrast, tell us when you arrive.")),
    # --- boundaries -----------------------------------------------------------------------------------
    Rule("BOUND-PRIVATE-CHANNEL", "Moving a patient to a private channel", "boundaries", "medium", "staff",
         HCPC_TIP_2,
         "A staff member invites someone to their own DMs, private messages, personal number or personal "
         "social accounts, or follows a patient on their personal social media. Contact with service users should stay "
         "on official channels (\"DM us\" to an organisation account is not flagged, nor is a retweet).",
         Detector("regex", r"(?i)\b(?:dm|pm|inbox|message|msg|text|whatsapp|snap|email)\s+me\b|\b(?:drop|send|slide "
                           r"into)\s+(?:me\s+)?(?:a\s+)?(?:dm|pm|private message|my dms)\b|\bmy (?:personal|own|private)"
                           r"\s+(?:number|mobile|phone|email|account|facebook|instagram|insta)\b|\badd me on\s+"
                           r"(?:facebook|fb|insta|instagram|snapchat|whatsapp|tiktok)\b|\bmy dms are open\b|"
                           r"\b(?:ring|call|phone)\s+me\s+on\s+my\b|\b(?:followed|added|friended)\s+(?:a|my|the|this|that)\s+(?:\w+\s+)?"
                           r"patient\b[^.!?\n]{0,40}\b(?:on\s+)?(?:insta\w*|facebook|fb|snapchat|tiktok)\b",
                  unless=r"^RT @"),
         examples=("@sarah_k DM me and I'll look at your scan", "Drop me a private message hun x",
                   "Text me on my personal number 07700 900123",
                   "Added my patient from this morning on Facebook, she's lovely"),
         counter_examples=("Please send us a DM with your details and our team will look into it",
                           "Radiographer. Views my own.", "Contact PALS on 0161 234 5678",
                           "RT @friend: text me when you get home safe")),
    Rule("BOUND-RELATIONSHIP", "Pursuing a personal relationship with a patient", "boundaries", "high", "staff",
         NHSP_2,
         "A staff member asks a patient out or remarks on a patient's attractiveness.",
         Detector("regex", r"(?i)\b(?:fit|fittest|hot|hottest|cute|cutest|gorgeous|sexy|stunning)\s+(?:patient|pt)s?\b|"
                           r"\b(?:asked|ask)\s+(?:a|my|the|this|that)\s+patient\b[^.!?\n]{0,30}?\s(?:out|for (?:a drink|a "
                           r"date|a coffee|her number|his number|their number))\b"),
         examples=("Had a really fit patient in MRI today 😍", "Should I ask the patient out for a drink?",
                   "Asked the patient in the 2pm slot for his number 🙈"),
         counter_examples=("Keep fit for your bone health: walking helps", "Our patient survey is out now")),
    # --- incivility -----------------------------------------------------------------------------------
    Rule("INCIV-PERSONAL", "Aggressive or personal criticism of colleagues, employer or patients", "incivility",
         "medium", "staff", RCGP_7,
         "Insulting language aimed at colleagues, managers, the employer or patients, or derogatory slang for "
         "patients. Raise concerns through the proper channels instead.",
         Detector("regex", r"(?i)\b(?:my|our|the|this|that|these|those|some)\s+(?:\w+\s+)?" + _COLLEAGUE
                  + r"(?:\s+(?:today|tonight|here|again|round here|in (?:our|my|this|that) \w+))?\s+(?:is|are|was|were)\s+(?:so\s+|such\s+|a\s+|an\s+|totally\s+|completely\s+|absolutely\s+|"
                  r"utterly\s+|bloody\s+|absolute\s+|f\w*ing\s+|just\s+|really\s+|honestly\s+|total\s+|complete\s+|"
                  r"bunch of\s+)*" + _INSULT + r"\b|\b(?:useless|incompetent|lazy|stupid|idiot|"
                  r"clueless|moronic)\s+" + _COLLEAGUE + r"\b|\b(?:frequent flyers?|time ?wasters?|gomers?|"
                  r"nutters?|bed ?blockers?)\b"
                  # "why are the porters in this place so bloody useless", "nurses on ward 8 are so incompetent"
                  r"|\b" + _COLLEAGUE + r"\b[^.!?\n]{0,40}?\b(?:so|such|total|complete|absolute|utter|utterly|bloody|"
                  r"completely|totally|a bunch of)\s+(?:\w+\s+)?" + _INSULT + r"\b"
                  r"|\bentitled\s+(?:patients?|pts?|relatives?|famil(?:y|ies))\b|\bget a grip\b"
                  r"|\b(?:selfish|ignorant|rude|entitled)\s+" + _INSULT_WORDS + r"\b"),
         examples=("My manager is completely useless, again", "Another night with incompetent radiologists",
                   "The usual frequent flyer back in resus", "Our managers are clueless. Third rota change this week",
                   "The patients today were absolute morons", "Why are the radiologists here so bloody clueless",
                   "Entitled patients shouting at reception again"),
         counter_examples=("Our team is incredible", "The parking machine is useless, sorry everyone",
                           "Our waiting times are not good enough and we're working to fix them",
                           "Our porters were so helpful today")),
    Rule("INCIV-ABUSE", "Swearing at or insulting someone directly", "incivility", "medium", "staff", NHSE_EMP_1,
         "Name-calling aimed at a person (\"you're an idiot\"), telling someone to go away in obscene terms, or "
         "swearing at the employer: remarks the author would not make aloud in the staff canteen.",
         Detector("regex", r"(?i)\b(?:you'?re|you are|ur)\s+(?:such\s+|so\s+)?(?:an?\s+)?(?:absolute\s+|complete\s+|"
                           r"total\s+|utter\s+|bloody\s+|f\w*ing\s+)*" + _INSULT + r"\b|\byou\s+(?:absolute|complete|"
                           r"total|utter|bloody|stupid|f\w*ing)\s+" + _INSULT_WORDS + r"\b|\bwhat an?\s+(?:\w+\s+)?"
                           + _INSULT_WORDS + r"\s+(?:he|she|they)\s+(?:is|are)\b|\b(?:piss|fuck|f\*+k?|sod|bugger)\s+off\b|"
                           r"\b(?:fuck|f\*+k?|screw)\s+(?:you|this (?:place|trust|job|hospital|department)|the (?:trust|"
                           r"board|management|nhs))\b|\bget stuffed\b|\bshut (?:up|it),?\s+you\b|\byou (?:clearly |"
                           r"obviously )?(?:have no idea|haven'?t (?:got )?a clue|don'?t have a clue) what you'?re (?:on|"
                           r"talking) about\b"),
         examples=("@bloke123 you're an absolute idiot", "Piss off with your anti-vax nonsense",
                   "You clearly have no idea what you're talking about, stick to the day job",
                   "What a clown he is, shouting at the students"),
         counter_examples=("You're an absolute star, thank you for covering", "What an idiot I am, left my badge at home",
                           "Shut up shop early for the bank holiday")),
    # --- offensive ------------------------------------------------------------------------------------
    Rule("OFFENSIVE-LEXICON", "Derogatory terms about protected characteristics", "offensive", "high", "all",
         HCPC_TIP_3,
         "A slur or a sweeping derogatory statement about a group with a protected characteristic (Equality Act "
         "2010): race, religion, sex, sexual orientation, gender reassignment, disability or age.",
         Detector("regex", r"(?i)\b(?:" + _SLURS + r")\b|\b(?:all|these|those|bloody)\s+" + _GROUPS
                  + r"\s+(?:are|should be|should all)\s+(?:\w+\s+)?(?:scum|vermin|animals|parasites|disgusting|"
                  r"subhuman|filth|deported|shot|gassed|useless)\b"
                  # sweeping generalisations: "X are all the same", "X always kick off", "X come over here"
                  r"|\b" + _GROUPS + r"\s+(?:are all the same|all look the same|always (?:kick off|moan|complain|"
                  r"bring|lie|cause|play|want)|(?:just\s+)?(?:come|coming) over here|milk (?:the|it)|(?:just\s+)?can'?t "
                  r"(?:handle|cope|be trusted)|shouldn'?t be (?:allowed|let|consultants?|doctors?|radiologists?|in charge|"
                  r"managers?))\b|\b" + _GROUPS + r"\b[^.!?\n]{0,60}?\bdrain on (?:resources|the nhs|society|the system)\b"
                  r"|\btypical (?:woman|women|female) drivers?\b|\bkeep it in the bedroom\b"),
         examples=("what a retard", "These immigrants are parasites", "Foreigners are all the same, no manners",
                   "Pensioners are a drain on resources, no wonder the NHS is broke"),
         counter_examples=("Intrauterine growth retardation seen on the scan", "Pakistan won the cricket",
                           "All women aged 50 to 71 are invited", "Women shouldn't be afraid to ask questions",
                           "Missed appointments are a drain on resources")),
    # --- copyright ------------------------------------------------------------------------------------
    Rule("COPYRIGHT-UNCREDITED", "Others' images used without permission", "copyright", "low", "staff", NHSP_1,
         "The post says its image or video was taken from elsewhere (Google, Pinterest, another account) without "
         "permission or a licence. Reusing others' images can breach copyright (SCoR group guidance).",
         Detector("regex", r"(?i)\b(?:found|grabbed|nicked|pinched|borrowed|stole|saw|took|got)\s+this\s+(?:\w+\s+)?"
                           r"(?:image|photo|pic|picture|meme|cartoon|infographic|gif|video)\s+(?:on|off|from|online)\b|\b"
                           r"(?:image|photo|pic|picture|meme|cartoon|video|infographic)s?\s+(?:taken |stolen |nicked )?"
                           r"(?:from|off)\s+(?:google|pinterest|the internet|the web|online|instagram|facebook|"
                           r"tiktok)\b|\bnot my (?:image|photo|pic|picture|video|meme)\b|\b(?:credit|copyright|"
                           r"source):?\s+unknown\b|\bno idea who (?:took|made|drew|owns) (?:this|it)\b"
                           # "saw this on Pinterest", "credit to whoever drew this", "hope Disney don't mind"
                           r"|\b(?:saw|seen|found|spotted|got)\s+(?:this|it)\s+(?:on|off|from)\s+(?:pinterest|google|"
                           r"instagram|insta|facebook|fb|tiktok|reddit|the internet|the web)\b|\b(?:credit to|thanks to|"
                           r"props to) whoever\b|\bwhoever (?:made|drew|took|created|designed) (?:this|it)\b|\b(?:someone|"
                           r"somebody)'?s\s+(?:tiktok|reel|cartoon|artwork|drawing|meme|photo|video)\b|\bhope (?:disney|"
                           r"pixar|marvel|the bbc|the artist|the owner|the photographer|they) (?:don'?t|doesn'?t|won'?t) "
                           r"mind\b|\b(?:image|photo|pic|picture|video|meme|cartoon)\b[^.!?\n]{0,60}?\b(?:didn'?t|did "
                           r"not|never) ask\b",
                  unless=r"(?i)\b(?:with|by) (?:kind )?permission\b|\bpermission (?:given|granted|obtained)\b|"
                         r"\blicen[cs]ed\b|\bcc[- ]by\b|\bcreative commons\b"),
         examples=("Image from Google but it sums up nights perfectly", "Found this meme on Pinterest 😂",
                   "Not my photo, credit unknown", "Credit to whoever made this, too true",
                   "Saw this on Instagram and had to share 😂"),
         counter_examples=("Photo by @TrustComms, used with permission", "Reproduced with permission from "
                           "the Society of Radiographers", "Photo of our team at the awards")),
)

