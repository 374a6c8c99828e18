"""Phrase banks for the demo generator (:mod:`ingest.demo`).

Posts are composed from several parts (opener + situation + ask + closer for a question;
greeting + answer + signpost + closing for a reply) so that the text has the variety of real
posts: the classifier and the guideline rules must not be able to learn one template per topic.
UK English throughout. Placeholders: ``{short}`` trust short name, ``{town}``, ``{place}``,
``{first}`` the person answered, ``{paper}``, ``{conf}``, ``{dob}``, ``{nhs}``, ``{code}``,
``{surname}``.
"""
from __future__ import annotations

import random

import numpy as np

# Platforms, roles and post kinds (a post's slot in its thread), shared with ingest.demo.
X, FB, MA, BS, RD = range(5)
PUBLIC, STAFF, ORG = range(3)
Q, QA, FU, PR, ANS, TH, NQ, NQR_ORG, NQR_PUB, ANN, ANNC, CPD, CPDR, ACK = range(14)

# Topic taxonomy (DESIGN.md "Patient question"), with each topic's share of questions.
TOPICS = [
    "pain", "preparation", "appointments", "results", "recall", "radiation_pregnancy",
    "mri_safety", "contrast", "eligibility", "other",
]
TOPIC_WEIGHTS = [0.13, 0.15, 0.16, 0.13, 0.08, 0.07, 0.09, 0.05, 0.08, 0.06]

OPENERS = [
    "", "", "", "Hi all,", "Hello,", "Hi everyone", "Quick question -", "Bit of a silly question but",
    "Hoping someone can help.", "Morning all!", "Can anyone help?", "First time posting.",
    "Sorry if this has been asked before.", "Evening all,", "Help please!", "Does anyone know -",
    "Hi there,", "Random one but",
]
CLOSERS = [
    "", "", "", "Thanks in advance", "thank you x", "Any advice would help.", "please share your experiences",
    "Hoping someone could tell me what to expect.", "Would really appreciate any info.", "TIA",
    "Cheers", "x", "Thanks 🙏", "Feeling a bit anxious tbh.", "I've tried ringing but nobody picks up.",
    "Really nervous.", "Thank you in advance for any help", "Any tips welcome",
]
EMOJI = ["😬", "🙏", "😕", "🤞", "😩", "💗", "🙈", "😟"]
TYPOS = {
    "appointment": "appointmnet", "definitely": "definately", "results": "resutls",
    "mammogram": "mamogram", "because": "becuase", "really": "realy", "tomorrow": "tommorow",
    "deodorant": "deoderant", "worried": "worryed", "I'm": "im", "don't": "dont", "can't": "cant",
    "anyone": "any1", "week": "wk",
}

