"""The transparent question cues: named RE2 patterns with weights, each with examples.

They were the whole question classifier until ``questions-1`` (a post asked when the weights
of its matched cues summed to 1.0; :func:`warehouse.enrich.questions.rules_sql` keeps that
rule callable for comparison). Since ``questions-2`` they are features of the learned model
(:mod:`warehouse.enrich.question_model`) and the words its "why" is told in; the topic cues
still pick a question's topic.
"""
from __future__ import annotations

from warehouse.enrich import Cue, keywords

# Where a sentence (or the question after a greeting or an @reply prefix) begins. After a comma
# only yes/no inversions and how/what/why count ("..., which is why" and ", who ..." are relative).
_LEAD = r"(?:(?:so|and|but|also|ok|okay|right|hi|hello|hiya|hey)[,:]?\s+)?"
_EMOJI = r"[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}]"
_BOUNDARY = r"(?:^|[.!?…;:\n]\s*|\s[-–—]\s+|" + _EMOJI + r"\s*|^(?:@\w+\s+)+|URL\s+)"
_START = r"(?:" + _BOUNDARY + r"|,\s+)" + _LEAD
_START_WH = r"(?:" + _BOUNDARY + _LEAD + r"(?:how|what|when|where|who|which|whose)|,\s+(?:how|what))"
_POST_START = r"^\s*(?:(?:hi|hello|hiya|hey|morning|evening)\b[^,.!?]{0,20}[,.!]?\s*)?"
_AUX_WORDS = r"can|could|will|would|should|shall|do|does|did|is|are|was|were|am|have|has|need"
_AUX = r"(?:" + _AUX_WORDS + r")"
_PRONOUN = (r"(?:i|you|u|we|they|he|she|it|there|anyone|anybody|any1|someone|somebody|my|your|the|this|that|these|"
            r"those|her|his|our|their|mine|a|an|any|people|women|men|ladies)\b")
# A yes/no question inverts auxiliary and subject. Mid-post (and after an @mention, which is often
# the subject: "@jk_rowling is my favourite") the subject must be a pronoun or determiner; at the
# very start of a post "Is/Are/Do/Does/Did" + any word counts ("Is gadolinium safe").
# Imperatives and negations ("Do go", "Could not") are a counter-cue.
_INVERSION = (r"(?:" + _START + _AUX + r"\s+" + _PRONOUN + r"|" + _POST_START
              + r"(?:is|are|was|were|do|does|did)\s+[\w'#]+)")
# A wh-question: the wh-word then an auxiliary or a word that makes it a question ("how long",
# "what time"); what/which may take a noun first ("what prep do you ..."), "how lovely were" may not.
_WH_TAIL = (r"(?:'s|'re|\s+(?:" + _AUX_WORDS + r")\b|\s+(?:long|much|many|often|soon|far|old|time|exactly|"
            r"actually|else|happens|happened|kind|sort|type|age|number|part)\b)")
_WH_Q = (r"(?:" + _START_WH + _WH_TAIL + r"|" + _BOUNDARY + _LEAD + r"(?:what|which|whose)\s+\w+\s+(?:" + _AUX_WORDS
         + r")\b)")

# Cues come in groups; _QUESTION_GROUPS (below) says how the SQL looks for each group.

# --- asking with a question mark, and the counter-cues that concern the "?" -------------------
ASKING_CUES: list[Cue] = [
    Cue("question_mark", r"\?", 0.6,
        examples=("Does the mammogram hurt?", "will that show up on the pictures ?"),
        counter_examples=("Book today https://www.nhs.uk/breast-screening/?utm_source=x", "All clear from my recall!")),
    # A "?" that ends the post (links, tags and emoji aside) rather than a "Worried? Read this." lead-in.
    Cue("ends_with_question", r"(?i)[?][\s?!.]*(?:(?:#\w+|@\w+|URL|x+|" + _EMOJI + r"|[:;]-?[()DP])[\s.!]*)*$", 0.4,
        examples=("When will I get my results?", "Is it safe? 🙏 #nervous"),
        counter_examples=("Worried about your mammogram? Watch our video", "Did you know? Most women are fine")),
    Cue("interrogative_sentence", r"(?i)(?:" + _INVERSION + r"|" + _WH_Q + r"|"
        + _BOUNDARY + _LEAD + r"why\b)[^.!?\n]*[?]", 0.4,
        examples=("Is gadolinium safe? I've read it stays in the brain", "What's best to wear? lol"),
        counter_examples=("Worried about your mammogram? Watch our video", "Seriously?")),
    Cue("question_in_reply", r"^\s*(?:@\w+[\s,:]+)+[^\n]*[?]", 0.4,
        examples=("@LeedsBSU is the van at Asda? I've got my letter",),
        counter_examples=("Is the van at Asda? @LeedsBSU", "@LeedsBSU thanks for the info")),
    Cue("exclaimed_question", r"\?+!|!+\?", -0.4,
        examples=("Who designed these gowns honestly?!", "WHAT!?"),
        counter_examples=("Is this normal?", "Great news!")),
    Cue("answers_itself", r"(?i)\?\s*(?:no|nope|yes|yep|of course|because|answer|it isn'?t|it is not|they don'?t|not really)\b",
        -0.8, examples=("Why do feminists call it a war? Because it is.", "How is a squeeze worse than childbirth? It isn't"),
        counter_examples=("Is it safe? My scan is Friday", "Can I eat? Not had breakfast yet")),
    Cue("quoted_question", r"[\"“”][^\"“”]*\?[^\"“”]*[\"“”]", -1.0,
        examples=('She asked me "did you always want to be a writer?" once',),
        counter_examples=('My letter says "further assessment", what is that?',)),
]

