"""Rule packs as data: each guideline rule, the clause it cites, its detector and its examples.

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

ENGINE_VERSION = "rules-1"

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
NHSP_1 = Clause("NHS Professionals (staff bank)", "What's NHSP's guidance for social media use?", _NHSP_URL,
                "Post pictures/comments/personal details/clinical details which identify any individual without their "
                "prior consent.", "NHSP-1")
NHSP_2 = Clause("NHS Professionals (staff bank)", "What's NHSP's guidance for social media use?", _NHSP_URL,
                "Pursue personal relationships with patients or service users", "NHSP-2")
# Copyright: SCoR's group guidance on disrepute, copyright and offensive comments (DESIGN.md) has no
# verbatim excerpt in the clause file; NHSP-1 (pictures without prior consent) is the nearest
# verbatim clause, and the rule's explanation names copyright.

# --- shared pattern pieces ----------------------------------------------------------------------
# A 10-digit candidate, plain or 3-3-4 with spaces/dashes, with an optional international/trunk
# prefix captured so that the engine can drop phone numbers ("+44 161 496 0000").
NHS_CANDIDATE = r"(?:\+\d{1,3}[ -]?|\(0\)[ -]?)?\b\d{3}[ -]?\d{3}[ -]?\d{4}\b"
_NAME = r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z](?:'[A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:[- ][A-Z][a-z]+)?"
_PLACE = r"(?i:\b(?:bay|bed|ward|cubicle|side ?room|resus|majors|room)\s*\d+[a-z]?\b)"
_AGE = r"(?i:\b\d{1,3}\s?(?:yo|y/o|y\.o\.|years?[- ]old|yr[- ]old|yrs? old)\b)"
_DIAGNOSIS = (r"(?i:\b(?:fractured?|broken|cancer|carcinoma|tumou?r|metastas[ie]s|mets|dementia|overdose|stroke|"
              r"dnacpr|dnr|pneumothorax|sepsis|miscarriage|ectopic|lymphoma|leukaemia|hiv|psychosis)\b)")
_CONSENT = (r"(?i)\b(?:with|given|gave|had|got|obtained|have)\b[^.!?]{0,40}\b(?:permission|consent)\b|\bconsented\b|"
            r"\b(?:permission|consent)\b[^.!?]{0,30}\b(?:given|obtained|gained|granted)\b")
# the person's own clinical event: "her 5th scan", "in for a biopsy"
_OWN_EVENT = (r"(?i:\b(?:her|his|their|in for(?: an?)?)\s+(?:\w+\s+)?(?:scans?|x-?rays?|mammograms?|biopsy|biopsies|"
              r"ct|mri|ultrasound|recall|results?)\b)")
_DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
_TODAY = r"(?i)\b(?:today|tonight|this (?:morning|afternoon|evening)|last night|just now|on (?:my|the) shift|earlier)\b"
_IMAGE_NOUN = r"(?:photo|pic|picture|image|screenshot|screen ?grab|snap|shot|video)s?"
_SCAN = r"(?:scans?|x-?rays?|radiographs?|films?|ct|mri|ultrasound|mammograms?|pacs|ris|worklists?|whiteboards?|the board)"
_COLLEAGUE = (r"(?:managers?|bosses|boss|colleagues?|consultants?|registrars?|radiologists?|radiographers?|reg|sonographers?|"
              r"porters?|nurses?|doctors?|trust|department|dept|management|team lead|patients?|pts?)")
_INSULT = (r"(?:idiots?|morons?|useless|incompetent|clueless|lazy|pathetic|a joke|a disgrace|clowns?|imbeciles?|"
           r"stupid|thick|brain ?dead|a waste of space|a nightmare|scum|vile|pricks?|dicks?)")
_SLURS = (r"retard(?:ed|s)?|spaz(?:zy|zes)?|tranny|trannies|faggots?|fags|poofs?|pakis?|chinky|chinks|gypos?|pikeys?|"
          r"mongs?|wogs?|dykes?|nonces?|shemales?")
_GROUPS = (r"(?:women|men|muslims|jews|christians|immigrants|foreigners|migrants|gays|lesbians|trans people|old people|"
           r"pensioners|disabled people|black people|asians|poles|romanians)")


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
    Rule("CONF-DOB", "Date of birth or age with a date", "confidentiality", "high", "staff", HCPC_TIP_1,
         "A date of birth (or an age with a date) in a post is patient-identifiable information.",
         Detector("regex", r"(?i)\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\s*[:\-]?\s*" + _DATE
                  + r"|" + _AGE + r"[^.!?\n]{0,40}\b" + _DATE),
         examples=("Lady DOB 12/03/1950 on the list twice", "date of birth: 01.02.1988, please check the request",
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
         Detector("regex", r"(?i)\byour (?:lump|mass|scan|results?|mammogram|x-?ray|shadow|cyst|mole|nodule|"
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
                           r"(?:going back|with the (?:recall|appointment|scan|biopsy))\b"),
         examples=("@jo_b your lump sounds benign, don't worry", "Don't worry, it's probably just a cyst x",
                   "It sounds like a fibroadenoma to me", "you should stop your metformin tablets for 2 days",
                   "from what you've described that's just a cyst, I wouldn't bother going back",
                   "sounds like nothing to me, I'd skip the recall tbh", "you definitely don't have cancer, stop worrying x"),
         counter_examples=("If you find a lump, please contact your GP", "Your results will be sent to your GP "
                           "within 2 weeks", "Most breast lumps are not cancer, but always get them checked",
                           "Please don't skip your recall appointment", "It's just a routine appointment, nothing to "
                           "prepare")),
    # --- boundaries -----------------------------------------------------------------------------------
    Rule("BOUND-PRIVATE-CHANNEL", "Moving a patient to a private channel", "boundaries", "medium", "staff",
         HCPC_TIP_2,
         "A staff member invites someone to their own DMs, private messages, personal number or personal "
         "social accounts. Contact with service users should stay on official channels (\"DM us\" to an "
         "organisation account is not flagged).",
         Detector("regex", r"(?i)\b(?:dm|pm|inbox|message|msg|text|whatsapp|snap|email)\s+me\b|\b(?:drop|send|slide "
                           r"into)\s+(?:me\s+)?(?:a\s+)?(?:dm|pm|private message|my dms)\b|\bmy (?:personal|own|private)"
                           r"\s+(?:number|mobile|phone|email|account|facebook|instagram|insta)\b|\badd me on\s+"
                           r"(?:facebook|fb|insta|instagram|snapchat|whatsapp|tiktok)\b|\bmy dms are open\b"),
         examples=("@sarah_k DM me and I'll look at your scan", "Drop me a private message hun x",
                   "Text me on my personal number 07700 900123"),
         counter_examples=("Please send us a DM with your details and our team will look into it",
                           "Radiographer. Views my own.", "Contact PALS on 0161 234 5678")),
    Rule("BOUND-RELATIONSHIP", "Pursuing a personal relationship with a patient", "boundaries", "high", "staff",
         NHSP_2,
         "A staff member asks a patient out or remarks on a patient's attractiveness.",
         Detector("regex", r"(?i)\b(?:fit|hot|cute|gorgeous|sexy|stunning)\s+(?:patient|pt)s?\b|\b(?:asked|ask)\s+"
                           r"(?:a|my|the|this)\s+patient\s+(?:out|for (?:a drink|a date|her number|his number))\b"),
         examples=("Had a really fit patient in MRI today 😍", "Should I ask the patient out for a drink?"),
         counter_examples=("Keep fit for your bone health: walking helps", "Our patient survey is out now")),
    # --- incivility -----------------------------------------------------------------------------------
    Rule("INCIV-PERSONAL", "Aggressive or personal criticism of colleagues, employer or patients", "incivility",
         "medium", "staff", RCGP_7,
         "Insulting language aimed at colleagues, managers, the employer or patients, or derogatory slang for "
         "patients. Raise concerns through the proper channels instead.",
         Detector("regex", r"(?i)\b(?:my|our|the|this|that|these|those|some)\s+(?:\w+\s+)?" + _COLLEAGUE
                  + r"(?:\s+(?:today|tonight|here|again|round here|in (?:our|my|this|that) \w+))?\s+(?:is|are|was|were)\s+(?:so\s+|such\s+|a\s+|an\s+|totally\s+|completely\s+|absolutely\s+|"
                  r"utterly\s+|bloody\s+|absolute\s+|f\w*ing\s+)*" + _INSULT + r"\b|\b(?:useless|incompetent|lazy|stupid|idiot|"
                  r"clueless|moronic)\s+" + _COLLEAGUE + r"\b|\b(?:frequent flyers?|time ?wasters?|gomers?|"
                  r"nutters?|bed ?blockers?)\b"),
         examples=("My manager is completely useless, again", "Another night with incompetent radiologists",
                   "The usual frequent flyer back in resus", "Our managers are clueless. Third rota change this week",
                   "The patients today were absolute morons"),
         counter_examples=("Our team is incredible", "The parking machine is useless, sorry everyone",
                           "Our waiting times are not good enough and we're working to fix them")),
    # --- offensive ------------------------------------------------------------------------------------
    Rule("OFFENSIVE-LEXICON", "Derogatory terms about protected characteristics", "offensive", "high", "all",
         HCPC_TIP_3,
         "A slur or a sweeping derogatory statement about a group with a protected characteristic (Equality Act "
         "2010): race, religion, sex, sexual orientation, gender reassignment, disability or age.",
         Detector("regex", r"(?i)\b(?:" + _SLURS + r")\b|\b(?:all|these|those|bloody)\s+" + _GROUPS
                  + r"\s+(?:are|should be|should all)\s+(?:\w+\s+)?(?:scum|vermin|animals|parasites|disgusting|"
                  r"subhuman|filth|deported|shot|gassed|useless)\b"),
         examples=("what a retard", "These immigrants are parasites"),
         counter_examples=("Intrauterine growth retardation seen on the scan", "Pakistan won the cricket",
                           "All women aged 50 to 71 are invited")),
    # --- copyright ------------------------------------------------------------------------------------
    Rule("COPYRIGHT-UNCREDITED", "Others' images used without permission", "copyright", "low", "staff", NHSP_1,
         "The post says its image or video was taken from elsewhere (Google, Pinterest, another account) without "
         "permission or a licence. Reusing others' images can breach copyright (SCoR group guidance).",
         Detector("regex", r"(?i)\b(?:found|grabbed|nicked|pinched|borrowed|stole|saw|took|got)\s+this\s+(?:\w+\s+)?"
                           r"(?:image|photo|pic|picture|meme|cartoon|infographic|gif|video)\s+(?:on|off|from)\b|\b"
                           r"(?:image|photo|pic|picture|meme|cartoon|video|infographic)s?\s+(?:taken |stolen |nicked )?"
                           r"(?:from|off)\s+(?:google|pinterest|the internet|the web|online|instagram|facebook|"
                           r"tiktok)\b|\bnot my (?:image|photo|pic|picture|video|meme)\b|\b(?:credit|copyright|"
                           r"source):?\s+unknown\b|\bno idea who (?:took|made|drew|owns) (?:this|it)\b",
                  unless=r"(?i)\b(?:with|by) (?:kind )?permission\b|\bpermission (?:given|granted|obtained)\b|"
                         r"\blicen[cs]ed\b|\bcc[- ]by\b|\bcreative commons\b"),
         examples=("Image from Google but it sums up nights perfectly", "Found this meme on Pinterest 😂",
                   "Not my photo, credit unknown"),
         counter_examples=("Photo by @TrustComms, used with permission", "Reproduced with permission from "
                           "the Society of Radiographers", "Photo of our team at the awards")),
)


def rule(rule_id: str) -> Rule:
    for r in RULES:
        if r.rule_id == rule_id:
            return r
    raise KeyError(rule_id)