# Per topic: situations (optional first sentence) and asks (the question itself; some are
# statements without a question mark, as people write them).
CONTEXTS = {
    "pain": [
        "I've got my first mammogram next week.", "My mum said hers was agony.",
        "I've got really sensitive boobs, especially before my period.",
        "Had a bad experience 3 years ago and I've been putting off going back.",
        "I have fibromyalgia and get a lot of pain.", "Been invited for screening for the first time.",
        "I had a breast reduction a few years back.", "My sister told me horror stories about hers 😬",
    ],
    "preparation": [
        "Got my appointment letter through today.", "First scan I've ever had.", "My appointment is first thing tomorrow.",
        "Never had one of these before.", "Bit nervous as it's my first one.", "The letter doesn't really say.",
    ],
    "appointments": [
        "I've had my letter but the date doesn't work for me.", "I've been trying to ring for three days and no one answers.",
        "I've just moved to the area.", "I work shifts.", "Got my letter today.", "Bit of a tricky one.",
    ],
    "results": [
        "Had my scan three weeks ago.", "My GP says they haven't had anything back yet.", "Been checking the post every day.",
        "It's been over a month now.", "Had my appointment last Tuesday.", "Still nothing in the post.",
    ],
    "recall": [
        "Just got a letter asking me to go back for more tests.", "They've called me back after my routine screening.",
        "Got recalled for an ultrasound and possible biopsy.", "The letter says they need more images.",
        "This is the second time I've been recalled.",
    ],
    "radiation_pregnancy": [
        "I've got a scan coming up.", "Bit of a worrier.", "My doctor wants me to have an X-ray.",
        "Probably overthinking this.", "Got my letter today.",
    ],
    "mri_safety": [
        "I'm booked for an MRI next week.", "Got my MRI letter today.", "Never had an MRI before.", "My MRI is on Friday.",
        "Bit nervous about my scan.",
    ],
    "contrast": [
        "My letter says I'll have contrast.", "They want to do my scan with dye.", "First time having contrast.",
        "Scan booked for next week.",
    ],
    "eligibility": [
        "Asking for my mum.", "Asking for a friend.", "Been hearing mixed things.", "Not had a letter yet.", "Just curious really.",
    ],
    "other": [
        "Bit random this.", "Just curious.", "Saw something on the news.", "Been wondering for a while.",
    ],
}
ASKS = {
    "pain": [
        "Does a mammogram hurt?", "will the mammogram hurt?", "How painful is it really?",
        "Is it normal to still be sore two days after a mammogram?", "Can I take paracetamol before my appointment?",
        "I'm dreading the squeezing part, is it as bad as people say?",
        "hoping someone could tell me what to expect with the pain", "would like to hear from anyone who found it painful",
        "Can I ask them to go gently?", "Is there anything that makes it less uncomfortable?",
        "Wondering if it's better to book it after my period", "How long does the compression actually last?",
        "Is it normal to have bruising afterwards", "Does the ultrasound part hurt as well?",
    ],
    "preparation": [
        "Can I wear deodorant to my mammogram?", "Do I need to fast before my CT scan?",
        "What should I wear for a mammogram?", "Is it ok to wear a bra with an underwire?",
        "Should I stop taking my metformin before the scan?", "Do I need a full bladder for a pelvic ultrasound?",
        "Can I eat before an MRI?", "Not sure whether I can take my normal tablets that morning",
        "What do I need to bring with me?", "Do I have to take my jewellery off? My wedding ring doesn't come off",
        "Wondering if I can wear talc or body lotion", "Can I bring someone in with me?",
        "Is it better to wear a top and trousers rather than a dress?",
    ],
    "appointments": [
        "How do I change my appointment?", "Is there any way to get a Saturday appointment?",
        "Can I just turn up at the mobile unit or do I need to book?",
        "Where is the breast screening van parked at the moment?", "Is there parking at the hospital for X-ray?",
        "How long does the appointment take?", "Is the unit wheelchair accessible?",
        "Who do I contact to rebook a missed appointment", "Can I have a female radiographer?",
        "Is there a hearing loop or an interpreter available?", "What number do I ring to rearrange",
        "Do I need a referral letter for a walk-in X-ray?", "How long is the wait for an MRI at the moment?",
        "Can I bring my mum in with me as she gets confused",
    ],
    "results": [
        "How long do mammogram results take?", "When will I get my results?", "Is no news good news?",
        "Do results come by letter or will they phone me?", "Is it normal to wait this long for results?",
        "Can I find out my results over the phone?", "Who do I chase about my scan results",
        "Will my results go to my GP?", "Why is it taking so long to hear anything",
        "Can I see my results on the NHS app?", "Does a quick result mean something is wrong?",
        "going out of my mind waiting, is there anyone I can call",
        "Should I ring my GP or the hospital for my results?",
    ],
    "recall": [
        "Does being recalled mean it's cancer?", "What happens at a recall appointment?",
        "How common is it to be called back?", "Will they do a biopsy on the same day?",
        "Should I be worried about being called back?", "Not sure what further tests means",
        "How long does a recall appointment take?", "Can I bring someone with me to the assessment clinic?",
        "Has anyone else been called back? What happened", "Does it mean they found a lump",
        "I'd really like to know what the odds are", "Is it normal to be recalled on your first mammogram?",
        "Can I go back to work after the biopsy?",
    ],
    "radiation_pregnancy": [
        "Is it safe to have an X-ray while pregnant?", "How much radiation is in a mammogram?",
        "Can I still have my mammogram if I'm breastfeeding?", "Is a CT scan dangerous for the baby?",
        "How much radiation is too much?", "Should I tell them I might be pregnant",
        "Do I need to stop breastfeeding after a scan?", "Are dental X-rays safe when pregnant?",
        "worried about the radiation dose from all these scans",
        "Is it safe to be around my kids after a nuclear medicine scan?", "Does a chest X-ray affect fertility?",
        "Will the radiation from screening every three years add up?",
    ],
    "mri_safety": [
        "Can I have an MRI with a pacemaker?", "Is an MRI safe with breast implants?",
        "What if I panic in the MRI scanner?", "Can I have a sedative before the MRI?",
        "Do tattoos heat up in the MRI?", "Is there an open MRI scanner anywhere near me?",
        "Will my hip replacement set off the scanner", "How loud is the MRI?", "Can I listen to music during the MRI?",
        "hoping someone could tell me what to expect in the MRI", "Can my husband come in the room with me?",
        "Do I need to take my coil out before an MRI?", "Is it ok to go in the scanner with eyelash extensions",
    ],
    "contrast": [
        "Is the contrast dye safe?", "What are the side effects of contrast?",
        "Can I drive home after a CT with contrast?", "Does the contrast make you feel like you've wet yourself?",
        "Do I need a blood test before contrast?", "Is contrast safe if I'm allergic to iodine?",
        "How long does the dye stay in your body?", "Should I drink lots of water afterwards",
        "Can I breastfeed after having contrast?", "I'd like to know if gadolinium builds up in the brain",
        "Is it normal to feel warm all over when they inject it?", "Can I refuse the contrast?",
    ],
    "eligibility": [
        "At what age do you start breast screening?", "Can I still get screened after 71?",
        "Why haven't I been invited for breast screening yet?", "Can I self-refer for a mammogram?",
        "Do I qualify for earlier screening with a family history?", "How often should I be invited?",
        "Are trans women invited for breast screening?", "Can men get a mammogram?",
        "Can I ask for a mammogram at 45?", "Not sure if I'm still eligible at my age",
        "how do i get on the screening list", "Can I be screened if I've had a mastectomy?",
    ],
    "other": [
        "How do I become a radiographer?", "Can I get a copy of my scan images on a CD?",
        "Is 3D mammography available on the NHS?", "How do I make a complaint about my appointment?",
        "Are the radiographers all women?", "Why do some hospitals use AI to read mammograms?",
        "Can I get a private mammogram quicker?", "Is thermography as good as a mammogram?",
        "Who reads the scan, a doctor or the radiographer?", "How do I request my imaging records",
        "What's the difference between a mammogram and an ultrasound?", "Is it worth paying for a full body scan?",
    ],
}

