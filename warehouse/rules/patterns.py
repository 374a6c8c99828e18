"""Shared RE2 pattern pieces of the rule packs (code constants; see :mod:`warehouse.rules.model`).

Each piece is a non-capturing group or a ``(?i:...)`` group so that it can be spliced into a
larger pattern; the packs combine them.
"""
from __future__ import annotations

# --- people, places, times ----------------------------------------------------------------------
TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Master)"
NAME = TITLE + r"\.?\s+[A-Z](?:'[A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:[- ][A-Z][a-z]+)?"
# part of a name: "Mrs B", "Mr K.", "pt JS", "patient A.B.", "first name starts with a D"
PARTIAL_NAME = (r"\b" + TITLE + r"\.?\s+[A-Z]\b\.?|\b(?i:pt|patient)\s+[A-Z]{2}\b|\b(?i:pt|patient)\s+[A-Z]\.\s?[A-Z]\."
                r"|(?i:\b(?:first|sur|last) ?name (?:starts|begins) with (?:an? )?[a-z]\b)")
# a description that points at one person: "a lady from", "the lad from the chip shop", "the footballer"
PERSON = (r"(?i:(?:^|\b(?:a|an|the|this|that|our|my|one)\s+)(?:\w+\s+){0,3}?(?:lady|ladies|woman|man|gent|gentleman|chap|"
          r"lad|boy|girl|baby|toddler|teenager|teen|mum|mother|dad|father|grandad|grandma|granny|nan|pensioner|"
          r"footballer|vicar|priest|imam|teacher|councillor|celebrity|bloke|fella|guy|kid|child|twins|patient|pt|regular|"
          r"driver|builder|owner)\b|\b(?:mum|mother|dad|father) of (?:one|two|three|four|"
          r"five|twins|\d)\b)")
# a place in hospital: numbered (bay 4, side room 2) or a named area (resus, majors)
HOSPITAL_PLACE = (r"(?i:\b(?:bay|bed|ward|cubicle|side ?room|room|theatre|resus)\s*\d+[a-z]?\b|\b(?:resus|majors|minors|"
                  r"in recovery|icu|itu|hdu|cdu|amu|sau|a ?& ?e|a and e|side ?room)\b)")
# where someone is from or lives: "from Nantwich" (a capitalised word not ending in -day or
# "May"), "the Crewe estate", "works at the big Tesco"
TOWN = (r"\bfrom\s+(?:the\s+)?[A-Z](?:[a-z]*[a-xz]|[a-z]*[b-z]y|[a-z]*[a-ce-z]ay)\b|(?i:\b(?:from|at|on|in|near) "
        r"(?:the )?(?:\w+ ){0,2}?(?:estate|street|road|village|primary|school|academy|high street|tesco|asda|"
        r"sainsbury'?s|chip shop|pub|farm|church|mosque|factory)\b|\b(?:lives|living) (?:in|on|near|round)\b|"
        r"\bworks (?:at|in|for)\b|\bplays for\b)")
# an age: "92 year old", "4yo", "aged 50" (AGE); AGE_LOOSE also reads "in her 70s", ", 16,",
# "94 and still" (used only together with other details, CONF-INDIRECT / CONF-PARTIAL-NAME)
AGE = r"(?i:\b\d{1,3}\s?(?:yo|y/o|y\.o\.|(?:years?|weeks?|months?)[- ]old|yr[- ]old|yrs? old)\b)"
AGE_LOOSE = (r"(?i:\b\d{1,3}\s?(?:yo|y/o|y\.o\.|(?:years?|weeks?|months?)[- ]old|yr[- ]old|yrs? old)\b|"
             r"\baged? \d{1,3}\b|\bin (?:her|his|their) (?:\d0s|teens|twenties|thirties|forties|fifties|sixties|"
             r"seventies|eighties|nineties)\b|\b\d{2}-year-old\b|,\s*\d{1,3}\s*,|\b\d{2} and still\b)")
CONDITION = (r"(?i:\b(?:fractured?|broken|cancer|carcinoma|tumou?r|metastas[ie]s|mets|dementia|overdose|od|stroke|"
             r"dnacpr|dnr|pneumothorax|sepsis|miscarriage|ectopic|lymphoma|leukaemia|hiv|psychosis|pregnant|"
             r"pregnancy|dvt|pe|pancreatitis|chest pain|lump|biopsy|colonoscopy|mammogram|fracture|sprain|"
             r"diabetic|seizure|fit|pancreatic|self[- ]harm|assault|stab(?:bed)?|rta|fall|fell|head injury)\b)")
WHEN = (r"(?i:\b(?:today|tonight|this (?:morning|afternoon|evening|week)|last (?:night|week)|yesterday|just now|"
        r"on (?:my|the) (?:shift|night shift)|earlier|(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
        r"sunday)|at \d{1,2}(?::\d\d)?\s?(?:am|pm)|night shift|day shift)\b|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b)")
DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b"
TODAY = r"(?i)\b(?:today|tonight|this (?:morning|afternoon|evening)|last night|just now|on (?:my|the) shift|earlier)\b"
DIAGNOSIS = (r"(?i:\b(?:fractured?|broken|cancer|carcinoma|tumou?r|metastas[ie]s|mets|dementia|overdose|stroke|"
             r"dnacpr|dnr|pneumothorax|sepsis|miscarriage|ectopic|lymphoma|leukaemia|hiv|psychosis)\b)")