# --- interrogative openers (with or without "?") ----------------------------------------------
OPENER_CUES: list[Cue] = [
    Cue("opener_yes_no", r"(?i)" + _INVERSION + r"\b", 0.6,
        examples=("Can I keep my piercing in for an X-ray", "Hi, is there parking near the breast unit",
                  "@BSPnorthwest do you open on Saturdays"),
        counter_examples=("Can't believe how quick that was!", "Could not have asked for more", "I can wear my own clothes")),
    Cue("asks_about_self", r"(?i)(?:" + _START + _AUX + r"\s+(?:i|we)\b|" + _START_WH
        + r"(?:\s+(?:long|much|many|often|soon|exactly|else))?\s+" + _AUX + r"\s+(?:i|my)\b|" + _START
        + r"how\s+(?:long|much|many|often|soon)\b|" + _START + r"(?:is|was|will|would)\s+(?:it|this|that|everything)\s+"
        r"(?:still\s+)?(?:normal|ok|okay|alright|all right|safe|true|possible|worth|common|usual|better|bad|likely|"
        r"necessary|fine|dangerous|harmful|too late)\b)", 0.4,
        examples=("Should I stop my metformin before the scan", "Is it normal to be this sore after a mammogram",
                  "how do I rebook my screening", "How long is the wait for an MRI"),
        counter_examples=("Is there parking at the hospital", "I should have gone years ago", "How is it 2024")),
    Cue("opener_wh", r"(?i)" + _WH_Q, 0.6,
        examples=("How long do results take", "what's best to wear for a mammogram", "Who do I chase about my report"),
        counter_examples=("What a team.", "How lovely were the staff today", "Who knew lying still could be so hard")),
    Cue("unmarked_final_question", r"(?i)(?:" + _INVERSION + r"|" + _WH_Q + r"|"
        + _BOUNDARY + _LEAD + r"why\s+(?:" + _AUX_WORDS + r")\b)[^.!?\n]*$", 0.4,
        examples=("My nan has a DEXA next week. Does she need to stop her calcium tablets", "why is that"),
        counter_examples=("Is it safe? My scan is on Friday.", "Where would we be without our radiographers!")),
    Cue("opener_why", r"(?i)(?:" + _BOUNDARY + _LEAD + r"|,\s+)why(?:'s|\s+(?:" + _AUX_WORDS + r"|not|would|has)\b)", 0.6,
        examples=("Why would results take longer for some people", "why is that"),
        counter_examples=("That's why I always tell people to go", "Which is why I went")),
    Cue("negated_or_imperative", r"(?i)" + _BOUNDARY + _LEAD + r"(?:" + _AUX_WORDS + r")\s+(?:not|never)\b|" + _BOUNDARY
        + _LEAD + r"(?:do|have)\s+(?:go|it|this|that|a|an|pop|come|check|book|share|try|your|yours|something|fun|look)\b",
        -0.6, examples=("Do go if you're invited", "Could not have asked for a kinder team", "Have a lovely day"),
        counter_examples=("Do I need to fast?", "Have you had a recall?")),
]