# Answers by staff and organisation accounts, per topic, and where they signpost to.
ANSWERS = {
    "pain": [
        "some people find the compression uncomfortable but it only lasts a few seconds for each image. Tell the mammographer if it hurts and they can adjust.",
        "it's normal to feel a bit tender for a day or so afterwards. If you're worried, the number on your letter goes straight to the screening office.",
        "you're welcome to take your usual pain relief beforehand, and booking for the week after your period can help if you get tender.",
        "we'll always explain what's happening and you can ask us to stop at any time — you're in control.",
        "compression spreads the tissue so we get a clear picture with a lower dose. It's over in seconds and we'll go at your pace.",
        "please mention when you arrive that you had a difficult experience last time, and we'll take extra care.",
        "the ultrasound itself shouldn't hurt — it's gel and a probe, though pressing on a tender area can be uncomfortable.",
    ],
    "preparation": [
        "please don't wear deodorant, talc or body spray on the day as it can show up on the images. A top with trousers or a skirt is easiest.",
        "for most CT scans you can eat and drink as normal, but your letter will say if you need to fast. If unsure, ring the number on your letter.",
        "keep taking your usual medicines unless your letter says otherwise. If you take metformin and are having contrast, tell us when you arrive.",
        "a full bladder helps for a pelvic ultrasound — drink about a litre of water an hour before and try not to empty your bladder.",
        "for an MRI you can usually eat and drink as normal. Leave jewellery at home if you can; we have lockers for anything metal.",
        "just bring your appointment letter and a list of your medicines. You're welcome to bring someone with you to the waiting area.",
        "an underwire bra is fine — you'll take it off for the mammogram, so a two-piece outfit makes it easier.",
    ],
    "appointments": [
        "you can change your appointment by calling the number on your invitation letter, or email the team — details are on our website.",
        "our mobile unit has step-free access. Let us know in advance if you need extra time or support and we'll arrange it.",
        "we do offer some early evening and Saturday clinics. Please ring the booking team and they'll find a slot that suits.",
        "if you've missed your appointment just get in touch and we can rebook — you don't need to go back to your GP.",
        "we can arrange an interpreter or BSL signer; please tell the booking team when you call.",
        "all of our mammographers are female. If you'd like a chaperone for any other scan, just ask.",
        "the mobile unit works by appointment, so please book using the number on your letter. Where it's parked is on our website and changes every few weeks.",
        "most appointments take about 30 minutes, though the scan itself is much quicker. There's pay-and-display parking by the main entrance.",
        "waiting times change week to week; your referrer or our booking team can give you an up-to-date estimate.",
        "walk-in X-ray needs a request from your GP or another clinician — bring the form or your referral details with you.",
    ],
    "results": [
        "screening results are usually posted to you and your GP within 2 weeks. If you haven't heard after 3 weeks, please call the screening office.",
        "your scan is reported by a radiologist or reporting radiographer and sent to whoever referred you, who will discuss it with you.",
        "we're sorry for the wait. We can't discuss results on social media, but the team on the number on your letter can check on your report.",
        "most reports reach the referrer within 2–3 weeks. Please contact your GP or consultant if you've heard nothing by then.",
        "results aren't always on the NHS App yet; your letter explains how you'll get them.",
        "how long it takes says nothing about the result — everyone's images go through the same checks.",
    ],
    "recall": [
        "being called back is quite common — around 4 in 100 women are, and most of them will not have cancer. It usually means we need a closer look.",
        "at the assessment clinic you may have more mammograms, an ultrasound and sometimes a biopsy, often on the same day. Allow up to half a day.",
        "you're very welcome to bring someone with you, and the breast care nurses are there if you'd like to talk things through.",
        "we know waiting is hard. Your recall letter has a direct number for the assessment team if you'd like to ask anything beforehand.",
        "most people go back to normal activities the same day after a needle biopsy; avoid heavy lifting for a day or so.",
    ],
    "radiation_pregnancy": [
        "please tell the radiographer if you are or might be pregnant before any X-ray — we'll check whether it can wait or be done safely.",
        "a mammogram uses a very low dose of radiation, about the same as a few weeks of natural background radiation.",
        "you can still be screened while breastfeeding, though the images can be harder to read. Feeding or expressing beforehand helps.",
        "the dose from a dental or chest X-ray is very small, and your doctor weighs up the benefit against the risk before any scan.",
        "after most nuclear medicine scans we give written advice about contact with children — please follow it for the hours stated.",
        "you don't need to stop breastfeeding after an X-ray, CT or mammogram — no radiation stays in your body afterwards.",
    ],
    "mri_safety": [
        "many modern pacemakers and implants are MRI-safe, but we need the details before your scan. Please ring us with the make and model.",
        "breast implants are not a problem for MRI. Please tell us about any other implants or metal on the safety questionnaire.",
        "if you're claustrophobic let us know beforehand — we can talk you through it, play music, and you'll have a call buzzer the whole time.",
        "tattoos are very rarely a problem. Tell the radiographer if you feel any warmth and we'll stop the scan.",
        "the scanner is loud so we'll give you ear protection or headphones. Someone can often stay in the room if they pass the safety check.",
        "some people ask their GP for a mild sedative; if you take one you'll need someone to drive you home.",
        "joint replacements are almost always fine for MRI; we'll go through the safety checklist with you before the scan.",
        "most coils, piercings and eyelash extensions are fine, but please tell us when you book so we can check.",
    ],
    "contrast": [
        "contrast is very safe for most people. It's normal to feel warm, and some people feel like they need the loo — it passes within a minute.",
        "if you have kidney problems we may need a recent blood test before contrast. Please let us know when you book.",
        "please tell us about any previous reaction. A shellfish allergy isn't a reason to avoid contrast, but we'll ask about allergies first.",
        "you can usually drive home and eat and drink normally afterwards. Plenty of water helps flush the contrast out.",
        "you don't need to stop breastfeeding after contrast; the amount that reaches breast milk is tiny.",
        "contrast leaves your body in your urine within a day or so. You can say no, and we'll talk through what that means for the scan.",
    ],
    "eligibility": [
        "in England women aged 50 to 71 are invited every 3 years, with the first invitation between 50 and 53. After 71 you can self-refer by calling us.",
        "with a strong family history, speak to your GP who can refer you to a family history clinic for earlier or more frequent screening.",
        "trans women registered with a GP as female are invited automatically; otherwise your GP can refer you and we're happy to help.",
        "if you're over 50 and haven't been invited, please call us and we'll check you're on the list and registered with a GP.",
        "men aren't invited for screening, but if you notice any changes please see your GP, who can refer you to a breast clinic.",
        "after a mastectomy you won't need screening on that side; your breast team will tell you what follow-up you need.",
    ],
    "other": [
        "great question! There's lots about careers on the Society of Radiographers website and NHS Health Careers.",
        "you can request copies of your images through our access to health records team — details are on our website.",
        "screening mammograms are read by two specially trained readers, usually radiologists or consultant radiographers.",
        "please contact our Patient Advice and Liaison Service (PALS) and they'll help you raise your concerns.",
        "thermography isn't a substitute for a mammogram and isn't used in the NHS screening programme.",
        "some trusts use 3D mammography (tomosynthesis) in assessment clinics, and AI is being trialled as an extra reader; trained people still read every mammogram.",
        "a mammogram is an X-ray of the breast; ultrasound uses sound waves to look closely at one area. Private scans exist but aren't part of the NHS programme.",
    ],
}
# Which answer fits each ask (index into ANSWERS[topic], aligned with ASKS[topic]).
ASK_ANSWER = {
    "pain": [0, 0, 4, 1, 2, 0, 3, 5, 3, 2, 2, 0, 1, 6],
    "preparation": [0, 1, 0, 6, 2, 3, 4, 2, 5, 4, 0, 5, 0],
    "appointments": [0, 2, 6, 6, 7, 7, 1, 3, 5, 4, 0, 9, 8, 1],
    "results": [0, 3, 5, 0, 2, 2, 1, 0, 2, 4, 5, 2, 3],
    "recall": [0, 1, 0, 1, 0, 1, 1, 2, 0, 3, 0, 0, 4],
    "radiation_pregnancy": [0, 1, 2, 0, 3, 0, 5, 3, 3, 4, 3, 1],
    "mri_safety": [0, 1, 2, 5, 3, 2, 6, 4, 2, 4, 4, 7, 7],
    "contrast": [0, 0, 3, 0, 1, 2, 5, 3, 4, 5, 0, 5],
    "eligibility": [0, 0, 3, 0, 1, 0, 2, 4, 1, 0, 3, 5],
    "other": [0, 1, 5, 3, 0, 5, 6, 4, 2, 1, 6, 6],
}
_BS = "nhs.uk/conditions/breast-screening-mammogram/"
SIGNPOSTS = {
    "pain": [_BS + "what-happens-at-an-appointment/"], "preparation": [_BS, "nhs.uk/conditions/ct-scan/", "nhs.uk/conditions/mri-scan/"],
    "appointments": [_BS], "results": [_BS + "results/"], "recall": [_BS + "results/"],
    "radiation_pregnancy": ["nhs.uk/conditions/x-ray/", _BS], "mri_safety": ["nhs.uk/conditions/mri-scan/"],
    "contrast": ["nhs.uk/conditions/ct-scan/", "nhs.uk/conditions/mri-scan/"],
    "eligibility": [_BS + "when-youll-be-invited-and-who-should-go/"], "other": ["healthcareers.nhs.uk", _BS],
}
SIGNPOST_FORMS = ["See {url} for more.", "More info here: https://www.{url}", "There's a good guide at {url}",
                  "Our website has more: {site}", "Have a look at https://www.{url}"]
