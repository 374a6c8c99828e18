"""Confidentiality rules: numbers, names, indirect identification and images of patients.

Every rule cites the confidentiality standard of HCPC's Standards of conduct, performance and
ethics (the edition in force on the post's day); the image rule cites SCoR's social media
guidance first ("never uploading service user data or images").
"""
from __future__ import annotations

from warehouse.rules import patterns as p
from warehouse.rules.model import Detector, Rule

HCPC_CONF = ("HCPC-CONFIDENTIALITY",)

# A run of digit groups joined by one separator each ("401 023 2137", "946.562.3512",
# "9075/006/691", "90 97 40 23 52"), with a "+44"/"(0)" phone prefix kept in the run so that the
# engine can drop phone numbers.
NHS_RUN = r"(?:\+\d+[ \-]?|\(0\)[ \-]?)?\d+(?:[ .\-/]\d+)*"
# Words that put a number in a patient's context; without one a checksum-passing number is a
# ticket, order or reference number, not an NHS number.
NHS_CONTEXT = (r"(?i)\b(?:nhs|chi|patients?|pts?|pt's|mrs|mr|ms|miss|lady|gent(?:leman)?|man|woman|boy|girl|baby|"
               r"her|his|she|he|dob|booked|rebook\w*|referr(?:al|als|ed)|appt|appointments?|clinic|scans?|x-?rays?|"
               r"ct|mri|mammo\w*|ultrasound|results?|bay|ward|requests?|vetted|vet|vetting|recall|screening|film|"
               r"portable|report(?:ed)?|list|letter|chase)\b")
# a label right before the number that says what else it is
NHS_LABEL_BEFORE = (r"(?i)\b(?:ticket|order|invoice|tracking|parcel|incident|serial|job|po|purchase order|"
                    r"account|acct|card|charity|company|registration|reg|vat|policy|case|datix|receipt|"
                    r"confirmation)\s*(?:no\.?|number|num|#|ref(?:erence)?\.?|id)?\s*[:#.]?\s*$")

