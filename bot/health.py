"""Health details in free text: a customer's condition, drug or treatment, found so that it can be kept
to the people who need it (issue 15, "minimum necessary"; docs/privacy.md, "Health details").

    >>> [s.text for s in HealthDetector().find("My husband had a heart attack, please pause the club")]
    ['heart attack']
    >>> HealthDetector().find("the grinder is having a heart attack lol")
    []

Unlike card numbers the text is not redacted at accept: the customer and the agents allowed to see
health details (client.yml ``privacy: health: permission:``) read it as typed. The accepted message
carries the spans (``payload["health"]``, bot/conversations/accept.py); the QA transcript, exports and
KPI views, and the console of an agent without the permission, show "[health detail hidden]" there.

How it decides. A curated lexicon (below; no installed package ships a consumer-language list of
conditions, drugs and treatments that runs offline: medspaCy and scispaCy need spaCy and clinical
models this environment does not have) in three strengths:

- *strong* terms are health details wherever they stand ("celiac disease", "warfarin", "chemo",
  "34 weeks pregnant");
- *personal* terms are health details only when the sentence is about a person: "I", "my
  husband", "she" ... ("pregnant", "surgery", "hospital", "anxiety", "acid reflux"), so "is decaf
  safe for pregnant women?" and "is the decaf good for people with acid reflux?" are left alone;
- *figurative* terms are personal terms that customers also use of machines and moods ("heart
  attack", "surgery", "transplant", "bleeding"): not when the sentence jokes ("lol") or speaks of a
  machine ("my Barista One needs surgery").

General questions are never flagged: a message that names no one ("does caffeine interact with
warfarin?") or speaks of a group ("safe for pregnant people", "for diabetics", "people with IBS")
says nothing about an identifiable person. Thresholds and word lists were
tuned on the development half of bench/data/privacy/health_mentions.jsonl (odd ids) only;
bench/health.py measures it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

HIDDEN = "[health detail hidden]"
DEFAULT_PERMISSION = "health"


@dataclass(frozen=True)
class HealthSpan:
    start: int
    end: int
    text: str
    kind: str  # condition, drug, treatment, pregnancy, injury, disability

    def to_json(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True)
class HealthConfig:
    """client.yml ``privacy: health: {flag: true, permission: health}``.

    ``flag``: find health details at accept (False: nothing is flagged, nothing hidden later).
    ``permission``: the agent skill (``carebot agents skills alex general,health``) that lets an agent's
    console show them."""

    flag: bool = True
    permission: str = DEFAULT_PERMISSION

    @classmethod
    def from_mapping(cls, data: Any) -> "HealthConfig":
        if data is None:
            return cls()
        if isinstance(data, bool):
            return cls(flag=data)
        if not isinstance(data, Mapping):
            raise ValueError("privacy: health must be true, false or {flag: true, permission: health}")
        unknown = sorted(set(data) - {"flag", "permission"})
        if unknown:
            raise ValueError(f"privacy: health: unknown keys {unknown}; known: ['flag', 'permission']")
        flag = data.get("flag", True)
        permission = data.get("permission", DEFAULT_PERMISSION)
        if not isinstance(flag, bool):
            raise ValueError("privacy: health: flag must be true or false")
        if not isinstance(permission, str) or not re.fullmatch(r"[a-z0-9_-]{1,40}", permission):
            raise ValueError("privacy: health: permission must be a skill name (a-z, 0-9, _ or -)")
        return cls(flag=flag, permission=permission)

    @classmethod
    def from_client(cls, client: Mapping[str, Any]) -> "HealthConfig":
        privacy = client.get("privacy") or {}
        return cls.from_mapping(privacy.get("health") if isinstance(privacy, Mapping) else None)

    def may_see(self, agent: Any) -> bool:
        """An agent (bot.agents.directory.Agent) whose skills include the permission sees health details."""
        return self.permission in tuple(getattr(agent, "skills", ()) or ())


# --- the lexicon ---------------------------------------------------------------------------------
# One term per line; "|" separates spellings. Matched case-insensitively as whole words, longest first.

CONDITIONS = """
diabetes | diabetic | prediabetic | pre-diabetic | gestational diabetes | type 1 diabetes | type 2 diabetes
celiac | celiac disease | coeliac | coeliac disease | gluten intolerance | gluten intolerant | gluten sensitivity
lactose intolerant | lactose intolerance | dairy intolerance | fructose intolerance
lupus | arthritis | rheumatoid arthritis | osteoarthritis | fibromyalgia | gout | osteoporosis
pneumonia | bronchitis | asthma | asthmatic | copd | emphysema | cystic fibrosis | tuberculosis
epilepsy | epileptic | seizures | seizure disorder | migraines | migraine | vertigo | tinnitus | concussion
cancer | breast cancer | leukemia | leukaemia | lymphoma | melanoma | tumor | tumour | brain tumor
immunocompromised | immunosuppressed | autoimmune disease | autoimmune condition
parkinson's | parkinsons | parkinson's disease | alzheimer's | alzheimers | dementia | multiple sclerosis | als
crohn's | crohns | crohn's disease | ulcerative colitis | colitis | ibs | irritable bowel syndrome | diverticulitis
gerd | acid reflux | heartburn | ulcer | stomach ulcer | gastritis | gastroparesis | pancreatitis
kidney disease | kidney failure | kidney stones | renal failure | liver disease | cirrhosis | hepatitis
heart disease | heart failure | heart condition | heart problems | arrhythmia | afib | a-fib | atrial fibrillation
tachycardia | palpitations | hypertension | high blood pressure | low blood pressure | hypotension | angina
high cholesterol | cholesterol | anemia | anaemia | anemic | anaemic | hemophilia | sickle cell
hypothyroidism | hyperthyroidism | thyroid condition | thyroid problems | hashimoto's | graves' disease
insomnia | sleep apnea | narcolepsy | chronic fatigue | chronic pain
anxiety | anxiety disorder | panic attacks | panic disorder | depression | depressed | bipolar | ptsd | ocd
adhd | autism | autistic | eating disorder | anorexia | bulimia | schizophrenia
covid | covid-19 | long covid | coronavirus | flu | the flu | influenza | strep throat | strep | stomach bug
stomach flu | norovirus | food poisoning | shingles | mono | mononucleosis | chickenpox | measles | uti
hiv | aids | sinus infection | ear infection | infection | fever | a fever | the shingles | covid positive
allergies | allergy | nut allergy | peanut allergy | tree nut allergy | dairy allergy | soy allergy | food allergy
allergic | severe allergy | shellfish allergy | sesame allergy | latex allergy | anaphylaxis | anaphylactic
glaucoma | cataracts | macular degeneration | visually impaired | partially sighted | vision impaired
sight impaired | colorblind | color blind | colour blind | low vision | legally blind | blind
deaf | hard of hearing | hearing loss | hearing impaired | hearing aid | hearing aids
disabled | disability | paralyzed | paralysed | quadriplegic | paraplegic | amputee | cerebral palsy
stroke | heart attack | cardiac arrest | mini stroke | tia | blood clot | blood clots | dvt | aneurysm
endometriosis | pcos | menopause | perimenopause | morning sickness | preeclampsia | pre-eclampsia
eczema | psoriasis | rosacea | dermatitis | hives | sick | ill | unwell | nauseous | nausea | vomiting
headache | headaches | a headache | coughing | bleeding | injured | injury | sprain | sprained
"""

PREGNANCY = """
pregnant | pregnancy | expecting a baby | breastfeeding | breast-feeding | nursing mother | postpartum
post-partum | miscarriage | miscarried | stillbirth | c-section | cesarean | caesarean | ivf | fertility treatment
fertility treatments | trying to conceive | embarazada | maternity leave | in labor | in labour | gave birth
"""

TREATMENTS = """
surgery | post-op | postop | post-operative | postoperative
hip replacement | knee replacement | bypass surgery | gastric bypass | gastric bypass surgery | heart surgery
back surgery | hip surgery | knee surgery | shoulder surgery | eye surgery | brain surgery | open-heart surgery
triple bypass | quadruple bypass | heart bypass | appendectomy | tonsillectomy | hysterectomy
mastectomy | lumpectomy | cholecystectomy | angioplasty | stent | a stent | transplant | kidney transplant
liver transplant | heart transplant | bone marrow transplant
chemo | chemotherapy | radiation | radiation therapy | radiotherapy | cancer treatment | immunotherapy
dialysis | infusion | infusions | iv drip | blood transfusion | physical therapy | physiotherapy | physio
occupational therapy | speech therapy | cardiac rehab | rehab | rehabilitation | therapy sessions | therapist
psychiatrist | cardiologist | oncologist | neurologist | rheumatologist | gastroenterologist | endocrinologist
fertility doctor | fertility clinic | ob-gyn | obgyn | midwife | dermatologist
hospitalized | hospitalised | hospital stay | hospital bed | icu | intensive care | emergency room | er
a&e | urgent care | hospice | hospice care | palliative care | nursing home | care home | mri | ct scan
biopsy | colonoscopy | endoscopy | ultrasound | x-ray | stitches | crutches | wheelchair
pacemaker | defibrillator | insulin pump | cgm | glucose monitor | feeding tube | oxygen tank | inhaler | epipen
epi-pen | cpap | ventilator | prosthetic | prosthesis | colostomy | stoma | catheter
"""

DRUGS = """
medication | medications | meds | medicine | prescription | prescriptions | pills | antibiotics | antibiotic
blood thinner | blood thinners | anticoagulants | antidepressant | antidepressants | ssri | ssris | maoi | maois
beta blocker | beta blockers | beta-blockers | statins | statin | steroids | corticosteroids | painkillers
pain meds | opioids | antihistamines | antihistamine | birth control | the pill | hormone therapy | hrt
adhd medication | adhd meds | anxiety medication | anxiety meds | heart medication | blood pressure medication
blood pressure meds | seizure medication | thyroid medication | sleeping pills | diuretics | insulin
warfarin | coumadin | eliquis | apixaban | xarelto | rivaroxaban | pradaxa | plavix | clopidogrel | heparin
aspirin | baby aspirin | ibuprofen | advil | motrin | tylenol | acetaminophen | paracetamol | naproxen | aleve
metformin | ozempic | wegovy | mounjaro | zepbound | semaglutide | tirzepatide | jardiance | januvia | trulicity
lisinopril | amlodipine | metoprolol | losartan | atenolol | propranolol | hydrochlorothiazide | furosemide
lasix | digoxin | amiodarone | atorvastatin | lipitor | simvastatin | crestor | rosuvastatin
levothyroxine | synthroid | prednisone | prednisolone | methotrexate | humira | enbrel | remicade | stelara
tamoxifen | herceptin | letrozole | anastrozole | keytruda
adderall | ritalin | vyvanse | concerta | methylphenidate | strattera | modafinil | provigil
wellbutrin | bupropion | zoloft | sertraline | prozac | fluoxetine | lexapro | escitalopram | celexa
citalopram | paxil | paroxetine | effexor | venlafaxine | cymbalta | duloxetine | trazodone | mirtazapine
fluvoxamine | luvox | lithium | lamotrigine | lamictal | seroquel | quetiapine | abilify | aripiprazole
risperidone | clozapine | olanzapine | xanax | alprazolam | valium | diazepam | klonopin | clonazepam
ativan | lorazepam | ambien | zolpidem | melatonin | gabapentin | neurontin | lyrica | pregabalin | topamax
keppra | depakote | dilantin | oxycodone | oxycontin | hydrocodone | vicodin | percocet | morphine
codeine | tramadol | fentanyl | suboxone | methadone | naltrexone | chantix | nicotine patches | nicotine gum
albuterol | ventolin | symbicort | advair | singulair | theophylline | benadryl | zyrtec | claritin | allegra
sudafed | flonase | nexium | omeprazole | prilosec | pantoprazole | protonix | famotidine | pepcid | zantac
ranitidine | tums | imodium | miralax | accutane | isotretinoin | spironolactone | finasteride | viagra
cialis | sildenafil | antibiotics course | amoxicillin | azithromycin | z-pack | cipro | ciprofloxacin
doxycycline | penicillin | paxlovid | tamiflu | antivirals | chemo pills | iron supplements | iron pills
"""

# Personal terms: health details only in a sentence about a person (not a general question).
PERSONAL = """
pregnant | pregnancy | sick | ill | unwell | nauseous | nausea | vomiting | headache | headaches | a headache
fever | a fever | infection | coughing | bleeding | injured | injury | sprain | sprained | hospital | surgery
transplant | radiation | therapist | psychiatrist | dermatologist | midwife
wheelchair | crutches | inhaler | anxiety | depression | depressed | cholesterol
heartburn | acid reflux | allergies | allergy | allergic | blind | deaf | disabled | disability | stroke | heart attack
anemic | anaemic | anemia | anaemia | medication | medications | meds | medicine | prescription
prescriptions | pills | the pill | insulin | aspirin | melatonin | tums | lithium | mono | als | cgm
er | physio | rehab | rehabilitation | nursing home | care home | cancer | flu | the flu | strep
maternity leave | ultrasound | x-ray | cardiologist | infusion | infusions | stoma | ocd | tia
heart problems | palpitations | migraine | migraines | insomnia | vertigo | tinnitus | seizures | ulcer
gout | hives | eczema | psoriasis | rosacea | chronic pain | chronic fatigue | depression | menopause
"""

# Personal terms also used of machines, moods and jokes: not in a sentence that jokes or names no person.
FIGURATIVE = """
sick | ill | heart attack | stroke | surgery | transplant | bleeding | coughing
injured | injury | anemic | anaemic | anemia | blind | deaf | allergy | allergies | allergic | fever | infection
medicine
headache | a headache | headaches | nauseous | rehab | therapist | anxiety | depressed
"""

# Acronyms matched only as written in capitals ("ER", not "er, I mean").
CASE_SENSITIVE = frozenset({"er", "ibs", "als", "tia", "ocd", "uti", "aids", "cgm", "a&e", "ivf",
                            "gerd", "copd", "ptsd", "adhd", "hiv", "dvt", "pcos", "icu", "mri", "hrt", "ssri",
                            "ssris", "maoi", "maois", "mono"})


def _terms(block: str) -> dict[str, str]:
    return {t.strip().lower(): "" for line in block.strip().splitlines() for t in line.split("|") if t.strip()}


def _lexicon() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, block in (("condition", CONDITIONS), ("pregnancy", PREGNANCY), ("treatment", TREATMENTS),
                        ("drug", DRUGS)):
        for term in _terms(block):
            out.setdefault(term, kind)
    return out


LEXICON = _lexicon()
PERSONAL_TERMS = frozenset(_terms(PERSONAL))
FIGURATIVE_TERMS = frozenset(_terms(FIGURATIVE))


def _alternation(terms: Iterable[str]) -> str:
    return "|".join(re.escape(t).replace(r"\ ", r"\s+").replace("'", "['’]?")
                    for t in sorted(terms, key=lambda t: (-len(t), t)))


_TERM = re.compile(r"(?<![\w-])(?:" + _alternation(t for t in LEXICON if t not in CASE_SENSITIVE) + r")(?![\w-])",
                   re.IGNORECASE)
_ACRONYM = re.compile(r"(?<![\w-])(?:" + _alternation(t.upper() for t in CASE_SENSITIVE if t in LEXICON)
                      + r")s?(?![\w-])")

# Phrases built around a term: "34 weeks pregnant", "broken wrist", "allergic to tree nuts", "type 1 diabetic".
_BODY = (r"(?:wrist|arm|leg|hip|ankle|foot|feet|hand|finger|fingers|thumb|toe|toes|knee|elbow|shoulder|back|neck|"
         r"rib|ribs|collarbone|nose|jaw|pelvis|spine|tailbone|heel)")
_ALLERGEN = (r"(?:(?:tree\s+)?nuts?|peanuts?|almonds?|walnuts?|hazelnuts?|cashews?|pecans?|pistachios?|dairy|milk|"
             r"lactose|eggs?|soy|soya|gluten|wheat|shellfish|fish|sesame|latex|coconut|oats?|corn|caffeine|"
             r"cinnamon|chocolate|cocoa|vanilla|strawberries|bees?|penicillin|sulfites?|sulphites?|nightshades)")
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b\d{1,2}\s*(?:weeks?|wks?|months?)\s+pregnant\b", re.IGNORECASE), "pregnancy"),
    (re.compile(r"\btype\s*[12i]{1,2}\s+diabet(?:ic|es)\b", re.IGNORECASE), "condition"),
    (re.compile(r"\b(?:broken|broke\s+(?:my|his|her)|fractured|sprained|dislocated|torn|twisted)\s+" + _BODY + r"\b",
                re.IGNORECASE), "injury"),
    (re.compile(r"\b" + _BODY + r"\s+(?:surgery|replacement|fracture|injury)\b", re.IGNORECASE), "treatment"),
    (re.compile(r"\b(?:torn|ruptured)\s+(?:acl|mcl|meniscus|rotator\s+cuff|achilles|ligament|tendon)\b", re.IGNORECASE),
     "injury"),
    (re.compile(r"\b(?:allergic|allergy|allergies|intolerant|sensitive)\s+to\s+" + _ALLERGEN + r"\b", re.IGNORECASE),
     "condition"),
    (re.compile(r"\b(?:" + _ALLERGEN + r")\s+(?:allergy|allergies|intolerance)\b", re.IGNORECASE), "condition"),
    (re.compile(r"\b(?:first|second|third|1st|2nd|3rd)[\s-]+degree\s+burns?\b", re.IGNORECASE), "injury"),
    (re.compile(r"\bburn(?:ed|t)\s+(?:my|his|her|their)\s+" + _BODY + r"\b", re.IGNORECASE), "injury"),
    (re.compile(r"\b(?:in|at|to|from|out\s+of|left)\s+(?:the\s+)?hospital\b", re.IGNORECASE), "treatment"),
    (re.compile(r"\b(?:had|have|having|has|need|needs|after|since|from|before)\s+an\s+operation\b", re.IGNORECASE),
     "treatment"),
    (re.compile(r"\b(?:in|wearing)\s+a\s+cast\b", re.IGNORECASE), "treatment"),
    (re.compile(r"\b(?:gall\s?bladder|appendix|tonsils|wisdom\s+teeth|spleen|uterus|ovaries|ovary|thyroid|kidney)\s+"
                r"(?:removed|out|taken\s+out)\b", re.IGNORECASE), "treatment"),
    (re.compile(r"\b(?:nursing|breast-?feeding)\s+(?:my|our|the|a)\s+(?:newborn|baby|infant|little\s+one)\b",
                re.IGNORECASE), "pregnancy"),
)
# The term a phrase is judged as (a sentence about a person, no joke): "in the hospital" as "hospital".
_PHRASE_TERM = {9: "hospital", 10: "surgery", 11: "crutches", 12: "surgery"}
# Care settings that are also workplaces and shops: "I work at the hospital", "a clinic waiting room".
PLACES = frozenset({"hospital", "icu", "er", "emergency room", "urgent care", "hospice", "nursing home", "care home",
                    "a&e", "rehab", "intensive care"})
_WORKPLACE = re.compile(r"\b(?:work|works|working|worked|job|shift|shifts|nurse|nurses|doctor|volunteer|staff|"
                        r"employees|deliver|delivery|ship|shipping|send)\b[^.?!]{0,25}$", re.IGNORECASE)

# What makes a sentence about a person.
_PERSON = re.compile(
    r"(?<![\w'])(?:i|i'm|im|i've|ive|i'd|i'll|me|myself|we|we're|we've|us|he|she|he's|she's|him|his|her|hers|"
    r"they're|husband|wife|partner|spouse|son|daughter|kid|kids|child|children|baby|toddler|mom|mum|mother|dad|"
    r"father|parents?|grandma|grandpa|grandmother|grandfather|granny|nana|grandson|granddaughter|sister|brother|"
    r"sibling|aunt|uncle|cousin|niece|nephew|friend|boyfriend|girlfriend|fianc[eé]e?|in-law|[\w-]+-in-law|"
    r"roommate|neighbou?r|boss|coworker|co-worker|colleague|patient)(?![\w'])", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(?:my|our|mine|ours|mi|mis|estoy|tengo|tiene|est[aá])\b", re.IGNORECASE)
# The customer speaking of themselves without "I": "had knee surgery last week", "just got diagnosed with ...".
_IMPLIED_I = re.compile(r"(?:^|[.!?\n]\s*|^(?:hi|hey|hello|hola)\b[\s,!]*)(?:just\s+|recently\s+|finally\s+|still\s+)?"
                        r"(?:had|got|getting|having|been|recovering|dealing|going\s+through|diagnosed|taking|"
                        r"now\s+on|on)\b", re.IGNORECASE)
_JOKE = re.compile(r"\b(?:lol|lmao|haha+|hehe|jk|rofl)\b|😂|🤣|😅", re.IGNORECASE)
# Machines and things the customer writes about: "my Barista One needs surgery".
_THING = re.compile(
    r"\b(?:machine|grinder|kettle|frother|portafilter|wand|burrs?|pump|espresso\s+maker|brewer|barista\s+one|"
    r"app|website|site|phone|laptop|computer|cart|package|parcel|box|mug|carafe|crema|coffee|espresso|roast|"
    r"beans|blend|order|delivery|courier|shipment|lid|gasket|seal|boiler|heater|bag|tamper|scale|filter|"
    r"subscription|account|card|printer|plant|plants|cat|dog|wifi|router|battery|policy|returns|process|checkout|"
    r"tracking|support|email|form|instructions|manual|setup|website|price|prices|bill|invoice)\b", re.IGNORECASE)
# Object pronouns: "the policy gives me a headache" is still about the policy.
_OBJECT = frozenset({"me", "us", "him", "myself"})
# General questions about people in general: "safe for pregnant women", "people with IBS", "for diabetics".
_GROUP_AFTER = re.compile(r"\s+(?:women|woman|people|persons|ladies|moms|mums|mothers|customers|folks|patients|"
                          r"individuals|guests|adults|kids|children|someone|anyone|drinkers)\b", re.IGNORECASE)
_GROUP_BEFORE = re.compile(
    r"\b(?:people|persons|anyone|anybody|someone|somebody|those|folks|customers|patients|individuals|adults|"
    r"kids|children|women|men)\s+(?:who\s+(?:have|are|take|suffer\s+from)|with|on|taking|suffering\s+from)\s+"
    r"(?:a\s+|an\s+)?$", re.IGNORECASE)
_AFTER_THE_TERM_HYPERBOLE = re.compile(
    r"^\s*(?:of\b|and\s+tired|as\s+a\b|as\s+an\b|to\s+\w+ing\b|to\s+(?:mondays|people|work|waiting)\b|"
    r"to\s+(?:the|it|that|this|how|what)\b|"
    r"(?:-|\s)?(?:free|friendly|safe|proof)\b|aisle|section|department|supplies|grade|break\s+room|lobby|cafeteria|"
    r"canteen|gift\s+shop|staff|kitchen|pharmacy|waiting\s+room|iron\b)", re.IGNORECASE)
_NEAR_MISS = re.compile(r"\b(?:almost|nearly|could\s+have|could've|might\s+have)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;\n]+|\s[—–-]\s(?=[A-Z])")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    m = _SENTENCE_END.search(text, end)
    return left, (m.start() if m else len(text))


class HealthDetector:
    """Finds health details in a text; ``find`` never raises on any str."""

    def find(self, text: str) -> list[HealthSpan]:
        if not text:
            return []
        candidates: list[tuple[int, int, str, str]] = []  # start, end, kind, lexicon term ("" for a phrase)
        for index, (pattern, kind) in enumerate(_PHRASES):
            for m in pattern.finditer(text):
                candidates.append((m.start(), m.end(), kind, _PHRASE_TERM.get(index, "")))
        for pattern in (_TERM, _ACRONYM):
            for m in pattern.finditer(text):
                term = re.sub(r"\s+", " ", m.group(0).lower().replace("’", "'"))
                term = term if term in LEXICON else term.rstrip("s")
                kind = LEXICON.get(term) or LEXICON.get(term.replace("'", ""), "condition")
                candidates.append((m.start(), m.end(), kind, term))
        # A message that names nobody asks in general ("does caffeine interact with warfarin?"): no one's
        # health is disclosed. "my", "our" count ("My anxiety gets bad"), as does Spanish "estoy", "tengo".
        if not (_PERSON.search(text) or _POSSESSIVE.search(text) or _IMPLIED_I.search(text)):
            return []
        # longest first, then leftmost: a phrase wins over a word inside it
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        kept: list[HealthSpan] = []
        for start, end, kind, term in candidates:
            if any(start < s.end and s.start < end for s in kept):
                continue
            if not self._counts(text, start, end, term):
                continue
            kept.append(HealthSpan(start, end, text[start:end], kind))
        return sorted(kept, key=lambda s: s.start)

    @staticmethod
    def _counts(text: str, start: int, end: int, term: str) -> bool:
        before, after = text[max(0, start - 60):start], text[end:end + 40]
        if _NEAR_MISS.search(before):  # "I almost burned myself"
            return False
        if term and _AFTER_THE_TERM_HYPERBOLE.match(after):  # "sick of waiting", "blind as a bat", "gluten-free"
            return False
        if _GROUP_AFTER.match(after) or _GROUP_BEFORE.search(before):  # "safe for pregnant women"
            return False
        if term == "cancer" and text[start].isupper() and re.search(r"\ban?\s+$", before):
            return False  # "I'm a Cancer": the star sign
        if term in PLACES and _WORKPLACE.search(before):  # "I work at the hospital", "ship to the hospital"
            return False
        if term.endswith("s") and term.rstrip("s") in ("diabetic", "celiac", "asthmatic", "epileptic"):
            return False  # "for diabetics": a group
        if not term or term not in PERSONAL_TERMS:
            return True
        s_start, s_end = _sentence(text, start, end)
        sentence = text[s_start:s_end]
        possessed = re.search(r"\b(?:my|our|his|her|their)\s+$", text[max(0, start - 8):start], re.IGNORECASE)
        person = possessed or _PERSON.search(sentence) or _IMPLIED_I.match(sentence.lstrip())
        if not person:
            return False
        if term in FIGURATIVE_TERMS:
            if _JOKE.search(sentence):
                return False
            # "my Barista One needs surgery", "the grinder is having a heart attack": a thing is the subject
            clause = text[s_start:start]
            thing = None
            for thing in _THING.finditer(clause):
                pass
            people = [m for m in _PERSON.finditer(clause) if m.group(0).lower() not in _OBJECT]
            if thing and (not people or people[-1].start() < thing.start()) and not possessed:
                return False
        return True

    def spans(self, text: str) -> list[list[int]]:
        """The spans as stored in a message's payload: ``[[start, end], ...]``."""
        return [s.to_json() for s in self.find(text)]