# --- requests for help, information or reassurance (often without "?") ------------------------
REQUEST_CUES: list[Cue] = [
    Cue("asks_for_help", r"(?i)\b(?:can|could|would|will)\s+(?:anyone|anybody|any1|someone|somebody|you|u)\s+(?:please\s+)?"
        r"(?:help|tell|explain|advise|recommend|confirm|let me know|point me|shed|share)|\bhoping (?:someone|somebody|anyone|"
        r"you|one of you)\b|\bplease (?:help|advise|tell me|explain|could|can|let me know)\b|\b(?:help|advice|info|"
        r"information|tips) (?:please|pls|needed|wanted|required)\b|(?:\bi'?m\s+|\bi\s+|\bwe\s+|^\s*|[.!?]\s*)(?:really |"
        r"just |desperately )?(?:need|needing|looking for|after|want|seeking) (?:some |a bit of |any )?(?:advice|help|"
        r"info|information|reassurance|tips)\b", 1.0,
        examples=("hoping someone could tell me what to expect", "Please tell me the DEXA scan doesn't hurt",
                  "Can anyone explain what a stereotactic biopsy is"),
        counter_examples=("If you need any help getting there, Age UK are amazing", "The staff helped me so much")),
    Cue("any_advice", r"(?i)\bany (?:advice|help|tips|info|information|ideas|suggestions|thoughts|experiences?|"
        r"recommendations?|insight|reassurance|words of wisdom)\b\s*(?:at all\s*)?(?:would|will|welcome|appreciated|"
        r"much|greatly|gratefully|most|please|pls|on|about|for|re|x+\b|[.!🙏]|$)", 1.0,
        examples=("any help would help", "Any advice appreciated - been asked back", "any advice on what to wear"),
        counter_examples=("Any advice I'd give anyone nervous: just go", "didn't get any help from reception")),
    Cue("share_experiences", r"(?i)\bshare (?:your|any|their) (?:experiences?|stories|story)|\b(?:love|like|appreciate|"
        r"grateful) (?:to hear|hearing|to know)\b|\bhear from (?:anyone|anybody|someone|others|people)|\b(?:has|have) "
        r"(?:anyone|anybody|any1|someone|somebody) (?:else )?(?:had|been|got|tried|found|experienced|gone)\b|(?:^|[.!?,]\s*|"
        r"\s)anyone (?:else )?(?:had|been|got|tried|found|experienced|gone|able|recommend)\b|\banyone (?:who'?s|that'?s|"
        r"who has|that has|who have) (?:been|had|gone)", 1.0,
        examples=("please share your experiences", "Would love to hear how others coped",
                  "Anyone else found it more painful this time"),
        counter_examples=("Please share this with the women in your life", "Anyone who's nervous, just go")),
    Cue("wondering", r"(?i)\b(?:wondering|wonder|wondered) (?:if|whether|what|how|when|where|why|who|which|about)\b", 1.0,
        examples=("wondering if anyone has had a mammogram with implants", "I've always wondered how it works"),
        counter_examples=("No wonder everyone is leaving", "a wonderful team")),
    Cue("wants_to_know", r"(?i)\b(?:i'?d|i would|i want to|i need to|i really need to|would like to|want to|need to|"
        r"dying to|keen to)\s+(?:really\s+)?(?:like to\s+)?(?:know|find out|understand)\s+(?:if|whether|what|how|when|where|"
        r"why|who|which|about|more)\b", 1.0,
        examples=("I'd like to know if my patch needs to come off", "I need to know whether to stop my tablets"),
        counter_examples=("Good to know, thanks", "I know what to expect now")),
    Cue("anyone_know", r"(?i)\b(?:does|do|would|will|did)\s+(?:anyone|anybody|any1|someone|somebody|you)\s+(?:happen to\s+)?"
        r"know\b|(?:^|[.!?,-]\s*|\s)(?:anyone|anybody|any1|somebody|someone) know(?:s)?\b", 1.0,
        examples=("Does anyone know if the walk in X-ray is open", "anyone know the number for the screening office"),
        counter_examples=("No one knows why", "Everyone knows someone affected")),
    Cue("not_sure", r"(?i)\b(?:not sure|unsure|don'?t know|no idea|confused about|can'?t work out)\s+(?:if|whether|what|how|"
        r"when|where|why|who|which)\s+(?:i|we|it|they|this|that|my|she|he|the|her|his|you|there|is|to (?:take|do|wear|"
        r"bring|go|ring|call|book|eat|drink|stop|expect|ask|tell|chase))\b", 1.0,
        examples=("Not sure whether I should take my tablets", "not sure what that means"),
        counter_examples=("Not sure whether to laugh or cry", "I'm sure it's nothing")),
    Cue("cant_find_out", r"(?i)\b(?:can'?t|cannot|couldn'?t|unable to)\s+(?:seem to\s+)?(?:find (?:out|any|anything|info|"
        r"information|an answer|answers|where|how|what|when|the number|a number)|get (?:an answer|any answers|any info|"
        r"a straight answer))\b", 1.0,
        examples=("can't find out when the van is coming", "I couldn't find any information online"),
        counter_examples=("can't get through on the phone again", "I can't find the words to thank them")),
    Cue("tell_me", r"(?i)\b(?:tell|show) me (?:if|whether|what|how|when|where|why|who|which)\b|\bexplain (?:what|how|why|"
        r"it|this)\b|\blet me know (?:if|whether|what|how|when|where)\b", 0.8,
        examples=("someone tell me what to expect", "could you explain what it means"),
        counter_examples=("They told me what to expect", "Tell me about it!")),
    Cue("reassurance", r"(?i)\b(?:need(?:ing)?|looking for|want|could do with|just need)\s+(?:some\s+|a bit of\s+)?"
        r"reassurance\b|\bshould i (?:be )?worr(?:y|ied)\b|\bis (?:this|that) normal\b|\breassure me\b", 0.8,
        examples=("Just need some reassurance really", "Should I be worried about a recall"),
        counter_examples=("That was really reassuring, thank you", "Try not to worry x")),
    Cue("thanks_in_advance", r"(?i)\bthanks? (?:you )?in advance\b|\btia\b|\b(?:thanks|grateful) for any\b|"
        r"\bappreciate any\b", 0.6,
        examples=("Thanks in advance", "grateful for any replies"),
        counter_examples=("Thanks to the team at the Royal", "thank you for taking the time")),
    Cue("asking_for", r"(?i)\b(?:asking for (?:a friend|my|her|him)|posting for|genuine question|quick question|silly "
        r"question|random question|daft question|question about|can i ask)\b", 0.6,
        examples=("Asking for my mum", "Genuine question - does it hurt more with implants"),
        counter_examples=("So many great questions!", "Question time at the conference")),
]