GREETINGS = ["Hi {first}, ", "Hello {first}, ", "Hi {first} — ", "{first}, ", "", "Thanks for asking {first}! "]
STAFF_PREFIX = ["", "", "", "Mammographer here 👋 ", "As a radiographer, ", "Radiographer here — "]
ANSWER_CLOSERS = ["", "", "Hope that helps!", "Best wishes", "Good luck with your appointment 💗", "Take care",
                  "Any other questions, just ask.", "Hope that reassures you x"]
# Enabling practice differs by the trust's responsiveness style (responsive, average, slow):
# the share of answers (percent) that signpost, and that open with a compassionate line.
STYLE_SIGNPOST_PCT = {"staff": (65, 50, 35), "org": (85, 70, 50)}
STYLE_COMPASSION_PCT = (45, 25, 10)
COMPASSION_OPENERS = ["Sorry to hear you're worried.", "It's completely understandable to feel nervous.",
                      "Thank you for getting in touch.", "That must be worrying.",
                      "It's normal to feel anxious about this."]
ORG_SIGNOFFS = ["", "", "^{initials}", "– {name}, Breast Screening Team", "Thanks, Imaging Team"]

FOLLOW_UPS = [
    "Anyone? 😕", "bump", "Still hoping someone can help with this", "Sorry, should have said - the appointment is on Thursday",
    "Just to add, I'm on HRT if that makes a difference", "Tried ringing again, still no answer",
    "Really worried now, does anyone know?", "I've searched online but getting conflicting answers",
    "Update: still no reply from the hospital", "Could someone from {short} help please?",
]
PEER_REPLIES = [
    "I had mine last month, honestly uncomfortable for a few seconds but fine", "Following, I've got the same question",
    "Ring the number on your letter, they were really helpful when I called", "Sending hugs x",
    "Same thing happened to me, it was nothing in the end 🤞", "The staff are lovely, just tell them you're nervous",
    "I'd ring your GP tbh", "Mine took about 2 weeks", "Good luck! Let us know how you get on", "I was the same, all fine in the end x",
]
THANKS = [
    "Thank you so much, that's really reassuring 😊", "Brilliant, thanks for getting back to me", "thanks x",
    "That's put my mind at rest, thank you", "Thanks! Appointment went fine in the end", "Thank you, really helpful",
    "Great, thanks so much 🙏", "Thanks for replying so quickly!", "Cheers, will give them a ring",
    "Thank you for taking the time to reply",
]