def hide_spans(text: str, spans: Sequence[Sequence[int]] | None) -> str:
    """The text with each ``[start, end]`` span replaced by "[health detail hidden]"."""
    if not text or not spans:
        return text
    parts, at = [], 0
    for start, end in sorted((int(s), int(e)) for s, e in spans if 0 <= int(s) < int(e)):
        if start < at:
            continue
        parts.append(text[at:start])
        parts.append(HIDDEN)
        at = min(end, len(text))
    parts.append(text[at:])
    return "".join(parts)


def phrases_of(text: str, spans: Sequence[Sequence[int]] | None) -> set[str]:
    """The flagged phrases themselves ("heart attack"), to hide them in texts derived from the message
    (summaries, quotes) where the offsets no longer hold."""
    return {text[int(s):int(e)] for s, e in (spans or ()) if text and 0 <= int(s) < int(e) <= len(text)}


def scrub(value: Any, phrases: Iterable[str]) -> Any:
    """``value`` (JSON: dicts, lists, strings) with every occurrence of the phrases in any string replaced
    by "[health detail hidden]" (case-insensitive, whole words)."""
    phrases = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    if not phrases:
        return value
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)", re.IGNORECASE)

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(HIDDEN, item)
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v) for v in item]
        return item

    return walk(value)