# --- shared content: retweets and links. Common in tweets, so looked for in every post. -------
SHARING_CUES: list[Cue] = [
    # A retweet repeats someone else's words: it weighs against, but a retweeted question is still a
    # question as text (Tweet-Act labels it so). That it is not the retweeter's own question is the
    # build's rule, like the author's role: exclude posts whose question_cues contain 'retweet'.
    Cue("retweet", r"^\s*RT @", -0.6,
        examples=("RT @NHSEngland: Breast screening saves lives",),
        counter_examples=("@NHSEngland RT this please", "Art @ the hospital")),
    # News shared as a link: a headline ("Why are women missing mammograms? Our investigation <link>")
    # or a post without "?" that ends in a link. A "?" right before the link still asks.
    Cue("link_only_news", r"(?i)^(?:[^@?][^?\n]*|[^@][^\n]*[?]\s*[^\s?#@][^?]*)URL(?:\s+(?:#\w+|@\w+|via|by|from|"
        r"[-|–—]|URL))*\s*$", -0.8,
        examples=("Why are women missing mammograms? Our investigation https://inews.co.uk/x",
                  "Screening uptake falls to lowest level https://www.bbc.co.uk/news/1"),
        counter_examples=("@trust is this true? https://t.co/abc", "Is this right? https://t.co/abc",
                          "Saw this https://x.nhs.uk does it mean the van is gone")),
]

# --- counter-cues: thanks, news of one's own visit, laughter, rhetoric, answers, announcements -
COUNTER_CUES: list[Cue] = [
    Cue("thanks", r"(?i)\bthank(?:s| you)(?: so much| so very much| all| everyone| again| both)?(?: to\b| for (?:the|your|all|"
        r"everything|explaining|replying|getting|taking|sharing|being|making|looking|squeezing|such)\b|\s*(?:x+|!+|\.|"
        r"[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}])|$)|\bshout ?out to\b|\b(?:huge|massive|big) thanks?\b", -0.6,
        examples=("Thank you to the radiographer who held my hand", "thanks for the quick reply"),
        counter_examples=("Thanks in advance", "thanks for any help")),
    Cue("news_of_own_visit", r"(?i)\b(?:just|finally) (?:had|got back from|come out of|done) (?:my|the|our)\b|\ball clear\b|"
        r"\bresults? (?:are |is )?(?:back|in)\b[:,.!]|\bwent fine\b|\bwasn'?t (?:half )?as bad\b|\b(?:scan|mammogram|"
        r"mri|ct|x-?ray|biopsy) (?:done|day)\b", -0.5,
        examples=("Just had my mammogram, wasn't half as bad", "Results are in: nothing sinister"),
        counter_examples=("Had my mammogram yesterday and I'm still sore", "When will my results be back")),
    Cue("laughing", r"(?i)\b(?:lol|lmao|haha\w*|rofl)\b|[😂🤣🙄🙃😭]", -0.5,
        examples=("why is it always raining on screening day lol", "no phone signal anywhere 🙃"),
        counter_examples=("lollipop for being brave", "Really nervous about my scan")),
    Cue("rhetorical", r"(?i)\bis it (?:just )?me\b|\bis it too much to ask\b|\bwho (?:knew|thought|cares|needs|would have "
        r"thought|'?d have thought)\b|\bwhat more (?:could|can) (?:you|i|we|anyone)\b|\bare you (?:kidding|joking|serious)\b|"
        r"\bhow hard (?:is|can) it\b|\bcouldn'?t make it up\b|\bguess (?:who|what)\b|\bwhy oh why\b|\bwho else is\b|"
        r"\bwhy (?:do|does|is|are|am|must) \w+ (?:\w+ )?always\b|"
        r"\bwhat'?s (?:worse|better) than\b|\bdid you know\b", -0.8,
        examples=("Is it just me or do all x-ray departments smell the same?", "Did you know? Most recalls are not cancer"),
        counter_examples=("Is it normal to feel sick?", "Who else should I ask?")),
    # A reply that answers or suggests, from the start of the post.
    Cue("suggests_to_asker", r"(?i)^\s*(?:@\w+\s+)*(?:(?:hi|hello|hiya|hey)\b[^,.!?]{0,20}[,.!]?\s*)?"
        r"(?:have you (?:tried|rung|called|asked|contacted|spoken)|did you (?:ring|call|try|ask|speak)|"
        r"you (?:can|could|should|need to|don'?t need|won'?t|will)\b|i had mine|mine (?:was|took|hurt)\b|(?:yes|no),? you|"
        r"not (?:daft|silly|a silly question)|ring (?:the|them)\b|following\b)", -0.8,
        examples=("Have you tried PALS? They chased mine", "You can wear deodorant on the way home"),
        counter_examples=("Can you wear deodorant to a mammogram?", "Anyone else sore? Mine was fine last time")),
    Cue("announcement", r"(?i)\b(?:we'?re|we are) (?:recruiting|delighted|pleased|proud|excited|running|sorry that)\b|"
        r"\bour (?:new|mobile|reception|walk-in)\b|\bfind out more\b[^?]{0,60}URL|\bbook (?:today|now|online)\b|"
        r"\bsign up\b|\bapply (?:now|via|today|online)\b|\bjoin (?:us|our)\b|\bwatch our\b|\btell us how we did\b|"
        r"\bvisit our\b|\bplease be aware\b|\bexplained\b.{0,5}URL", -0.6,
        examples=("We're recruiting! Band 6 radiographers wanted", "Worried about your mammogram? Watch our short video"),
        counter_examples=("Is our local van still at Asda?", "We are worried about mum's results")),
    Cue("professional_chatter", r"(?i)#medradjclub|\bjournal club\b|\bcpd\b|\bhcpc\b|\bpreceptorship\b|\bdissertation\b|"
        r"\bconference\b|\bsymposium\b|#ukio\b|\bposter\b|\bband [5-8]\b|\bmentor\w*|\bnew paper\b|\bstudents\b|\bpacs\b|"
        r"\bworkforce\b|\bpoll\b", -0.6,
        examples=("Who else is at the Symposium this week?", "Journal club poll for next month"),
        counter_examples=("Can I bring my student son with me?", "Is the screening unit open today?")),
]