# Public posts that are not questions: venting, thanks, sharing news.
STATEMENTS = {
    "vent": [
        "Been waiting 5 weeks for my scan results and nobody will tell me anything. Absolutely fed up.",
        "Third time my appointment has been cancelled. Not impressed {short}.",
        "Why is it impossible to get through on the phone?! On hold for 40 minutes again",
        "Parking at the hospital is a joke. Missed my slot because I couldn't find a space",
        "Mammogram today and honestly it hurt more than I expected. Still sore 😩",
        "Waited 2 hours past my appointment time in X-ray with no explanation",
        "Letter came AFTER my appointment date. Brilliant.",
        "Been recalled and the waiting is the worst part. Trying to keep busy",
    ],
    "thanks": [
        "Huge thanks to the staff at the breast clinic at {short} today, they were lovely",
        "Just wanted to say thank you to the radiographer who did my MRI this morning. So patient with me 💙",
        "The mammographers at {short} were amazing, explained everything and put me at ease",
        "Shout out to the X-ray team at {short} — in and out in 20 minutes!",
        "Thank you to the lovely lady who did my scan yesterday, you made a scary day so much easier",
    ],
    "news": [
        "All clear from my mammogram 🎉 Ladies please go when you're invited!",
        "Just had my first mammogram. Honestly wasn't as bad as I expected",
        "Reminder to everyone: check your boobs! Mine was caught early through screening 💗",
        "My mum finally went for her screening after years of putting it off. So proud of her",
        "Had my MRI today, 40 minutes of banging noises but done ✅", "Got my results — benign cyst. The relief!!",
        "Booked my screening for next week, fingers crossed", "If you get your breast screening letter, don't ignore it. That's all x",
    ],
}
STATEMENT_KINDS = ["vent", "thanks", "news"]
ORG_STATEMENT_REPLIES = {
    "vent": ["Hi {first}, we're really sorry to hear this. Please send us a private message with your details and we'll look into it.",
             "Hi {first}, sorry for the wait. Please call the number on your letter and the team will chase this for you.",
             "We're sorry about your experience, {first}. Our PALS team can help — details are on our website."],
    "thanks": ["Thank you for your lovely feedback, {first} – we'll pass it on to the team 💙",
               "That's so kind, thank you! We'll make sure the team sees this.", "Thank you {first}, comments like this make our day!"],
    "news": ["Thank you for sharing, {first} 💗 Please keep going when you're invited.", "Great to hear, {first}! Thanks for spreading the word.",
             "So glad it went well, {first}!"],
}
PUBLIC_STATEMENT_REPLIES = ["So glad it went well!", "Same experience here, they were brilliant", "Hope you get your results soon x",
                            "Totally agree", "Sorry you went through that 😔", "Well done for going!"]

ANNOUNCEMENTS = [
    "Our breast screening mobile unit is now at {place} until the end of the month. If you've been invited, please keep your appointment 💗 #BreastScreening",
    "📍 The screening van has moved! You'll now find us at {place}. Check your letter for your appointment time.",
    "We're delighted to welcome our new MRI scanner at {short}, which will help us see more patients, more quickly. Thank you to our charity supporters! 🎉",
    "Our new CT scanner is now up and running, cutting waiting times for patients across {town}.",
    "We're recruiting! Band 6 diagnostic radiographer vacancies in our imaging department. Apply via NHS Jobs #radiography #NHSjobs",
    "Are you a qualified mammographer looking for your next role? Join our friendly breast screening team at {short}. Flexible hours available.",
    "Join us as an assistant practitioner in mammography – full training provided. Details on NHS Jobs.",
    "Our walk-in X-ray service at {short} is now open until 8pm on weekdays. No appointment needed with a GP referral.",
    "Had a scan with us recently? Tell us how we did in our patient survey – your feedback shapes our service.",
    "Congratulations to our breast imaging team, shortlisted for a national award for reducing waiting times! 👏",
    "Due to staff sickness some appointments on the mobile unit this week have been rescheduled. We'll contact you directly — sorry for any inconvenience.",
    "Bay 4 has our new scanner – come and see it at our open day on 03/04 from 10am!",
    "Welcome to our 67 new starters joining imaging this year 👋",
]
AWARENESS = [
    "October is #BreastCancerAwarenessMonth. Screening can find cancers before you notice any changes. If you're 50–71, please book when invited 💗",
    "This #BreastCancerAwarenessMonth we're running extra evening clinics at {short}. Check your invitation letter 💗",
]
WORLD_RADIOGRAPHY_DAY = "Happy #WorldRadiographyDay to our amazing radiographers, assistants and support staff! 💙"
PLACES = ["Tesco car park, {town}", "Asda, {town}", "Morrisons, {town}", "the Community Hospital, {town}",
          "the leisure centre car park in {town}", "Sainsbury's, {town}"]
ANNOUNCEMENT_COMMENTS = ["Brilliant news 👏", "Well done all!", "Thanks for letting us know", "Shared 👍",
                         "Fab team, treated me brilliantly last year", "About time! 😂", "💗💗"]
# Questions asked under announcements, with their topic.
ANNOUNCEMENT_QUESTIONS = [
    ("Is the van wheelchair accessible?", "appointments"), ("Do I need an appointment or can I just turn up?", "appointments"),
    ("Will it be there on Saturdays", "appointments"), ("I'm 73, can I still come along?", "eligibility"),
    ("How do I know if I'm due?", "eligibility"), ("Does this cover {town} as well?", "appointments"),
    ("Is there parking?", "appointments"), ("My mum's 72 and hasn't had a letter, can she come?", "eligibility"),
    ("is it just for women over 50", "eligibility"), ("Will this mean shorter waits for scans?", "appointments"),
]