RULES: tuple[Rule, ...] = (
    Rule("CONF-NHS-NUMBER", "NHS number in a post", "confidentiality", "high", "all", HCPC_CONF,
         "The post contains a 10-digit number, in any grouping or separator (spaces, dashes, dots, slashes, "
         "full-width digits), that passes the NHS number checksum (Modulus 11), in a post about a patient. An NHS "
         "number identifies a patient and must never be posted publicly, by staff or by the patient. A number "
         "labelled as a ticket, order or invoice number, or in a post with no patient context, is not flagged.",
         Detector("nhs_number", NHS_RUN, requires=(NHS_CONTEXT,), label_before=NHS_LABEL_BEFORE),
         examples=("Patient NHS no 401 023 2137 needs rebooking for CT", "nhs number 943-476-5919 pls chase",
                   "Ref 4010232137 for the lady in bay 2", "NHS no. 946.562.3512 has two requests",
                   "Referral for 9075/006/691 came without a history", "pt \uff19\uff10\uff14 \uff10\uff12\uff16 "
                   "\uff10\uff16\uff16\uff14 needs a repeat film", "Booked 90 97 40 23 52 for the US list",
                   "her nhs no is 905\u2011001\u20117770"),
         counter_examples=("Call the booking team on 0161 234 5678", "Call us on +44 161 496 0000",
                           "Ref 4010232138 attached",  # checksum fails
                           "Tel 1111111111", "Test patient 999 123 4568",
                           "Tweet id 12345678901234 went viral",
                           "Ticket 9310965606 raised with IT about the PACS login",  # passes Modulus 11
                           "Ref 4010232137 attached",  # passes Modulus 11, no patient context
                           "Order number 915 489 2716 for the lead aprons has shipped")),
    Rule("CONF-HOSPITAL-NUMBER", "Hospital number / MRN in a post", "confidentiality", "high", "staff", HCPC_CONF,
         "The post quotes a hospital (medical record) number. Like an NHS number it identifies a patient.",
         Detector("regex", r"(?i)\b(?:mrn|hospital (?:number|no\.?|num)|hosp\.? ?no\.?|patient (?:id|number|no\.?)|"
                           r"unit (?:number|no\.?)|k ?number|rtx)\s*[:#.]?\s*[a-z]{0,3}\d[\da-z]{4,}\b"),
         examples=("Can someone find MRN: RX1234567 on PACS", "hosp no 12345678 still waiting for a report",
                   "patient ID: K0123456 booked twice"),
         counter_examples=("Ring the hospital number on your appointment letter",
                           "Your hospital number is on the top of your letter")),
    Rule("CONF-NAME-DETAIL", "Named patient with clinical or location detail", "confidentiality", "high", "staff",
         HCPC_CONF,
         "A titled name appears next to a bed/bay/ward, an age or a diagnosis: together these can identify the "
         "patient and disclose clinical details without consent.",
         Detector("regex", p.NAME + r"[^.!?\n]{0,60}(?:" + p.HOSPITAL_PLACE + r"|" + p.AGE + r"|" + p.DIAGNOSIS + r"|"
                  + p.OWN_EVENT + r")|(?:" + p.HOSPITAL_PLACE + r"|" + p.AGE + r"|" + p.DIAGNOSIS + r")[^.!?\n]{0,60}"
                  + p.NAME),
         examples=("Mrs Smith in bay 4 has been waiting 6 hours for her CT", "Mr Jones, 82 years old, query fractured NOF",
                   "Bed 12 is Mr Patel, the one with the stroke",
                   "Mrs Jones from Crewe back again for her 5th scan this month",
                   "Mrs O'Neill back again for her 5th scan", "Mr McDonald in bay 3 with a broken wrist"),
         counter_examples=("Bay 4 has our new scanner!", "Congratulations to Mrs Patel, superintendent radiographer, "
                           "on 30 years in CT", "Mrs Smith from the breast unit is running the marathon",
                           "Mr Ahmed, our new superintendent, has his first day in MRI")),
    Rule("CONF-PARTIAL-NAME", "Part of a patient's name with a detail", "confidentiality", "high", "staff", HCPC_CONF,
         "Initials or a title with an initial (\"Mrs B\", \"pt JS\") next to a place, age, condition or time: in a "
         "post by someone known to work at a hospital this can identify the patient.",
         Detector("regex", p.PARTIAL_NAME, any_of=(p.HOSPITAL_PLACE, p.AGE_LOOSE, p.CONDITION, p.WHEN, p.TOWN), min_any=1,
                  unless=r"(?i)\b(?:dr|prof|professor|consultant|radiographer|radiologist|sonographer|nurse|"
                         r"colleague|manager|superintendent|lecturer|speaker|talk|lecture|congratulations|welcome)\b|" + p.CONSENT),
         examples=("Mrs B back in CT again tonight, third time this week with that pancreatitis",
                   "pt JS in bay 3 still waiting for his MRI", "Miss T, 16, overdose, resus 2",
                   "Mr K in cubicle 6 keeps asking for his wife, dementia is so cruel"),
         counter_examples=("Mr T pity the fool 😂", "Dr K's lecture on CT dose today was brilliant",
                           "Welcome Mrs A, our new superintendent, starting on Monday", "Plan B for the rota today")),
    Rule("CONF-INDIRECT", "Patient described so they can be identified", "confidentiality", "high", "staff", HCPC_CONF,
         "No name, but a description of one person (\"the footballer\", \"a teacher from St Mary's\", \"the lad from "
         "the chip shop\") together with at least two of: where they are or come from, their age, their condition "
         "or procedure, and when. Together these can identify the patient to people who know them.",
         Detector("regex", p.PERSON, requires=(p.CARE,),
                  any_of=(p.HOSPITAL_PLACE, p.TOWN, p.AGE_LOOSE, p.CONDITION, p.WHEN), min_any=2,
                  unless=r"(?i)\b(?:if you(?:'re| are)?|anyone (?:who|aged)|all (?:women|men|patients)|you can|"
                         r"invited|you will|you'll|we (?:will|can|offer)|please|book your|open day|guide|leaflet|"
                         r"info|information|awareness|campaign|congratulations|welcome|retire\w*|joined|joins|"
                         r"marathon|fundrais\w*|charity|credit to)\b|\bpatients? (?:panel|forum|group|survey|participation|"
                         r"representatives?|voice|experience|information|leaflets?|safety|stories)\b|" + p.CONSENT),
         examples=("Lovely lady from Nantwich in this morning, 94 and still drives herself to her mammogram!",
                   "The footballer who came in on Saturday with the broken ankle was so polite",
                   "A teacher from St Mary's primary had her biopsy with us today",
                   "Elderly gent on ward 12 with the stage 4 lung cancer asked me to sing to him today",
                   "Had the lad from the chip shop on the high street in with a fractured scaphoid on Tuesday"),
         counter_examples=("If you're a man over 65 you'll be invited for AAA screening",
                           "A patient's guide to your CT scan: arrive 15 minutes early",
                           "Congratulations to our lovely nurse Jo from ward 12 on her retirement today",
                           "Women aged 50 to 71 are invited every 3 years",
                           "Our team ran the Chester marathon today for the breast unit charity",
                           "Our patient panel meets on Tuesday to review the new waiting room")),
    Rule("CONF-DOB", "Date of birth or age with a date", "confidentiality", "high", "staff", HCPC_CONF,
         "A date of birth (or an age with a date) in a post is a personal detail that identifies the patient.",
         Detector("regex", r"(?i)\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\s*(?:is|was|of)?\s*[:\-]?\s*" + p.DATE
                  + r"|" + p.AGE + r"[^.!?\n]{0,40}\b" + p.DATE),
         examples=("Lady DOB 12/03/1950 on the list twice", "date of birth: 01.02.1988, please check the request",
                   "his DOB is 05/06/1944 so he's not on the screening list",
                   "89 year old seen on 14/05/24 with a fall"),
         counter_examples=("Please bring your date of birth and NHS number to your appointment",
                           "Women aged 50 to 71 are invited every 3 years", "Clinic on 14/05/24 is cancelled")),
    Rule("CONF-PATIENT-ANECDOTE", "Patient anecdote with age and time", "confidentiality", "medium", "staff",
         HCPC_CONF,
         "A story about a patient seen today with their age: together with the author's workplace this can "
         "identify the patient.",
         Detector("regex", p.AGE, requires=(r"(?i)\b(?:patient|pt|lady|gentleman|gent|man|woman|boy|girl|baby|chap|"
                                            r"grandad|granny|nan)\b", p.TODAY)),
         examples=("Lovely 92 year old lady in for her hip x-ray today, told me all about the war",
                   "Had a 4yo boy this morning who swallowed a coin"),
         counter_examples=("Women aged 50 to 71 are invited every 3 years", "Happy 90th birthday to my nan today",
                           "Scanning a 20 year old phantom today for QA")),
    Rule("CONF-IMAGE", "Image or screenshot of scans, records or a patient", "confidentiality", "high", "staff",
         ("SCOR-SOME-CONFIDENTIALITY",) + HCPC_CONF,
         "The post shares (or says it shares) an image of a patient's scan or body, or a screenshot/photo of PACS, "
         "RIS, the record, a request card, a worklist or a whiteboard, including \"for interest\" (\"check out this "
         "fracture\", \"case of the day\"). Such images can identify the patient. Consented images are not flagged.",
         Detector("regex", r"(?i)\b" + p.IMAGE_NOUN + r"\s+(?:of|from)\s+(?:[\w']+\s+){0,4}?" + p.SCAN + r"\b|\b"
                  + p.SCAN + r"\s+" + p.IMAGE_NOUN + r"\b|\b(?:look at|check out|have a look at|look what|wait till you "
                  r"see|had to share|couldn'?t resist sharing|sharing|just leave this here|here'?s)\s+(?:\w+\s+){0,5}?"
                  + p.FINDING_NOUN + r"\b(?:\s+(?:on|from|in)\s+(?:\w+\s+){0,2}?(?:today|tonight|last night|"
                  r"yesterday|this|the|a|our|my|\w+'s))?|\bcase of the (?:day|week)\b|\bfor interest\b|\b"
                  r"(?:snapped|took|taken|grabbed) (?:a )?(?:pic|photo|picture|snap|shot|screenshot) of (?:the|a|this|"
                  r"her|his|my|our) (?:\w+\s+){0,2}?(?:screen|scan|x-?ray|films?|request|notes|record|monitor|patient|"
                  r"pt)\b|\b(?:photo|pic|picture|image|snap) of (?:a|the|this|my|our) (?:\w+ )?(?:patient|pt)'?s?\b",
                  unless=p.CONSENT + r"|(?i:\b(?:our|the|a) (?:shiny )?new (?:\w+ )?(?:scanner|machine|suite|unit|room|"
                                     r"department|building)\b|\bradiopaedia\b|\bposter\b|\bslides?\b)"),
         examples=("Screenshot of our PACS worklist, what a night", "Look at this x-ray from today, crazy fracture",
                   "Photo of the department whiteboard after a busy shift",
                   "Check out the size of this kidney stone on today's KUB",
                   "Couldn't resist sharing this beauty of a Monteggia fracture from last night",
                   "Case of the day: foreign body in a toddler's oesophagus",
                   "Snapped a pic of the ultrasound screen, look at that twin pregnancy!"),
         counter_examples=("Shared with the patient's permission: look at this x-ray from today",
                           "Picture of our new scanner arriving!", "Our new PACS goes live on Monday",
                           "Look at our shiny new CT scanner, installed today!",
                           "Radiopaedia has a great case on Monteggia fractures for students")),
)