QUESTION_CUES: list[Cue] = ASKING_CUES + OPENER_CUES + REQUEST_CUES + SHARING_CUES + COUNTER_CUES
POSITIVE_CUES = [cue for cue in QUESTION_CUES if cue.weight > 0]

# How the SQL saves work (results are the same as looking for every cue in every post, except
# that counter-cues are only looked for in posts where some asking cue matched):
# - one scan with the union of POSITIVE_CUES finds the posts worth looking at;
# - a group is looked for where its gate matches: "union" (its patterns' union) or a literal
#   that each of its patterns requires (a substring test costs next to nothing);
# - then, in parts of a few cues, each part where the union of its patterns matches;
# - a cue listed in _REQUIRES is looked for only where its literal occurs.
# (group, cues, gate, part size); measured on the demo's posts.
_QUESTION_GROUPS = [("asking", ASKING_CUES, "?", None), ("opener", OPENER_CUES, None, 2),
                    ("request", REQUEST_CUES, "union", 4), ("sharing", SHARING_CUES, None, None),
                    ("counter", COUNTER_CUES, "union", None)]
_REQUIRES = {"question_in_reply": "@", "exclaimed_question": "!", "retweet": "RT @", "link_only_news": "URL"}

# Topics, in the order that breaks ties (DESIGN.md "Patient question"); "other" when none match.
TOPIC_CUES: dict[str, list[Cue]] = {
    "pain_discomfort": [
        Cue("pain", keywords("hurt", "hurts", "hurting", "painful", "pain", "painless", "sore", "soreness", "aching", "ache",
                             "achy", "tender", "bruis\\w*", "agony", "uncomfortable", "discomfort", "wimp", "cramp\\w*",
                             "pinch\\w*", "cried", "crying", "in tears", "distress\\w*", "traumati\\w*", "humiliat\\w*",
                             "violated", "shaking", "awful", "upset", "upsetting"), 1.0,
            examples=("Does a mammogram hurt?", "still aching and bruised"),
            counter_examples=("Can I wear deodorant?", "When will I get my results")),
        Cue("compression", keywords("compression", "squeez\\w*", "squash\\w*", "squish\\w*", "pressing"), 0.8,
            examples=("how did others cope with the compression",), counter_examples=("Is there parking?",)),
        Cue("pain_relief", keywords("paracetamol", "ibuprofen", "painkillers?", "pain relief", "local anaesthetic",
                                    "numbing"), 0.8,
            examples=("Can I take ibuprofen before my screening",), counter_examples=("Can I take my inhaler",)),
    ],
    "preparation": [
        Cue("skin_products", keywords("deodorant", "deoderant", "antiperspirant", "talc", "body spray", "body lotion",
                                      "moisturi[sz]\\w*", "creams?", "spray tan", "fake tan", "perfume"), 1.0,
            examples=("Can I wear deodorant for my mammogram",), counter_examples=("Can I wear a bra?",)),
        Cue("clothing", keywords("wear", "wearing", "bra", "underwire", "clothes", "clothing", "gown", "outfit", "dress",
                                 "trousers", "top half", "get changed", "changing", "shave", "shaving"), 0.7,
            examples=("What's best to wear for a mammogram",), counter_examples=("Where do I park",)),
        Cue("eating_drinking", keywords("fast", "fasting", "nil by mouth", "eat", "eating", "drink", "drinking", "food",
                                        "coffee", "tea", "breakfast", "empty stomach"), 0.7,
            examples=("Do I need to stop eating before an ultrasound",), counter_examples=("How long do results take",)),
        Cue("medication", keywords("tablets?", "medication", "medicines?", "metformin", "insulin", "inhaler",
                                   "blood thinners?", "warfarin", "hrt", "pills?", "calcium", "steroids?"), 0.7,
            examples=("Should I take my blood pressure tablets that morning",), counter_examples=("Is the van open",)),
        Cue("jewellery", keywords("jewellery", "jewelry", "(?:my|her|his|your|wedding|engagement|nose|toe) rings?",
                                  "rings? (?:on|off)", "earrings?", "piercings?", "necklace", "(?:nose|tongue|belly) studs?"), 0.8,
            examples=("Can I keep my belly button piercing in", "my wedding ring won't come off"),
            counter_examples=("Can I ring them", "the phone just rings out")),
        Cue("bladder", keywords("bladder", "full bladder", "wee", "pee", "loo", "period"), 0.9,
            examples=("how full does my bladder need to be",), counter_examples=("Is the unit accessible",)),
        Cue("prep_words", keywords("prep", "preparation", "prepare", "preparing"), 1.3,
            examples=("What prep do you have to do",), counter_examples=("How long will it take",)),
        Cue("getting_ready", keywords("beforehand", "the day before", "morning of", "what to bring", "need to bring",
                                      "bring with me", "to bring"), 0.6,
            examples=("What do I need to do the day before",), counter_examples=("How long will it take",)),
    ],
    "appointments_access": [
        Cue("rebooking", keywords("rebook\\w*", "re-book\\w*", "reschedul\\w*", "rearrang\\w*", "cancel\\w*", "swap",
                                  "missed (?:my|it|the|her)", "change (?:my|the|her|his) appointment",
                                  "(?:move|moving) (?:my|the) appointment", "transfer"), 1.0,
            examples=("How do I rebook my breast screening",), counter_examples=("How do I get my results",)),
        Cue("contact", keywords("phone", "ring(?:ing)?", "rings out", "number for", "email", "e-mail", "get through",
                                "voicemail", "contact (?:them|you|the|someone|anyone)", "who do i contact"), 0.5,
            examples=("Is there an email address for the X-ray department",), counter_examples=("Is it safe?",)),
        Cue("access_needs", keywords("wheelchair", "mobility", "scooter", "accessible", "access", "step-free", "parking",
                                     "park", "car park", "deaf", "bsl", "interpreter", "translat\\w*", "autis\\w*",
                                     "dementia", "housebound", "at home", "quieter", "hearing loop", "(?:hospital|patient) transport",
                                     "which entrance", "what floor", "entrance"), 1.0,
            examples=("Is the mobile unit accessible for a scooter",), counter_examples=("Does it hurt?",)),
        Cue("opening_times", keywords("open on", "open at", "opening times", "opening hours", "closing time", "closes",
                                      "what time", "(?:open|appointments?|clinics?|slots?) (?:on )?(?:a )?(?:saturdays?|"
                                      "sundays?|weekends?|evenings?)", "walk[ -]in"), 0.9,
            examples=("Is the walk in X-ray open on Saturdays",), counter_examples=("Is it open MRI",)),
        Cue("waiting_list", keywords("waiting list", "wait(?:ing)? times?", "referr\\w*", "referral", "seen sooner",
                                     "how long is the wait"), 0.8,
            examples=("How long is the waiting list for an MRI",), counter_examples=("Waiting for my results",)),
        Cue("where", keywords("where (?:exactly )?is", "where's", "van", "mobile (?:unit|screening)", "screening unit",
                              "which hospital", "department at", "location", "directions"), 0.7,
            examples=("where exactly is the MRI department",), counter_examples=("What is contrast",)),
        Cue("companion", keywords("bring (?:my|a|her|his) (?:\\w+ )?(?:husband|wife|partner|mum|mother|dad|daughter|son|"
                                  "friend|sister|brother|child|children|kids?|baby|carer|\\d+ year old)",
                                  "bring (?:someone|somebody|anyone)", "come in with me", "childcare", "chaperone",
                                  "female (?:radiographer|sonographer|mammographer|staff|doctor)"), 0.8,
            examples=("Can I bring my 2 year old with me",), counter_examples=("Can I bring my letter",)),
        Cue("visit_length", keywords("how long (?:will|would|does|is) (?:i|it|the appointment|the visit)",
                                     "how long will i be", "start to finish"), 0.7,
            examples=("How long will I be there for a CT scan",), counter_examples=("How long do results take",)),
    ],
    "waiting_results": [
        Cue("results", keywords("results?", "resutls", "report", "reports", "reported"), 1.0,
            examples=("How long do mammogram results take",), counter_examples=("Can I wear deodorant",)),
        Cue("heard_nothing", keywords("heard nothing", "not heard", "haven'?t heard", "no news", "still waiting",
                                      "still no", "chase", "chasing", "awaiting", "still hasn'?t", "nothing back"), 0.8,
            examples=("It's been 4 weeks and I've heard nothing",), counter_examples=("I heard it hurts",)),
        Cue("findings_told", keywords("wouldn'?t tell", "won'?t tell", "didn'?t say", "saw something", "find anything",
                                      "found anything", "call me if", "ring me if"), 0.8,
            examples=("the sonographer wouldn't tell me anything",), counter_examples=("They told me everything",)),
    ],
    "recall_further_tests": [
        Cue("recall", keywords("recall\\w*", "called back", "call(?:ed)? me back", "asked (?:me )?back", "calls? you back",
                               "further (?:assessment|tests|imaging|images|views)", "more (?:images|pictures|tests|views)",
                               "second look", "repeat (?:mammogram|scan|x-?ray)", "assessment clinic", "breast clinic", "extra (?:views|pictures|images)",
                               "want(?:s|ed)? me back",
                               "one stop clinic"), 1.2,
            examples=("Got called back after my first mammogram",), counter_examples=("Can I call them back",)),
        Cue("biopsy", keywords("biops\\w*", "calcification\\w*", "distortion", "inconclusive"), 1.2,
            examples=("Had a recall for calcifications",), counter_examples=("Is there parking",)),
        Cue("lump", keywords("lumps?", "cysts?", "shadow", "abnormal\\w*", "something (?:there|on)"), 0.6,
            examples=("Does it mean they found a lump",), counter_examples=("Is there a lift",)),
    ],
    "radiation_pregnancy": [
        Cue("radiation", keywords("radiation", "radioactive", "dose", "doses", "exposure", "irradiat\\w*",
                                  "100 x-?rays", "flights"), 1.0,
            examples=("How much radiation is a CT scan",), counter_examples=("How much does parking cost",)),
        Cue("pregnancy", keywords("pregnan\\w*", "conceiv\\w*", "ttc", "trying for a baby", "baby", "breastfe\\w*",
                                  "breast ?feeding", "expressing", "fertility", "ivf", "breast pump", "pumping"), 1.0,
            examples=("Is it safe to have an X-ray while pregnant",), counter_examples=("Is it safe with a pacemaker",)),
        Cue("nuclear_medicine", keywords("bone scan", "nuclear medicine", "thyroid scan", "pet scan", "pet-ct", "isotope",
                                         "tracer", "keep away from", "close contact"), 1.0,
            examples=("they said keep away from pregnant women after my bone scan",), counter_examples=("my MRI scan",)),
    ],
    "mri_safety": [
        Cue("implants_metal", keywords("pacemaker", "icd", "defibrillator", "implants?", "implanted", "cochlear",
                                       "stimulator", "shunt", "clips?", "stents?", "coil", "rods?", "plates?", "screws?",
                                       "pins", "hip replacement", "knee replacement", "metal", "shrapnel", "tattoos?",
                                       "eyeliner", "fillers?", "mr conditional", "mri safe", "hearing aids?",
                                       "nicotine patch", "magnet\\w*", "silver thread"), 1.0,
            examples=("Can you have an MRI with a copper coil",), counter_examples=("Can I have an MRI on Saturday",)),
        Cue("claustrophobia", keywords("claustrophob\\w*", "enclosed", "panic\\w*", "tunnel", "wide bore", "open mri",
                                       "open scanner", "sedat\\w*", "diazepam", "confined"), 1.0,
            examples=("I'm really claustrophobic",), counter_examples=("I'm really nervous",)),
        Cue("mri_context", keywords("mri", "mr scan", "scanner"), 0.3,
            examples=("my MRI is on Friday",), counter_examples=("my CT is on Friday",)),
    ],
    "contrast": [
        Cue("contrast_agent", keywords("contrast", "dye", "gadolinium", "iodine", "iodinated", "barium",
                                       "contrast-enhanced"), 1.2,
            examples=("Is the contrast dye safe",), counter_examples=("Is the MRI safe",)),
        Cue("no_contrast", keywords("without (?:the )?(?:contrast|dye)", "non-contrast", "no contrast"), -1.2,
            examples=("a CT scan without contrast",), counter_examples=("a CT scan with contrast",)),
        Cue("contrast_effects", keywords("reaction", "allerg\\w*", "rash", "hives", "itchy", "kidneys?", "kidney function",
                                         "blood test", "egfr", "metallic taste", "taste metal", "wet yourself", "flush",
                                         "injection", "cannula"), 0.6,
            examples=("I had a reaction last time",), counter_examples=("I had a mammogram last time",)),
    ],
    "screening_eligibility": [
        Cue("invitation", keywords("invit\\w*", "no letter", "letters? stopped", "stopped getting letters",
                                   "haven'?t been called", "not been called", "on the list", "screening list",
                                   "get screened", "be screened", "screened"), 1.0,
            examples=("Turned 50 and still no invite",), counter_examples=("My results letter came",)),
        Cue("who_qualifies", keywords("age", "aged", "years old", "family history", "brca\\w*", "under 50", "over 7\\d",
                                      "turned 50", "i'?m [3-7]\\d", "is [3-7]\\d", "mastectomy", "men", "husband",
                                      "trans", "high risk", "eligib\\w*", "qualify", "self[- ]refer\\w*", "myself"), 0.7,
            examples=("I'm 48 with a family history",), counter_examples=("I'm 5 weeks pregnant",)),
    ],
    "other": [
        Cue("other_topics", keywords("complain\\w*", "complaint", "pals", "careers?", "become a", "volunteer\\w*",
                                     "copy of (?:my )?(?:scan|images|pictures|x-?rays?)", "disc", "cd", "ai",
                                     "artificial intelligence", "3d", "tomosynthesis", "thermal", "thermography",
                                     "full body", "difference between", "who (?:actually )?reads", "second opinion"), 1.0,
            examples=("How do I make a complaint",), counter_examples=("How do I rebook",)),
    ],
}
TOPICS = list(TOPIC_CUES)