# the person's own clinical event: "her 5th scan", "in for a biopsy"
OWN_EVENT = (r"(?i:\b(?:her|his|their|in for(?: an?)?)\s+(?:\w+\s+)?(?:scans?|x-?rays?|mammograms?|biopsy|biopsies|"
             r"ct|mri|ultrasound|recall|results?)\b)")
CONSENT = (r"(?i)\b(?:with|given|gave|giving|gives|had|got|obtained|have)\b[^.!?]{0,40}\b(?:permission|consent)\b|"
           r"\bconsented\b|\b(?:permission|consent)\b[^.!?]{0,30}\b(?:given|obtained|gained|granted)\b|"
           r"\b(?:asked|wanted|happy for|agreed for|said) (?:us|me|we|i) (?:to |could )?share\b")

# --- images ---------------------------------------------------------------------------------------
IMAGE_NOUN = r"(?:photo|pic|picture|image|screenshot|screen ?grab|snap|shot|video)s?"
SCAN = (r"(?:scans?|x-?rays?|radiographs?|films?|ct|mri|ultrasound|mammograms?|pacs|ris|epr|worklists?|whiteboards?|"
        r"the board|request cards?|requests?|triage notes?|notes|kub|cxr|axr|us screen|screen)")
FINDING_NOUN = (r"(?:fracture|break|stone|foreign body|tumou?r|mass|bleed|variant|anatomy|pregnancy|twins|bowel|"
                r"kidney|lung|hip|knee|hand|foot|skull|spine|finger|toe|case|film|scan|x-?ray|ct|mri|radiograph|"
                r"ultrasound|mammogram|kub|cxr)")

# --- groups and words that demean them (discrimination) ------------------------------------------
GROUP = (r"(?:women|woman|men|females?|girls|ladies|blokes|muslims?|jews|jewish|christians|hindus|sikhs|catholics|"
         r"immigrants|foreigners|migrants|asylum seekers|refugees|gays|lesbians|trans people|old people|"
         r"the elderly|elderly|pensioners|over[- ]?\d0s|boomers|millennials|gen z|disabled|disabled people|"
         r"wheelchair users|deaf|blind|autistic|black|asians?|white|poles|polish|romanians?|bulgarians?|"
         r"eastern europeans?|indians?|pakistanis?|africans?|nigerians?|chinese|filipinos?|arabs?|travellers|"
         r"gypsies|scousers|geordies|northerners|southerners|americans|french|germans|italians|spanish)")
DEMEAN = (r"(?:scum|vermin|animals|parasites|disgusting|subhuman|filth|deported|useless|lazy|stupid|thick|dirty|"
          r"smelly|smell|scroungers?|drain on|milk the|sponging|always (?:late|moan|complain|kick off|lie|bring|"
          r"turn up|want|expect|the ones|cause|play|pretend)|never (?:on time|turn up|bother|learn|speak|write)|"
          r"can'?t (?:handle|cope|be trusted|write|drive)|couldn'?t even|should(?:n'?t)? (?:be "
          r"allowed|be let|be consultants?|be doctors?|be radiologists?|be in charge|be managers?|be getting|go back|"
          r"learn)|too (?:emotional|old|slow|thick|hysterical)|hard work|waste of|all the same|go back (?:home|to)|"
          r"such hard work|pretend|typical|20 strong|whole family|come over here|coming over here|owes? them|think the nhs)")
SLURS = (r"retard(?:ed|s)?|spaz(?:zy|zes)?|tranny|trannies|faggots?|fags|poofs?|pakis?|chinky|chinks|gypos?|pikeys?|"
         r"mongs?|wogs?|dykes?|nonces?|shemales?|coons?|darkies|spastics?|cripples?")

# the post is about someone in care: "in this morning", "came in", "scanned", a ward or bay
CARE = (r"(?i:\b(?:in for|in with|came in|come in|brought in|admitted|scanned|x-?rayed|imaged|seen|(?:i|we) saw|treated|attended|"
        r"patients?|pts?|ward|bay|resus|majors|cubicle|side ?room|clinic|on the list|back (?:in|again)|"
        r"in (?:this|last|yesterday|today|tonight|on)|with us|her (?:scan|biopsy|mammogram|x-?ray|appointment)|"
        r"his (?:scan|biopsy|x-?ray|appointment)|had (?:her|his|their) (?:\w+ )?(?:scan|biopsy|mammogram|x-?ray|ct|mri))\b)")

# strong swear words, spelt out, starred or abbreviated (rules-4: profanity is offensive in a
# staff post); the pattern is used after "\b" and must not match inside ordinary words
# ("Scunthorpe", "shiitake", "cocktail", "Fuchsia")
PROFANITY = (r"f+u+c+k+\w*|f[*#@]+(?:c?k|\b)\w*|f\*+ing|sh[i1]te?s?\b|sh[i1]tt?(?:y|ing|show|head|e|er|s)\w*|"
             r"sh\*+t\w*|s\*+t\b|bollocks\b|cunts?\b|c\*+t\b|twats?\b|wank\w*|w\*+k\w*|bastards?\b|"
             r"ffs\b|wtf\b|stfu\b|arseholes?\b|arsehole\b|dickheads?\b|piss(?:ed|ing)?\b|pissed off\b|motherf\w*")