CPD_POSTS = [
    "#MedRadJClub tonight at 8pm: we're discussing {paper}. All welcome! #radiography",
    "Just been selected for the HCPC CPD audit 😅 anyone got tips for the profile?",
    "Finished my HCPC CPD profile two weeks early for once. Reflective practice is easier when you write it up as you go",
    "Great talk at {conf} today on {paper}. Lots to take back to the department #radiography",
    "Really proud of our students on placement this week — first solo chest X-rays done 🎓 #radiography",
    "Anyone got good resources on {paper} for a teaching session?",
    "Reflecting on a tricky positioning case today. Always learning #mammography",
    "Slides from my {conf} talk on {paper} are now online — thanks to everyone who came",
    "Who's going to {conf} this year? Would love to meet up #radiography",
    "New preprint from our group on {paper}. Feedback welcome!",
    "Night shift done. 14 trauma series, 3 CTs and a lot of coffee ☕ #radiography",
    "Mentoring a new starter this week, reminded how much I've learnt since qualifying",
    "Interesting debate at #MedRadJClub about AI double reading in breast screening. Where do you stand?",
    "Bay 4 has our new scanner and it's brilliant",
    "Check out this phantom image from our QA today — no patients involved 😄",
    "Reminder: never share patient details online, even anonymised. #SocialMedia #radiography",
]
PAPERS = ["AI as a second reader in breast screening", "contrast-enhanced mammography", "dose optimisation in paediatric CT",
          "claustrophobia and patient experience in MRI", "radiographer-led reporting", "compression force and patient comfort",
          "digital breast tomosynthesis", "advanced practice in radiography", "image quality audits", "burnout in the imaging workforce"]
CONFERENCES = ["#UKIO", "the SoR annual conference", "Symposium Mammographicum", "#ECR", "the CoR research conference"]
HASHTAGS = ["#radiography", "#MedRadJClub", "#mammography", "#CPD", "#WeAreTheNHS", "#AHPs"]
CPD_REPLIES = ["Great thread, thanks for sharing", "Count me in for #MedRadJClub!",
               "I was audited last cycle — keep it simple and map it to the standards", "Slides please! 🙏",
               "Really interesting, we've just started piloting this", "Well done! 👏", "Agree 100%",
               "Would love to hear more about how you set this up", "Same here, such a tough week", "Congrats to your students!"]

# Staff posts that breach guidance (DESIGN.md "Guideline flag"): in answers, and in own posts.
BREACH_ANSWERS = [
    "honestly your lump sounds benign, don't worry about it", "from what you've described that's just a cyst, I wouldn't bother going back",
    "sounds like nothing to me, I'd skip the recall tbh", "you definitely don't have cancer, stop worrying x",
    "DM me your number and I'll look up your results on the system",
    "message me privately with your date of birth and I'll check when your appointment is",
    "send me a DM with your hospital number and I'll have a look at your images",
]
BREACH_POSTS = [
    "Lady in bay 4, {age} yrs, DOB {dob}, came in with a fall and still made us all laugh ❤️",
    "Can anyone chase the report for NHS no {nhs}? Been waiting 3 weeks",
    "Mrs {surname} from {town} back again for her 5th scan this month, she's a legend",
    "look at this cool PACS screenshot 😍 what a fracture! pic.x.com/{code}",
    "Best mammogram image I've ever taken, screenshot attached 📸 pic.x.com/{code}",
    "Our managers are clueless. Third rota change this week, {short} is a joke",
    "Honestly the band 7 in our department is useless, no wonder everyone's leaving",
    "Some of the patients today were absolute morons, told her 3 times to keep still",
]
# The guideline families each breach above was written to breach (the demo's planted truth, which
# its simulated review history is judged against: ingest.demo.planted).
BREACH_ANSWER_FAMILIES = ["clinical_advice"] * 4 + ["boundaries"] * 3
BREACH_POST_FAMILIES = ["confidentiality"] * 5 + ["incivility", "incivility", "offensive"]

# People.
FIRST_PUBLIC = ["Sue", "Karen", "Julie", "Tracey", "Dawn", "Lisa", "Claire", "Joanne", "Nicola", "Sarah", "Emma", "Helen",
                "Michelle", "Amanda", "Jackie", "Linda", "Carol", "Angela", "Denise", "Gillian", "Mandy", "Kerry", "Paula",
                "Wendy", "Jane", "Lorraine", "Alison", "Debbie", "Beverley", "Elaine", "Fiona", "Sian", "Bethan", "Rhian",
                "Aoife", "Siobhan", "Morag", "Kirsty", "Aisha", "Fatima", "Priya", "Nisha", "Grace", "Chloe", "Megan",
                "Hannah", "Laura", "Rebecca", "Gemma", "Kelly", "Stacey", "Dave", "Steve", "Mark", "Paul", "Gary", "Raj"]
FIRST_STAFF = ["Jo", "Kate", "Rachel", "Sam", "Alex", "Chris", "Louise", "Anna", "Ruth", "Hayley", "Vicky", "Naomi", "Tom",
               "James", "Ben", "Amir", "Deepa", "Ola", "Femi", "Ewan", "Gareth", "Ciara", "Niamh", "Lucy", "Jen", "Abi"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson",
            "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Hughes",
            "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris", "King", "Watson", "Harrison", "Morgan", "Baker",
            "Young", "Allen", "Mitchell", "Anderson", "Campbell", "Kelly", "Murphy", "Bradshaw", "Ahmed", "Begum", "Okafor",
            "MacDonald", "Fraser", "O'Neill", "Lloyd"]
PUBLIC_BIOS = ["Mum of 2 👧👦", "Proud mum of 2 | coffee addict", "Nana, dog lover, Leeds Utd", "Retired teacher",
               "Living my best life", "Breast cancer survivor 💗", "Wife, mum, gin enthusiast", "Mum of 3 boys. Tired.",
               "Knitter, walker, grandma", "Just here for the dogs", "Retired nurse, still nosy 😂", "Netball, prosecco, family",
               "Carer for my mum", "Work in retail, love my garden"]