# --- the "why" in a manager's words: what each question cue means --------------------------
CUE_WORDS: dict[str, str] = {
    "question_mark": "has a question mark", "ends_with_question": "ends with a question",
    "interrogative_sentence": "a sentence phrased as a question", "question_in_reply": "a question in a reply",
    "exclaimed_question": "an exclaimed question (?!)", "answers_itself": "answers its own question",
    "quoted_question": "quotes someone else's question", "opener_yes_no": "starts like a yes/no question",
    "asks_about_self": "asks about the writer's own case", "opener_wh": "starts with how/what/when/where/who",
    "unmarked_final_question": "ends in a question without a question mark", "opener_why": "asks why",
    "negated_or_imperative": "an instruction, not a question", "asks_for_help": "asks for help",
    "any_advice": "asks for advice", "share_experiences": "asks others for their experience",
    "wondering": "says they are wondering", "wants_to_know": "says they want to know",
    "anyone_know": "asks whether anyone knows", "not_sure": "says they are not sure",
    "cant_find_out": "says they cannot find out", "tell_me": "asks to be told or shown",
    "reassurance": "asks for reassurance", "thanks_in_advance": "thanks in advance",
    "asking_for": "flags a question (quick question, asking for)", "retweet": "a retweet",
    "link_only_news": "shares a news link", "thanks": "says thank you", "news_of_own_visit": "news of the writer's own visit",
    "laughing": "laughing (lol, emoji)", "rhetorical": "a rhetorical phrase", "suggests_to_asker": "answers or advises someone",
    "announcement": "an announcement", "professional_chatter": "professional talk",
}