PUBLIC_LOCATIONS = ["Leeds", "Manchester, England", "Cardiff", "Glasgow", "Somewhere in Yorkshire", "Belfast", "Bristol",
                    "Essex", "Norfolk", "London", "Birmingham, UK", "Cornwall", "Newcastle", "North Wales", "Kent", "UK"]
STAFF_TITLES = ["Mammographer", "Diagnostic Radiographer", "Advanced Practitioner Mammographer", "Consultant Radiographer",
                "Sonographer", "Radiologist", "Superintendent Radiographer", "Assistant Practitioner (Mammography)"]
STAFF_TITLE_WEIGHTS = [0.3, 0.3, 0.07, 0.05, 0.1, 0.06, 0.07, 0.05]
STAFF_BIOS = ["HCPC registered {t} at {short}. Views my own.", "{T} | {short} | tweets my own",
              "{T}. #MedRadJClub regular. Views own, RTs ≠ endorsement", "NHS {t}. Runner, mum, coffee. All views my own",
              "{T} @ {short} 🩻 opinions my own", "Breast imaging nerd. {T}, {short}"]
# Organisation accounts: (registry title prefix, display suffix).
ORG_KINDS = [("Breast Screening Service", "Breast Screening"), ("Radiology Department", "Radiology"),
             ("Imaging Department", "Imaging")]
ORG_BIO = ("Official account of the {unit} at {short}. Monitored Mon–Fri 9am–5pm. "
           "We can't give medical advice here; for urgent advice call NHS 111.")
SUBREDDITS = ["NHS", "breastcancer", "AskUK", "radiography"]
# Out-of-hours autoresponders: each trust that has one always sends the same words.
AUTO_REPLIES = [
    "Thanks for getting in touch with {short}. Our team is away at the moment and will reply when we're "
    "back in the office. For urgent medical advice please call NHS 111.",
    "Thank you for your message. This account is monitored Monday to Friday, 9am to 5pm, and we'll get "
    "back to you as soon as we can. If you need urgent help, call NHS 111.",
    "Hello! We've received your message and a member of the {short} team will reply within 2 working days. "
    "Please don't share personal or medical details here.",
]


# --- Composition: turn post kinds and random draws into text -------------------------------

def render_text(f, w, rng) -> np.ndarray:
    """Text for every post, by kind. ``f`` holds the post columns, ``w`` the world."""
    c = _Context(f, w)
    text = np.empty(len(f["kind"]), dtype=object)
    for kind, compose in _COMPOSERS.items():
        idx = np.flatnonzero(f["kind"] == kind)
        if len(idx):
            text[idx] = compose(idx, c, rng.integers(0, 1 << 30, (len(idx), 8)).tolist())
    # Replies on X start with the @handle they answer (answers add theirs themselves).
    at = np.flatnonzero((f["plat"] == X) & np.isin(f["kind"], [PR, TH, NQR_ORG, NQR_PUB, ANNC, QA, CPDR, ACK]))
    text[at] = ["@" + h + " " + s for h, s in zip(c.parent_handle[at], text[at])]
    return text


class _Context:
    def __init__(self, f, w):
        tr = w.trusts
        self.f, self.w = f, w
        self.short, self.town = tr["short"].to_numpy(object)[f["tt"]], tr["town"].to_numpy(object)[f["tt"]]
        self.slug, self.site = tr["slug"].to_numpy(object)[f["tt"]], tr["site"].to_numpy(object)[f["tt"]]
        self.style = w.style[f["tt"]]
        parent_author = f["author"][np.maximum(f["parent"], 0)]
        self.parent_first, self.parent_handle = w.a_first[parent_author], w.a_handle[parent_author]
        self.role = w.a_role[f["author"]]


def _pick(bank, r):
    return bank[r % len(bank)]