# --- word lists the learned model counts (one feature per list) -----------------------------
# Written from general knowledge of health care and of everyday off-topic asks, not from the
# labelled test texts. A word in a list gets the list's learned weight on top of its own, so
# a health word that no training text used still counts towards "about health care".
# Lower case, single tokens as the tokeniser cuts them (hyphenated words stay whole).
HEALTH_WORDS = frozenset("""
    a&e abdomen abdominal ache aches aching allergic allergy ambulance anaesthetic anaesthetist anxiety appendix
    arthritis asthma audiology b12 barium benign biopsies biopsy bleeding blood bloods bmi bone bones bowel brain
    breast breastfeeding breasts bruise bruised bruising bsp calcification calcifications cancer cancerous cannula
    cardiac cardiologist cardiology cervical chemo chemotherapy chest claustrophobic clinic clinician clinics colonoscopy
    contrast covid ct cyst cysts dementia dental dentist dermatologist dexa diabetes diabetic
    diagnosed diagnosis diagnostic dose dvt ecg echo echocardiogram endometriosis endoscopy fibroadenoma
    fibroids fracture fractured gadolinium gallbladder gallstones gp gps gynae gynaecologist haematologist
    heart hiatus hip hips hrt hysterectomy icu illness implant implants infection
    inflammation inhaler injection injections insulin iodine ivf kidney kidneys knee labour lump lumps lung lungs
    lymph mammogram mammograms mammographer mammography mastectomy maternity medication medications medicine
    medicines menopause mental metformin midwife migraine miscarriage mole mri mris oncologist
    oncology operation ophthalmology orthopaedic osteoporosis outpatient outpatients paediatric pain painful pals
    paracetamol pelvic pet-ct pharmacist pharmacy physio physiotherapy pill pills pregnancy pregnant
    prescription prostate psa radiography radiologist radiologists radiology radiotherapy
    recall recalled referral referred rheumatology scan scanned scanner scans screening sedation shoulder sonographer
    sonographers smear spine stroke surgeon surgery symptom symptoms tablets thyroid tumour ultrasound ultrasounds
    urgent urology vaccine ward wards x-ray x-rays xray xrays
    achy agony antiperspirant bladder bruises calcium chaperone claustrophobia cochlear coil compression cramp
    cramping cramps defibrillator deodorant deoderant diazepam discomfort distortion doses dye egfr fasting
    fertility gown hives hurt hurting hurts ibuprofen imaging implanted inconclusive iodinated isotope itchy
    numbing pacemaker painless radiation radioactive rash screened shrapnel shunt sore soreness squash squashed
    squeeze squeezed squeezing squish stimulator talc tender thermography tomosynthesis tracer uncomfortable
    underwire warfarin wimp
""".split())
# Words people ask, thank, greet and sign off with, whatever they ask about. The "about health
# care" head never reads them: in the training data the off-topic asks (customer care) use
# them more than the domain texts do, which would teach it that asking politely means "not
# health care".
STYLE_WORDS = frozenset("""
    advance advice all any anybody anyone anything appreciate appreciated ask asking bit cheers dear does doing
    everyone evening experience experiences friend grateful guys hello help helpful hey hi hiya hoping idea ideas
    info information just kind kindly know let lol morning please pls question questions quick random really
    reply respond share silly someone something sorry thank thanks thx tia tips tried trying ty want wondering
    x xx
""".split())


# Words about using a service that patients use of imaging services; on their own they do not
# say "health care" (a parcel can be delayed too), so they are a list of their own whose weight
# is learned separately.
SERVICE_WORDS = frozenset("""
    appointment appointments booked booking cancel cancelled carer clinic department gp letter letters
    rebook receptionist referral referred reschedule results ring unit van wait waiting wheelchair
""".split())
# Where care happens and who gives it: asks about NHS pay, hospital parking fines, a
# radiographer's uniform or NHS funding use these words as much as patients do, so they do not
# say "health care" on their own either; a list of their own, its weight learned separately
# (until questions-3 they were HEALTH_WORDS).
INSTITUTION_WORDS = frozenset("""
    consultant consultants doctor doctors health healthcare hospital hospitals medical nhs nurse nurses nursing
    patient patients radiographer radiographers
""".split())
OFF_TOPIC_WORDS = frozenset("""
    account accounts adapter android app apps billing bluetooth broadband browser bug charger chrome console crash
    crashed crashes crashing desktop device devices download downloaded downloading email emails firmware game games
    gaming gmail hacked icloud install installed installing ipad iphone itunes keyboard laptop launcher log-in login
    logged logging netflix offline password passwords paypal pc playstation playlist printer printing ps4 reboot refund
    reinstall restart router samsung software spotify streaming subscription touchscreen upgrade upgraded upload
    username website wifi wi-fi windows xbox youtube
    airline airport banking boarding brexit budget campaign candidate candidates chancellor conservatives council
    democrats election elections flight flights government minister mps parcel parcels parliament politician
    politicians politics president republicans senate tories tory trump vote voters voting
    anpr clamped fines pcn permit ringgo ticket tickets vending canteen cafe costa shop shops
    agency band contract degree employer hr interview job jobs overtime pay payslip pension promotion
    rota salary strike strikes striking tax union unions uniform uniforms wage wages
    actor documentary drama episode film movie podcast soap telly tv
    fitbit garmin oura smartwatch strava
    charity donate donated donating donation fundraiser fundraising sponsor sponsored
    funding funded privatisation privatised underfunded insurance bupa premium
""".split())