def _scruff(s, r):
    """How people actually type: lowercase, no question mark, a typo, an emoji."""
    if r % 100 < 15:
        s = s.lower()
    if (r // 100) % 100 < 22:
        s = s.replace("?", "")
    if (r // 10_000) % 100 < 10:
        word = _pick(list(TYPOS), r // 1_000_000)
        s = s.replace(word, TYPOS[word], 1)
    if (r // 100_000) % 10 == 0:
        s = s + " " + _pick(EMOJI, r // 7)
    return s.strip()


def _questions(idx, c, u):
    f = c.f
    mention = (f["plat"][idx] == X) & (f["trust"][idx] >= 0)
    out = []
    for tp, ask, men, slug, r in zip(f["sub"][idx].tolist(), f["flag"][idx].tolist(), mention.tolist(), c.slug[idx], u):
        name = TOPICS[tp]
        parts = (_pick(OPENERS, r[0]), _pick(CONTEXTS[name], r[1]) if r[1] % 5 < 3 else "",
                 _pick(ASKS[name], ask), _pick(CLOSERS, r[3]))
        if parts[0] and parts[0][-1] not in ".,!?":       # "... but how long", not "but How long"
            nxt = 1 if parts[1] else 2
            if not parts[nxt].startswith(("I ", "I'")):
                parts = tuple(p[0].lower() + p[1:] if i == nxt else p for i, p in enumerate(parts))
        s = _scruff(" ".join(p for p in parts if p), r[4])
        out.append(f"@{slug}Radiology {s}" if men and r[5] % 2 else s)
    return out


def _answers(idx, c, u):
    f = c.f
    out = []
    parent = f["parent"][idx]
    ask = np.where(f["kind"][parent] == Q, f["flag"][parent], -1)      # the question's ask, if known
    rows = zip(f["sub"][idx].tolist(), f["flag"][idx].tolist(), c.role[idx].tolist(), f["plat"][idx].tolist(),
               c.parent_first[idx], c.parent_handle[idx], c.site[idx], ask.tolist(), c.style[idx].tolist(), u)
    for tp, breach, role, plat, first, handle, site, a, style, r in rows:
        name = TOPICS[tp]
        fits = a >= 0 and r[1] % 5
        body = _pick(BREACH_ANSWERS, r[1]) if breach else (
            ANSWERS[name][_pick(ASK_ANSWER[name], a)] if fits else _pick(ANSWERS[name], r[1]))
        greet = _pick(GREETINGS, r[0]).replace("{first}", first)
        if role == STAFF and r[3] % 100 < 30:
            greet = _pick(STAFF_PREFIX[3:], r[3] // 100)
        if not breach and (r[7] // 100) % 100 < STYLE_COMPASSION_PCT[style]:
            opener = _pick(COMPASSION_OPENERS, r[7] // 10_000)
            if greet.endswith((", ", "— ")):
                opener = opener[0].lower() + opener[1:]
            greet, body = greet + opener + " ", body[0].upper() + body[1:]
        if not greet.endswith((", ", "— ")):
            body = body[0].upper() + body[1:]
        parts = [greet + body]
        if not breach and r[2] % 100 < STYLE_SIGNPOST_PCT["org" if role == ORG else "staff"][style]:
            url = _pick(SIGNPOSTS[name], r[2] // 100)
            parts.append(_pick(SIGNPOST_FORMS, r[4]).format(url=url, site=site))
        if not breach:
            parts.append(_pick(ANSWER_CLOSERS, r[5]))
        s = " ".join(p for p in parts if p)
        if role == ORG:
            initials = chr(65 + r[6] % 26) + chr(65 + r[6] // 26 % 26)
            sign = _pick(ORG_SIGNOFFS, r[7]).format(initials=initials, name=_pick(FIRST_STAFF, r[6]))
            s = s + "\n" + sign if sign else s
        out.append(f"@{handle} {s}" if plat == X else s)
    return out


def _simple(bank, scruff=False):
    def compose(idx, c, u):
        short, first = c.short[idx], c.parent_first[idx]
        out = [_pick(bank, r[0]).replace("{short}", s).replace("{first}", fi) for s, fi, r in zip(short, first, u)]
        return [_scruff(s, r[1]) for s, r in zip(out, u)] if scruff else out
    return compose


def _by_sub(banks, names):
    def compose(idx, c, u):
        subs = c.f["sub"][idx].tolist()
        return [_pick(banks[names[k]], r[0]).replace("{short}", s).replace("{first}", fi)
                for k, s, fi, r in zip(subs, c.short[idx], c.parent_first[idx], u)]
    return compose


def _acknowledgements(idx, c, u):
    """The trust's autoresponder text, the same every time."""
    return [AUTO_REPLIES[k].replace("{short}", s) for k, s in zip(c.w.auto_text[c.f["tt"][idx]], c.short[idx])]


def _announcement_questions(idx, c, u):
    return [_scruff(ANNOUNCEMENT_QUESTIONS[k][0].replace("{town}", t), r[0])
            for k, t, r in zip(c.f["sub"][idx].tolist(), c.town[idx], u)]


def _announcements(idx, c, u):
    days = c.f["t_utc"][idx].astype("datetime64[s]").astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    out = []
    for m, d, short, town, r in zip(month.tolist(), dom.tolist(), c.short[idx], c.town[idx], u):
        if m == 11 and d == 8 and r[0] % 3:
            out.append(WORLD_RADIOGRAPHY_DAY)
            continue
        bank = AWARENESS if m == 10 and r[0] % 2 else ANNOUNCEMENTS
        place = _pick(PLACES, r[2]).replace("{town}", town)
        out.append(_pick(bank, r[1]).format(place=place, short=short, town=town))
    return out


def _cpd_posts(idx, c, u):
    out = []
    for breach, short, town, r in zip(c.f["flag"][idx].tolist(), c.short[idx], c.town[idx], u):
        if not breach:
            post = _pick(CPD_POSTS, r[0]).format(paper=_pick(PAPERS, r[1]), conf=_pick(CONFERENCES, r[2]))
            tag = _pick(HASHTAGS, r[4]) if r[4] % 10 < 3 else ""
            out.append(post + " " + tag if tag and tag not in post else post)
            continue
        gen = random.Random(r[3])
        age = gen.randint(45, 88)
        dob = f"{gen.randint(1, 28):02d}/{gen.randint(1, 12):02d}/{2024 - age}"
        code = "".join(gen.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
        out.append(_pick(BREACH_POSTS, r[0]).format(age=age, dob=dob, nhs=_nhs_number(gen), surname=_pick(SURNAMES, r[1]),
                                                     town=town, code=code, short=short))
    return out


def _nhs_number(gen) -> str:
    """A made-up NHS number that passes the modulus 11 check, as a detector would test (never
    starting 9: 999 numbers are test numbers, which the rules rightly ignore)."""
    while True:
        d = [gen.randint(4, 8)] + [gen.randint(0, 9) for _ in range(8)]
        check = 11 - sum(x * (10 - i) for i, x in enumerate(d)) % 11
        if check != 10:
            s = "".join(map(str, d)) + str(0 if check == 11 else check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


_COMPOSERS = {
    Q: _questions, QA: _announcement_questions, FU: _simple(FOLLOW_UPS, scruff=True),
    PR: _simple(PEER_REPLIES, scruff=True), ANS: _answers, TH: _simple(THANKS), NQ: _by_sub(STATEMENTS, STATEMENT_KINDS),
    NQR_ORG: _by_sub(ORG_STATEMENT_REPLIES, STATEMENT_KINDS), NQR_PUB: _simple(PUBLIC_STATEMENT_REPLIES),
    ANN: _announcements, ANNC: _simple(ANNOUNCEMENT_COMMENTS), CPD: _cpd_posts, CPDR: _simple(CPD_REPLIES),
    ACK: _acknowledgements,
}
